/* sched_setattr / sched_getattr: struct sched_attr's size rules, reading back every policy,
 * SCHED_DEADLINE's parameter checks, the permission rules for an
 * unprivileged user, and that a deadline task may not fork. */
#include "t.h"
#include <stdint.h>
#include <sys/syscall.h>

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10
#define SCHED_FLAG_UTIL_CLAMP_MIN 0x20

struct attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t prio;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
    char tail[16];
};

static long setattr(pid_t pid, void *a, unsigned flags) { return syscall(SYS_sched_setattr, pid, a, flags); }
static long getattr(pid_t pid, void *a, unsigned size, unsigned flags)
{
    return syscall(SYS_sched_getattr, pid, a, size, flags);
}

static void show_attr(const char *what)
{
    struct attr a;
    memset(&a, 0xff, sizeof a);
    long r = getattr(0, &a, sizeof a, 0);
    /* a fair task's sched_runtime is its slice, which depends on the CPU count: not shown */
    printf("%s: r=%ld size=%u policy=%u flags=%llu nice=%d prio=%u rt=%llu dl=%llu per=%llu tail=%d\n",
           what, r, a.size, a.policy, (unsigned long long)a.flags, a.nice, a.prio,
           a.policy == SCHED_DEADLINE ? (unsigned long long)a.runtime : 0ULL, (unsigned long long)a.deadline,
           (unsigned long long)a.period, (unsigned char)a.tail[0]);
}

