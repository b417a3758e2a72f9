/*
 * sched_policy.c - sched_setscheduler/getscheduler/setparam/getparam,
 * priority ranges, sched_rr_get_interval for FIFO and RR, inheritance by
 * fork and SCHED_RESET_ON_FORK, and the errors: bad policy or priority,
 * NULL param, negative or unknown pid, non-root real time (EPERM).
 * (Needs root for the real-time part, as on Linux.)
 */
#include "t.h"
#include <sched.h>
#include <sys/syscall.h>

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static int setsched(pid_t pid, int policy, int prio)
{
    struct sched_param sp = {.sched_priority = prio};
    return (int)syscall(SYS_sched_setscheduler, pid, policy, &sp);
}

static void show(const char *who)
{
    struct sched_param sp = {0};
    int pol = (int)syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_getparam, 0, &sp);
    printf("%s: policy %#x priority %d\n", who, pol, sp.sched_priority);
}

int main(void)
{
    t_init();
    int pols[] = {SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE};
    for (int i = 0; i < 5; i++)
        printf("policy %d: min %d max %d\n", pols[i], sched_get_priority_min(pols[i]),
               sched_get_priority_max(pols[i]));
    int r = sched_get_priority_max(42);
    printf("policy 42: %d %s\n", r, t_errname(errno));
    show("start");
    if (geteuid() != 0) {
        printf("not root: skipped\n");
        return 0;
    }
    printf("FIFO 10: %d\n", setsched(0, SCHED_FIFO, 10));
    show("after FIFO 10");
    struct timespec ts;
    sched_rr_get_interval(0, &ts);
    printf("FIFO quantum: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    struct sched_param sp = {.sched_priority = 20};
    printf("setparam 20: %d\n", (int)syscall(SYS_sched_setparam, 0, &sp));
    show("after setparam");
    pid_t c = t_fork();
    if (c == 0) {
        show("child");
        _exit(0);
    }
    t_wait(c);
    printf("RR 5 with reset-on-fork: %d\n", setsched(0, SCHED_RR | SCHED_RESET_ON_FORK, 5));
    show("after RR");
    sched_rr_get_interval(0, &ts);
    printf("RR quantum: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    c = t_fork();
    if (c == 0) {
        show("child of reset-on-fork");
        _exit(0);
    }
    t_wait(c);

    r = setsched(0, SCHED_FIFO, 0);
    printf("FIFO 0: %d %s\n", r, t_errname(errno));
    r = setsched(0, SCHED_OTHER, 5);
    printf("OTHER 5: %d %s\n", r, t_errname(errno));
    r = setsched(0, 7, 0);
    printf("policy 7: %d %s\n", r, t_errname(errno));
    r = (int)syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL);
    printf("NULL param: %d %s\n", r, t_errname(errno));
    r = setsched(-1, SCHED_OTHER, 0);
    printf("pid -1: %d %s\n", r, t_errname(errno));
    r = setsched(999999, SCHED_OTHER, 0);
    printf("no such pid: %d %s\n", r, t_errname(errno));
    printf("back to OTHER: %d\n", setsched(0, SCHED_OTHER, 0));
    show("end");
    c = t_fork();
    if (c == 0) {
        setuid(1000);
        r = setsched(0, SCHED_FIFO, 1);
        printf("non-root FIFO: %d %s\n", r, t_errname(errno));
        printf("non-root BATCH: %d\n", setsched(0, SCHED_BATCH, 0));
        r = setsched(1, SCHED_OTHER, 0);
        printf("non-root on pid 1: %d %s\n", r, t_errname(errno));
        _exit(0);
    }
    t_wait(c);
    return 0;
}
