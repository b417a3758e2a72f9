/* setfsuid/setfsgid: the old fs id is always returned, -1 only asks, an unprivileged task may
 * only pick one of its four ids, setresuid/setresgid reset the fs id to the effective one, and
 * the fs id (not the effective one) is what file permission checks use. */
#include "t.h"
#include <sys/syscall.h>

static long fsuid(long v) { return syscall(SYS_setfsuid, v); }
static long fsgid(long v) { return syscall(SYS_setfsgid, v); }

static void as_user(void *arg)
{
    (void)arg;
    if (setresgid(100, 200, 300) || setresuid(1000, 2000, 3000)) {
        printf("setresuid failed\n");
        return;
    }
    SHOW("user fsuid query", fsuid(-1));
    SHOW("user fsgid query", fsgid(-1));
    SHOW("user fsuid to ruid", fsuid(1000));
    SHOW("user fsuid now", fsuid(-1));
    SHOW("user fsuid to suid", fsuid(3000));
    SHOW("user fsuid now", fsuid(-1));
    SHOW("user fsuid to other", fsuid(4000));
    SHOW("user fsuid unchanged", fsuid(-1));
    SHOW("user fsuid to 0", fsuid(0));
    SHOW("user fsuid unchanged", fsuid(-1));
    SHOW("user fsgid to rgid", fsgid(100));
    SHOW("user fsgid to other", fsgid(400));
    SHOW("user fsgid unchanged", fsgid(-1));
    SHOW("user setresuid resets fsuid", setresuid(-1, 1000, -1));
    SHOW("user fsuid follows euid", fsuid(-1));
    SHOW("user setresgid resets fsgid", setresgid(-1, 300, -1));
    SHOW("user fsgid follows egid", fsgid(-1));
}

static void root_fs_user(void *arg)
{
    const char *f = arg;
    SHOW("root open as fsuid 0", open(f, O_RDONLY) >= 0);
    SHOW("root fsuid to 1000", fsuid(1000));
    SHOW("root euid still", geteuid());
    SHOW("root open as fsuid 1000", open(f, O_RDONLY));
    SHOW("root fsuid back to 0", fsuid(0));
    SHOW("root open again", open(f, O_RDONLY) >= 0);
}

int main(void)
{
    t_init();
    SHOW("root fsuid query", fsuid(-1));
    SHOW("root fsgid query", fsgid(-1));
    SHOW("root fsuid to 1234", fsuid(1234));
    SHOW("root fsuid now", fsuid(-1));
    SHOW("root fsuid upper bits ignored", fsuid(0x100000000L | 1235));
    SHOW("root fsuid now", fsuid(-1));
    SHOW("root fsuid back", fsuid(0));
    SHOW("root fsgid to 77", fsgid(77));
    SHOW("root fsgid now", fsgid(-1));
    SHOW("root fsgid back", fsgid(0));
    printf("user child: %s\n", t_status(t_in_child(as_user, NULL)));

    const char *f = t_tmp("setfsid");
    int fd = open(f, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0) {
        printf("create failed: %s\n", t_errname(errno));
        return 1;
    }
    close(fd);
    printf("fs user child: %s\n", t_status(t_in_child(root_fs_user, (void *)f)));
    unlink(f);
    return 0;
}
