/*
 * signals_basic.c - signal delivery: a handler runs before kill() to self
 * returns; a blocked signal stays pending (sigpending) and is delivered on
 * unblock, once, however often it was sent; SIG_IGN discards; handlers get
 * siginfo (si_signo, si_pid, si_code SI_USER); sa_mask blocks during the
 * handler; SA_RESETHAND restores the default; SIGCHLD arrives when a child
 * exits; sigsuspend returns after a handler with EINTR; a timer sends SIGALRM;
 * a parent's signal interrupts a child's blocking read (EINTR) or, with
 * SA_RESTART, restarts it; handlers are reset to default by exec but
 * ignored signals stay ignored.
 */
#include "t.h"

static volatile sig_atomic_t g_count, g_last, g_nested_blocked, g_chld, g_alrm;
static volatile pid_t g_si_pid;
static volatile int g_si_code;

static void on_usr(int sig) { g_count++; g_last = sig; }

static void on_info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    g_last = sig;
    g_si_pid = si->si_pid;
    g_si_code = si->si_code;
    g_count++;
}

static void on_usr1_check_mask(int sig)
{
    (void)sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    g_nested_blocked = sigismember(&cur, SIGUSR2) && sigismember(&cur, SIGUSR1);
}

static void on_chld(int sig) { (void)sig; g_chld++; }
static void on_alrm(int sig) { (void)sig; g_alrm++; }

static int after_exec(void)
{
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("[after exec] SIGUSR1 handler reset to default: %s\n", t_yesno(sa.sa_handler == SIG_DFL));
    sigaction(SIGUSR2, NULL, &sa);
    printf("[after exec] SIGUSR2 still ignored: %s\n", t_yesno(sa.sa_handler == SIG_IGN));
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("[after exec] blocked mask kept (SIGHUP blocked): %s\n", t_yesno(sigismember(&cur, SIGHUP)));
    return 0;
}

