/*
 * sigrt.c N - N signal round trips within one process: kill(getpid(),
 * SIGUSR1) enters the kernel, the kernel builds a signal frame and runs the
 * handler, the handler returns through rt_sigreturn. N = 0 measures start-up.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile long handled;

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pid_t self = getpid();
    for (long i = 0; i < n; i++)
        kill(self, SIGUSR1);
    printf("signals handled: %ld\n", handled);
    return handled == n ? 0 : 1;
}
