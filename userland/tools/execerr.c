/*
 * execerr.c - execve each file named on the command line in a child and print what execve
 * said: "NAME: errno ENAME" from a close-on-exec pipe, or "NAME: started" when it replaced
 * the child (whatever the program then did). tests/kernel/test_robustness.py compares it
 * with Linux for malformed ELF files.
 *   execerr FILE...
 */
#include "../tests/t.h"

int main(int argc, char **argv)
{
    t_init();
    for (int i = 1; i < argc; i++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
            return 2;
        pid_t c = t_fork();
        if (c == 0) {
            char *args[] = {argv[i], NULL};
            char *env[] = {NULL};
            close(p[0]);
            execve(argv[i], args, env);
            int e = errno;
            write(p[1], &e, sizeof e);
            _exit(127);
        }
        close(p[1]);
        int e = 0;
        ssize_t n = read(p[0], &e, sizeof e);
        close(p[0]);
        t_wait(c);
        const char *name = strrchr(argv[i], '/');
        printf("%s: %s\n", name ? name + 1 : argv[i], n == sizeof e ? t_errname(e) : "started");
    }
    return t_done();
}