static int child_read_result(int restart)
{
    int p[2], ready[2];
    if (pipe(p) < 0 || pipe(ready) < 0)
        exit(2);
    pid_t c = t_fork();
    if (c == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGUSR1, &sa, NULL);
        g_count = 0;
        close(p[1]);
        close(ready[0]);
        write(ready[1], "r", 1);
        char b;
        ssize_t n = read(p[0], &b, 1); /* blocks: the parent sends SIGUSR1, later a byte */
        if (n < 0)
            _exit(errno == EINTR ? 10 : 11);
        _exit(g_count == 1 && n == 1 ? 20 : 21);
    }
    close(p[0]);
    close(ready[1]);
    signal(SIGPIPE, SIG_IGN); /* the child may be gone before our write */
    char b;
    read(ready[0], &b, 1);
    close(ready[0]);
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL); /* let the child block in read */
    kill(c, SIGUSR1);
    nanosleep(&ts, NULL);
    write(p[1], "x", 1);
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
    int st = t_wait(c);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    t_init();
    if (argc > 1 && strcmp(argv[1], "--after-exec") == 0)
        return after_exec();

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);

    /* 1. A handler runs before kill() returns. */
    sa.sa_handler = on_usr;
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    printf("handler ran before kill returned: %s\n", t_yesno(g_count == 1 && g_last == SIGUSR1));
    raise(SIGUSR1);
    printf("raise: %s\n", t_yesno(g_count == 2));

    /* 2. Blocked signals stay pending and merge. */
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    g_count = 0;
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    sigpending(&pend);
    printf("blocked: handler not run: %s, pending: %s\n", t_yesno(g_count == 0), t_yesno(sigismember(&pend, SIGUSR1)));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: delivered once: %s (count %d)\n", t_yesno(g_count == 1), (int)g_count);
    sigpending(&pend);
    printf("no longer pending: %s\n", t_yesno(!sigismember(&pend, SIGUSR1)));
    printf("SIGKILL cannot be blocked, sigprocmask ignores it: %s\n",
           t_yesno((sigaddset(&set, SIGKILL), sigprocmask(SIG_BLOCK, &set, &old) == 0 &&
                    (sigprocmask(SIG_BLOCK, NULL, &pend), !sigismember(&pend, SIGKILL)))));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("sigaction on SIGKILL: %s\n", t_errname(sigaction(SIGKILL, &sa, NULL) ? errno : 0));

    /* 3. SIG_IGN discards. */
    signal(SIGUSR2, SIG_IGN);
    kill(getpid(), SIGUSR2);
    printf("ignored SIGUSR2: still running\n");

    /* 4. siginfo. */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    g_count = 0;
    kill(getpid(), SIGUSR1);
    printf("siginfo: signo ok %s, si_pid is us %s, si_code SI_USER %s\n", t_yesno(g_last == SIGUSR1),
           t_yesno(g_si_pid == getpid()), t_yesno(g_si_code == SI_USER));

    /* 5. sa_mask and the signal itself are blocked while the handler runs. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1_check_mask;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("during handler SIGUSR1 and sa_mask's SIGUSR2 blocked: %s\n", t_yesno(g_nested_blocked));
    sigprocmask(SIG_BLOCK, NULL, &pend);
    printf("mask restored after handler: %s\n", t_yesno(!sigismember(&pend, SIGUSR2)));

    /* 6. SA_RESETHAND: second delivery gets the default action (in a child). */
    pid_t c = t_fork();
    if (c == 0) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr;
        sa.sa_flags = SA_RESETHAND;
        sigaction(SIGUSR1, &sa, NULL);
        raise(SIGUSR1);
        raise(SIGUSR1);
        _exit(0);
    }
    printf("SA_RESETHAND, second SIGUSR1: %s\n", t_status(t_wait(c)));

    /* 7. SIGCHLD when a child exits. */
    signal(SIGCHLD, on_chld);
    c = t_fork();
    if (c == 0)
        _exit(0);
    t_wait(c);
    printf("SIGCHLD received: %s\n", t_yesno(g_chld >= 1));
    signal(SIGCHLD, SIG_DFL);

    /* 8. alarm cancelled; setitimer + sigsuspend. */
    signal(SIGALRM, on_alrm);
    alarm(1);
    alarm(0); /* cancel */
    struct timespec ts = {0, 1000};
    nanosleep(&ts, NULL);
    printf("cancelled alarm did not fire: %s\n", t_yesno(g_alrm == 0));
    struct itimerval it = {{0, 0}, {0, 20000}};
    /* Block SIGALRM before arming the timer and wait with sigsuspend, which
     * unblocks and sleeps atomically: with pause() a slow machine could take
     * the signal before pausing and then pause forever. */
    sigset_t alrm, waitmask;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, &old);
    if (setitimer(ITIMER_REAL, &it, NULL) == 0) { /* no timer, no wait: never hang */
        waitmask = old;
        sigdelset(&waitmask, SIGALRM);
        int r = sigsuspend(&waitmask);
        printf("sigsuspend returned %d %s after SIGALRM: %s\n", r, t_errname(errno), t_yesno(g_alrm == 1));
        sigprocmask(SIG_SETMASK, &old, NULL);
    } else {
        printf("setitimer: %s\n", t_errname(errno));
    }

    /* 9. A signal interrupts a blocking read: EINTR without SA_RESTART, restart with it. */
    int res = child_read_result(0);
    printf("read interrupted without SA_RESTART: %s\n", res == 10 ? "EINTR" : res == 20 ? "restarted" : "other");
    res = child_read_result(1);
    printf("read interrupted with SA_RESTART: %s\n", res == 10 ? "EINTR" : res == 20 ? "restarted" : "other");

    /* 10. Default action of SIGCHLD/SIGURG/SIGWINCH is ignore. */
    c = t_fork();
    if (c == 0) {
        signal(SIGCHLD, SIG_DFL);
        raise(SIGCHLD);
        raise(SIGURG);
        raise(SIGWINCH);
        _exit(4);
    }
    printf("default-ignored signals: %s\n", t_status(t_wait(c)));

    /* 11. exec resets handlers to default but keeps SIG_IGN and the mask. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGUSR2, SIG_IGN);
    c = t_fork();
    if (c == 0) {
        sigemptyset(&set);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, NULL);
        char *args[] = {argv[0], "--after-exec", NULL};
        char *env[] = {NULL};
        execve(argv[0], args, env);
        _exit(127);
    }
    printf("exec'd child: %s\n", t_status(t_wait(c)));
    return t_done();
}
