/* Futex waits across a stop and continue: an untimed wait restarts (ERESTARTSYS) and is woken
 * later; a timed wait restarts through restart_syscall with its original deadline and times
 * out. clone3 with CLONE_CLEAR_SIGHAND resets caught signals in the child. */
#include "t.h"
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define CLONE_CLEAR_SIGHAND 0x100000000ULL

static long futex(volatile int *uaddr, int op, int val, const struct timespec *ts, volatile int *uaddr2, int val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static long waiters(volatile int *f)
{
    return futex(f, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, f, *f);
}

static void stop_and_continue(pid_t pid)
{
    int st;
    kill(pid, SIGSTOP);
    waitpid(pid, &st, WUNTRACED);
    printf("child %s\n", t_status(st));
    kill(pid, SIGCONT);
}

static void on_usr1(int sig) { (void)sig; }

struct clone_args_ {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int main(void)
{
    t_init();
    volatile int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    pid_t pid = t_fork();
    if (pid == 0) {
        long r = futex(sh, FUTEX_WAIT, 0, NULL, NULL, 0);
        _exit(r == 0 ? 0 : 10 + errno);
    }
    while (waiters(sh) != 1)
        sched_yield();
    stop_and_continue(pid);
    while (waiters(sh) != 1)                     /* back in the wait after the restart */
        sched_yield();
    *sh = 1;
    futex(sh, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("untimed wait across stop/continue: %s\n", t_status(t_wait(pid)));

    sh[1] = 0;
    pid = t_fork();
    if (pid == 0) {
        struct timespec ts = {0, 300 * 1000 * 1000};
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        long r = futex(sh + 1, FUTEX_WAIT, 0, &ts, NULL, 0);
        int e = errno;
        clock_gettime(CLOCK_MONOTONIC, &b);
        long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
        /* restarted with the old deadline: never early, and not waiting anew for long */
        _exit(r < 0 && e == ETIMEDOUT ? (ms < 290 ? 2 : ms < 3000 ? 0 : 3) : 1);
    }
    while (waiters(sh + 1) != 1)
        sched_yield();
    struct timespec d = {0, 100 * 1000 * 1000};
    nanosleep(&d, NULL);
    stop_and_continue(pid);
    printf("timed wait across stop/continue: %s\n", t_status(t_wait(pid)));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGUSR2, SIG_IGN);
    struct clone_args_ ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_CLEAR_SIGHAND;
    ca.exit_signal = SIGCHLD;
    fflush(stdout);
    pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0) {
        struct sigaction o1, o2;
        sigaction(SIGUSR1, NULL, &o1);
        sigaction(SIGUSR2, NULL, &o2);
        syscall(SYS_exit, (o1.sa_handler == SIG_DFL) | (o2.sa_handler == SIG_IGN) << 1);
    }
    printf("CLONE_CLEAR_SIGHAND child: %s\n", t_status(t_wait(pid)));
    ca.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
    long r = syscall(SYS_clone3, &ca, sizeof ca);
    printf("CLEAR_SIGHAND with SIGHAND: %ld %s\n", r, t_errname(errno));
    return t_done();
}
