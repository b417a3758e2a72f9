/*
 * sock_timeouts.c - SO_RCVTIMEO / SO_SNDTIMEO / SO_LINGER on an AF_UNIX pair:
 * timeouts are kept in clock ticks (1 us reads back as one tick, 4000 us at
 * HZ=250), a blocked recv gives up with EAGAIN after the timeout, a bad
 * timeval is EDOM or EINVAL, and a signal interrupts a timed recv with EINTR
 * even under SA_RESTART.
 */
#include "t.h"
#include <sys/socket.h>
#include <sys/time.h>

static void on_alarm(int s) { (void)s; }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show(int fd, int opt, const char *name)
{
    struct timeval got;
    socklen_t len = sizeof got;
    int r = getsockopt(fd, SOL_SOCKET, opt, &got, &len);
    printf("%s: %d -> %ld s %ld us (len %d)\n", name, r, (long)got.tv_sec, (long)got.tv_usec, (int)len);
}

int main(void)
{
    t_init();
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show(sv[0], SO_RCVTIMEO, "default rcvtimeo");
    struct timeval tv = {0, 1};
    printf("set 1 us: %d\n", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    show(sv[0], SO_RCVTIMEO, "rcvtimeo");
    tv = (struct timeval){2, 500000};
    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    show(sv[0], SO_SNDTIMEO, "sndtimeo");

    tv = (struct timeval){0, 200000};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    double t0 = now();
    int r = recv(sv[0], &c, 1, 0);
    int e = errno;
    double waited = now() - t0;
    printf("recv on empty: %d %s, waited the timeout: %s\n", r, t_errname(e),
           t_yesno(waited > 0.15 && waited < 10));
    write(sv[1], "x", 1);
    r = recv(sv[0], &c, 1, 0);
    printf("recv with data: %d '%c'\n", r, c);

    tv = (struct timeval){0, 1000000};
    r = setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    e = errno;
    printf("usec = 1e6: %d %s\n", r, t_errname(e));
    r = setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 8);
    e = errno;
    printf("short optlen: %d %s\n", r, t_errname(e));
    tv = (struct timeval){-1, 0};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    r = recv(sv[0], &c, 1, 0);
    e = errno;
    printf("negative timeout: recv %d %s\n", r, t_errname(e));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    tv = (struct timeval){30, 0};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    alarm(1);
    r = recv(sv[0], &c, 1, 0);
    e = errno;
    printf("timed recv, SIGALRM under SA_RESTART: %d %s\n", r, t_errname(e));

    struct linger lg = {1, 7}, got;
    socklen_t len = sizeof got;
    setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &got, &len);
    printf("linger: %d %d (len %d)\n", got.l_onoff, got.l_linger, (int)len);
    return 0;
}
