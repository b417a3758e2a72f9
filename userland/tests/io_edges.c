/*
 * io_edges.c - pipe, poll/select, fcntl and memory-call edge cases, compared
 * with Linux.
 *
 * Covers what a sweep found pynix getting wrong: the pipe buffer is a ring of
 * page slots (a half-read page is no room for a non-blocking write; FIONREAD
 * counts bytes), F_GETPIPE_SZ on a non-pipe, select counting an fd only in
 * the sets it was asked about, mincore, madvise on holes, mmap past loff_t,
 * the core flag of a wait status with RLIMIT_CORE 0, coarse clocks'
 * resolution, fsync/fadvise on pipes, close_range, and holes in a /tmp file
 * (tmpfs in pynix) seen by st_blocks and SEEK_DATA/SEEK_HOLE, writev's
 * argument checks and short write, sendfile's checks, copy_file_range,
 * timerfd, and POSIX timers.
 */
#include "t.h"
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <sys/syscall.h>


static char big[70000];

static void pipes(void)
{
    int p[2], q[2], avail = 0;

    pipe2(p, O_NONBLOCK);
    SHOW("F_SETPIPE_SZ 4096", fcntl(p[1], F_SETPIPE_SZ, 4096));
    SHOW("write 5000 into one page", write(p[1], big, 5000));
    SHOW("read 100", read(p[0], big, 100));
    SHOW("write 10 into the half-read page", write(p[1], big, 10));
    SHOW("read the rest", read(p[0], big, sizeof big));
    SHOW("write 10 into the drained pipe", write(p[1], big, 10));
    SHOW("write 10 more (merged into the page)", write(p[1], big, 10));
    SHOW("FIONREAD", ioctl(p[0], FIONREAD, &avail) == 0 ? avail : -1);
    close(p[0]);
    close(p[1]);

    pipe2(q, O_NONBLOCK);
    SHOW("write 70000 into 64 KiB", write(q[1], big, 70000));
    SHOW("read 1", read(q[0], big, 1));
    SHOW("write 1", write(q[1], big, 1));
    SHOW("FIONREAD", ioctl(q[0], FIONREAD, &avail) == 0 ? avail : -1);
    SHOW("read 4095 (the first page)", read(q[0], big, 4095));
    SHOW("write 4097 (one page frees)", write(q[1], big, 4097));
    close(q[0]);
    close(q[1]);

    int fd = open("/dev/null", O_RDONLY);
    SHOW("F_GETPIPE_SZ on /dev/null", fcntl(fd, F_GETPIPE_SZ));
    close(fd);
}

static void selects(void)
{
    int p[2];
    fd_set w;
    struct timeval tv = {0, 0};

    pipe(p);
    close(p[0]);
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    SHOW("select, write set, reader gone", select(p[1] + 1, NULL, &w, NULL, &tv));
    printf("fd in write set: %s\n", t_yesno(FD_ISSET(p[1], &w)));
    close(p[1]);
}

static void memory(void)
{
    long pg = 4096;
    unsigned char vec[4];
    char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *hole = mmap(NULL, 3 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    munmap(hole + pg, pg);
    a[0] = 1;
    a[2 * pg] = 1;
    SHOW("mincore", mincore(a, 4 * pg, vec));
    printf("resident: %d %d %d %d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
    SHOW("mincore unaligned", mincore(a + 1, pg, vec));
    SHOW("mincore over a hole", mincore(hole, 3 * pg, vec));
    SHOW("madvise over a hole", madvise(hole, 3 * pg, MADV_NORMAL));
    SHOW("madvise unknown advice", madvise(a, pg, 9999));
    SHOW("madvise DONTNEED", madvise(a, pg, MADV_DONTNEED));
    printf("page after DONTNEED reads: %d\n", a[0]);
    int fd = open("/proc/self/exe", O_RDONLY);
    errno = 0;
    void *m = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, -pg);
    printf("mmap at offset -4096: %s\n", m == MAP_FAILED ? t_errname(errno) : "mapped");
    close(fd);
}

static void sparse(void)
{
    char path[64];
    struct stat st;
    int fd;

    snprintf(path, sizeof path, "/tmp/pynix-ioedges-%d", (int)getpid());
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    unlink(path);
    SHOW("ftruncate to 3 pages", ftruncate(fd, 3 * 4096));
    fstat(fd, &st);
    printf("blocks of a file grown by ftruncate: %ld\n", (long)st.st_blocks);
    SHOW("SEEK_DATA in an all-hole file", lseek(fd, 0, SEEK_DATA));
    SHOW("SEEK_HOLE at 0", lseek(fd, 0, SEEK_HOLE));
    SHOW("pwrite 1 byte at 8192", pwrite(fd, "x", 1, 8192));
    SHOW("SEEK_DATA from 0", lseek(fd, 0, SEEK_DATA));
    SHOW("SEEK_HOLE from 0", lseek(fd, 0, SEEK_HOLE));
    SHOW("SEEK_HOLE from 8192", lseek(fd, 8192, SEEK_HOLE));
    SHOW("SEEK_DATA at the end", lseek(fd, 3 * 4096, SEEK_DATA));
    close(fd);
}

static void vectors(void)
{
    char path[64], a[4] = "abc", b[5] = "defg";
    struct iovec iov[2] = {{a, 3}, {b, 4}}, bad[2] = {{a, 3}, {(void *)4096, 4}};
    int fd, out, p[2];
    off_t off;
    loff_t o1 = 0, o2 = 100;

    snprintf(path, sizeof path, "/tmp/pynix-ioedges-v-%d", (int)getpid());
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    unlink(path);
    snprintf(path, sizeof path, "/tmp/pynix-ioedges-o-%d", (int)getpid());
    out = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    unlink(path);
    SHOW("writev", writev(fd, iov, 2));
    SHOW("writev with iovcnt -1", writev(fd, iov, -1));
    SHOW("writev whose second buffer faults", writev(fd, bad, 2));
    off = 2;
    SHOW("sendfile from offset 2", sendfile(out, fd, &off, 100));
    printf("offset after: %ld\n", (long)off);
    SHOW("sendfile with a negative offset", sendfile(out, fd, &(off_t){-1}, 3));
    pipe(p);
    write(p[1], "x", 1);
    SHOW("sendfile from a pipe", sendfile(out, p[0], NULL, 1));
    close(p[0]);
    close(p[1]);
    SHOW("copy_file_range", syscall(SYS_copy_file_range, fd, &o1, out, &o2, 5, 0));
    printf("offsets after: %ld %ld\n", (long)o1, (long)o2);
    SHOW("copy_file_range with flags", syscall(SYS_copy_file_range, fd, &o1, out, &o2, 5, 1));
    SHOW("copy_file_range overlapping itself",
         syscall(SYS_copy_file_range, fd, &(loff_t){0}, fd, &(loff_t){1}, 3, 0));
    SHOW("size of the copy", lseek(out, 0, SEEK_END));
    close(fd);
    close(out);
}

static void timerfds(void)
{
    uint64_t n = 0;
    struct itimerspec its = {{0, 0}, {0, 1000000}}, cur;
    struct timespec nap = {0, 20 * 1000 * 1000};
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);

    SHOW("timerfd read while unarmed", read(fd, &n, 8));
    SHOW("timerfd_settime 1 ms one-shot", timerfd_settime(fd, 0, &its, NULL));
    nanosleep(&nap, NULL);
    SHOW("timerfd read with a short buffer", read(fd, &n, 4));
    SHOW("timerfd read", read(fd, &n, 8));
    printf("expirations: %lu\n", (unsigned long)n);
    SHOW("timerfd read again", read(fd, &n, 8));
    its.it_value.tv_nsec = 1000000000;
    SHOW("timerfd_settime with tv_nsec 1e9", timerfd_settime(fd, 0, &its, NULL));
    SHOW("timerfd_gettime", timerfd_gettime(fd, &cur));
    printf("disarmed: %s\n", t_yesno(!cur.it_value.tv_sec && !cur.it_value.tv_nsec));
    SHOW("timerfd_create with a bad clock", timerfd_create(99, 0));
    close(fd);
}

