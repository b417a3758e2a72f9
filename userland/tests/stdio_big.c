/*
 * stdio_big.c - large and mixed output reaches stdout intact and in order:
 * 3000 printf lines, one 64 KiB write(), many 1-byte writes, output from a
 * child between the parent's lines, and stdin at EOF (the harness gives
 * both runs /dev/null as stdin).
 */
#include "t.h"

int main(void)
{
    t_init();
    char c;
    printf("stdin read at EOF: %zd\n", read(0, &c, 1));
    for (int i = 0; i < 3000; i++)
        printf("line %04d %s\n", i, i % 7 ? "abcdefghijklmnopqrstuvwxyz" : "");
    fflush(stdout);

    static char big[65536 + 1];
    for (int i = 0; i < 65536; i++)
        big[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    t_write_all(1, big, 65536);

    for (const char *p = "one byte at a time\n"; *p; p++)
        t_write_all(1, p, 1);

    pid_t c1 = t_fork();
    if (c1 == 0) {
        printf("from the child\n");
        fflush(stdout);
        _exit(0);
    }
    t_wait(c1);
    printf("after the child\n");

    /* A partial line stays buffered until exit() flushes it. */
    printf("flushed by exit, no newline");
    exit(0);
}
