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
        char *args[] = {argv[i], NULL};
        char *env[] = {NULL};
        int st;
        int e = t_execve_errno(argv[i], args, env, &st);
        const char *name = strrchr(argv[i], '/');
        printf("%s: %s\n", name ? name + 1 : argv[i], e ? t_errname(e) : "started");
    }
    return t_done();
}
