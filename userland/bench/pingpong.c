/*
 * pingpong.c N - two processes bounce one byte N times through a pair of
 * pipes: each round trip is two writes, two reads, and two sleep/wakeup
 * context switches. N = 0 measures start-up, one fork and exit alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    int down[2], up[2];
    if (pipe(down) < 0 || pipe(up) < 0)
        return 2;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        char c;
        close(down[1]);
        close(up[0]);
        while (read(down[0], &c, 1) == 1)
            if (write(up[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    long done = 0;
    for (long i = 0; i < n; i++) {
        char c = (char)i;
        if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1)
            break;
        done++;
    }
    close(down[1]);
    int st;
    waitpid(pid, &st, 0);
    printf("round trips: %ld\n", done);
    return done == n && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
