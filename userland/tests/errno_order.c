/* errno_order.c - which check wins when several fail: getcwd outside a chroot
 * ("(unreachable)"), sched_setaffinity's EFAULT/ESRCH/EPERM/EINVAL order, and
 * copy_file_range's file-type checks before its mode checks. */
#include "t.h"
#include <sys/syscall.h>

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EISDIR: return "EISDIR";
    case EFAULT: return "EFAULT";
    case ESRCH: return "ESRCH";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    default: return "other";
    }
}

static void getcwd_outside_root(void)
{
    char buf[256];
    mkdir("/tmp/eo_root", 0755);
    chdir("/tmp");
    if (chroot("/tmp/eo_root")) {
        printf("chroot: %s\n", ename(errno));
        return;
    }
    long r = syscall(SYS_getcwd, buf, sizeof buf);
    printf("getcwd outside root: %s unreachable prefix %d\n", r > 0 ? "ok" : ename(errno),
           r > 0 && !strncmp(buf, "(unreachable)/", 14));
    errno = 0;
    char *p = realpath(".", NULL);
    printf("realpath(.): %s\n", p ? "resolved" : ename(errno));
}

static void affinity(void)
{
    unsigned long one = 1, none = 0;
    errno = 0;
    syscall(SYS_sched_setaffinity, 0, sizeof one, (void *)8);
    printf("setaffinity bad mask: %s\n", ename(errno));
    errno = 0;
    syscall(SYS_sched_setaffinity, 0, sizeof none, &none);
    printf("setaffinity empty mask: %s\n", ename(errno));
    errno = 0;
    syscall(SYS_sched_setaffinity, 999999, sizeof none, &none);
    printf("setaffinity no such pid, empty mask: %s\n", ename(errno));
    fflush(stdout);
    pid_t other = fork();
    if (other == 0) {
        pause();
        _exit(0);
    }
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        setresuid(1000, 1000, 1000);
        errno = 0;
        syscall(SYS_sched_setaffinity, other, sizeof none, &none);
        printf("setaffinity of root's task as uid 1000: %s\n", ename(errno));
        errno = 0;
        long r = syscall(SYS_sched_setaffinity, 0, sizeof one, &one);
        printf("setaffinity of self as uid 1000: %ld %s\n", r, ename(errno));
        _exit(0);
    }
    waitpid(p, NULL, 0);
    kill(other, SIGKILL);
    waitpid(other, NULL, 0);
}

static void cfr(void)
{
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    int in = open("/tmp/eo_file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int ro = open("/tmp/eo_file", O_RDONLY);
    write(in, "hello", 5);
    errno = 0;
    syscall(SYS_copy_file_range, in, NULL, dir, NULL, 5, 0);
    printf("copy_file_range to a read-only directory fd: %s\n", ename(errno));
    int p[2];
    pipe(p);
    errno = 0;
    syscall(SYS_copy_file_range, in, NULL, p[0], NULL, 5, 0);
    printf("copy_file_range to a pipe's read end: %s\n", ename(errno));
    errno = 0;
    syscall(SYS_copy_file_range, in, NULL, ro, NULL, 5, 0);
    printf("copy_file_range to a read-only file: %s\n", ename(errno));
    unlink("/tmp/eo_file");
}

int main(void)
{
    t_init();
    affinity();
    cfr();
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        getcwd_outside_root();
        _exit(0);
    }
    waitpid(p, NULL, 0);
    rmdir("/tmp/eo_root");
    return t_done();
}
