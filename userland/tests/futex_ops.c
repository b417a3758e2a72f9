/* Raw futex(2), clone(2) and clone3(2) semantics: EAGAIN, ETIMEDOUT, EINTR and restarts,
 * FIFO wake order, bitsets, requeue, wake_op, a MAP_SHARED futex between processes, a robust
 * lock whose owner died, and the clone flag checks. */
#include "t.h"
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>

/* <linux/futex.h> is not in musl's headers: the ABI values */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff
#define FUTEX_OP_SET 0
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff))
#ifndef CLONE_NEWPID
#define CLONE_NEWPID 0x20000000
#endif

static long futex(volatile int *uaddr, int op, int val, const struct timespec *ts, volatile int *uaddr2, int val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static const char *res(long r)
{
    static char buf[32];
    if (r < 0)
        return errno == ETIMEDOUT ? "ETIMEDOUT" : t_errname(errno);
    snprintf(buf, sizeof buf, "%ld", r);
    return buf;
}

static volatile int fa, fb;
/* number of waiters on a private futex, without waking or moving them */
static long waiters(volatile int *f)
{
    return futex(f, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, f, *f);
}

static int order[8], norder;
static void *ordered_waiter(void *arg)
{
    int id = (int)(intptr_t)arg;
    while (futex(&fa, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) != 0)
        ;
    order[__atomic_fetch_add(&norder, 1, __ATOMIC_SEQ_CST)] = id;
    return NULL;
}

static void *bitset_waiter(void *arg)
{
    int bits = (int)(intptr_t)arg;
    futex(&fb, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, bits);
    order[__atomic_fetch_add(&norder, 1, __ATOMIC_SEQ_CST)] = bits;
    return NULL;
}

static void wait_for_waiters(volatile int *f, long n)
{
    while (waiters(f) != n)
        sched_yield();
}

static void wait_for_order(int n)
{
    while (__atomic_load_n(&norder, __ATOMIC_SEQ_CST) < n)
        sched_yield();
}

static volatile int ticks;
static volatile int tickword;
static void on_alarm(int sig)
{
    (void)sig;
    if (ticks < 3 && ++ticks == 3)             /* a late tick before the timer is off: ignored */
        tickword = 1;
}

static void set_timer(int ms, int interval)
{
    struct itimerval it = {{0, interval ? ms * 1000 : 0}, {0, ms * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

struct clone_args_ {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};

int main(void)
{
    t_init();
    struct timespec ts = {0, 20 * 1000 * 1000};
    volatile int w = 1;

    printf("wait on changed value: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0)));
    printf("wait with timeout: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0)));
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    printf("bitset absolute monotonic, past: %s\n",
           res(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, &now, NULL, FUTEX_BITSET_MATCH_ANY)));
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 20 * 1000 * 1000;
    if (now.tv_nsec >= 1000000000) { now.tv_sec++; now.tv_nsec -= 1000000000; }
    printf("bitset absolute realtime: %s\n",
           res(futex(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &now, NULL, FUTEX_BITSET_MATCH_ANY)));
    printf("bitset 0: %s\n", res(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, 0)));
    struct timespec bad = {0, 2000000000L};
    printf("bad timespec: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 1, &bad, NULL, 0)));
    printf("wake nobody: %s\n", res(futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
    printf("unaligned: %s\n", res(futex((volatile int *)((char *)&w + 1), FUTEX_WAKE, 1, NULL, NULL, 0)));
    printf("bad address: %s\n", res(futex((volatile int *)8, FUTEX_WAIT, 0, NULL, NULL, 0)));
    printf("unknown op: %s\n", res(futex(&w, 99, 1, NULL, NULL, 0)));
    printf("wake with CLOCK_REALTIME: %s\n", res(futex(&w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0)));
    printf("requeue negative: %s\n", res(futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, -1, (void *)1L, &fb, 1)));

    /* FIFO: waiters queued one after the other are woken in that order */
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        pthread_create(&th[i], NULL, ordered_waiter, (void *)(intptr_t)(i + 1));
        wait_for_waiters(&fa, i + 1);
    }
    for (int i = 0; i < 3; i++) {
        long r = futex(&fa, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        wait_for_order(i + 1);
        printf("wake %d woke %ld: thread %d\n", i + 1, r, order[i]);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);

    /* bitsets */
    norder = 0;
    pthread_create(&th[0], NULL, bitset_waiter, (void *)(intptr_t)1);
    wait_for_waiters(&fb, 1);
    pthread_create(&th[1], NULL, bitset_waiter, (void *)(intptr_t)2);
    wait_for_waiters(&fb, 2);
    printf("wake bitset 2: %s\n", res(futex(&fb, FUTEX_WAKE_BITSET_PRIVATE, 5, NULL, NULL, 2)));
    wait_for_order(1);
    printf("woken: bitset %d\n", order[0]);
    printf("wake bitset 1: %s\n", res(futex(&fb, FUTEX_WAKE_BITSET_PRIVATE, 5, NULL, NULL, 1)));
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);

    /* requeue: two waiters on fa; wake one, move one to fb */
    norder = 0;
    for (int i = 0; i < 2; i++) {
        pthread_create(&th[i], NULL, ordered_waiter, (void *)(intptr_t)(i + 1));
        wait_for_waiters(&fa, i + 1);
    }
    printf("cmp_requeue wrong value: %s\n", res(futex(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1L, &fb, 5)));
    printf("cmp_requeue: %s\n", res(futex(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1L, &fb, 0)));
    wait_for_order(1);
    printf("left on fa %ld, on fb %ld\n", waiters(&fa), waiters(&fb));
    fb = 0;
    printf("wake_op on fb (set 7 if old == 0): %s\n",
           res(futex(&fa, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &fb,
                     FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 0))));
    printf("fb now %d\n", fb);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    printf("wake order: %d %d\n", order[0], order[1]);

    /* EINTR and restarts */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    set_timer(20, 0);
    printf("wait interrupted by a handler: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0)));
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct timespec longt = {5, 0};
    set_timer(20, 0);
    printf("timed wait, SA_RESTART handler: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 1, &longt, NULL, 0)));
    ticks = 0;
    set_timer(10, 1);
    long r = futex(&tickword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    set_timer(0, 0);
    printf("untimed wait, SA_RESTART handler: %s after %d ticks\n", res(r), ticks);

    /* a MAP_SHARED futex between two processes */
    volatile int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid = t_fork();
    if (pid == 0) {
        long rr;
        do
            rr = futex(sh, FUTEX_WAIT, 0, NULL, NULL, 0);
        while (rr < 0 && errno == EINTR);
        _exit(*sh == 42 ? 0 : 1);
    }
    while (futex(sh, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, sh, 0) != 1)
        sched_yield();
    *sh = 42;
    printf("shared wake: %s\n", res(futex(sh, FUTEX_WAKE, 1, NULL, NULL, 0)));
    printf("shared waiter: %s\n", t_status(t_wait(pid)));

    /* a robust, process-shared mutex whose owner died holding it */
    pthread_mutex_t *m = (pthread_mutex_t *)(sh + 16);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(m, &ma);
    pid = t_fork();
    if (pid == 0) {
        pthread_mutex_lock(m);
        syscall(SYS_exit_group, 0);             /* dies holding it: the kernel walks the list */
    }
    t_wait(pid);
    int e = pthread_mutex_lock(m);
    printf("lock after owner died: %s\n", e == EOWNERDEAD ? "EOWNERDEAD" : t_errname(e));
    pthread_mutex_consistent(m);
    pthread_mutex_unlock(m);
    printf("lock again: %s\n", t_errname(pthread_mutex_lock(m)));
    pthread_mutex_unlock(m);
    void *head;
    size_t len;
    long gr = syscall(SYS_get_robust_list, 0, &head, &len);
    printf("get_robust_list: %s len %zu\n", res(gr), len);

    /* clone flag checks */
    printf("clone SIGHAND without VM: %s\n", res(syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0)));
    printf("clone THREAD without SIGHAND: %s\n", res(syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0)));
    printf("clone THREAD with NEWPID: %s\n",
           res(syscall(SYS_clone, CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID, 0, 0, 0, 0)));

    /* CLONE_FILES: a close in the child is seen by the parent; without it, not */
    int fd = open("/dev/null", O_RDONLY);
    fflush(stdout);
    pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        close(fd);
        syscall(SYS_exit, 0);
    }
    t_wait(pid);
    printf("CLONE_FILES close seen: %s\n", t_yesno(fcntl(fd, F_GETFD) < 0 && errno == EBADF));
    fd = open("/dev/null", O_RDONLY);
    pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        close(fd);
        syscall(SYS_exit, 0);
    }
    t_wait(pid);
    printf("private table close seen: %s\n", t_yesno(fcntl(fd, F_GETFD) < 0));

    /* clone3 */
    struct clone_args_ ca;
    char big[128];
    memset(&ca, 0, sizeof ca);
    ca.exit_signal = SIGCHLD;
    printf("clone3 size 32: %s\n", res(syscall(SYS_clone3, &ca, 32)));
    printf("clone3 size 8192: %s\n", res(syscall(SYS_clone3, &ca, 8192)));
    memset(big, 0, sizeof big);
    memcpy(big, &ca, sizeof ca);
    big[100] = 1;
    printf("clone3 nonzero tail: %s\n", res(syscall(SYS_clone3, big, sizeof big)));
    ca.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    printf("clone3 thread with exit_signal: %s\n", res(syscall(SYS_clone3, &ca, sizeof ca)));
    ca.flags = 0;
    ca.stack = 4096;
    printf("clone3 stack without size: %s\n", res(syscall(SYS_clone3, &ca, sizeof ca)));
    ca.stack = 0;
    ca.exit_signal = 99;
    printf("clone3 bad exit signal: %s\n", res(syscall(SYS_clone3, &ca, sizeof ca)));
    ca.exit_signal = SIGCHLD;
    ca.flags = CLONE_DETACHED;
    printf("clone3 CLONE_DETACHED: %s\n", res(syscall(SYS_clone3, &ca, sizeof ca)));
    ca.flags = 0;
    fflush(stdout);
    pid = syscall(SYS_clone3, &ca, 64);
    if (pid == 0)
        syscall(SYS_exit, 4);
    printf("clone3 fork: %s\n", t_status(t_wait(pid)));
    return t_done();
}
