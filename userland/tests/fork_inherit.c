/*
 * fork_inherit.c - what a forked child inherits from its parent and what it
 * does not (Linux copy_process): the nice value, the I/O priority, the
 * no_new_privs flag, the umask and resource limits are copied; the parent
 * death signal is cleared. The child reports through its exit status and
 * the parent prints, so only one process prints at a time.
 */
#include "t.h"
#include <sys/prctl.h>
#include <sys/syscall.h>

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_BE_5 ((2 << 13) | 5)

static int child_check(void)
{
    int bad = 0;
    errno = 0;
    if (getpriority(PRIO_PROCESS, 0) != 7 || errno)
        bad |= 1;
    if (syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) != IOPRIO_BE_5)
        bad |= 2;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        bad |= 4;
    mode_t m = umask(0);
    if (m != 027)
        bad |= 8;
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) || r.rlim_cur != 77)
        bad |= 16;
    int sig = -1;
    if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) || sig != 0)
        bad |= 32;
    return bad;
}

int main(void)
{
    t_init();
    t_check("setpriority", setpriority(PRIO_PROCESS, 0, 7) == 0, "errno %s", t_errname(errno));
    t_check("ioprio_set", syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_BE_5) == 0,
            "errno %s", t_errname(errno));
    t_check("ioprio_get", syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) == IOPRIO_BE_5, "");
    t_check("no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "errno %s",
            t_errname(errno));
    umask(027);
    struct rlimit r = {77, 77};
    t_check("setrlimit", setrlimit(RLIMIT_NOFILE, &r) == 0, "errno %s", t_errname(errno));
    prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_check());
    int st;
    waitpid(pid, &st, 0);
    int bad = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
    t_check("child nice", !(bad & 1), "bits %d", bad);
    t_check("child ioprio", !(bad & 2), "bits %d", bad);
    t_check("child no_new_privs", !(bad & 4), "bits %d", bad);
    t_check("child umask", !(bad & 8), "bits %d", bad);
    t_check("child rlimit", !(bad & 16), "bits %d", bad);
    t_check("child pdeath_signal cleared", !(bad & 32), "bits %d", bad);
    t_check("setpriority pgrp", setpriority(PRIO_PGRP, 0, 9) == 0, "errno %s", t_errname(errno));
    errno = 0;
    t_check("getpriority pgrp", getpriority(PRIO_PGRP, 0) == 9 && !errno, "");
    errno = 0;
    t_check("getpriority bad which", getpriority(7, 0) == -1 && errno == EINVAL, "errno %s",
            t_errname(errno));
    t_check("ioprio_set none+level", syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, 1) == -1 &&
            errno == EINVAL, "errno %s", t_errname(errno));
    return t_done();
}
