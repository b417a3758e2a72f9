/*
 * pidfd.c - pidfd_open on a child, poll readable only once it has exited,
 * waitid(P_PIDFD), pidfd_send_signal (kill through the descriptor; zero
 * signal as a check), clone(CLONE_PIDFD) handing out a descriptor, and the
 * errors: a thread id or bad flags (EINVAL), a missing pid (ESRCH), a non-pidfd
 * descriptor (EBADF), reading a pidfd (EINVAL).
 */
#include "t.h"
#include <poll.h>
#include <sys/syscall.h>
#include <pthread.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif

static int pidfd_open(pid_t pid, unsigned flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_kill(int fd, int sig) { return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0); }

static volatile pid_t thread_tid;
static void *thread_body(void *a)
{
    thread_tid = (pid_t)syscall(SYS_gettid);
    struct timespec ts = {0, 300000000};
    nanosleep(&ts, NULL);
    return a;
}

int main(void)
{
    t_init();
    pid_t c = t_fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    int fd = pidfd_open(c, 0);
    printf("pidfd_open: %s cloexec %s\n", t_yesno(fd >= 0), t_yesno(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    struct pollfd p = {fd, POLLIN, 0};
    int pr = poll(&p, 1, 50);
    printf("poll while alive: %d\n", pr);
    printf("signal 0: %d\n", pidfd_kill(fd, 0));
    printf("SIGTERM: %d\n", pidfd_kill(fd, SIGTERM));
    pr = poll(&p, 1, 5000);
    printf("poll after death: %d %s\n", pr, t_yesno(p.revents & POLLIN));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PIDFD, fd, &si, WEXITED);
    printf("waitid P_PIDFD: %d pid matches %s code %s status %s\n", r, t_yesno(si.si_pid == c),
           si.si_code == CLD_KILLED ? "CLD_KILLED" : "?", (si.si_status == SIGTERM ? "SIGTERM" : "?"));
    r = pidfd_kill(fd, SIGTERM);
    printf("signal after reaping: %d %s\n", r, t_errname(errno));
    char b[8];
    r = read(fd, b, sizeof b);
    printf("read: %d %s\n", r, t_errname(errno));
    close(fd);

    int cfd = -1;
    fflush(stdout);
    pid_t c2 = (pid_t)syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &cfd, 0, 0);
    if (c2 == 0)
        _exit(5);
    pr = poll(&(struct pollfd){cfd, POLLIN, 0}, 1, 5000);
    printf("CLONE_PIDFD: fd %s, polls when done %d\n", t_yesno(cfd > 2), pr);
    int st;
    waitpid(c2, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));

    pthread_t th;
    pthread_create(&th, NULL, thread_body, NULL);
    while (!thread_tid)
        sched_yield();
    r = pidfd_open(thread_tid, 0);
    printf("pidfd_open of a thread: %d %s\n", r, t_errname(errno));
    pthread_join(th, NULL);
    r = pidfd_open(getpid(), 0x1);
    printf("bad flags: %d %s\n", r, t_errname(errno));
    r = pidfd_open(999999, 0);
    printf("no such pid: %d %s\n", r, t_errname(errno));
    r = pidfd_kill(0, SIGTERM);
    printf("not a pidfd: %d %s\n", r, t_errname(errno));
    return 0;
}
