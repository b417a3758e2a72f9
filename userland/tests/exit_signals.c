/*
 * exit_signals.c - how a child ends, as seen by its parent through the wait
 * status: normal exit codes, and death by signals raised by faults (SIGSEGV
 * from a NULL write or a jump to nowhere, SIGFPE from a division by zero,
 * SIGILL from ud2, SIGABRT from abort) or sent (SIGKILL, SIGTERM, SIGUSR1
 * to itself; SIGTERM from the parent to a blocked child).
 */
#include "t.h"

static volatile int zero = 0;
static int *volatile null_ptr = 0; /* volatile: the compiler may not turn the faults into traps */

static void null_write(void *a) { (void)a; *null_ptr = 1; }
static void null_read(void *a) { (void)a; (void)*(volatile int *)(null_ptr + 2); }
static void bad_jump(void *a) { (void)a; void (*f)(void) = (void (*)(void))(null_ptr + 4); f(); }
static void div_zero(void *a) { (void)a; volatile int x = 7 / zero; (void)x; }
static void ud2(void *a) { (void)a; __asm__ volatile("ud2"); }
static void do_abort(void *a) { (void)a; abort(); }
static void self_kill(void *a) { kill(getpid(), *(int *)a); for (;;) pause(); }
static void exit_code(void *a) { exit(*(int *)a); }
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static void stack_overflow(void *a)
{
    /* Unbounded recursion: the stack cannot grow past RLIMIT_STACK. */
    volatile char buf[4096];
    buf[0] = (char)(long)a;
    stack_overflow((void *)(long)(buf[0] + 1));
    buf[1] = 0;
}

int main(void)
{
    t_init();
    int codes[] = {0, 1, 2, 42, 127, 255};
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++)
        printf("exit(%d): %s\n", codes[i], t_status(t_in_child(exit_code, &codes[i])));

    printf("write to NULL: %s\n", t_status(t_in_child(null_write, NULL)));
    printf("read from page 0: %s\n", t_status(t_in_child(null_read, NULL)));
    printf("jump to unmapped address: %s\n", t_status(t_in_child(bad_jump, NULL)));
    printf("integer division by zero: %s\n", t_status(t_in_child(div_zero, NULL)));
    printf("ud2: %s\n", t_status(t_in_child(ud2, NULL)));
    printf("abort(): %s\n", t_status(t_in_child(do_abort, NULL)));
    printf("stack overflow: %s\n", t_status(t_in_child(stack_overflow, NULL)));

    int sigs[] = {SIGKILL, SIGTERM, SIGUSR1, SIGINT, SIGHUP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        printf("kill(getpid(), %d): %s\n", sigs[i], t_status(t_in_child(self_kill, &sigs[i])));

    /* The parent kills a child that is blocked in pause(). */
    pid_t c = t_fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
    kill(c, SIGTERM);
    printf("parent sends SIGTERM to paused child: %s\n", t_status(t_wait(c)));

    /* A child ignoring SIGTERM survives it, but not SIGKILL. */
    int ready[2];
    if (pipe(ready) < 0)
        return 2;
    c = t_fork();
    if (c == 0) {
        signal(SIGTERM, SIG_IGN);
        close(ready[0]);
        write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    close(ready[1]);
    char b;
    read(ready[0], &b, 1);
    kill(c, SIGTERM);
    nanosleep(&ts, NULL);
    int st;
    printf("child ignoring SIGTERM still alive: %s\n", t_yesno(waitpid(c, &st, WNOHANG) == 0));
    kill(c, SIGKILL);
    printf("then SIGKILL: %s\n", t_status(t_wait(c)));

    /* kill() errors. */
    printf("kill(nonexistent pid): %s\n", t_errname(kill(999999, 0) < 0 ? errno : 0));
    printf("kill(self, 0): %s\n", t_errname(kill(getpid(), 0) < 0 ? errno : 0));
    printf("kill(self, 1000): %s\n", t_errname(kill(getpid(), 1000) < 0 ? errno : 0));
    return t_done();
}
