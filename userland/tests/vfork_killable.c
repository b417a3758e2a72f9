/* A process waiting in vfork for a child that never execs still dies of SIGKILL at once
 * (the vfork wait is killable, as Linux's wait_for_vfork_done). */
#include "t.h"
int main(void)
{
    t_init();
    int p[2];
    pipe(p);
    pid_t pid = t_fork();
    if (pid == 0) {
        pid_t c = vfork();
        if (c == 0) {                       /* never execs: the parent stays in vfork */
            pid_t me = getpid();
            write(p[1], &me, sizeof me);
            for (;;)
                pause();
        }
        _exit(1);
    }
    pid_t grandchild;
    read(p[0], &grandchild, sizeof grandchild);
    kill(pid, SIGKILL);
    printf("vfork parent killed: %s\n", t_status(t_wait(pid)));
    kill(grandchild, SIGKILL);
    return t_done();
}
