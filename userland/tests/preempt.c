/*
 * preempt.c - the scheduler preempts CPU-bound processes. A child spins
 * forever without a system call; the parent still gets to run: it sleeps,
 * sees (through shared memory) that the child made progress, and kills it.
 * Then the parent itself spins on a shared counter while two children spin,
 * so the parent only sees them advance if the timer takes the CPU away from
 * whichever process is running. Every wait here is bounded: the program
 * always terminates.
 */
#include "t.h"
#include <sys/mman.h>

static volatile unsigned long *g_counters;

static void spin(int idx)
{
    for (;;)
        g_counters[idx]++;
}

/* Spin on the clock (a system call each round, but never blocking) until ms pass. */
static void busy_ms(long ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

int main(void)
{
    t_init();
    g_counters = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    /* 1. A spinning child; the parent sleeps, then checks progress and kills it. */
    pid_t c = t_fork();
    if (c == 0)
        spin(0);
    struct timespec ts = {0, 50 * 1000000};
    nanosleep(&ts, NULL);
    unsigned long seen = g_counters[0];
    printf("parent runs while child spins: yes\n");
    printf("child made progress while parent slept: %s\n", t_yesno(seen > 0));
    kill(c, SIGKILL);
    printf("spinning child: %s\n", t_status(t_wait(c)));

    /* 2. Two spinning children and a parent that spins without sleeping. */
    g_counters[1] = g_counters[2] = 0;
    pid_t c1 = t_fork();
    if (c1 == 0)
        spin(1);
    pid_t c2 = t_fork();
    if (c2 == 0)
        spin(2);
    /* Wait (bounded) until both children have run at least once. */
    int rounds = 0;
    while ((g_counters[1] == 0 || g_counters[2] == 0) && rounds < 200) {
        busy_ms(10);
        rounds++;
    }
    unsigned long a1 = g_counters[1], a2 = g_counters[2];
    rounds = 0;
    while ((g_counters[1] == a1 || g_counters[2] == a2) && rounds < 200) {
        busy_ms(10);
        rounds++;
    }
    printf("both children advance while parent spins: %s\n",
           t_yesno(g_counters[1] != a1 && g_counters[2] != a2));
    kill(c1, SIGKILL);
    kill(c2, SIGKILL);
    printf("child 1: %s\n", t_status(t_wait(c1)));
    printf("child 2: %s\n", t_status(t_wait(c2)));

    /* 3. A spinning child that ignores SIGTERM is still killed by SIGKILL. */
    c = t_fork();
    if (c == 0) {
        signal(SIGTERM, SIG_IGN);
        g_counters[3] = 1;
        spin(0);
    }
    for (int i = 0; g_counters[3] == 0 && i < 2000; i++)
        busy_ms(1);
    kill(c, SIGTERM);
    kill(c, SIGKILL);
    printf("spinning child ignoring SIGTERM: %s\n", t_status(t_wait(c)));

    /* 4. A child that spins for a while and then exits on its own. */
    c = t_fork();
    if (c == 0) {
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 5000000ul; i++)
            x += i;
        _exit((int)(x & 0x7f));
    }
    printf("CPU-bound child exits on its own: %s\n", t_status(t_wait(c)));
    return t_done();
}
