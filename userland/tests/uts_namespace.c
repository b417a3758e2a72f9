/*
 * uts_namespace.c - hostname and domain name live in a UTS namespace:
 * unshare(CLONE_NEWUTS) or clone(CLONE_NEWUTS) gives a copy the task may
 * rename without touching anyone else's; /proc/self/ns/uts tells namespaces
 * apart (link text and st_ino agree). Non-root gets EPERM, bad flags EINVAL.
 * (Needs root, as on Linux.)
 */
#include "t.h"
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

static unsigned long ns_ino(const char *path)
{
    char buf[64] = {0};
    unsigned long n = 0;
    if (readlink(path, buf, sizeof buf - 1) < 0 || sscanf(buf, "uts:[%lu]", &n) != 1)
        return 0;
    struct stat st;
    if (stat(path, &st) < 0 || (unsigned long)st.st_ino != n)
        return 1;               /* link text and inode number disagree */
    return n;
}

static void renamed_child(const char *how, unsigned long parent_ns, const char *orig)
{
    struct utsname u;
    printf("%s: sethostname: %d\n", how, sethostname("pynix-uts-test", 14));
    printf("%s: setdomainname: %d\n", how, setdomainname("uts.example", 11));
    uname(&u);
    printf("%s: nodename %s domainname %s\n", how, u.nodename, u.domainname);
    unsigned long mine = ns_ino("/proc/self/ns/uts");
    printf("%s: own namespace: %s\n", how, t_yesno(mine > 1 && mine != parent_ns));
    printf("%s: started with the parent's name: %s\n", how, t_yesno(orig[0] != 0));
}

int main(void)
{
    t_init();
    if (geteuid() != 0) {
        printf("not root: skipped\n");
        return 0;
    }
    struct utsname before, after;
    uname(&before);
    unsigned long ns = ns_ino("/proc/self/ns/uts");
    printf("namespace link agrees with st_ino: %s\n", t_yesno(ns > 1));

    pid_t c = t_fork();
    if (c == 0) {
        struct utsname u;
        uname(&u);
        printf("unshare: %d\n", unshare(CLONE_NEWUTS));
        renamed_child("unshare", ns, u.nodename);
        _exit(0);
    }
    printf("child: %s\n", t_status(t_wait(c)));

    fflush(stdout);
    c = (pid_t)syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
    if (c == 0) {
        renamed_child("clone", ns, before.nodename);
        _exit(0);
    }
    printf("child: %s\n", t_status(t_wait(c)));

    uname(&after);
    printf("parent's names unchanged: %s\n",
           t_yesno(!strcmp(before.nodename, after.nodename) && !strcmp(before.domainname, after.domainname)));
    printf("parent's namespace unchanged: %s\n", t_yesno(ns_ino("/proc/self/ns/uts") == ns));

    c = t_fork();
    if (c == 0) {
        setuid(1000);
        int r = unshare(CLONE_NEWUTS);
        printf("non-root unshare: %d %s\n", r, t_errname(errno));
        r = sethostname("x", 1);
        printf("non-root sethostname: %d %s\n", r, t_errname(errno));
        _exit(0);
    }
    printf("child: %s\n", t_status(t_wait(c)));
    c = t_fork();
    if (c == 0) {
        unshare(CLONE_NEWUTS);
        int r = sethostname("0123456789012345678901234567890123456789012345678901234567890123X", 65);
        printf("sethostname 65 bytes: %d %s\n", r, t_errname(errno));
        r = unshare(0x1);
        printf("unshare of unknown flags: %d %s\n", r, t_errname(errno));
        _exit(0);
    }
    printf("child: %s\n", t_status(t_wait(c)));
    return 0;
}
