/*
 * epoll_eventfd.c - eventfd counters (plain and EFD_SEMAPHORE, non-blocking
 * EAGAIN, EINVAL on short buffers) and epoll over pipes and eventfds:
 * level-triggered events repeat while data is there, edge-triggered ones only
 * after new data arrives, EPOLLONESHOT fires once until EPOLL_CTL_MOD, timeouts,
 * EEXIST/ENOENT/EPERM from epoll_ctl, EPOLLHUP when the writer closes, an item
 * removed when its file is closed, a child waking its parent's epoll_wait, and
 * epoll_wait interrupted by a signal (EINTR).
 */
#include "t.h"
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

static int wait_n(int ep, int timeout, struct epoll_event *ev, int max)
{
    int n = epoll_wait(ep, ev, max, timeout);
    return n;
}

static void on_alarm(int s) { (void)s; }

int main(void)
{
    t_init();
    struct epoll_event ev, out[8];
    uint64_t v;

    /* eventfd */
    int efd = eventfd(3, EFD_NONBLOCK);
    v = 4;
    write(efd, &v, 8);
    read(efd, &v, 8);
    printf("eventfd read %llu\n", (unsigned long long)v);
    int r = read(efd, &v, 8);
    printf("empty: %d %s\n", r, t_errname(errno));
    r = read(efd, &v, 4);
    printf("short read: %d %s\n", r, t_errname(errno));
    v = 0xffffffffffffffffULL;
    r = write(efd, &v, 8);
    printf("write max: %d %s\n", r, t_errname(errno));
    int sfd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    int a = read(sfd, &v, 8);
    uint64_t v1 = v;
    int b = read(sfd, &v, 8);
    uint64_t v2 = v;
    r = read(sfd, &v, 8);
    printf("semaphore: %d:%llu %d:%llu then %d %s\n", a, (unsigned long long)v1, b,
           (unsigned long long)v2, r, t_errname(errno));

    /* level-triggered pipe */
    int p[2];
    pipe(p);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    ev.events = EPOLLIN;
    ev.data.u64 = 111;
    printf("add: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    r = epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    printf("add again: %d %s\n", r, t_errname(errno));
    printf("nothing yet: %d\n", wait_n(ep, 0, out, 8));
    write(p[1], "abc", 3);
    int n = wait_n(ep, 0, out, 8);
    printf("LT after write: %d events %x data %llu\n", n, out[0].events, (unsigned long long)out[0].data.u64);
    n = wait_n(ep, 0, out, 8);
    printf("LT again without reading: %d\n", n);
    char buf[16];
    read(p[0], buf, sizeof buf);
    printf("LT after draining: %d\n", wait_n(ep, 0, out, 8));

    /* edge-triggered */
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 222;
    printf("mod to ET: %d\n", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    write(p[1], "abcdef", 6);
    printf("ET first: %d\n", wait_n(ep, 0, out, 8));
    printf("ET second: %d\n", wait_n(ep, 0, out, 8));
    read(p[0], buf, 2);
    printf("ET after partial read: %d\n", wait_n(ep, 0, out, 8));
    write(p[1], "g", 1);
    printf("ET after more data: %d\n", wait_n(ep, 0, out, 8));
    read(p[0], buf, sizeof buf);

    /* oneshot */
    ev.events = EPOLLIN | EPOLLONESHOT;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    write(p[1], "x", 1);
    n = wait_n(ep, 0, out, 8);
    printf("oneshot: %d then %d\n", n, wait_n(ep, 0, out, 8));
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    printf("rearmed: %d\n", wait_n(ep, 0, out, 8));
    read(p[0], buf, 1);

    /* eventfd in the same set; timeout */
    int e2 = eventfd(0, 0);
    ev.events = EPOLLIN;
    ev.data.u64 = 333;
    epoll_ctl(ep, EPOLL_CTL_ADD, e2, &ev);
    printf("timeout: %d\n", wait_n(ep, 50, out, 8));

    /* a child wakes the parent's blocking epoll_wait */
    pid_t c = t_fork();
    if (c == 0) {
        usleep(100000);
        uint64_t one = 1;
        write(e2, &one, 8);
        _exit(0);
    }
    n = wait_n(ep, -1, out, 8);
    printf("woken by child: %d data %llu\n", n, (unsigned long long)out[0].data.u64);
    t_wait(c);
    read(e2, &v, 8);

    /* errors */
    r = epoll_ctl(ep, EPOLL_CTL_DEL, 99, NULL);
    printf("del bad fd: %d %s\n", r, t_errname(errno));
    r = epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);
    printf("del not added: %d %s\n", r, t_errname(errno));
    int reg = open("/proc/self/exe", O_RDONLY);
    if (reg < 0)
        reg = open("/", O_RDONLY);
    r = epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev);
    printf("regular file: %d %s\n", r, t_errname(errno));
    r = epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev);
    printf("itself: %d %s\n", r, t_errname(errno));
    r = epoll_wait(ep, out, 0, 0);
    printf("maxevents 0: %d %s\n", r, t_errname(errno));

    /* HUP when the writer closes; closing the watched fd removes it */
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    close(p[1]);
    n = wait_n(ep, 0, out, 8);
    printf("writer closed: %d events %x\n", n, out[0].events);
    close(p[0]);
    printf("after close of watched fd: %d\n", wait_n(ep, 0, out, 8));

    /* interrupted by a signal */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    r = epoll_wait(ep, out, 8, 5000);
    printf("signal: %d %s\n", r, t_errname(errno));

    /* epoll inside epoll */
    int outer = epoll_create(1);
    ev.events = EPOLLIN;
    ev.data.u64 = 444;
    epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev);
    printf("nested idle: %d\n", wait_n(outer, 0, out, 8));
    v = 5;
    write(e2, &v, 8);
    n = wait_n(outer, 0, out, 8);
    printf("nested ready: %d data %llu\n", n, (unsigned long long)out[0].data.u64);
    return t_done();
}
