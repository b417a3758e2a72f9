/*
 * fifo_rules.c - FIFO open and I/O rules as Linux has them: a non-blocking
 * read open succeeds alone, a non-blocking write open with no reader fails
 * with ENXIO, a blocking open waits for the other end (even one that opens,
 * writes and closes at once), O_RDWR never waits, EOF once the writers are
 * gone, EPIPE/SIGPIPE with no reader, POLLHUP only after a writer came and
 * went, PIPE_BUF-sized writes from several writers never interleave, and
 * F_GETPIPE_SZ/F_SETPIPE_SZ.
 */
#include "t.h"
#include <limits.h>
#include <poll.h>

#define WRITERS 4
#define RECORDS 64

int main(void)
{
    t_init();
    const char *path = t_tmp("fifo");
    unlink(path);
    printf("mkfifo: %d\n", mkfifo(path, 0600));

    int r = open(path, O_RDONLY | O_NONBLOCK);
    printf("nonblocking read open alone: %s\n", t_yesno(r >= 0));
    struct pollfd pfd = {r, POLLIN, 0};
    printf("poll before any writer: %d\n", poll(&pfd, 1, 0));
    char buf[PIPE_BUF];
    printf("read with no writer: %zd\n", read(r, buf, 10));
    int w = open(path, O_WRONLY | O_NONBLOCK);
    printf("nonblocking write open with a reader: %s\n", t_yesno(w >= 0));
    close(w);
    pfd.revents = 0;
    int n = poll(&pfd, 1, 0);
    printf("poll after writer left: %d hup %s\n", n, t_yesno(pfd.revents & POLLHUP));
    close(r);
    w = open(path, O_WRONLY | O_NONBLOCK);
    printf("nonblocking write open alone: %d %s\n", w, t_errname(errno));
    int rw = open(path, O_RDWR);
    printf("O_RDWR open: %s\n", t_yesno(rw >= 0));
    close(rw);

    /* a blocking reader waits for a writer that opens, writes and closes at once */
    pid_t c = t_fork();
    if (c == 0) {
        usleep(100000);
        int fd = open(path, O_WRONLY);
        write(fd, "quick", 5);
        close(fd);
        _exit(0);
    }
    r = open(path, O_RDONLY);
    memset(buf, 0, sizeof buf);
    ssize_t got = read(r, buf, sizeof buf);
    printf("blocking reader got %zd: %.5s\n", got, buf);
    printf("then EOF: %zd\n", read(r, buf, sizeof buf));
    close(r);
    t_wait(c);

    /* a blocking writer waits for a reader */
    c = t_fork();
    if (c == 0) {
        int fd = open(path, O_WRONLY);
        write(fd, "to the late reader", 18);
        close(fd);
        _exit(0);
    }
    usleep(100000);
    r = open(path, O_RDONLY);
    got = read(r, buf, sizeof buf);
    printf("late reader got %zd\n", got);
    close(r);
    t_wait(c);

    /* EPIPE and SIGPIPE */
    r = open(path, O_RDONLY | O_NONBLOCK);
    w = open(path, O_WRONLY);
    close(r);
    signal(SIGPIPE, SIG_IGN);
    ssize_t e = write(w, "x", 1);
    printf("write without reader: %zd %s\n", e, t_errname(errno));
    signal(SIGPIPE, SIG_DFL);
    c = t_fork();
    if (c == 0) {
        write(w, "x", 1);
        _exit(0);
    }
    printf("writer without reader: %s\n", t_status(t_wait(c)));
    close(w);

    /* pipe size */
    r = open(path, O_RDONLY | O_NONBLOCK);
    w = open(path, O_WRONLY);
    printf("F_GETPIPE_SZ: %d\n", fcntl(w, F_GETPIPE_SZ));
    printf("F_SETPIPE_SZ 10000: %d\n", fcntl(w, F_SETPIPE_SZ, 10000));
    printf("F_GETPIPE_SZ on the other end: %d\n", fcntl(r, F_GETPIPE_SZ));
    fcntl(w, F_SETFL, O_NONBLOCK);
    long total = 0;
    while ((e = write(w, buf, 1000)) > 0)
        total += e;
    printf("filled %ld bytes, then %s\n", total, t_errname(errno));
    while (read(r, buf, sizeof buf) > 0)
        ;
    fcntl(w, F_SETFL, 0);
    fcntl(w, F_SETPIPE_SZ, 65536);

    /* PIPE_BUF atomicity: several writers, records never interleave */
    pid_t kids[WRITERS];
    for (int k = 0; k < WRITERS; k++) {
        kids[k] = t_fork();
        if (kids[k] == 0) {
            char rec[PIPE_BUF];
            memset(rec, 'a' + k, sizeof rec);
            for (int i = 0; i < RECORDS; i++)
                write(w, rec, sizeof rec);
            _exit(0);
        }
    }
    close(w);
    fcntl(r, F_SETFL, 0);
    int bad = 0, records = 0;
    static char rec[PIPE_BUF];
    size_t have = 0;
    for (;;) {
        ssize_t m = read(r, rec + have, sizeof rec - have);
        if (m <= 0) {
            if (m < 0 && errno == EAGAIN) {
                usleep(1000);
                continue;
            }
            break;
        }
        have += (size_t)m;
        if (have == sizeof rec) {
            for (size_t i = 1; i < sizeof rec; i++)
                bad |= rec[i] != rec[0];
            records++;
            have = 0;
        }
        int alive = 0;
        for (int k = 0; k < WRITERS; k++)
            alive |= kids[k] != 0;
        (void)alive;
    }
    for (int k = 0; k < WRITERS; k++)
        t_wait(kids[k]);
    printf("records %d, interleaved %s\n", records, t_yesno(bad));
    close(r);
    unlink(path);
    return t_done();
}
