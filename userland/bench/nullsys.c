/*
 * nullsys.c N - make N getpid() system calls, the cheapest round trip into
 * the kernel. Uses syscall(SYS_getpid) so no libc caching can skip the
 * kernel. N = 0 measures process start-up and exit alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    long acc = 0;
    for (long i = 0; i < n; i++)
        acc += syscall(SYS_getpid) > 0;
    printf("getpid calls: %ld\n", acc);
    return acc == n ? 0 : 1;
}