static volatile sig_atomic_t timer_hits, timer_code, timer_value;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    timer_hits++;
    timer_code = si->si_code;
    timer_value = si->si_value.sival_int;
}

static void posix_timers(void)
{
    struct sigaction sa;
    struct sigevent sev;
    struct itimerspec its = {{0, 0}, {0, 2000000}}, cur;
    timer_t id;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 42;
    SHOW("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &id));
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);   /* no wake-up lost between test and wait */
    SHOW("timer_settime 2 ms", timer_settime(id, 0, &its, NULL));
    while (!timer_hits)
        sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("timer signal: code is SI_TIMER %s, value %d\n", t_yesno(timer_code == SI_TIMER),
           (int)timer_value);
    SHOW("timer_gettime after it fired", timer_gettime(id, &cur));
    printf("disarmed: %s\n", t_yesno(!cur.it_value.tv_sec && !cur.it_value.tv_nsec));
    SHOW("timer_getoverrun", timer_getoverrun(id));
    SHOW("timer_delete", timer_delete(id));
    SHOW("timer_delete again", syscall(SYS_timer_delete, id));
    sev.sigev_notify = 99;
    SHOW("timer_create with a bad sigev_notify", timer_create(CLOCK_MONOTONIC, &sev, &id));
    SHOW("timer_create with a bad clock", timer_create(99, NULL, &id));
}

static void aborter(void *arg)
{
    (void)arg;
    abort();
}

static void fdcalls(void)
{
    int p[2], i;

    pipe(p);
    SHOW("fsync on a pipe", fsync(p[0]));
    i = open("/dev/null", O_WRONLY);
    SHOW("fdatasync on /dev/null", fdatasync(i));
    close(i);
    SHOW("posix_fadvise on a pipe", posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL));
    close(p[0]);
    close(p[1]);
    for (i = 0; i < 4; i++)
        dup2(1, 20 + i);
    SHOW("close_range with first > last", syscall(436, 30, 20, 0));
    SHOW("close_range CLOEXEC on 20..21", syscall(436, 20, 21, 4));
    printf("fd 20 close-on-exec: %s\n", t_yesno(fcntl(20, F_GETFD) == FD_CLOEXEC));
    SHOW("close_range 20..~0", syscall(436, 20, ~0U, 0));
    printf("fd 23 still open: %s\n", t_yesno(fcntl(23, F_GETFD) >= 0));
}

int main(void)
{
    struct timespec res;

    t_init();
    signal(SIGPIPE, SIG_IGN);
    pipes();
    selects();
    memory();
    fdcalls();
    sparse();
    vectors();
    timerfds();
    posix_timers();
    int st = t_in_child(aborter, NULL);     /* t_init set RLIMIT_CORE to 0 */
    printf("abort: %s, core flag %s\n", t_status(st), t_yesno(WCOREDUMP(st)));
    SHOW("clock_getres(CLOCK_MONOTONIC_COARSE)", clock_getres(CLOCK_MONOTONIC_COARSE, &res));
    printf("coarse resolution above 1 ns: %s\n", t_yesno(res.tv_sec > 0 || res.tv_nsec > 1));
    return t_done();
}
