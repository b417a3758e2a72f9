/*
 * vfork.c - vfork() suspends the parent until the child calls _exit or
 * execve, and the child runs in the parent's memory meanwhile: what the child
 * writes before _exit is visible to the parent, and the child always runs
 * first. After exec the child has its own image and the parent resumes.
 */
#include "t.h"

static volatile int g_shared;
static volatile int g_order[4];
static volatile int g_pos;

int main(void)
{
    t_init();
    fflush(stdout);

    /* 1. The child runs first and writes a global the parent then sees. */
    g_shared = 1;
    g_pos = 0;
    pid_t c = vfork();
    if (c == 0) {
        g_order[g_pos++] = 1; /* child */
        g_shared = 42;
        _exit(3);
    }
    g_order[g_pos++] = 2; /* parent */
    printf("vfork returned child pid > 0: %s\n", t_yesno(c > 0));
    printf("child ran first: %s\n", t_yesno(g_pos == 2 && g_order[0] == 1 && g_order[1] == 2));
    printf("parent sees child's write: %s (g_shared=%d)\n", t_yesno(g_shared == 42), g_shared);
    printf("child: %s\n", t_status(t_wait(c)));

    /* 2. vfork + execve: the child's exec releases the parent; the exit status comes back. */
    g_shared = 0;
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        g_shared = 7;
        char *argv[] = {"sh", "-c", "exit 5", NULL};
        char *envp[] = {NULL};
        execve("/bin/sh", argv, envp);
        _exit(127);
    }
    printf("parent resumed after child's exec, saw pre-exec write: %s\n", t_yesno(g_shared == 7));
    printf("exec'd child: %s\n", t_status(t_wait(c)));

    /* 3. vfork + failed exec: the child reports with _exit, the parent sees errno. */
    volatile int child_errno = 0;
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        char *argv[] = {"missing", NULL};
        char *envp[] = {NULL};
        execve("/nonexistent", argv, envp);
        child_errno = errno;
        _exit(126);
    }
    printf("failed exec in vfork child: %s, errno seen by parent %s\n", t_status(t_wait(c)),
           t_errname(child_errno));

    /* 4. Several vforks in a row, each child writing its index. */
    volatile int sum = 0;
    for (volatile int i = 1; i <= 20; i++) {
        fflush(stdout);
        c = vfork();
        if (c == 0) {
            g_shared = i;
            _exit(0);
        }
        sum += g_shared;
        t_wait(c);
    }
    printf("20 vforks, sum of child writes: %d\n", sum);
    return t_done();
}
