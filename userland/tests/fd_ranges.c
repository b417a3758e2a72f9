/*
 * fd_ranges.c - close_range (plain, CLOSE_RANGE_CLOEXEC, EINVAL cases) and
 * copy_file_range (explicit offsets, file positions, end of file, the
 * EINVAL/EBADF cases).
 */
#include "t.h"
#include <sys/syscall.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 4
#endif

static int is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

int main(void)
{
    t_init();
    for (int i = 0; i < 6; i++)
        dup2(1, 20 + i);
    t_check("close_range 21..23", syscall(SYS_close_range, 21, 23, 0) == 0, "errno %s", t_errname(errno));
    printf("open: 20=%d 21=%d 23=%d 24=%d\n", is_open(20), is_open(21), is_open(23), is_open(24));
    t_check("cloexec 24..~0", syscall(SYS_close_range, 24, ~0u, CLOSE_RANGE_CLOEXEC) == 0, "");
    printf("24 cloexec=%d 25 cloexec=%d\n", fcntl(24, F_GETFD) & FD_CLOEXEC, fcntl(25, F_GETFD) & FD_CLOEXEC);
    t_check("first > last", syscall(SYS_close_range, 5, 4, 0) < 0 && errno == EINVAL, "");
    t_check("bad flags", syscall(SYS_close_range, 20, 30, 1) < 0 && errno == EINVAL, "");
    syscall(SYS_close_range, 20, 30, 0);
    t_check("all closed", !is_open(20) && !is_open(24) && !is_open(25), "");

    const char *dir = getenv("T_TMPDIR") ? getenv("T_TMPDIR") : "/tmp";
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/fdr-a-%d", dir, getpid());
    snprintf(b, sizeof b, "%s/fdr-b-%d", dir, getpid());
    int in = open(a, O_RDWR | O_CREAT | O_TRUNC, 0644), out = open(b, O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(in, "0123456789", 10);
    loff_t oi = 2, oo = 5;
    ssize_t n = syscall(SYS_copy_file_range, in, &oi, out, &oo, 4, 0);
    printf("copied %zd, offsets now %lld %lld\n", n, (long long)oi, (long long)oo);
    char buf[32] = {0};
    n = pread(out, buf, sizeof buf, 0);
    printf("out size %zd, bytes 5..8: %.4s, hole zero: %d\n", n, buf + 5, buf[0] == 0);
    lseek(in, 7, SEEK_SET);
    lseek(out, 0, SEEK_SET);
    n = syscall(SYS_copy_file_range, in, NULL, out, NULL, 100, 0);
    printf("from positions: %zd, in pos %lld, out pos %lld\n", n, (long long)lseek(in, 0, SEEK_CUR),
           (long long)lseek(out, 0, SEEK_CUR));
    n = syscall(SYS_copy_file_range, in, NULL, out, NULL, 100, 0);
    printf("at end: %zd\n", n);
    t_check("flags", syscall(SYS_copy_file_range, in, NULL, out, NULL, 1, 1) < 0 && errno == EINVAL, "");
    int ro = open(a, O_RDONLY);
    t_check("read-only out", syscall(SYS_copy_file_range, in, NULL, ro, NULL, 1, 0) < 0 && errno == EBADF, "");
    int p[2];
    pipe(p);
    t_check("pipe", syscall(SYS_copy_file_range, p[0], NULL, out, NULL, 1, 0) < 0 && errno == EINVAL, "errno %s",
            t_errname(errno));
    oi = 0, oo = 2;
    t_check("overlap", syscall(SYS_copy_file_range, in, &oi, in, &oo, 5, 0) < 0 && errno == EINVAL, "");
    unlink(a);
    unlink(b);
    return t_done();
}
