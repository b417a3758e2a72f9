/*
 * itimers.c - setitimer/getitimer/alarm on all three clocks, compared with
 * Linux: ITIMER_VIRTUAL and ITIMER_PROF count CPU time (a busy loop gets the
 * signal; a sleep does not advance ITIMER_VIRTUAL), intervals re-arm, old values
 * come back, bad arguments give EINVAL, alarm rounds its old value.
 */
#include "t.h"
#include <sys/time.h>

static volatile int hits[3];

static void on_sig(int sig)
{
    hits[sig == SIGALRM ? 0 : sig == SIGVTALRM ? 1 : 2]++;
}

static void spin_until(volatile int *p, int n)
{
    while (*p < n)
        ;
}

static void show(const char *name, int r)
{
    printf("%s: %s\n", name, r < 0 ? t_errname(errno) : "0");
}

int main(void)
{
    struct itimerval v = {{0, 20000}, {0, 20000}}, old, cur;
    t_init();
    signal(SIGALRM, on_sig);
    signal(SIGVTALRM, on_sig);
    signal(SIGPROF, on_sig);
    const int which[] = {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF};
    const char *names[] = {"REAL", "VIRTUAL", "PROF"};
    for (int i = 0; i < 3; i++) {
        show("setitimer", setitimer(which[i], &v, NULL));
        spin_until(&hits[i], 3);
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(which[i], &off, &old);
        printf("%s: 3 signals in a busy loop, old interval %ld.%06ld, value %s\n", names[i],
               (long)old.it_interval.tv_sec, (long)old.it_interval.tv_usec,
               t_yesno(old.it_value.tv_sec == 0 && old.it_value.tv_usec > 0 &&
                       old.it_value.tv_usec <= 20000));
        getitimer(which[i], &cur);
        printf("%s disarmed: %ld %ld\n", names[i], (long)cur.it_value.tv_sec,
               (long)cur.it_value.tv_usec);
    }
    struct itimerval longv = {{0, 0}, {100, 0}};
    setitimer(ITIMER_VIRTUAL, &longv, NULL);
    struct timespec nap = {0, 50 * 1000 * 1000};
    nanosleep(&nap, NULL);
    getitimer(ITIMER_VIRTUAL, &cur);
    printf("VIRTUAL after a sleep: more than 99.9 s left: %s\n",
           t_yesno((cur.it_value.tv_sec == 99 && cur.it_value.tv_usec > 900000) ||
                   cur.it_value.tv_sec == 100));
    show("bad which", setitimer(5, &v, NULL));
    show("getitimer bad which", getitimer(-1, &cur));
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    show("usec out of range", setitimer(ITIMER_PROF, &bad, NULL));
    printf("alarm first: %u\n", alarm(10));
    printf("alarm again: %u\n", alarm(0));
    return t_done();
}
