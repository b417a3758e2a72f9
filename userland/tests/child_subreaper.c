/*
 * child_subreaper.c - PR_SET_CHILD_SUBREAPER: a daemon made the classic way
 * (double fork, setsid) below a subreaper is adopted by the subreaper, not by
 * init, and the subreaper's wait reaps it; PR_GET_CHILD_SUBREAPER reads the
 * flag back; a subreaper's own children do not inherit the flag but their
 * orphans still go to it; clearing it sends the next orphan to init again.
 */
#include "t.h"
#include <sys/prctl.h>

static int orphan_parent_is(pid_t want)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        if (fork() == 0) {
            setsid();
            for (int i = 0; i < 2000 && getppid() == getpid(); i++)
                usleep(1000);
            for (int i = 0; i < 2000; i++) {     /* wait for our parent to be gone */
                if (getppid() == want)
                    break;
                usleep(1000);
            }
            char r = getppid() == want ? 'y' : 'n';
            write(p[1], &r, 1);
            _exit(0);
        }
        _exit(0);
    }
    close(p[1]);
    int st;
    waitpid(c, &st, 0);
    char r = '?';
    read(p[0], &r, 1);
    close(p[0]);
    return r == 'y';
}

int main(void)
{
    t_init();
    int v = -1;
    int r = prctl(PR_GET_CHILD_SUBREAPER, &v);
    printf("get before: %d %d\n", r, v);
    printf("set: %d\n", prctl(PR_SET_CHILD_SUBREAPER, 1));
    prctl(PR_GET_CHILD_SUBREAPER, &v);
    printf("get after: %d\n", v);
    printf("daemon adopted by the subreaper: %s\n", t_yesno(orphan_parent_is(getpid())));
    int st, n = 0;
    pid_t w;
    for (int i = 0; i < 200 && (w = waitpid(-1, &st, WNOHANG)) >= 0; i++) {
        if (w > 0) {
            n++;
            break;
        }
        usleep(5000);
    }
    printf("subreaper reaped the daemon: %s\n", t_yesno(n == 1));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        prctl(PR_GET_CHILD_SUBREAPER, &v);
        printf("child inherits the flag: %s\n", t_yesno(v != 0));
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("clear: %d\n", prctl(PR_SET_CHILD_SUBREAPER, 0));
    printf("after clearing, adopted by the subreaper: %s\n",
           t_yesno(orphan_parent_is(getpid())));
    return t_done();
}
