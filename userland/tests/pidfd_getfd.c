/* pidfd_getfd takes a duplicate (close-on-exec, same open file) of another process's
 * descriptor; its errors (EINVAL, EBADF, EPERM for another user, ESRCH once reaped).
 * pidfd_send_signal also accepts a /proc/PID directory, but waitid's P_PIDFD does not. */
#include "t.h"
#include <sys/syscall.h>

static int pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
static int getfd(int pidfd, int fd, unsigned flags) { return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags); }

static int pidfd;

static void as_user(void *arg)
{
    (void)arg;
    setresuid(1000, 1000, 1000);
    SHOW("user takes root's fd", getfd(pidfd, 0, 0));
}

int main(void)
{
    t_init();
    int p[2];
    pipe(p);
    pid_t c = t_fork();
    if (c == 0) {
        char ch;
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 40);
        read(p[0], &ch, 1);
        _exit(0);
    }
    pidfd = pidfd_open(c);
    usleep(100000);
    int fd;
    for (int i = 0; i < 100 && (fd = getfd(pidfd, 40, 0)) < 0; i++)
        usleep(10000);
    printf("got fd: %s\n", t_yesno(fd >= 0));
    printf("cloexec: %s\n", t_yesno(fcntl(fd, F_GETFD) == FD_CLOEXEC));
    printf("write-only: %s\n", t_yesno((fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY));
    printf("same file: %ld\n", syscall(SYS_kcmp, getpid(), c, 0, fd, 40));
    SHOW("flags 1", getfd(pidfd, 40, 1));
    SHOW("not open there", getfd(pidfd, 99, 0));
    SHOW("not a pidfd", getfd(1, 0, 0));
    SHOW("bad pidfd", getfd(-1, 0, 0));
    t_in_child(as_user, NULL);
    char dir[32];
    snprintf(dir, sizeof dir, "/proc/%d", (int)c);
    int procfd = open(dir, O_DIRECTORY | O_CLOEXEC);
    SHOW("getfd via /proc dir", getfd(procfd, 40, 0));
    SHOW("signal 0 via /proc dir", syscall(SYS_pidfd_send_signal, procfd, 0, NULL, 0));
    siginfo_t si;
    SHOW("waitid via /proc dir", syscall(SYS_waitid, 3 /* P_PIDFD */, procfd, &si, WEXITED | WNOHANG, NULL));
    int fdd = open("/proc", O_DIRECTORY);
    SHOW("signal via /proc", syscall(SYS_pidfd_send_signal, fdd, 0, NULL, 0));
    write(p[1], "x", 1);
    t_wait(c);
    SHOW("reaped", getfd(pidfd, 40, 0));
    SHOW("signal reaped via /proc dir", syscall(SYS_pidfd_send_signal, procfd, 0, NULL, 0));
    return t_done();
}
