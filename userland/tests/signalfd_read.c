/*
 * signalfd_read.c - blocked signals read from a signalfd: kill gives
 * SI_USER with the sender's pid, sigqueue SI_QUEUE with the value, a child's
 * exit SIGCHLD with its status; poll is readable while one is pending; a
 * read blocks until a signal comes (here from a child); short buffers are
 * EINVAL, an empty nonblocking one EAGAIN; the mask can be changed in place.
 */
#include "t.h"
#include <poll.h>
#include <sys/signalfd.h>

int main(void)
{
    t_init();
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGRTMIN);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int fd = signalfd(-1, &mask, SFD_NONBLOCK);
    printf("signalfd: %s\n", t_yesno(fd >= 0));
    struct signalfd_siginfo si;
    ssize_t r = read(fd, &si, sizeof si);
    printf("empty nonblocking read: %zd %s\n", r, t_errname(errno));
    struct pollfd p = {fd, POLLIN, 0};
    int pr = poll(&p, 1, 0);
    printf("poll empty: %d\n", pr);

    kill(getpid(), SIGUSR1);
    pr = poll(&p, 1, 0);
    printf("poll after kill: %d %s\n", pr, t_yesno(p.revents & POLLIN));
    r = read(fd, &si, sizeof si);
    printf("read: %zd signo %s code %d pid is mine %s\n", r, (si.ssi_signo == SIGUSR1 ? "SIGUSR1" : "other"), si.ssi_code,
           t_yesno(si.ssi_pid == (unsigned)getpid()));
    char small[64];
    kill(getpid(), SIGUSR1);
    r = read(fd, small, sizeof small);
    printf("short read: %zd %s\n", r, t_errname(errno));
    read(fd, &si, sizeof si);

    union sigval v = {.sival_int = 777};
    sigqueue(getpid(), SIGRTMIN, v);
    sigqueue(getpid(), SIGRTMIN, v);
    struct signalfd_siginfo two[3];
    r = read(fd, two, sizeof two);
    printf("two queued: %zd bytes, code %d int %d\n", r, two[0].ssi_code, two[1].ssi_int);

    pid_t c = t_fork();
    if (c == 0)
        _exit(7);
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    r = read(fd, &si, sizeof si);
    printf("SIGCHLD: %zd code %s status %d pid matches %s\n", r, si.ssi_code == CLD_EXITED ? "CLD_EXITED" : "?",
           si.ssi_status, t_yesno(si.ssi_pid == (unsigned)c));
    waitpid(c, NULL, 0);

    c = t_fork();
    if (c == 0) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    r = read(fd, &si, sizeof si);          /* blocks until the child's kill */
    printf("blocking read woke: %zd %s from the child %s\n", r, (si.ssi_signo == SIGUSR1 ? "SIGUSR1" : "other"),
           t_yesno(si.ssi_pid == (unsigned)c));
    waitpid(c, NULL, 0);
    read(fd, &si, sizeof si);              /* that child's SIGCHLD */

    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, SIGRTMIN);
    printf("new mask: %d\n", signalfd(fd, &only, 0) == fd);
    kill(getpid(), SIGUSR1);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    r = read(fd, &si, sizeof si);
    printf("SIGUSR1 no longer read: %zd %s\n", r, t_errname(errno));
    sigset_t pend;
    sigpending(&pend);
    printf("still pending: %s\n", t_yesno(sigismember(&pend, SIGUSR1)));
    r = signalfd(0, &only, 0);
    printf("signalfd on stdin: %zd %s\n", r, t_errname(errno));
    return 0;
}
