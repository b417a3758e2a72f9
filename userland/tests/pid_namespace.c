/*
 * pid_namespace.c - CLONE_NEWPID: unshare(CLONE_NEWPID) moves only the children
 * (the caller keeps its pid; /proc/self/ns/pid_for_children changes), the first
 * child is pid 1 there with getppid 0, its children count from 2 and see it as
 * their parent; init ignores a SIGTERM without a handler from inside, the parent
 * outside sees the global pid from wait and can SIGKILL it; when init exits the
 * rest of the namespace is killed and the next fork into it fails with ENOMEM.
 * A second unshare(CLONE_NEWPID) before a fork is EINVAL; nesting stops at 32
 * levels (ENOSPC). (Needs root, as on Linux.)
 */
#include "t.h"
#include <sched.h>
#include <sys/syscall.h>

static int same_link(const char *a, const char *b)
{
    char x[64] = {0}, y[64] = {0};
    if (readlink(a, x, sizeof x - 1) < 0 || readlink(b, y, sizeof y - 1) < 0)
        return -1;
    return strcmp(x, y) == 0;
}

/* "NSpid:\t<outer>\t1": how many numbers, and the last one */
static void ns_line(const char *key)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) {
        printf("%s: no status\n", key);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, strlen(key)) == 0) {
            int n = 0;
            char *last = line;
            for (char *p = line; *p; p++)
                if (*p == '\t') {
                    n++;
                    last = p + 1;
                }
            printf("%s numbers %d, innermost %d\n", key, n, atoi(last));
        }
    }
    fclose(f);
}

static void inside_init(void)
{
    if (getpid() != 1)          /* never signal the real pid 1 */
        _exit(99);
    printf("init: getpid %d getppid %d\n", (int)getpid(), (int)getppid());
    ns_line("NSpid:");
    ns_line("NStgid:");
    printf("init: pid and pid_for_children the same: %s\n",
           t_yesno(same_link("/proc/self/ns/pid", "/proc/self/ns/pid_for_children") == 1));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        printf("child: getpid %d getppid %d\n", (int)getpid(), (int)getppid());
        printf("child: kill(1, SIGTERM): %d\n", kill(1, SIGTERM));
        printf("child: kill(1, 0): %d\n", kill(1, 0));
        _exit(0);
    }
    int st;
    pid_t w = waitpid(c, &st, 0);
    printf("init: fork gave %d, wait gave %d, %s\n", (int)c, (int)w, t_status(st));
    printf("init: still alive after SIGTERM: yes\n");
    fflush(stdout);
    /* an orphan: a grandchild whose parent exits goes to init */
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            for (int i = 0; i < 2000 && getppid() != 1; i++)
                usleep(1000);
            printf("orphan: adopted by init: %s\n", t_yesno(getppid() == 1));
            _exit(0);
        }
        _exit(0);
    }
    waitpid(c, &st, 0);
    int reaped = 0;
    while ((w = wait(&st)) > 0)
        reaped++;
    printf("init: reaped the orphan too: %s\n", t_yesno(reaped == 1));
    fflush(stdout);
    /* a child that sleeps forever: it dies with init */
    c = fork();
    if (c == 0) {
        pause();
        _exit(3);
    }
    _exit(7);
}

int main(void)
{
    t_init();
    /* SIGKILL from the parent namespace kills init; SIGTERM does not */
    int st;
    pid_t w;
    pid_t c = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
    if (c == 0) {
        printf("clone child: getpid %d getppid %d\n", (int)getpid(), (int)getppid());
        fflush(stdout);
        for (;;)
            pause();
    }
    if (c <= 0)
        return 1;               /* never kill(-1, ...) */
    usleep(100000);
    kill(c, SIGTERM);
    usleep(50000);
    printf("parent: init alive after SIGTERM from outside: %s\n",
           t_yesno(waitpid(c, &st, WNOHANG) == 0));
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("parent: after SIGKILL: %s\n", t_status(st));

    /* nesting: 32 levels */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int depth = 0;
        for (;;) {
            if (unshare(CLONE_NEWPID) < 0) {
                printf("nesting stops after %d new levels: %s\n", depth, t_errname(errno));
                fflush(stdout);
                _exit(0);
            }
            pid_t k = fork();
            if (k < 0)
                _exit(9);
            if (k > 0) {
                waitpid(k, &st, 0);
                _exit(WEXITSTATUS(st));
            }
            depth++;
        }
    }
    waitpid(c, &st, 0);
    printf("nesting: %s\n", t_status(st));

    pid_t me = getpid();
    printf("unshare(CLONE_NEWPID): %d\n", unshare(CLONE_NEWPID));
    printf("own pid kept: %s\n", t_yesno(getpid() == me));
    char buf[64];
    errno = 0;
    int n = readlink("/proc/self/ns/pid_for_children", buf, sizeof buf);
    printf("pid_for_children before its init exists: %d %s\n", n, t_errname(errno));
    errno = 0;
    int r = unshare(CLONE_NEWPID);
    printf("second unshare: %d %s\n", r, t_errname(errno));
    fflush(stdout);
    int go[2];
    if (pipe(go) < 0)
        return 1;
    c = fork();
    if (c < 0)
        return 1;
    if (c == 0) {
        char b;
        close(go[1]);
        read(go[0], &b, 1);     /* the parent speaks first */
        inside_init();
    }
    printf("pid_for_children now differs: %s\n",
           t_yesno(same_link("/proc/self/ns/pid", "/proc/self/ns/pid_for_children") == 0));
    fflush(stdout);
    close(go[0]);
    close(go[1]);
    w = waitpid(c, &st, 0);
    printf("parent: init's pid here > 1: %s, wait: %s, %s\n", t_yesno(c > 1),
           t_yesno(w == c), t_status(st));
    errno = 0;
    c = fork();
    if (c == 0)
        _exit(0);
    printf("fork after init died: %d %s\n", (int)c, t_errname(errno));
    fflush(stdout);

    return t_done();
}
