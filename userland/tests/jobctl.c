/*
 * jobctl.c - job control seen by waitpid: a child stopped with SIGSTOP and
 * continued with SIGCONT is reported with WUNTRACED and WCONTINUED, each
 * report once; SIGCHLD tells the parent (CLD_STOPPED, CLD_CONTINUED);
 * process groups and sessions (setpgid, setsid, getsid); kill(0, ...) and
 * killpg reach the whole group; a stopped child still dies of SIGKILL;
 * without a controlling terminal /dev/tty is ENXIO and tty calls ENOTTY;
 * a stopped group orphaned by its parent's exit gets SIGHUP and SIGCONT.
 */
#include "t.h"
#include <termios.h>

static volatile sig_atomic_t chld_codes[8];
static volatile sig_atomic_t nchld;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    if (nchld < 8)
        chld_codes[nchld++] = si->si_code;
}

static void child_loop(void)
{
    for (;;)
        pause();
}

static void stop_continue(void)
{
    pid_t pid = t_fork();
    int st = 0;
    if (pid == 0)
        child_loop();
    t_check("kill SIGSTOP", kill(pid, SIGSTOP) == 0, "errno %s", t_errname(errno));
    pid_t r = waitpid(pid, &st, WUNTRACED);
    t_check("waitpid WUNTRACED reports the stop", r == pid && WIFSTOPPED(st), "r ok=%d st=%#x", r == pid, st);
    t_check("stop signal is SIGSTOP", WSTOPSIG(st) == SIGSTOP, "sig %d", WSTOPSIG(st));
    r = waitpid(pid, &st, WUNTRACED | WNOHANG);
    t_check("a stop is reported once", r == 0, "r=%d", r > 0 ? 1 : r);
    t_check("kill SIGCONT", kill(pid, SIGCONT) == 0, "errno %s", t_errname(errno));
    r = waitpid(pid, &st, WCONTINUED);
    t_check("waitpid WCONTINUED reports the continue", r == pid && WIFCONTINUED(st), "st=%#x", st);
    r = waitpid(pid, &st, WCONTINUED | WNOHANG);
    t_check("a continue is reported once", r == 0, "r=%d", r > 0 ? 1 : r);
    kill(pid, SIGSTOP);
    waitpid(pid, &st, WUNTRACED);
    kill(pid, SIGKILL);
    r = waitpid(pid, &st, 0);
    t_check("a stopped child dies of SIGKILL", r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
            "%s", t_status(st));
}

static void sigchld_codes(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    nchld = 0;
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);   /* each SIGCHLD is taken before the next event */
    pid_t pid = t_fork();
    int st;
    if (pid == 0)
        child_loop();
    kill(pid, SIGSTOP);
    while (nchld < 1)
        sigsuspend(&old);
    waitpid(pid, &st, WUNTRACED);
    kill(pid, SIGCONT);
    while (nchld < 2)
        sigsuspend(&old);
    waitpid(pid, &st, WCONTINUED);
    kill(pid, SIGKILL);
    while (nchld < 3)
        sigsuspend(&old);
    waitpid(pid, &st, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    t_check("SIGCHLD count", nchld == 3, "got %d", (int)nchld);
    t_check("SIGCHLD CLD_STOPPED", nchld > 0 && chld_codes[0] == CLD_STOPPED, "code %d", (int)chld_codes[0]);
    t_check("SIGCHLD CLD_CONTINUED", nchld > 1 && chld_codes[1] == CLD_CONTINUED, "code %d", (int)chld_codes[1]);
    t_check("SIGCHLD CLD_KILLED", nchld > 2 && chld_codes[2] == CLD_KILLED, "code %d", (int)chld_codes[2]);
    signal(SIGCHLD, SIG_DFL);
}

static void groups(void)
{
    pid_t a = t_fork();
    int st;
    if (a == 0) {
        setpgid(0, 0);
        child_loop();
    }
    setpgid(a, a);                      /* both sides, as a shell does */
    pid_t b = t_fork();
    if (b == 0) {
        setpgid(0, a);
        child_loop();
    }
    setpgid(b, a);
    t_check("getpgid of the leader", getpgid(a) == a, "differs");
    t_check("getpgid of the member", getpgid(b) == a, "differs");
    t_check("killpg stops the group", killpg(a, SIGSTOP) == 0, "errno %s", t_errname(errno));
    int stopped = 0;
    for (int i = 0; i < 2; i++)
        if (waitpid(-a, &st, WUNTRACED) > 0 && WIFSTOPPED(st))
            stopped++;
    t_check("both members stopped", stopped == 2, "%d", stopped);
    killpg(a, SIGKILL);
    int killed = 0;
    for (int i = 0; i < 2; i++)
        if (waitpid(-a, &st, 0) > 0 && WIFSIGNALED(st))
            killed++;
    t_check("both members killed", killed == 2, "%d", killed);
    t_check("kill(-pgrp) of an empty group is ESRCH", killpg(a, 0) == -1 && errno == ESRCH,
            "errno %s", t_errname(errno));
}

