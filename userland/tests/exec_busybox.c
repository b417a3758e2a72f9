/*
 * exec_busybox.c - a C program runs other static programs: busybox applets
 * chosen by argv[0], /bin/sh -c with arguments and environment, execvp's PATH
 * search, and a child's stdout captured through a pipe with dup2 before exec.
 * Exit statuses of the exec'd programs come back through waitpid.
 */
#include "t.h"

/* Run argv with envp in a child whose stdout is a pipe; print what it wrote. */
static void capture(const char *label, const char *path, char *const argv[], char *const envp[])
{
    int p[2];
    if (pipe(p) < 0)
        exit(2);
    pid_t c = t_fork();
    if (c == 0) {
        close(p[0]);
        dup2(p[1], 1);
        close(p[1]);
        if (envp)
            execve(path, argv, envp);
        else
            execvp(path, argv);
        _exit(127);
    }
    close(p[1]);
    char buf[4096];
    size_t len = 0;
    ssize_t n;
    while ((n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    close(p[0]);
    buf[len] = 0;
    int st = t_wait(c);
    printf("%s: output \"", label);
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n')
            printf("\\n");
        else
            putchar(buf[i]);
    printf("\", %s\n", t_status(st));
}

int main(void)
{
    t_init();
    char *env[] = {"PATH=/bin:/usr/bin", "FOO=bar", NULL};

    /* execl of busybox straight to our stdout: the parent waits, then prints. */
    pid_t c = t_fork();
    if (c == 0) {
        execl("/bin/busybox", "echo", "hi", "from", "busybox", (char *)NULL);
        _exit(127);
    }
    printf("execl busybox echo: %s\n", t_status(t_wait(c)));

    char *a1[] = {"busybox", "basename", "/a/b/c.txt", ".txt", NULL};
    capture("busybox basename", "/bin/busybox", a1, env);

    char *a2[] = {"sh", "-c", "echo $FOO; exit 7", NULL};
    capture("sh -c with env", "/bin/sh", a2, env);

    char *a3[] = {"sh", "-c", "echo \"$0|$1|$2\"", "zero", "one", "two words", NULL};
    capture("sh -c positional args", "/bin/sh", a3, env);

    char *a4[] = {"sh", "-c", "kill -9 $$; echo not reached", NULL};
    capture("sh kills itself", "/bin/sh", a4, env);

    char *a5[] = {"sh", "-c", "x=0; for i in 1 2 3 4 5; do x=$((x+i)); done; echo $x", NULL};
    capture("sh arithmetic loop", "/bin/sh", a5, env);

    char *a6[] = {"sh", "-c", "/bin/echo piped | /bin/busybox tr a-z A-Z", NULL};
    capture("sh pipeline of two execs", "/bin/sh", a6, env);

    char *a7[] = {"true", NULL};
    capture("execvp true via PATH", "true", a7, NULL);

    char *a8[] = {"false", NULL};
    capture("execvp false via PATH", "false", a8, NULL);

    char *a9[] = {"echo", "-n", "no newline", NULL};
    capture("/bin/echo -n", "/bin/echo", a9, env);

    return t_done();
}
