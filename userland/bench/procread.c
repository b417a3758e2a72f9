/*
 * procread.c - N x (open, read, close) of a /proc file, by default
 * /proc/self/stat: the cost of generating a proc file's text at open.
 * Usage: procread N [PATH]. Prints the bytes of the last read.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 0;
    const char *path = argc > 2 ? argv[2] : "/proc/self/stat";
    char buf[8192];
    long got = 0;
    for (long i = 0; i < n; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        got = read(fd, buf, sizeof buf);
        close(fd);
    }
    printf("%s\n", got > 0 || n == 0 ? "ok" : "empty");
    return 0;
}
