/*
 * exec_txtbsy.c - i_writecount, compared with Linux: a file open for writing cannot be
 * executed (ETXTBSY), a program being run cannot be opened for writing or truncated by
 * name (ETXTBSY) but may be read, unlinked or renamed; after it exits writing works
 * again; an execve with an empty argv gives the program argc 1 and argv[0] "".
 */
#include "t.h"
#include <sys/wait.h>

static char prog[256], copy[256];

static int run_argc(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {NULL};
        char *envp[] = {"ARGC_PROBE=1", NULL};
        execve(path, argv, envp);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    if (getenv("ARGC_PROBE"))
        return argc * 10 + (argv[0] && argv[0][0] == 0);   /* 11: argc 1, argv[0] "" */
    if (getenv("SLEEPER")) {
        char c = 'r';
        if (write(3, &c, 1) != 1)             /* running now: tell the parent */
            return 2;
        return read(0, &c, 1) < 0;
    }
    snprintf(prog, sizeof prog, "/proc/self/exe");
    snprintf(copy, sizeof copy, "%s", t_tmp("txtbsy"));
    unlink(copy);
    /* copy our own binary */
    int in = open(prog, O_RDONLY), out = open(copy, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        t_write_all(out, buf, (size_t)n);
    close(in);

    /* open for writing: exec fails */
    pid_t pid = fork();
    if (pid == 0) {
        char *a[] = {copy, NULL};
        execv(copy, a);
        printf("exec while open for write: %s\n", t_errname(errno));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    close(out);
    printf("empty argv: %d\n", run_argc(copy));

    /* a running program: no writers */
    int p[2], q[2];
    pipe(p);
    pipe(q);
    pid = fork();
    if (pid == 0) {
        dup2(p[0], 0);
        dup2(q[1], 3);
        close(p[1]);
        char *a[] = {copy, NULL};
        char *e[] = {"SLEEPER=1", NULL};
        execve(copy, a, e);
        _exit(127);
    }
    close(p[0]);
    close(q[1]);
    char ready;
    printf("sleeper ready: %zd\n", read(q[0], &ready, 1));
    int fd = open(copy, O_WRONLY);
    printf("open O_WRONLY while running: %s\n", fd < 0 ? t_errname(errno) : "ok");
    fd = open(copy, O_RDWR);
    printf("open O_RDWR while running: %s\n", fd < 0 ? t_errname(errno) : "ok");
    fd = open(copy, O_RDONLY);
    printf("open O_RDONLY while running: %s\n", fd < 0 ? t_errname(errno) : "ok");
    if (fd >= 0)
        close(fd);
    printf("truncate while running: %s\n", truncate(copy, 0) < 0 ? t_errname(errno) : "ok");
    close(p[1]);
    int st;
    waitpid(pid, &st, 0);
    printf("sleeper exit %d\n", WEXITSTATUS(st));
    fd = open(copy, O_WRONLY);
    printf("open O_WRONLY after exit: %s\n", fd < 0 ? t_errname(errno) : "ok");
    if (fd >= 0)
        close(fd);
    unlink(copy);
    return 0;
}