static void deadline_child(void *arg)
{
    (void)arg;
    struct attr a = {.size = 48, .policy = SCHED_DEADLINE, .runtime = 10000000,
                     .deadline = 30000000, .period = 30000000};
    SHOW("set deadline", setattr(0, &a, 0));
    show_attr("deadline");
    SHOW("getscheduler", syscall(SYS_sched_getscheduler, 0));
    struct sched_param sp = {0};
    SHOW("setparam on deadline", syscall(SYS_sched_setparam, 0, &sp));
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    printf("fork: %s\n", c < 0 ? t_errname(errno) : "ok");
    if (c > 0)
        waitpid(c, NULL, 0);
    volatile unsigned long spin = 0;
    for (int i = 0; i < 2000000; i++)       /* runs on through throttling and replenishment */
        spin += i;
    printf("spun: %s\n", t_yesno(spin > 0));
    a.flags = SCHED_FLAG_RESET_ON_FORK;
    SHOW("set deadline reset-on-fork", setattr(0, &a, 0));
    c = fork();
    if (c == 0) {
        printf("child policy: %ld\n", syscall(SYS_sched_getscheduler, 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    struct attr n = {.size = 48, .policy = SCHED_OTHER};
    SHOW("back to other", setattr(0, &n, 0));
    show_attr("other again");
}

static void user_child(void *arg)
{
    (void)arg;
    struct attr a = {.size = 48, .policy = SCHED_OTHER, .nice = 5};
    setresuid(1000, 1000, 1000);
    SHOW("user nice 5", setattr(0, &a, 0));
    show_attr("user");
    a.nice = 2;
    SHOW("user nice back to 2", setattr(0, &a, 0));
    struct attr d = {.size = 48, .policy = SCHED_DEADLINE, .runtime = 10000000,
                     .deadline = 30000000, .period = 30000000};
    SHOW("user deadline", setattr(0, &d, 0));
    struct attr f = {.size = 48, .policy = SCHED_FIFO, .prio = 1};
    SHOW("user fifo", setattr(0, &f, 0));
    SHOW("user root's init", setattr(1, &a, 0));
}

int main(void)
{
    t_init();
    struct attr a;
    memset(&a, 0, sizeof a);
    show_attr("initial");
    SHOW("getattr size 47", getattr(0, &a, 47, 0));
    SHOW("getattr size 4097", getattr(0, &a, 4097, 0));
    SHOW("getattr flags", getattr(0, &a, 56, 1));
    SHOW("getattr NULL", getattr(0, NULL, 56, 0));
    SHOW("getattr pid -1", getattr(-1, &a, 56, 0));
    SHOW("getattr unused pid", getattr(4000000, &a, 56, 0));
    SHOW("getattr size 48", getattr(0, &a, 48, 0));
    printf("size written: %u\n", a.size);
    SHOW("getattr bad address", getattr(0, (void *)8, 56, 0));

    memset(&a, 0, sizeof a);
    a.size = 40;
    SHOW("setattr size 40", setattr(0, &a, 0));
    printf("size written back: %u\n", a.size);
    a.size = 8192;
    SHOW("setattr size 8192", setattr(0, &a, 0));
    printf("size written back: %u\n", a.size);
    memset(&a, 0, sizeof a);
    a.size = 72;
    a.tail[3] = 1;
    SHOW("setattr nonzero tail", setattr(0, &a, 0));
    printf("size written back: %u\n", a.size);
    a.tail[3] = 0;
    a.size = 72;
    SHOW("setattr zero tail", setattr(0, &a, 0));
    a.size = 0;
    a.nice = 3;
    SHOW("setattr size 0 nice 3", setattr(0, &a, 0));
    show_attr("nice 3");
    a.nice = 0;
    SHOW("setattr flags arg", setattr(0, &a, 1));
    SHOW("setattr NULL", setattr(0, NULL, 0));
    SHOW("setattr pid -1", setattr(-1, &a, 0));
    SHOW("setattr unused pid", setattr(4000000, &a, 0));
    a.policy = 4;
    SHOW("policy 4", setattr(0, &a, 0));
    a.policy = -1;
    SHOW("policy -1", setattr(0, &a, 0));
    a.policy = SCHED_OTHER;
    a.flags = 0x80;
    SHOW("unknown sched flag", setattr(0, &a, 0));
    a.flags = SCHED_FLAG_UTIL_CLAMP_MIN;
    a.size = 48;
    SHOW("util clamp at VER0", setattr(0, &a, 0));
    a.flags = 0;
    a.policy = SCHED_FIFO;
    a.prio = 0;
    SHOW("fifo prio 0", setattr(0, &a, 0));
    a.prio = 100;
    SHOW("fifo prio 100", setattr(0, &a, 0));
    a.prio = 7;
    SHOW("fifo prio 7", setattr(0, &a, 0));
    show_attr("fifo");
    a.flags = SCHED_FLAG_KEEP_POLICY;
    a.prio = 9;
    SHOW("keep policy prio 9", setattr(0, &a, 0));
    show_attr("kept fifo");
    a.policy = SCHED_OTHER;
    a.prio = 0;
    a.flags = 0;
    SHOW("other", setattr(0, &a, 0));
    a.policy = SCHED_OTHER;
    a.nice = 4;
    a.flags = SCHED_FLAG_KEEP_PARAMS;
    SHOW("keep params", setattr(0, &a, 0));
    show_attr("kept nice");

    struct attr d = {.size = 48, .policy = SCHED_DEADLINE};
    unsigned long long bad[][3] = {{0, 0, 0}, {10000000, 0, 30000000}, {100, 30000000, 30000000},
                                   {20000000, 10000000, 30000000}, {10000000, 30000000, 20000000},
                                   {10000, 50000, 50000}, {10000000, 30000000, 5000000000ULL},
                                   {10000000, 30000000, 1ULL << 63}};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[32];
        d.runtime = bad[i][0], d.deadline = bad[i][1], d.period = bad[i][2];
        snprintf(name, sizeof name, "bad deadline %u", i);
        SHOW(name, setattr(0, &d, 0));
    }
    /* (the bandwidth admission test depends on the CPU count: tests/kernel/test_sched_attr.py) */
    d.runtime = 900000000, d.deadline = 1000000000, d.period = 0;
    pid_t c = t_fork();
    if (c == 0) {
        SHOW("90% with zero period", setattr(0, &d, 0));
        show_attr("big deadline");
        _exit(0);
    }
    t_wait(c);
    struct attr o = {.size = 48, .policy = SCHED_OTHER};
    SHOW("release", setattr(0, &o, 0));

    t_in_child(deadline_child, NULL);
    t_in_child(user_child, NULL);
    return t_done();
}