static void sessions(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        pid_t s = setsid();
        int ok = s == getpid() && getsid(0) == s && getpgrp() == s;
        int again = setsid() == -1 && errno == EPERM;
        int nopg = setpgid(0, getppid()) == -1 && errno == EPERM;
        _exit((ok ? 0 : 1) | (again ? 0 : 2) | (nopg ? 0 : 4));
    }
    int st = t_wait(pid);
    t_check("setsid makes a new session", (st & 1) == 0, "status %d", st);
    t_check("a session leader cannot setsid again", (st & 2) == 0, "status %d", st);
    t_check("a session leader cannot change its group", (st & 4) == 0, "status %d", st);
    t_check("the parent's session is unchanged", getsid(0) == getsid(getpid()), "differs");
}

static void no_ctty(void)
{
    /* the test runs in a session of its own without a terminal */
    int fd = open("/dev/tty", O_RDWR);
    t_check("/dev/tty without a controlling tty is ENXIO", fd == -1 && errno == ENXIO,
            "fd %d errno %s", fd, t_errname(errno));
    int null = open("/dev/null", O_RDWR);
    struct termios tio;
    t_check("tcgetattr on /dev/null is ENOTTY", tcgetattr(null, &tio) == -1 && errno == ENOTTY,
            "errno %s", t_errname(errno));
    t_check("tcgetpgrp on /dev/null is ENOTTY", tcgetpgrp(null) == -1 && errno == ENOTTY,
            "errno %s", t_errname(errno));
    t_check("isatty(/dev/null) is 0", isatty(null) == 0, "isatty");
    close(null);
}

/* busybox init's loop: SIGCHLD blocked (default action: ignore), taken with sigtimedwait
   while the child is still running, so it arrives during the wait. */
static void sigtimedwait_chld(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);
    pid_t pid = t_fork();
    if (pid == 0) {
        struct timespec d = {0, 50 * 1000 * 1000};
        nanosleep(&d, NULL);
        _exit(3);
    }
    struct timespec limit = {5, 0};
    siginfo_t si;
    int sig = sigtimedwait(&set, &si, &limit);
    t_check("sigtimedwait takes a SIGCHLD that arrives while waiting", sig == SIGCHLD,
            "got %d errno %s", sig, t_errname(errno));
    t_check("its siginfo says the child exited with 3", si.si_code == CLD_EXITED && si.si_status == 3,
            "code %d status %d", si.si_code, si.si_status);
    t_wait(pid);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static int hup_fd = -1;

static void on_hup(int sig)
{
    (void)sig;
    if (write(hup_fd, "H", 1) < 0)
        _exit(9);
}

/* A stopped process whose group is orphaned by its parent's exit gets SIGHUP and SIGCONT. */
static void orphaned_group(void)
{
    int p[2];
    if (pipe(p) < 0)
        return;
    pid_t child = t_fork();
    if (child == 0) {
        close(p[0]);
        pid_t g = fork();
        if (g == 0) {
            hup_fd = p[1];
            signal(SIGHUP, on_hup);
            setpgid(0, 0);
            raise(SIGSTOP);
            if (write(p[1], "C", 1) < 0)    /* continued after the SIGHUP */
                _exit(9);
            _exit(0);
        }
        int st;
        setpgid(g, g);
        waitpid(g, &st, WUNTRACED);     /* the grandchild is stopped: now orphan its group */
        _exit(0);
    }
    close(p[1]);
    t_wait(child);
    char buf[4] = {0};
    ssize_t n = 0, r;
    while (n < 2 && (r = read(p[0], buf + n, 2 - n)) > 0)
        n += r;
    close(p[0]);
    t_check("orphaned stopped group gets SIGHUP then SIGCONT", n == 2 && buf[0] == 'H' && buf[1] == 'C',
            "read %d bytes", (int)n);
}

int main(void)
{
    t_init();
    no_ctty();
    stop_continue();
    sigchld_codes();
    groups();
    sessions();
    orphaned_group();
    sigtimedwait_chld();
    return t_done();
}
