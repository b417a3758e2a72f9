/*
 * splice.c - splice, tee and vmsplice over pipes, files and sockets: the data moved,
 * the return values, errnos, offset updates (the file position moves only when the
 * offset pointer is NULL), non-blocking cases, tee leaving its input unread, and both
 * directions of vmsplice. Runs in $T_TMPDIR (tmpfs or a disk fs).
 */
#include "t.h"
#include <sys/socket.h>
#include <sys/uio.h>

static void rd(const char *name, int fd, size_t n)
{
    char buf[256] = {0};
    ssize_t r = read(fd, buf, n);
    if (r < 0)
        printf("%s: -1 %s\n", name, t_errname(errno));
    else
        printf("%s: %zd '%.*s'\n", name, r, (int)r, buf);
}

int main(void)
{
    t_init();
    const char *path = t_tmp("splice");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    t_write_all(fd, "0123456789abcdef", 16);
    int p[2], q[2];
    pipe(p);
    pipe(q);

    /* file -> pipe at an offset: position stays, offset advances */
    loff_t off = 4;
    lseek(fd, 0, SEEK_SET);
    SHOW("file->pipe off", splice(fd, &off, p[1], NULL, 5, 0));
    printf("off now: %lld pos: %lld\n", (long long)off, (long long)lseek(fd, 0, SEEK_CUR));
    rd("pipe has", p[0], 100);
    /* file -> pipe at the position: position advances */
    SHOW("file->pipe pos", splice(fd, NULL, p[1], NULL, 3, 0));
    printf("pos: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    rd("pipe has", p[0], 100);
    /* at EOF */
    lseek(fd, 0, SEEK_END);
    SHOW("file->pipe eof", splice(fd, NULL, p[1], NULL, 3, 0));

    /* pipe -> file, at an offset and at the position */
    t_write_all(p[1], "XYZW", 4);
    off = 2;
    SHOW("pipe->file off", splice(p[0], NULL, fd, &off, 2, 0));
    printf("off now: %lld\n", (long long)off);
    lseek(fd, 0, SEEK_SET);
    SHOW("pipe->file pos", splice(p[0], NULL, fd, NULL, 10, 0));
    printf("pos: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    char buf[32] = {0};
    pread(fd, buf, 16, 0);
    printf("file: '%.16s'\n", buf);

    /* pipe -> pipe and tee */
    t_write_all(p[1], "hello", 5);
    SHOW("tee", tee(p[0], q[1], 100, 0));
    rd("tee copy", q[0], 100);
    SHOW("pipe->pipe", splice(p[0], NULL, q[1], NULL, 3, 0));
    rd("moved", q[0], 100);
    rd("left", p[0], 100);

    /* errnos */
    off = 0;
    SHOW("pipe with offset", splice(p[0], &off, fd, NULL, 1, 0));
    SHOW("out pipe with offset", splice(fd, NULL, p[1], &off, 1, 0));
    SHOW("no pipe", splice(fd, NULL, fd, NULL, 1, 0));
    SHOW("same pipe", splice(p[0], NULL, p[1], NULL, 1, 0));
    SHOW("bad flags", splice(fd, NULL, p[1], NULL, 1, 0x100));
    SHOW("bad fd", splice(99, NULL, p[1], NULL, 1, 0));
    SHOW("write-only in", splice(p[1], NULL, q[1], NULL, 1, 0));
    SHOW("zero length", splice(fd, NULL, p[1], NULL, 0, 0));
    off = -1;
    SHOW("negative offset", splice(fd, &off, p[1], NULL, 1, 0));
    int ap = open(path, O_WRONLY | O_APPEND);
    t_write_all(p[1], "a", 1);
    SHOW("O_APPEND out", splice(p[0], NULL, ap, NULL, 1, 0));
    close(ap);
    rd("drain", p[0], 10);
    SHOW("nonblock empty", splice(p[0], NULL, fd, NULL, 1, SPLICE_F_NONBLOCK));
    SHOW("nonblock empty tee", tee(p[0], q[1], 1, SPLICE_F_NONBLOCK));
    SHOW("tee same pipe", tee(p[0], p[1], 1, 0));
    SHOW("tee not a pipe", tee(fd, p[1], 1, 0));
    SHOW("tee bad flags", tee(p[0], q[1], 1, 0x80));
    int d = open(t_dir[0] ? t_dir : "/", O_RDONLY);
    SHOW("dir in", splice(d, NULL, p[1], NULL, 1, 0));
    close(d);

    /* EOF on a pipe whose writer is gone */
    int e[2];
    pipe(e);
    close(e[1]);
    SHOW("pipe eof", splice(e[0], NULL, fd, NULL, 5, 0));
    SHOW("tee eof", tee(e[0], q[1], 5, 0));
    close(e[0]);
    /* no reader: EPIPE */
    pipe(e);
    close(e[0]);
    signal(SIGPIPE, SIG_IGN);
    SHOW("no reader", splice(fd, &(loff_t){0}, e[1], NULL, 5, 0));
    close(e[1]);

    /* full pipe, non-blocking */
    pipe(e);
    fcntl(e[1], F_SETPIPE_SZ, 4096);
    static char page[4096];
    memset(page, 'p', sizeof page);
    t_write_all(e[1], page, sizeof page);
    SHOW("full nonblock", splice(fd, &(loff_t){0}, e[1], NULL, 5, SPLICE_F_NONBLOCK));
    close(e[0]);
    close(e[1]);

    /* socket <-> pipe */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    t_write_all(sv[0], "sock", 4);
    SHOW("socket->pipe", splice(sv[1], NULL, p[1], NULL, 10, 0));
    SHOW("pipe->socket", splice(p[0], NULL, sv[1], NULL, 10, SPLICE_F_MORE));
    rd("socket got", sv[0], 10);
    SHOW("socket nonblock", splice(sv[1], NULL, p[1], NULL, 10, SPLICE_F_NONBLOCK));

    /* vmsplice both ways */
    char a[] = "vm", b[] = "splice";
    struct iovec iov[2] = {{a, 2}, {b, 6}};
    SHOW("vmsplice in", vmsplice(p[1], iov, 2, SPLICE_F_GIFT));
    char x[3] = {0}, y[6] = {0};
    struct iovec out[2] = {{x, 3}, {y, 5}};
    SHOW("vmsplice out", vmsplice(p[0], out, 2, 0));
    printf("got: '%.3s' '%.5s'\n", x, y);
    SHOW("vmsplice out empty", vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK));
    SHOW("vmsplice file", vmsplice(fd, iov, 2, 0));
    SHOW("vmsplice bad fd", vmsplice(99, iov, 2, 0));
    SHOW("vmsplice bad flags", vmsplice(p[1], iov, 2, 0x40));
    SHOW("vmsplice too many", vmsplice(p[1], iov, 1025, 0));
    SHOW("vmsplice zero", vmsplice(p[1], iov, 0, 0));

    close(fd);
    unlink(path);
    return t_done();
}
