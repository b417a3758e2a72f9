/*
 * time_info.c - clocks, sleeping and system information: CLOCK_MONOTONIC
 * never goes back and advances; nanosleep sleeps at least the time asked
 * (and rejects bad timespecs); CLOCK_REALTIME, gettimeofday and time()
 * agree; uname's stable fields; getrandom fills what was asked; ids are
 * consistent (getpid > 0, getppid of a child, gettid == getpid in a
 * single-threaded process); times and getrusage work.
 */
#include "t.h"
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>

static long long ns(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

int main(void)
{
    t_init();
    struct timespec a, b;

    /* Monotonic: 1000 readings never decrease, and the clock advances. */
    int mono = 1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec first = a;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ns(&b) < ns(&a))
            mono = 0;
        a = b;
    }
    printf("monotonic never decreases: %s\n", t_yesno(mono));
    struct timespec d = {0, 2000000};
    nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic advances: %s\n", t_yesno(ns(&b) > ns(&first)));
    printf("tv_nsec in range: %s\n", t_yesno(b.tv_nsec >= 0 && b.tv_nsec < 1000000000));

    /* nanosleep sleeps at least what was asked. */
    long asks[] = {1, 10, 30};
    for (int i = 0; i < 3; i++) {
        struct timespec req = {0, asks[i] * 1000000L}, rem = {9, 9};
        clock_gettime(CLOCK_MONOTONIC, &a);
        int r = nanosleep(&req, &rem);
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("nanosleep %ld ms: returns %d, slept at least that long: %s\n", asks[i], r,
               t_yesno(ns(&b) - ns(&a) >= asks[i] * 1000000LL));
    }
    struct timespec bad = {0, 1000000000};
    printf("nanosleep tv_nsec = 1e9: %s\n", t_errname(nanosleep(&bad, NULL) ? errno : 0));
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    printf("nanosleep negative: %s\n", t_errname(nanosleep(&bad, NULL) ? errno : 0));
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec zero = {0, 0};
    printf("nanosleep 0: %s\n", t_errname(nanosleep(&zero, NULL) ? errno : 0));

    /* Realtime sources agree to within a couple of seconds and are after 2020. */
    struct timespec rt;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &rt);
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    printf("realtime after 2020: %s\n", t_yesno(rt.tv_sec > 1577836800));
    printf("gettimeofday agrees: %s\n", t_yesno(tv.tv_sec - rt.tv_sec >= 0 && tv.tv_sec - rt.tv_sec <= 2));
    printf("time() agrees: %s\n", t_yesno(t - rt.tv_sec >= 0 && t - rt.tv_sec <= 2));
    printf("tv_usec in range: %s\n", t_yesno(tv.tv_usec >= 0 && tv.tv_usec < 1000000));
    printf("clock_gettime bad clock: %s\n", t_errname(clock_gettime(12345, &rt) ? errno : 0));
    struct timespec res;
    printf("clock_getres monotonic: %s\n", t_errname(clock_getres(CLOCK_MONOTONIC, &res) ? errno : 0));
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &rt);
    printf("process cpu clock readable: yes\n");

    /* uname. */
    struct utsname u;
    printf("uname: %s\n", t_errname(uname(&u) ? errno : 0));
    printf("sysname: %s\n", u.sysname);
    printf("machine: %s\n", u.machine);
    printf("release starts with a digit: %s\n", t_yesno(u.release[0] >= '0' && u.release[0] <= '9'));
    printf("nodename non-empty: %s\n", t_yesno(u.nodename[0] != 0));

    /* getrandom. */
    unsigned char rnd[256];
    memset(rnd, 0, sizeof rnd);
    ssize_t n = getrandom(rnd, sizeof rnd, 0);
    int nonzero = 0;
    for (unsigned i = 0; i < sizeof rnd; i++)
        nonzero += rnd[i] != 0;
    printf("getrandom returned %zd, mostly non-zero: %s\n", n, t_yesno(nonzero > 200));
    unsigned char r2[256];
    getrandom(r2, sizeof r2, 0);
    printf("two draws differ: %s\n", t_yesno(memcmp(rnd, r2, sizeof rnd) != 0));
    printf("getrandom 0 bytes: %zd\n", getrandom(r2, 0, 0));
    printf("getrandom GRND_NONBLOCK: %zd\n", getrandom(r2, 16, GRND_NONBLOCK));

    /* Process ids. */
    pid_t me = getpid();
    printf("getpid > 0: %s\n", t_yesno(me > 0));
    printf("getppid > 0: %s\n", t_yesno(getppid() > 0));
    printf("gettid == getpid: %s\n", t_yesno(syscall(SYS_gettid) == me));
    pid_t c = t_fork();
    if (c == 0)
        _exit(getppid() == me ? 0 : 1);
    printf("child's getppid is parent: %s\n", t_status(t_wait(c)));
    printf("child pid differs: %s\n", t_yesno(c != me));

    /* times / getrusage. */
    struct tms tm;
    clock_t ct = times(&tm);
    printf("times: %s\n", t_yesno(ct != (clock_t)-1));
    struct rusage ru;
    printf("getrusage self: %s\n", t_errname(getrusage(RUSAGE_SELF, &ru) ? errno : 0));
    printf("getrusage bad who: %s\n", t_errname(getrusage(99, &ru) ? errno : 0));
    printf("sysconf page size: %ld\n", sysconf(_SC_PAGESIZE));
    return t_done();
}
