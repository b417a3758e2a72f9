/*
 * epoll_pwait2.c - epoll_pwait2 (a struct timespec timeout): times out
 * empty, reports a ready pipe, waits forever with NULL, rejects a bad
 * timespec with EINVAL.
 */
#include "t.h"
#include <sys/epoll.h>
#include <sys/syscall.h>

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

int main(void)
{
    t_init();
    int ep = epoll_create1(0), p[2];
    pipe(p);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42}, out[4];
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    struct timespec ts = {0, 100000000};
    long r = syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8);
    printf("empty, 100 ms: %ld %s\n", r, t_errname(r < 0 ? errno : 0));
    write(p[1], "x", 1);
    r = syscall(SYS_epoll_pwait2, ep, out, 4, NULL, NULL, 8);
    printf("ready, no timeout: %ld data %llu\n", r, (unsigned long long)out[0].data.u64);
    ts.tv_nsec = 2000000000L;
    r = syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8);
    printf("bad timespec: %ld %s\n", r, t_errname(r < 0 ? errno : 0));
    return 0;
}
