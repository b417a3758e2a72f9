/*
 * argchecks.c - argument checks and errnos that LTP found different from Linux.
 *
 * Each line is a call and what it returned ("-1 EBADF", "0", a value):
 * O_PATH descriptors refused by every call that takes fdget (accept, epoll_ctl,
 * fchmod, read) but taken by the fdget_raw ones (fstat, fstatfs, fcntl, dup);
 * epoll_ctl on files without a poll operation (EPERM); fstatfs on a pipe
 * (pipefs); a NULL path (EFAULT); O_NOATIME by a non-owner (EPERM); shared
 * futex words that cannot fault in (EFAULT); timer slack (PR_SET_TIMERSLACK,
 * inherited, 0 resets); ARCH_SET_CPUID without CPUID faulting (ENODEV).
 * Runs in $T_TMPDIR.
 */
#include "t.h"
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

static void opath(void)
{
    int fd = open(t_tmp("opath"), O_CREAT | O_RDWR, 0600);
    close(fd);
    fd = open(t_tmp("opath"), O_PATH);
    struct stat st;
    struct statfs sfs;
    char c;
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    SHOW("accept(O_PATH)", accept(fd, NULL, NULL));
    SHOW("epoll_ctl(O_PATH)", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    SHOW("fchmod(O_PATH)", syscall(SYS_fchmod, fd, 0644));
    SHOW("fchown(O_PATH)", syscall(SYS_fchown, fd, -1, -1));
    SHOW("read(O_PATH)", read(fd, &c, 1));
    SHOW("fsync(O_PATH)", fsync(fd));
    SHOW("fstat(O_PATH)", fstat(fd, &st));
    SHOW("fstatfs(O_PATH)", fstatfs(fd, &sfs));
    SHOW("fcntl(O_PATH, F_GETFD)", fcntl(fd, F_GETFD));
    int d = dup(fd);
    SHOW("dup(O_PATH) >= 0", d >= 0 ? 0 : -1);
    SHOW("fstatat(O_PATH, \"\", AT_EMPTY_PATH)", fstatat(fd, "", &st, AT_EMPTY_PATH));
    close(d);
    close(fd);
    unlink(t_tmp("opath"));
    fd = open("/dev/zero", O_RDONLY);
    SHOW("epoll_ctl(/dev/zero)", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    SHOW("epoll_ctl(/dev/urandom)", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    close(fd);
    fd = open("/dev/random", O_RDONLY);
    SHOW("epoll_ctl(/dev/random)", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    close(fd);
    close(ep);
}

static void files(void)
{
    int p[2];
    struct statfs sfs;
    struct stat st;
    pipe(p);
    SHOW("fstatfs(pipe)", fstatfs(p[0], &sfs));
    printf("pipe f_type is PIPEFS_MAGIC: %s\n", t_yesno(sfs.f_type == 0x50495045));
    close(p[0]);
    close(p[1]);
    SHOW("lstat(NULL)", syscall(SYS_lstat, NULL, &st));
    SHOW("stat(NULL)", syscall(SYS_stat, NULL, &st));
    SHOW("fstatat(AT_FDCWD, NULL, 0)", syscall(SYS_newfstatat, AT_FDCWD, NULL, &st, 0));
}

static void futexes(void)
{
    int *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int word = 0;
    munmap(gone, 4096);
    SHOW("FUTEX_WAKE unmapped", syscall(SYS_futex, gone, 1 /* FUTEX_WAKE */, 1, 0, 0, 0));
    SHOW("FUTEX_WAKE PROT_NONE", syscall(SYS_futex, none, 1, 1, 0, 0, 0));
    SHOW("FUTEX_WAKE_PRIVATE PROT_NONE", syscall(SYS_futex, none, 1 | 128, 1, 0, 0, 0));
    SHOW("FUTEX_CMP_REQUEUE uaddr2 PROT_NONE",
         syscall(SYS_futex, &word, 4 /* FUTEX_CMP_REQUEUE */, 1, 1, none, 0));
    munmap(none, 4096);
}

static int has_cpuinfo_flag(const char *flag)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "flags", 5)) {
            char *p = strstr(line, flag);
            found = p && p[-1] == ' ' && (p[strlen(flag)] == ' ' || p[strlen(flag)] == '\n');
            break;
        }
    if (f)
        fclose(f);
    return found;
}

static void tasks(void)
{
    long start = prctl(PR_GET_TIMERSLACK);
    SHOW("PR_SET_TIMERSLACK 70000", prctl(PR_SET_TIMERSLACK, 70000));
    SHOW("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK));
    char buf[32] = "";
    int fd = open("/proc/self/timerslack_ns", O_RDONLY);
    read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("/proc/self/timerslack_ns: %s", buf);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        long inherited = prctl(PR_GET_TIMERSLACK);
        prctl(PR_SET_TIMERSLACK, 5);
        prctl(PR_SET_TIMERSLACK, 0);
        printf("child: slack %ld, reset to %ld\n", inherited, prctl(PR_GET_TIMERSLACK));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    SHOW("PR_SET_TIMERSLACK 0", prctl(PR_SET_TIMERSLACK, 0));
    printf("reset to the slack at start: %s\n", t_yesno(prctl(PR_GET_TIMERSLACK) == start));
    long r = syscall(SYS_arch_prctl, 0x1012 /* ARCH_SET_CPUID */, 1);
    printf("ARCH_SET_CPUID works iff cpuinfo has cpuid_fault: %s\n",
           t_yesno((r == 0) == has_cpuinfo_flag("cpuid_fault") && (r == 0 || errno == ENODEV)));
    SHOW("ARCH_GET_CPUID", syscall(SYS_arch_prctl, 0x1011, 0));
}

static void noatime_child(void *arg)
{
    (void)arg;
    if (getuid() == 0 && setresuid(65534, 65534, 65534))
        return;
    SHOW("open(/, O_NOATIME) by a non-owner", open("/", O_RDONLY | O_DIRECTORY | O_NOATIME));
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    SHOW("F_SETFL O_NOATIME by a non-owner", fcntl(fd, F_SETFL, O_NOATIME));
}

int main(void)
{
    t_init();
    opath();
    files();
    futexes();
    tasks();
    t_in_child(noatime_child, NULL);
    return t_done();
}
