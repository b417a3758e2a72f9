/*
 * timerfd.c - timerfd_create/settime/gettime: a one-shot timer becomes
 * readable once and read returns 1; an interval timer counts expiries; an
 * absolute CLOCK_MONOTONIC deadline; disarming; O_NONBLOCK reads give
 * EAGAIN; poll and epoll see it readable; the EINVAL cases. Times are
 * checked as ranges, never printed.
 */
#include "t.h"
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

static long long ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000LL + (b.tv_nsec - a->tv_nsec) / 1000000;
}

int main(void)
{
    t_init();
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    t_check("create", fd >= 0, "errno %s", t_errname(errno));
    struct itimerspec cur;
    t_check("disarmed gettime", timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec == 0 &&
            cur.it_value.tv_nsec == 0, "");
    struct itimerspec one = {.it_value = {0, 100 * 1000000}};
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    t_check("arm one-shot", timerfd_settime(fd, 0, &one, NULL) == 0, "");
    t_check("armed gettime", timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec == 0 &&
            cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 100 * 1000000, "");
    uint64_t n = 0;
    t_check("read waits", read(fd, &n, 8) == 8 && n == 1, "n %llu", (unsigned long long)n);
    long long ms = ms_since(&start);
    t_check("after about 100 ms", ms >= 95 && ms < 2000, "%lld ms", ms);

    struct itimerspec per = {.it_interval = {0, 20 * 1000000}, .it_value = {0, 20 * 1000000}};
    clock_gettime(CLOCK_MONOTONIC, &start);
    timerfd_settime(fd, 0, &per, NULL);
    struct timespec pause = {0, 130 * 1000000};
    nanosleep(&pause, NULL);
    int ok = read(fd, &n, 8) == 8;
    ms = ms_since(&start);                     /* however late we woke, n matches the time */
    t_check("interval counts", ok && n >= 3 && (long long)n * 20 <= ms + 20, "n %llu in %lld ms",
            (unsigned long long)n, ms);
    struct itimerspec old;
    struct itimerspec off = {{0, 0}, {0, 0}};
    t_check("disarm returns old", timerfd_settime(fd, 0, &off, &old) == 0 && old.it_interval.tv_nsec ==
            20 * 1000000, "");

    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec abs = {.it_value = {now.tv_sec, now.tv_nsec}};
    abs.it_value.tv_nsec += 50 * 1000000;
    if (abs.it_value.tv_nsec >= 1000000000) {
        abs.it_value.tv_sec++;
        abs.it_value.tv_nsec -= 1000000000;
    }
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL);
    struct pollfd p = {fd, POLLIN, 0};
    t_check("poll before", poll(&p, 1, 0) == 0, "");
    t_check("poll waits", poll(&p, 1, 2000) == 1 && p.revents == POLLIN, "");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN}, got;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    t_check("epoll", epoll_wait(ep, &got, 1, 0) == 1, "");
    t_check("read abs", read(fd, &n, 8) == 8 && n == 1, "");

    int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    t_check("nonblock EAGAIN", read(nb, &n, 8) < 0 && errno == EAGAIN, "errno %s", t_errname(errno));
    t_check("short read", read(fd, &n, 4) < 0 && errno == EINVAL, "errno %s", t_errname(errno));
    t_check("bad clock", timerfd_create(42, 0) < 0 && errno == EINVAL, "");
    t_check("bad flags", timerfd_create(CLOCK_MONOTONIC, 1) < 0 && errno == EINVAL, "");
    struct itimerspec bad = {.it_value = {0, 1000000000}};
    t_check("bad nsec", timerfd_settime(fd, 0, &bad, NULL) < 0 && errno == EINVAL, "");
    t_check("not a timerfd", timerfd_gettime(ep, &cur) < 0 && errno == EINVAL, "");
    return t_done();
}
