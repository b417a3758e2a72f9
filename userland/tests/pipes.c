/*
 * pipes.c - pipes between processes: 1 MiB streamed from parent to child
 * (which checksums it), EOF only once every write end is closed, ping-pong
 * between two processes, a write with no reader giving EPIPE when SIGPIPE
 * is ignored and killing the writer with SIGPIPE otherwise, and reads that
 * return what is there (short reads) rather than waiting for a full buffer.
 */
#include "t.h"

#define TOTAL (1u << 20)

static unsigned checksum_step(unsigned s, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s = (s * 131u) ^ p[i];
    return s;
}

static void write_no_reader(void *arg)
{
    (void)arg;
    int p[2];
    if (pipe(p) < 0)
        _exit(2);
    close(p[0]);
    write(p[1], "x", 1); /* default SIGPIPE action kills us here */
    _exit(0);
}

int main(void)
{
    t_init();
    int p[2], back[2];

    /* 1. 1 MiB parent -> child, in odd-sized writes; child reports count and checksum. */
    if (pipe(p) < 0 || pipe(back) < 0)
        return 2;
    pid_t c = t_fork();
    if (c == 0) {
        close(p[1]);
        close(back[0]);
        unsigned char buf[3000];
        unsigned s = 0;
        size_t total = 0;
        ssize_t n;
        while ((n = read(p[0], buf, sizeof buf)) > 0) {
            s = checksum_step(s, buf, (size_t)n);
            total += (size_t)n;
        }
        unsigned res[2] = {(unsigned)total, s};
        t_write_all(back[1], res, sizeof res);
        _exit(n == 0 ? 0 : 1);
    }
    close(p[0]);
    close(back[1]);
    unsigned char *data = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (unsigned char)((i * 2654435761u) >> 13);
    unsigned want = checksum_step(0, data, TOTAL);
    size_t off = 0, chunk = 1;
    while (off < TOTAL) {
        size_t n = chunk < TOTAL - off ? chunk : TOTAL - off;
        t_write_all(p[1], data + off, n);
        off += n;
        chunk = chunk * 3 + 7;
        if (chunk > 70000)
            chunk = 1;
    }
    close(p[1]); /* EOF for the child */
    unsigned res[2] = {0, 0};
    ssize_t got = read(back[0], res, sizeof res);
    close(back[0]);
    printf("child read %u bytes: %s\n", res[0], t_yesno(got == (ssize_t)sizeof res && res[0] == TOTAL));
    printf("checksum matches: %s\n", t_yesno(res[1] == want));
    printf("child: %s\n", t_status(t_wait(c)));
    free(data);

    /* 2. EOF needs every writer closed: a second writer (another child) keeps it open. */
    if (pipe(p) < 0)
        return 2;
    int hold[2];
    if (pipe(hold) < 0)
        return 2;
    pid_t w = t_fork();
    if (w == 0) { /* holds p[1] open until told to go */
        char b;
        close(p[0]);
        close(hold[1]);
        read(hold[0], &b, 1);
        write(p[1], "late", 4);
        _exit(0);
    }
    close(hold[0]);
    close(p[1]); /* our write end is closed, the child's is not */
    t_write_all(hold[1], "g", 1);
    close(hold[1]);
    char buf[16];
    ssize_t n1 = read(p[0], buf, sizeof buf);
    ssize_t n2 = read(p[0], buf, sizeof buf);
    printf("read while another writer exists gets its data: %zd bytes, then EOF: %zd\n", n1, n2);
    close(p[0]);
    t_wait(w);

    /* 3. Ping-pong: 200 round trips of a counter. */
    int down[2], up[2];
    if (pipe(down) < 0 || pipe(up) < 0)
        return 2;
    c = t_fork();
    if (c == 0) {
        close(down[1]);
        close(up[0]);
        int v;
        while (read(down[0], &v, sizeof v) == sizeof v) {
            v += 1;
            t_write_all(up[1], &v, sizeof v);
        }
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    int v = 0, ok = 1;
    for (int i = 0; i < 200; i++) {
        int sent = v;
        t_write_all(down[1], &v, sizeof v);
        if (read(up[0], &v, sizeof v) != sizeof v || v != sent + 1)
            ok = 0;
        v += 1;
    }
    close(down[1]);
    close(up[0]);
    printf("ping-pong 200 round trips, final value %d: %s\n", v, t_yesno(ok));
    printf("ping-pong child: %s\n", t_status(t_wait(c)));

    /* 4. No readers: EPIPE when SIGPIPE is ignored, death by SIGPIPE otherwise. */
    if (pipe(p) < 0)
        return 2;
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    ssize_t r = write(p[1], "x", 1);
    printf("write with no reader, SIGPIPE ignored: %zd %s\n", r, t_errname(errno));
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
    printf("write with no reader, SIGPIPE default: %s\n", t_status(t_in_child(write_no_reader, NULL)));

    /* 5. A read returns what is available, not the whole request. */
    if (pipe(p) < 0)
        return 2;
    t_write_all(p[1], "abc", 3);
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("short read returns available bytes: %zd\n", n);
    t_write_all(p[1], "defgh", 5);
    n = read(p[0], buf, 2);
    ssize_t m = read(p[0], buf + 2, 10);
    buf[2 + m] = 0;
    printf("partial reads in order: %zd + %zd = \"%s\"\n", n, m, buf);
    close(p[0]);
    close(p[1]);

    /* 6. Pipe ends: reading the write end, writing the read end. */
    if (pipe(p) < 0)
        return 2;
    printf("read from write end: %s\n", t_errname(read(p[1], buf, 1) < 0 ? errno : 0));
    printf("write to read end: %s\n", t_errname(write(p[0], "x", 1) < 0 ? errno : 0));
    printf("lseek on a pipe: %s\n", t_errname(lseek(p[0], 0, SEEK_SET) < 0 ? errno : 0));
    close(p[0]);
    close(p[1]);
    return t_done();
}
