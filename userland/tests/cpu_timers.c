/*
 * cpu_timers.c - POSIX timers and clocks on CPU time: timer_create on
 * CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and clock_getcpuclockid /
 * pthread_getcpuclockid ids; a periodic process timer fires SI_TIMER signals
 * while a busy loop burns CPU, a one-shot thread timer fires once;
 * timer_gettime counts the CPU time left; a deadline already passed fires at
 * once; clock_gettime / clock_getres of another process's CPU clock work, of a
 * reaped pid or a bad clockid give EINVAL; a timer on another live process's
 * clock can be made, a thread clock of another process cannot.
 */
#include "t.h"
#include <pthread.h>

static volatile int hits, last_code, last_value;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    hits++;
    last_code = si->si_code;
    last_value = si->si_value.sival_int;
}

static long long cpu_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Burn CPU until `n` signals came or `limit_ns` of this clock passed. */
static int burn_until(int n, clockid_t c, long long limit_ns)
{
    long long start = cpu_ns(c);
    volatile unsigned long x = 0;
    while (hits < n) {
        for (int i = 0; i < 10000; i++)
            x += i;
        if (cpu_ns(c) - start > limit_ns)
            return 0;
    }
    return 1;
}

static volatile int stop_burning;

static void *burner(void *arg)
{
    (void)arg;
    sigset_t set;                       /* the process's timer signals go to main */
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    volatile unsigned long x = 0;
    while (!stop_burning)
        x++;
    return NULL;
}

static timer_t make(clockid_t c, int value, int *err)
{
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN;
    sev.sigev_value.sival_int = value;
    timer_t id = 0;
    errno = 0;
    *err = timer_create(c, &sev, &id) ? errno : 0;
    return id;
}

