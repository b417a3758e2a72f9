/*
 * sysfuzz.c - robustness: call every syscall number with random arguments (random
 * small integers, bad pointers, pointers into a scratch buffer), each in its own
 * child with an alarm, and report only how many children ran. The kernel must
 * survive all of it: tests/kernel/test_robustness.py checks pynix reports no oops.
 *   sysfuzz SEED ROUNDS
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall_skip.h"

static unsigned long long rng;
static unsigned long long next(void) { rng = rng * 6364136223846793005ULL + 1442695040888963407ULL; return rng >> 11; }

static char scratch[1 << 16];

static long arg(void)
{
    switch (next() % 8) {
    case 0: return 0;
    case 1: return (long)(next() % 64);
    case 2: return -(long)(next() % 4096);
    case 3: return (long)scratch + (long)(next() % sizeof scratch);
    case 4: return (long)(next() % 0x10000);             /* unmapped low page */
    case 5: return (long)0xffff800000000000ULL + (long)next();  /* kernel half */
    case 6: return (long)next();
    default: return (long)scratch;
    }
}

static int skip(long nr)
{
    switch (nr) {
    SKIP_ALWAYS_CASES
    case SYS_setuid: case SYS_setgid: case SYS_setreuid: case SYS_setregid: case SYS_setresuid:
    case SYS_setresgid: case SYS_setgroups:
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    rng = argc > 1 ? strtoull(argv[1], 0, 10) : 1;
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    int ran = 0;
    for (int r = 0; r < rounds; r++) {
        for (long nr = 0; nr < 450; nr++) {
            if (skip(nr))
                continue;
            long a[6];
            for (int i = 0; i < 6; i++) a[i] = arg();
            pid_t c = fork();
            if (c == 0) {
                alarm(1);
                for (int i = 0; i < 3; i++)
                    syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
                _exit(0);
            }
            if (c > 0) {
                int st;
                waitpid(c, &st, 0);
                ran++;
            }
        }
    }
    printf("children %d\n", ran);
    return 0;
}
