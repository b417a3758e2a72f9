/*
 * posix_timers.c - timer_create/settime/gettime/getoverrun/delete and timerfd:
 * a periodic SIGEV_SIGNAL timer delivers SIGRTMIN with si_code SI_TIMER, the
 * timer id and sigev_value; a NULL sigevent means SIGALRM carrying the id; a
 * blocked signal turns further expirations into overruns; gettime counts down;
 * deleted or unknown ids are EINVAL; timers are gone after exec. timerfd
 * counts expirations for read(2), polls readable, clears on settime, refuses
 * short reads, and works with TFD_TIMER_ABSTIME.
 */
#include "t.h"
#include <poll.h>
#include <sys/timerfd.h>

static volatile int hits, last_code, last_id, last_value;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    hits++;
    last_code = si->si_code;
    last_id = si->si_timerid;
    last_value = si->si_value.sival_int;
}

static void wait_hits(int n)
{
    while (hits < n)
        pause();
}

int main(int argc, char **argv)
{
    t_init();
    if (argc > 1) {               /* after exec: the timers are gone */
        timer_t id = (timer_t)(long)atoi(argv[1]);
        struct itimerspec cur;
        int r = timer_gettime(id, &cur);
        printf("after exec, timer_gettime of the old id: %d %s\n", r, t_errname(errno));
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);

    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN;
    sev.sigev_value.sival_int = 4242;
    timer_t t1;
    printf("create: %d\n", timer_create(CLOCK_MONOTONIC, &sev, &t1));
    struct itimerspec its = {{0, 20000000}, {0, 20000000}}, cur;     /* every 20 ms */
    printf("settime: %d\n", timer_settime(t1, 0, &its, NULL));
    wait_hits(3);
    printf("3 hits: code SI_TIMER %s, id matches %s, value %d\n", t_yesno(last_code == SI_TIMER),
           t_yesno(last_id == (int)(long)t1), last_value);
    timer_gettime(t1, &cur);
    printf("gettime: interval %ld ms, value within it %s\n", cur.it_interval.tv_nsec / 1000000,
           t_yesno(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 20000000));

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &block, &old);
    int before = hits;
    struct timespec nap = {0, 120000000};
    nanosleep(&nap, NULL);                  /* ~6 expirations, one signal pending */
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("blocked: one more signal %s, overruns counted %s\n", t_yesno(hits == before + 1),
           t_yesno(timer_getoverrun(t1) >= 2));
    its = (struct itimerspec){{0, 0}, {0, 0}};
    timer_settime(t1, 0, &its, &cur);
    printf("disarm: old interval %ld ms\n", cur.it_interval.tv_nsec / 1000000);
    printf("delete: %d\n", timer_delete(t1));
    printf("delete again: %s\n", t_yesno(timer_delete(t1) != 0));

    timer_t t2;
    printf("create with NULL sigevent: %d\n", timer_create(CLOCK_REALTIME, NULL, &t2));
    its = (struct itimerspec){{0, 0}, {0, 10000000}};
    hits = 0;
    timer_settime(t2, 0, &its, NULL);
    wait_hits(1);
    printf("SIGALRM once: value is the id %s\n", t_yesno(last_value == (int)(long)t2));
    int r = timer_create(12345, &sev, &t1);
    printf("bad clock: %d %s\n", r, t_errname(errno));

    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    its = (struct itimerspec){{0, 10000000}, {0, 10000000}};
    printf("timerfd_settime: %d\n", timerfd_settime(tfd, 0, &its, NULL));
    uint64_t n = 0;
    nanosleep(&nap, NULL);
    struct pollfd pfd = {tfd, POLLIN, 0};
    int pr = poll(&pfd, 1, 0);
    printf("poll readable: %d %s\n", pr, t_yesno(pfd.revents & POLLIN));
    r = read(tfd, &n, sizeof n);
    printf("read: %d, several expirations %s\n", r, t_yesno(n >= 5));
    char small[4];
    r = read(tfd, small, sizeof small);
    printf("short read: %d %s\n", r, t_errname(errno));
    r = read(tfd, &n, sizeof n);
    printf("blocking read: %d count %llu\n", r, (unsigned long long)n);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    its = (struct itimerspec){{0, 0}, {now.tv_sec, now.tv_nsec}};
    its.it_value.tv_nsec += 30000000;
    if (its.it_value.tv_nsec >= 1000000000) { its.it_value.tv_sec++; its.it_value.tv_nsec -= 1000000000; }
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    r = read(tfd, &n, sizeof n);
    printf("absolute one-shot: %d count %llu\n", r, (unsigned long long)n);
    timerfd_gettime(tfd, &cur);
    printf("expired one-shot gettime: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
    its.it_value.tv_nsec = 1000000000;
    r = timerfd_settime(tfd, 0, &its, NULL);
    printf("bad itimerspec: %d %s\n", r, t_errname(errno));
    r = timerfd_create(CLOCK_MONOTONIC, 0x1);
    printf("bad flags: %d %s\n", r, t_errname(errno));

    timer_t t3;
    timer_create(CLOCK_MONOTONIC, &sev, &t3);
    char idbuf[16];
    snprintf(idbuf, sizeof idbuf, "%d", (int)(long)t3);
    fflush(stdout);
    execl("/proc/self/exe", argv[0], idbuf, (char *)NULL);
    return 1;
}
