/*
 * wait_many.c - many children and the ways to reap them: waitpid(-1),
 * waitpid(pid), WNOHANG polling, waitpid(0) (own process group only),
 * waitpid(-pgid), ECHILD when nothing is left, and a zombie's status staying
 * available until it is reaped.
 */
#include "t.h"
#include <limits.h>

#define NCHILD 50

int main(void)
{
    t_init();
    pid_t pids[NCHILD];
    int seen[NCHILD];

    /* 1. 50 children exiting with distinct codes, reaped by waitpid(-1). */
    for (int i = 0; i < NCHILD; i++) {
        pids[i] = t_fork();
        if (pids[i] == 0)
            _exit(i + 1);
        seen[i] = 0;
    }
    int reaped = 0, matched = 0, sum_codes = 0;
    for (;;) {
        int st;
        pid_t r = waitpid(-1, &st, 0);
        if (r < 0) {
            printf("waitpid(-1) after all reaped: %s\n", t_errname(errno));
            break;
        }
        reaped++;
        for (int i = 0; i < NCHILD; i++)
            if (pids[i] == r && WIFEXITED(st) && WEXITSTATUS(st) == i + 1 && !seen[i]) {
                seen[i] = 1;
                matched++;
            }
        if (WIFEXITED(st))
            sum_codes += WEXITSTATUS(st);
    }
    printf("children reaped: %d, status matched pid: %d, sum of codes: %d\n", reaped, matched, sum_codes);

    /* 2. waitpid(pid) picks exactly that child, in reverse creation order. */
    for (int i = 0; i < 5; i++) {
        pids[i] = t_fork();
        if (pids[i] == 0)
            _exit(100 + i);
    }
    int order_ok = 1;
    for (int i = 4; i >= 0; i--) {
        int st = t_wait(pids[i]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 100 + i)
            order_ok = 0;
    }
    t_check("waitpid(pid) reaps that child", order_ok, NULL);

    /* 3. WNOHANG: 0 while the child runs, its pid once it has exited. */
    int go[2];
    if (pipe(go) < 0)
        return 2;
    pid_t c = t_fork();
    if (c == 0) {
        char b;
        close(go[1]);
        read(go[0], &b, 1);
        _exit(7);
    }
    close(go[0]);
    int st = 0;
    pid_t r = waitpid(c, &st, WNOHANG);
    printf("WNOHANG while child blocked returns 0: %s\n", t_yesno(r == 0));
    close(go[1]); /* child sees EOF and exits */
    int polls = 0;
    do {
        r = waitpid(c, &st, WNOHANG);
        if (r == 0) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        polls++;
    } while (r == 0 && polls < 10000);
    printf("WNOHANG eventually returns child: %s, %s\n", t_yesno(r == c), t_status(st));
    r = waitpid(-1, &st, WNOHANG);
    printf("WNOHANG with no children: %d %s\n", (int)r, t_errname(errno));

    /* 4. A zombie keeps its status until reaped. */
    c = t_fork();
    if (c == 0)
        _exit(33);
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL);
    st = t_wait(c);
    printf("zombie status after delay: %s\n", t_status(st));
    r = waitpid(c, &st, 0);
    printf("second waitpid on reaped child: %s\n", t_errname(r < 0 ? errno : 0));

    /* 5. Process groups: waitpid(0) waits only for our group; waitpid(-pgid) for that group. */
    int rel[2];
    if (pipe(rel) < 0)
        return 2;
    pid_t other = t_fork(); /* moves itself into its own group, then waits for release */
    if (other == 0) {
        char b;
        close(rel[1]);
        setpgid(0, 0);
        read(rel[0], &b, 1);
        _exit(21);
    }
    setpgid(other, other); /* also from the parent, to avoid the race */
    pid_t same = t_fork();
    if (same == 0)
        _exit(22);
    close(rel[0]);
    printf("child in own group: %s\n", t_yesno(getpgid(other) == other));
    printf("other child in parent's group: %s\n", t_yesno(getpgid(same) == getpgrp()));
    r = waitpid(0, &st, 0);
    printf("waitpid(0) returned the same-group child: %s, %s\n", t_yesno(r == same), t_status(st));
    r = waitpid(0, &st, WNOHANG);
    printf("waitpid(0, WNOHANG) with only other-group child: %s\n",
           r == 0 ? "0" : (r < 0 ? t_errname(errno) : "a pid"));
    close(rel[1]);
    r = waitpid(-other, &st, 0);
    printf("waitpid(-pgid) returned that group's child: %s, %s\n", t_yesno(r == other), t_status(st));

    /* 6. Exit codes are truncated to 8 bits. */
    c = t_fork();
    if (c == 0)
        _exit(256 + 5);
    printf("_exit(261): %s\n", t_status(t_wait(c)));
    c = t_fork();
    if (c == 0)
        exit(255);
    printf("exit(255): %s\n", t_status(t_wait(c)));

    /* 7. wait() is waitpid(-1, ..., 0); wait4 with rusage works too. */
    c = t_fork();
    if (c == 0)
        _exit(9);
    r = wait(&st);
    printf("wait(): %s, %s\n", t_yesno(r == c), t_status(st));
    c = t_fork();
    if (c == 0)
        _exit(10);
    struct rusage ru;
    r = wait4(c, &st, 0, &ru);
    printf("wait4(): %s, %s\n", t_yesno(r == c), t_status(st));

    /* 8. INT_MIN names no process group (ESRCH before anything else); bad options EINVAL. */
    SHOW("waitpid(INT_MIN)", waitpid(INT_MIN, NULL, 0));
    SHOW("waitpid(-1, bad options)", waitpid(-1, NULL, 0x1000));
    SHOW("kill(INT_MIN, 0)", kill(INT_MIN, 0));

    return t_done();
}
