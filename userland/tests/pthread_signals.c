/* Signals and threads: a process-directed signal goes to the one thread that does not block
 * it, tgkill reaches one thread, sigwaitinfo takes queued real-time signals in order, a fatal
 * signal to the group kills every thread. */
#include "t.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static volatile pid_t handled_by;
static volatile int handled_sig;
static void on_usr(int sig)
{
    handled_by = gettid_();
    handled_sig = sig;
}

static pthread_barrier_t bar;
static volatile pid_t worker_tid;
static volatile int stop_worker;

static void *unblocked_worker(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    worker_tid = gettid_();
    pthread_barrier_wait(&bar);
    while (!stop_worker)
        sched_yield();
    return NULL;
}

static void *waiter(void *arg)
{
    int *out = arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN);
    sigaddset(&s, SIGRTMIN + 1);
    pthread_barrier_wait(&bar);
    for (int i = 0; i < 4; i++) {
        siginfo_t si;
        int sig = sigwaitinfo(&s, &si);
        out[2 * i] = sig - SIGRTMIN;
        out[2 * i + 1] = si.si_value.sival_int;
    }
    return NULL;
}

static pthread_barrier_t idbar;
static int thread_uid[3];
static void *uid_reader(void *arg)
{
    int i = (int)(intptr_t)arg;
    pthread_barrier_wait(&idbar);
    pthread_barrier_wait(&idbar);
    thread_uid[i] = (int)syscall(SYS_getuid);
    return NULL;
}

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(void)
{
    t_init();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);

    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, &old);      /* new threads inherit the mask */

    pthread_barrier_init(&bar, NULL, 2);
    pthread_t w;
    pthread_create(&w, NULL, unblocked_worker, NULL);
    pthread_barrier_wait(&bar);
    kill(getpid(), SIGUSR1);
    while (!handled_sig)
        sched_yield();
    t_check("process signal handled by the unblocked thread", handled_by == worker_tid, NULL);
    printf("handled signal %d\n", handled_sig);

    handled_sig = 0;
    pthread_kill(w, SIGUSR2);
    while (!handled_sig)
        sched_yield();
    t_check("pthread_kill reaches that thread", handled_by == worker_tid && handled_sig == SIGUSR2, NULL);

    /* tgkill to the main thread: it blocks SIGUSR1, so it stays pending for main only */
    syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1);
    sigset_t p;
    sigpending(&p);
    t_check("tgkill to a blocking thread stays pending", sigismember(&p, SIGUSR1), NULL);
    handled_sig = 0;
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    t_check("delivered to main on unblock", handled_sig == SIGUSR1 && handled_by == gettid_(), NULL);
    stop_worker = 1;
    pthread_join(w, NULL);

    /* sigwaitinfo: real-time signals queue, in order, with their values */
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    sigaddset(&rt, SIGRTMIN + 1);
    pthread_sigmask(SIG_BLOCK, &rt, NULL);
    int got[8];
    pthread_barrier_init(&bar, NULL, 2);
    pthread_t wt;
    pthread_create(&wt, NULL, waiter, got);
    union sigval v;                             /* all queued before the waiter looks */
    v.sival_int = 11; sigqueue(getpid(), SIGRTMIN + 1, v);
    v.sival_int = 12; sigqueue(getpid(), SIGRTMIN, v);
    v.sival_int = 13; sigqueue(getpid(), SIGRTMIN + 1, v);
    v.sival_int = 14; sigqueue(getpid(), SIGRTMIN, v);
    pthread_barrier_wait(&bar);
    pthread_join(wt, NULL);
    printf("sigwaitinfo order:");
    for (int i = 0; i < 4; i++)
        printf(" rt+%d=%d", got[2 * i], got[2 * i + 1]);
    printf("\n");

    struct timespec zero = {0, 0};
    errno = 0;
    int r = sigtimedwait(&rt, NULL, &zero);
    printf("sigtimedwait nothing pending: %d %s\n", r, t_errname(errno));
    struct timespec shortt = {0, 20 * 1000 * 1000};
    errno = 0;
    r = sigtimedwait(&rt, NULL, &shortt);
    printf("sigtimedwait timeout: %d %s\n", r, t_errname(errno));

    /* a fatal signal to the group kills all its threads */
    pid_t pid = t_fork();
    if (pid == 0) {
        pthread_t a, b;
        pthread_create(&a, NULL, sleeper, NULL);
        pthread_create(&b, NULL, sleeper, NULL);
        kill(getpid(), SIGTERM);
        for (;;)
            pause();
    }
    int st = t_wait(pid);
    printf("group signal: %s\n", t_status(st));

    /* a thread that faults takes the process down */
    pid = t_fork();
    if (pid == 0) {
        pthread_t a;
        pthread_create(&a, NULL, sleeper, NULL);
        syscall(SYS_tgkill, getpid(), gettid_(), SIGKILL);
        for (;;)
            pause();
    }
    st = t_wait(pid);
    printf("tgkill SIGKILL: %s\n", t_status(st));

    /* setuid in a threaded process: libc signals every thread to change its own ids */
    pid = t_fork();
    if (pid == 0) {
        pthread_t r[3];
        pthread_barrier_init(&idbar, NULL, 4);
        for (int i = 0; i < 3; i++)
            pthread_create(&r[i], NULL, uid_reader, (void *)(intptr_t)i);
        pthread_barrier_wait(&idbar);
        setuid(getuid() == 0 ? 1234 : getuid());
        pthread_barrier_wait(&idbar);
        for (int i = 0; i < 3; i++)
            pthread_join(r[i], NULL);
        int u = getuid();
        _exit(thread_uid[0] == u && thread_uid[1] == u && thread_uid[2] == u ? 0 : 1);
    }
    printf("setuid reaches every thread: %s\n", t_status(t_wait(pid)));

    /* a zombie is still there for tgkill and kill (0, nothing delivered) until reaped */
    pid = t_fork();
    if (pid == 0)
        _exit(0);
    siginfo_t si;
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    errno = 0;
    long zr = syscall(SYS_tgkill, pid, pid, SIGUSR1);
    printf("tgkill a zombie: %ld %s\n", zr, t_errname(errno));
    errno = 0;
    zr = kill(pid, 0);
    printf("kill a zombie: %ld %s\n", zr, t_errname(errno));
    t_wait(pid);
    errno = 0;
    zr = syscall(SYS_tgkill, pid, pid, SIGUSR1);
    printf("tgkill once reaped: %ld %s\n", zr, t_errname(errno));
    return t_done();
}
