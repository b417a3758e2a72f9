/* vhangup(2): EPERM without CAP_SYS_TTY_CONFIG; with it and no controlling terminal (a new
 * session has none) nothing is hung up and the call succeeds. */
#include "t.h"
#include <sys/syscall.h>

static void unprivileged(void *arg)
{
    (void)arg;
    if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) {
        printf("setresuid failed\n");
        return;
    }
    SHOW("user vhangup", syscall(SYS_vhangup));
}

static void new_session(void *arg)
{
    (void)arg;
    SHOW("setsid", setsid() > 0);
    SHOW("root vhangup without a terminal", syscall(SYS_vhangup));
    SHOW("still alive", 1);
}

int main(void)
{
    t_init();
    printf("user child: %s\n", t_status(t_in_child(unprivileged, NULL)));
    printf("session child: %s\n", t_status(t_in_child(new_session, NULL)));
    return 0;
}
