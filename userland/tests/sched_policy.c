/*
 * sched_policy.c - scheduling policies: the priority ranges of each policy,
 * sched_setscheduler/getscheduler/setparam/getparam on the caller, their
 * EINVAL cases, SCHED_RESET_ON_FORK, and what a forked child inherits.
 * Only changes any user may make (SCHED_BATCH, SCHED_IDLE, setting
 * RESET_ON_FORK; the one-way ones in a child), so it runs the same with or
 * without CAP_SYS_NICE, e.g. as root in a container.
 */
#include "t.h"
#include <sched.h>
#include <sys/syscall.h>

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static int getsched(pid_t pid) { return (int)syscall(SYS_sched_getscheduler, pid); }

static int setsched(pid_t pid, int policy, int prio)
{
    struct sched_param sp = {.sched_priority = prio};
    return (int)syscall(SYS_sched_setscheduler, pid, policy, &sp);
}

static int getprio(pid_t pid)
{
    struct sched_param sp = {.sched_priority = -1};
    return syscall(SYS_sched_getparam, pid, &sp) < 0 ? -1 : sp.sched_priority;
}

int main(void)
{
    t_init();
    printf("FIFO range: %d..%d\n", sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO));
    printf("RR range: %d..%d\n", sched_get_priority_min(SCHED_RR), sched_get_priority_max(SCHED_RR));
    printf("OTHER range: %d..%d\n", sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER));
    errno = 0;
    t_check("bad policy range", sched_get_priority_max(42) == -1 && errno == EINVAL, "");
    printf("initial policy %d prio %d\n", getsched(0), getprio(0));
    t_check("OTHER with prio 5", setsched(0, SCHED_OTHER, 5) < 0 && errno == EINVAL, "errno %s", t_errname(errno));
    t_check("FIFO with prio 0", setsched(0, SCHED_FIFO, 0) < 0 && errno == EINVAL, "errno %s", t_errname(errno));
    t_check("FIFO with prio 100", setsched(0, SCHED_FIFO, 100) < 0 && errno == EINVAL, "");
    t_check("bad policy", setsched(0, 42, 0) < 0 && errno == EINVAL, "");
    t_check("negative pid", getsched(-1) < 0 && errno == EINVAL, "");
    t_check("null param", syscall(SYS_sched_getparam, 0, NULL) < 0 && errno == EINVAL, "");
    t_check("BATCH", setsched(0, SCHED_BATCH, 0) == 0, "errno %s", t_errname(errno));
    printf("now policy %d prio %d\n", getsched(0), getprio(0));
    struct sched_param sp = {.sched_priority = 0};
    t_check("setparam", syscall(SYS_sched_setparam, 0, &sp) == 0 && getprio(0) == 0, "");
    sp.sched_priority = 3;
    t_check("setparam 3 on BATCH", syscall(SYS_sched_setparam, 0, &sp) < 0 && errno == EINVAL, "");
    struct timespec ts;
    t_check("rr interval on BATCH", syscall(SYS_sched_rr_get_interval, 0, &ts) == 0, "");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(getsched(0) == SCHED_BATCH ? 0 : 1);
    int st;
    waitpid(pid, &st, 0);
    t_check("child inherits BATCH", WIFEXITED(st) && WEXITSTATUS(st) == 0, "");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (setsched(0, SCHED_IDLE | SCHED_RESET_ON_FORK, 0) < 0)
            _exit(2);
        if (getsched(0) != (SCHED_IDLE | SCHED_RESET_ON_FORK))
            _exit(3);
        pid_t g = fork();
        if (g == 0)
            _exit(getsched(0) == SCHED_IDLE ? 0 : 1);    /* only RT policies reset */
        int gst;
        waitpid(g, &gst, 0);
        _exit(WIFEXITED(gst) && WEXITSTATUS(gst) == 0 ? 0 : 4);
    }
    waitpid(pid, &st, 0);
    t_check("IDLE reset-on-fork: grandchild IDLE, flag cleared", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %s",
            t_status(st));
    t_check("back to OTHER", setsched(0, SCHED_OTHER, 0) == 0 && getsched(0) == SCHED_OTHER, "");
    return t_done();
}
