/*
 * fcntl_ofd.c - the newer fcntl commands: open file description locks (owned by
 * the open file, shared across fork, conflicting with other opens and with
 * process locks, l_pid -1), leases (the conflicting-open EAGAIN rules, F_GETLEASE,
 * a lease break seen by a non-blocking opener and by the holder's SIGIO),
 * F_SETOWN_EX / F_GETOWN_EX / F_GETOWN, F_SETSIG, and memfd seals.
 */
#include "t.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static const char *path;

static int ofd(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

static void report(const char *label, int r)
{
    printf("%s: %s\n", label, r < 0 ? t_errname(errno) : "0");
}

static void ofd_getlk(const char *label, int fd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        printf("%s: %s\n", label, t_errname(errno));
        return;
    }
    printf("%s: type %s start %ld len %ld pid %d\n", label,
           fl.l_type == F_UNLCK ? "unlck" : fl.l_type == F_WRLCK ? "wr" : "rd",
           (long)fl.l_start, (long)fl.l_len, fl.l_pid);
}

static void ofd_locks(void)
{
    int a = open(path, O_RDWR), b = open(path, O_RDWR);
    report("ofd setlk a", ofd(a, F_OFD_SETLK, F_WRLCK, 0, 10));
    report("ofd setlk b conflicts", ofd(b, F_OFD_SETLK, F_WRLCK, 5, 1));
    ofd_getlk("ofd getlk b", b, F_RDLCK);
    ofd_getlk("ofd getlk a (own)", a, F_WRLCK);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = 1};
    report("ofd l_pid != 0", fcntl(a, F_OFD_SETLK, &fl));
    report("posix lock vs ofd", ofd(b, F_SETLK, F_RDLCK, 0, 1));
    struct flock g = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 1};
    fcntl(b, F_GETLK, &g);
    printf("posix getlk sees ofd pid %d\n", g.l_pid);
    pid_t c = fork();
    if (c == 0) {           /* the child shares a's open file description: its lock */
        report("child relock via a", ofd(a, F_OFD_SETLK, F_RDLCK, 0, 10));
        report("child via b", ofd(b, F_OFD_SETLK, F_RDLCK, 0, 1));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    ofd_getlk("after child downgrade", b, F_WRLCK);
    report("b read lock now", ofd(b, F_OFD_SETLK, F_RDLCK, 0, 1));
    int a2 = dup(a);
    close(a2);              /* closing a dup keeps the description's lock */
    report("after dup close", ofd(b, F_OFD_SETLK, F_WRLCK, 0, 1));
    close(a);               /* the last close drops it */
    report("after last close", ofd(b, F_OFD_SETLK, F_WRLCK, 0, 1));
    c = fork();
    if (c == 0) {
        int d = open(path, O_RDWR);
        report("setlkw waits for b", ofd(d, F_OFD_SETLKW, F_WRLCK, 0, 1));
        _exit(0);
    }
    usleep(200000);
    ofd(b, F_OFD_SETLK, F_UNLCK, 0, 0);
    waitpid(c, NULL, 0);
    close(b);
}

static void leases(void)
{
    int rw = open(path, O_RDWR);
    report("read lease on O_RDWR", fcntl(rw, F_SETLEASE, F_RDLCK));
    close(rw);
    int r = open(path, O_RDONLY);
    report("unlock without lease", fcntl(r, F_SETLEASE, F_UNLCK));
    int r2 = open(path, O_RDONLY);
    report("write lease, 2 opens", fcntl(r, F_SETLEASE, F_WRLCK));
    report("read lease", fcntl(r, F_SETLEASE, F_RDLCK));
    report("2nd read lease", fcntl(r2, F_SETLEASE, F_RDLCK));
    printf("getlease %d\n", fcntl(r, F_GETLEASE));
    report("unlock", fcntl(r, F_SETLEASE, F_UNLCK));
    report("unlock r2", fcntl(r2, F_SETLEASE, F_UNLCK));
    close(r2);
    int p[2];
    pipe(p);
    report("lease on a pipe", fcntl(p[0], F_SETLEASE, F_RDLCK));
    close(p[0]);
    close(p[1]);
    report("write lease", fcntl(r, F_SETLEASE, F_WRLCK));
    printf("getown after setlease is me: %s\n", t_yesno(fcntl(r, F_GETOWN) == getpid()));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGIO);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t c = fork();
    if (c == 0) {
        int x = open(path, O_RDONLY | O_NONBLOCK);
        printf("nonblocking opener: %s\n", x < 0 ? t_errname(errno) : "opened");
        _exit(0);
    }
    waitpid(c, NULL, 0);
    struct timespec ts = {5, 0};
    printf("holder signal %d\n", sigtimedwait(&set, NULL, &ts));
    printf("getlease while breaking %d\n", fcntl(r, F_GETLEASE));
    report("downgrade", fcntl(r, F_SETLEASE, F_RDLCK));
    printf("getlease %d\n", fcntl(r, F_GETLEASE));
    report("unlock", fcntl(r, F_SETLEASE, F_UNLCK));
    close(r);
}

