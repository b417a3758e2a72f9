/*
 * exec_args.c - execve() passes argv and envp exactly: the program re-executes
 * itself (by argv[0], which the harness makes an absolute path) with chosen
 * arguments and a chosen environment, and the new image prints what it got.
 * Also: the pid survives exec, exec replaces the image only on success, an
 * empty-string argument and a long argument list survive, and memory of the
 * old image is gone (a global starts again at its initial value).
 */
#include "t.h"

static int g_value = 5;

static int child_main(int argc, char **argv, char **envp)
{
    printf("[new image] argc=%d\n", argc);
    if (argc > 100) {
        /* the long list from main(): "--child" "0" ... "199" and 20000 x's */
        int ok = 1;
        for (int i = 2; i < 202; i++) {
            char want[8];
            snprintf(want, sizeof want, "%d", i - 2);
            if (strcmp(argv[i], want) != 0)
                ok = 0;
        }
        printf("[new image] argv[2..201] are \"0\"..\"199\": %s\n", t_yesno(ok));
    }
    for (int i = 1; i < argc; i++) {
        if (argc > 100 && i >= 2 && i < 202)
            continue;
        if (strlen(argv[i]) > 60)
            printf("[new image] argv[%d] has %zu bytes, all 'x': %s\n", i, strlen(argv[i]),
                   t_yesno(strspn(argv[i], "x") == strlen(argv[i])));
        else
            printf("[new image] argv[%d]=\"%s\"\n", i, argv[i]);
    }
    printf("[new image] argv[argc] is NULL: %s\n", t_yesno(argv[argc] == NULL));
    int n = 0;
    for (char **e = envp; *e; e++, n++) {
        if (strncmp(*e, "PYNIX_PID=", 10) == 0)
            printf("[new image] envp[%d]=PYNIX_PID=(our pid)\n", n);
        else
            printf("[new image] envp[%d]=\"%s\"\n", n, *e);
    }
    printf("[new image] getenv(PYNIX_VAR)=%s\n", getenv("PYNIX_VAR") ? getenv("PYNIX_VAR") : "(null)");
    printf("[new image] global reset to initial value: %s\n", t_yesno(g_value == 5));
    const char *want_pid = getenv("PYNIX_PID");
    char mypid[32];
    snprintf(mypid, sizeof mypid, "%d", (int)getpid());
    if (want_pid)
        printf("[new image] pid unchanged by exec: %s\n", t_yesno(strcmp(want_pid, mypid) == 0));
    return 17;
}

int main(int argc, char **argv, char **envp)
{
    t_init();
    if (argc > 1 && strcmp(argv[1], "--child") == 0)
        return child_main(argc, argv, envp);

    g_value = 99;

    /* A failed execve returns and leaves the image intact. */
    char *noargv[] = {"nothing", NULL};
    int r = execve("/nonexistent/program", noargv, envp);
    printf("failed execve returns -1: %s, errno %s, image intact: %s\n", t_yesno(r == -1),
           t_errname(errno), t_yesno(g_value == 99));

    pid_t c = t_fork();
    if (c == 0) {
        char pidenv[64];
        snprintf(pidenv, sizeof pidenv, "PYNIX_PID=%d", (int)getpid());
        char *args[] = {argv[0], "--child", "hello world", "", "a=b", "-x", "last", NULL};
        char *env[] = {"PYNIX_VAR=value with spaces", "EMPTY=", "X=1", pidenv, NULL};
        execve(argv[0], args, env);
        printf("execve failed: %s\n", t_errname(errno));
        _exit(127);
    }
    printf("child: %s\n", t_status(t_wait(c)));

    /* Many arguments and a long one. */
    c = t_fork();
    if (c == 0) {
        static char *args[210];
        static char bufs[200][8];
        static char longarg[20001];
        memset(longarg, 'x', 20000);
        args[0] = argv[0];
        args[1] = "--child";
        for (int i = 0; i < 200; i++) {
            snprintf(bufs[i], sizeof bufs[i], "%d", i);
            args[2 + i] = bufs[i];
        }
        args[202] = longarg;
        args[203] = NULL;
        char *env[] = {NULL};
        execve(argv[0], args, env);
        _exit(127);
    }
    printf("child with 202 args and empty env: %s\n", t_status(t_wait(c)));
    return t_done();
}