int main(void)
{
    t_init();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);
    int err;

    /* a periodic timer on the process clock */
    timer_t t1 = make(CLOCK_PROCESS_CPUTIME_ID, 77, &err);
    printf("create PROCESS_CPUTIME: %s\n", t_errname(err));
    struct itimerspec its = {{0, 20000000}, {0, 20000000}}, cur;   /* every 20 ms of CPU */
    printf("settime: %d\n", timer_settime(t1, 0, &its, NULL));
    timer_gettime(t1, &cur);
    printf("gettime: interval 20ms %s, value in (0, 20ms] %s\n",
           t_yesno(cur.it_interval.tv_nsec == 20000000 && cur.it_interval.tv_sec == 0),
           t_yesno(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
                   cur.it_value.tv_nsec <= 20000000));
    printf("3 signals within 10 s of CPU: %s\n", t_yesno(burn_until(3, CLOCK_PROCESS_CPUTIME_ID,
                                                                   10000000000LL)));
    printf("si_code SI_TIMER %s, value %d\n", t_yesno(last_code == SI_TIMER), last_value);
    printf("delete: %d\n", timer_delete(t1));

    /* a one-shot timer on the thread clock fires once */
    hits = 0;
    timer_t t2 = make(CLOCK_THREAD_CPUTIME_ID, 5, &err);
    printf("create THREAD_CPUTIME: %s\n", t_errname(err));
    struct itimerspec once = {{0, 0}, {0, 10000000}};
    timer_settime(t2, 0, &once, NULL);
    burn_until(1, CLOCK_THREAD_CPUTIME_ID, 10000000000LL);
    burn_until(2, CLOCK_THREAD_CPUTIME_ID, 50000000LL);   /* 50 ms more: no second signal */
    timer_gettime(t2, &cur);
    printf("one-shot: %d signal(s), value %d, disarmed %s\n", hits, last_value,
           t_yesno(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0));

    /* an absolute deadline already passed fires at once */
    hits = 0;
    struct itimerspec past = {{0, 0}, {0, 1}};
    timer_settime(t2, TIMER_ABSTIME, &past, NULL);
    printf("past absolute deadline: %d signal(s)\n", hits);
    timer_delete(t2);

    /* clock_getcpuclockid / pthread_getcpuclockid ids */
    clockid_t mine, thr;
    printf("getcpuclockid(self): %d\n", clock_getcpuclockid(getpid(), &mine));
    printf("pthread_getcpuclockid: %d\n", pthread_getcpuclockid(pthread_self(), &thr));
    timer_t t3 = make(mine, 1, &err);
    printf("create on own pid clock: %s\n", t_errname(err));
    if (!err) timer_delete(t3);
    t3 = make(thr, 1, &err);
    printf("create on own thread clock: %s\n", t_errname(err));
    if (!err) timer_delete(t3);
    struct timespec res;
    SHOW("getres own pid clock", clock_getres(mine, &res));
    printf("res 1ns: %s\n", t_yesno(res.tv_sec == 0 && res.tv_nsec == 1));

    /* the group clock runs while another thread burns: sleep on it, get its signals */
    pthread_t th;
    pthread_create(&th, NULL, burner, NULL);
    long long before = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct timespec d = {0, 30000000};
    printf("nanosleep 30ms of process CPU: %d\n", clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &d, NULL));
    printf("process clock advanced >= 30ms: %s\n",
           t_yesno(cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - before >= 30000000));
    long long target = cpu_ns(CLOCK_PROCESS_CPUTIME_ID) + 20000000;
    d.tv_sec = target / 1000000000;
    d.tv_nsec = target % 1000000000;
    printf("absolute nanosleep: %d\n", clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &d, NULL));
    printf("reached the deadline: %s\n", t_yesno(cpu_ns(CLOCK_PROCESS_CPUTIME_ID) >= target));
    printf("nanosleep on own thread clock id: %s\n", t_errname(clock_nanosleep(thr, 0, &d, NULL)));
    hits = 0;
    t1 = make(CLOCK_PROCESS_CPUTIME_ID, 9, &err);
    timer_settime(t1, 0, &its, NULL);
    while (hits < 3)
        pause();
    printf("process timer while a thread burns: >= 3 signals %s, value %d\n", t_yesno(hits >= 3),
           last_value);
    timer_delete(t1);
    stop_burning = 1;
    pthread_join(th, NULL);

    /* another process */
    int pipefd[2];
    pipe(pipefd);
    pid_t child = t_fork();
    if (child == 0) {
        char c;
        volatile unsigned long x = 0;
        for (long i = 0; i < 2000000; i++) x += i;
        read(pipefd[0], &c, 1);
        _exit(0);
    }
    clockid_t other;
    printf("getcpuclockid(child): %d\n", clock_getcpuclockid(child, &other));
    struct timespec ts;
    SHOW("gettime child clock", clock_gettime(other, &ts));
    SHOW("getres child clock", clock_getres(other, &res));
    t3 = make(other, 1, &err);
    printf("create on child clock: %s\n", t_errname(err));
    if (!err) timer_delete(t3);
    /* a per-thread clock naming another process's thread */
    clockid_t other_thread = (~(clockid_t)child << 3) | 4 | 2;
    SHOW("gettime child thread clock", clock_gettime(other_thread, &ts));
    t3 = make(other_thread, 1, &err);
    printf("create on child thread clock: %s\n", t_errname(err));
    write(pipefd[1], "x", 1);
    waitpid(child, NULL, 0);
    SHOW("gettime reaped child clock", clock_gettime(other, &ts));
    SHOW("getres reaped child clock", clock_getres(other, &res));
    t3 = make(other, 1, &err);
    printf("create on reaped child clock: %s\n", t_errname(err));

    /* bad clockids */
    SHOW("gettime clockid -1 (fd clock)", clock_gettime((clockid_t)-1, &ts));
    SHOW("gettime which=3 thread", clock_gettime((clockid_t)((~0 << 3) | 7), &ts));
    t3 = make((clockid_t)((~0 << 3) | 3), 1, &err);
    printf("create fd clock: %s\n", t_errname(err));
    t3 = make((clockid_t)((~0 << 3) | 1), 1, &err);      /* VIRT of self */
    printf("create VIRT self: %s\n", t_errname(err));
    if (!err) timer_delete(t3);
    SHOW("getres PROF self", clock_getres((clockid_t)((~0 << 3) | 0), &res));
    printf("PROF res a tick: %s\n", t_yesno(res.tv_sec == 0 && res.tv_nsec > 1));
    return t_done();
}
