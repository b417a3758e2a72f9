/*
 * cred_rules.c - the set*id rules of kernel/sys.c, compared with Linux: setreuid and
 * setregid move the saved id along with a new effective id (when the real id is set or
 * the effective one leaves the real one), the unprivileged limits of setuid, setreuid,
 * setresuid and their gid twins.
 */
#include "t.h"
#include <sys/wait.h>

static void ids(const char *what, long r)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    printf("%-34s -> %-6s uid %u/%u/%u gid %u/%u/%u\n", what, r < 0 ? t_errname(errno) : "ok",
           ru, eu, su, rg, eg, sg);
}

#define TRY(expr) do { errno = 0; long r_ = (long)(expr); ids(#expr, r_); } while (0)

static void child(int n)
{
    switch (n) {
    case 0:
        TRY(setreuid(-1, 65534));      /* euid != ruid: suid follows */
        TRY(setreuid(-1, 0));          /* back via the saved id? saved is 65534 now */
        break;
    case 1:
        TRY(setresuid(0, 0, 1000));
        TRY(setreuid(-1, 1000));       /* unprivileged now (euid 1000), saved 1000 */
        TRY(setreuid(-1, 0));          /* 0 is the real id: allowed */
        TRY(setreuid(2000, -1));       /* real to an id not held: EPERM... root again? */
        break;
    case 2:
        TRY(setresuid(1000, 2000, 3000));
        TRY(setreuid(2000, -1));       /* real may become the effective one */
        TRY(setreuid(3000, -1));       /* not the saved one: EPERM */
        TRY(setreuid(-1, 3000));       /* effective may become the saved one */
        TRY(setuid(2000));             /* setuid unprivileged: real or saved only */
        TRY(setuid(3000));
        break;
    case 3:
        TRY(setregid(-1, 2));          /* root: any */
        TRY(setregid(3, -1));          /* real set: saved follows the effective */
        TRY(setresgid(10, 20, 30));
        TRY(setresuid(1000, 1000, 1000));
        TRY(setregid(-1, 30));
        TRY(setregid(20, -1));         /* 20 is neither real nor effective now */
        TRY(setgid(10));
        TRY(setgid(20));
        break;
    }
}

int main(void)
{
    for (int n = 0; n < 4; n++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            child(n);
            fflush(stdout);
            _exit(0);
        }
        waitpid(pid, NULL, 0);
        printf("--\n");
    }
    return 0;
}