static void owners(void)
{
    int p[2];
    pipe(p);
    struct f_owner_ex ex = {0};
    fcntl(p[0], F_GETOWN_EX, &ex);
    printf("default owner type %d pid %d own %d sig %d\n", ex.type, ex.pid, fcntl(p[0], F_GETOWN),
           fcntl(p[0], F_GETSIG));
    ex.type = F_OWNER_PGRP;
    ex.pid = getpgrp();
    report("setown_ex pgrp", fcntl(p[0], F_SETOWN_EX, &ex));
    printf("getown is -pgrp: %s\n", t_yesno(fcntl(p[0], F_GETOWN) == -getpgrp()));
    ex.type = F_OWNER_TID;
    ex.pid = syscall(SYS_gettid);
    report("setown_ex tid", fcntl(p[0], F_SETOWN_EX, &ex));
    struct f_owner_ex got = {0};
    fcntl(p[0], F_GETOWN_EX, &got);
    printf("getown_ex type %d is me %s\n", got.type, t_yesno(got.pid == ex.pid));
    ex.type = 9;
    report("setown_ex bad type", fcntl(p[0], F_SETOWN_EX, &ex));
    report("setown no such pid", fcntl(p[0], F_SETOWN, 0x3fffff));
    report("setsig 65", fcntl(p[0], F_SETSIG, 65));
    report("setsig SIGUSR1", fcntl(p[0], F_SETSIG, SIGUSR1));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    fcntl(p[0], F_SETFL, O_ASYNC);
    write(p[1], "x", 1);
    siginfo_t si;
    struct timespec ts = {5, 0};
    int s = sigtimedwait(&set, &si, &ts);
    printf("O_ASYNC pipe signal %d code %d\n", s, si.si_code);
    close(p[0]);
    close(p[1]);
}

static void seals(void)
{
    int fd = memfd_create("seals", MFD_ALLOW_SEALING);
    int plain = memfd_create("plain", 0);
    printf("seals %d plain %d\n", fcntl(fd, F_GET_SEALS), fcntl(plain, F_GET_SEALS));
    report("seal plain", fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE));
    int p[2];
    pipe(p);
    report("get seals pipe", fcntl(p[0], F_GET_SEALS));
    report("ftruncate", ftruncate(fd, 8192));
    report("add shrink|grow", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    report("shrink", ftruncate(fd, 4096));
    report("grow", ftruncate(fd, 16384));
    report("write inside", pwrite(fd, "a", 1, 0) < 0 ? -1 : 0);
    report("write past end", pwrite(fd, "a", 1, 8192) < 0 ? -1 : 0);
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    report("add write with shared map", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    munmap(m, 4096);
    report("add write", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    report("write sealed", pwrite(fd, "a", 1, 0) < 0 ? -1 : 0);
    report("mmap shared rw", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
    m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    report("mprotect write", mprotect(m, 4096, PROT_READ | PROT_WRITE));
    report("mmap private rw", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
    report("add seal", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    report("add after seal", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
    report("unknown seal", fcntl(plain, F_ADD_SEALS, 0x100));
    printf("final seals %#x\n", fcntl(fd, F_GET_SEALS));
    close(fd);
    close(plain);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    t_init();
    path = t_tmp("fcntl_ofd");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    t_write_all(fd, "0123456789abcdefghij", 20);
    close(fd);
    ofd_locks();
    leases();
    owners();
    seals();
    unlink(path);
    return t_done();
}
