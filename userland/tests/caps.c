/*
 * caps.c - capability sets (capget/capset, commoncap's uid fixups, exec, prctl's
 * capability options, /proc/self/status). Runs as root; it first narrows its sets to a
 * fixed group of capabilities (M) so that the output does not depend on the sets the host
 * started it with, then prints sets read with capget in hex.
 */
#include "t.h"
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* linux/capability.h, which musl's toolchain lacks */
#define _LINUX_CAPABILITY_VERSION_1 0x19980330
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
struct __user_cap_header_struct { unsigned version; int pid; };
struct __user_cap_data_struct { unsigned effective, permitted, inheritable; };
enum { CAP_CHOWN = 0, CAP_DAC_OVERRIDE = 1, CAP_FOWNER = 3, CAP_KILL = 5, CAP_SETGID = 6,
       CAP_SETUID = 7, CAP_SETPCAP = 8, CAP_NET_BIND_SERVICE = 10, CAP_SYS_CHROOT = 18,
       CAP_SYS_ADMIN = 21, CAP_MKNOD = 27, CAP_LAST_CAP = 40 };
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define B(c) (1ULL << (c))
static const unsigned long long M = B(CAP_CHOWN) | B(CAP_DAC_OVERRIDE) | B(CAP_FOWNER) |
    B(CAP_KILL) | B(CAP_SETGID) | B(CAP_SETUID) | B(CAP_SETPCAP) | B(CAP_NET_BIND_SERVICE) |
    B(CAP_SYS_CHROOT) | B(CAP_MKNOD);

struct sets { unsigned long long e, p, i; };

static int capget_pid(int pid, struct sets *s)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, pid };
    struct __user_cap_data_struct d[2];
    int r = syscall(SYS_capget, &h, d);
    s->e = d[0].effective | (unsigned long long)d[1].effective << 32;
    s->p = d[0].permitted | (unsigned long long)d[1].permitted << 32;
    s->i = d[0].inheritable | (unsigned long long)d[1].inheritable << 32;
    return r;
}

static int capset3(unsigned long long e, unsigned long long p, unsigned long long i)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = {
        { (unsigned)e, (unsigned)p, (unsigned)i }, { e >> 32, p >> 32, i >> 32 } };
    return syscall(SYS_capset, &h, d);
}

static void show(const char *what)
{
    struct sets s;
    capget_pid(0, &s);
    printf("%s: eff %llx prm %llx inh %llx amb-cap_kill %d\n", what, s.e, s.p, s.i,
           (int)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0));
}

static void status_lines(const char *what)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    printf("%s:", what);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Cap", 3)) {
            line[strcspn(line, "\n")] = 0;
            printf(" [%s]", line);
        }
    printf("\n");
    if (f)
        fclose(f);
}

static void uid_case(void *arg)
{
    int c = *(int *)arg;
    switch (c) {
    case 0: setresuid(0, 1000, 0); show("setresuid(0,1000,0)"); setresuid(-1, 0, -1);
            show("  back to euid 0"); break;
    case 1: setresuid(1000, 1000, 1000); show("setresuid(1000,1000,1000)");
            SHOW("  setuid(0)", setuid(0)); break;
    case 2: prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0); setresuid(1000, 1000, 1000);
            show("keepcaps setresuid(1000,1000,1000)");
            SHOW("  PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0)); break;
    case 3: setfsuid(1000); show("setfsuid(1000)"); setfsuid(0); show("  setfsuid(0)"); break;
    case 4: setreuid(1000, -1); show("setreuid(1000,-1)"); setreuid(-1, 1000);
            show("  setreuid(-1,1000)"); break;
    case 5: capset3(M & ~B(CAP_SETUID), M, 0); setfsuid(1000); setfsuid(0);
            show("fsuid round trip without CAP_SETUID in eff"); break;
    }
    fflush(stdout);
}

static void capset_rules(void *arg)
{
    (void)arg;
    SHOW("capset e within p", capset3(M & ~B(CAP_KILL), M & ~B(CAP_KILL), 0));
    SHOW("capset e outside p", capset3(M, M & ~B(CAP_KILL), 0));
    SHOW("capset p grows", capset3(0, M, 0));
    SHOW("capset i within p", capset3(0, M & ~B(CAP_KILL), B(CAP_CHOWN)));
    show("after capset");
    SHOW("capset i outside p|i, no setpcap", capset3(0, B(CAP_CHOWN), B(CAP_KILL)));
    SHOW("capset drop to nothing", capset3(0, 0, B(CAP_CHOWN)));
    show("empty");
    SHOW("capset e from nothing", capset3(B(CAP_CHOWN), 0, 0));
    fflush(stdout);
}

static void bset_rules(void *arg)
{
    (void)arg;
    SHOW("CAPBSET_READ kill", prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0));
    SHOW("CAPBSET_READ sys_admin", prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0));
    SHOW("CAPBSET_READ 41", prctl(PR_CAPBSET_READ, 41, 0, 0, 0));
    SHOW("CAPBSET_DROP kill", prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0));
    SHOW("CAPBSET_READ kill after", prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0));
    SHOW("CAPBSET_DROP 99", prctl(PR_CAPBSET_DROP, 99, 0, 0, 0));
    SHOW("capset i outside bset", capset3(M, M, B(CAP_KILL)));
    capset3(M & ~B(CAP_SETPCAP), M, 0);
    SHOW("CAPBSET_DROP without setpcap", prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0));
    SHOW("SET_SECUREBITS without setpcap", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
    fflush(stdout);
}

static void ambient_rules(void *arg)
{
    (void)arg;
    SHOW("ambient raise, not inheritable", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    capset3(M, M, B(CAP_KILL) | B(CAP_CHOWN));
    SHOW("ambient raise kill", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
    SHOW("ambient raise chown", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    SHOW("ambient is_set kill", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0));
    SHOW("ambient bad cap", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 64, 0, 0));
    SHOW("ambient bad arg4", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 1, 0));
    SHOW("ambient clear_all with arg", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0));
    SHOW("ambient bad op", prctl(PR_CAP_AMBIENT, 9, CAP_KILL, 0, 0));
    status_lines("status with ambient");
    capset3(M, M, B(CAP_CHOWN));
    SHOW("ambient kill after inh drop", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0));
    SHOW("ambient lower chown", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_CHOWN, 0, 0));
    SHOW("ambient is_set chown", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0);
    prctl(PR_SET_SECUREBITS, 1 << 6, 0, 0, 0);
    SHOW("get securebits", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    SHOW("ambient raise with NO_CAP_AMBIENT_RAISE", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    SHOW("set securebits unknown bit", prctl(PR_SET_SECUREBITS, 1 << 12, 0, 0, 0));
    SHOW("lock keepcaps", prctl(PR_SET_SECUREBITS, (1 << 6) | (1 << 5), 0, 0, 0));
    SHOW("set keepcaps when locked", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    SHOW("unlock", prctl(PR_SET_SECUREBITS, 1 << 6, 0, 0, 0));
    SHOW("PR_SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
    setresuid(1000, 1000, 1000);
    show("ambient after leaving root");
    fflush(stdout);
}

static const char *self;

static void exec_case(void *arg)
{
    int c = *(int *)arg;
    char *argv[] = { (char *)self, "show", NULL };
    capset3(M, M, B(CAP_KILL));
    if (c == 1) {
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0);
        prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
        setresuid(1000, 1000, 1000);
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0);
    } else if (c == 2) {
        setresuid(1000, 0, 0);
    } else if (c == 3) {
        setresuid(0, 1000, 1000);
    } else if (c == 4) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        capset3(0, B(CAP_CHOWN), B(CAP_KILL));
    } else if (c == 5) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        setresuid(0, 1000, 1000);
    } else if (c == 6) {
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0);
        setresgid(0, 1000, 1000);
    }
    fflush(stdout);
    execv(self, argv);
    _exit(99);
}

int main(int argc, char **argv)
{
    struct sets s;
    self = argv[0];
    if (argc > 1) {
        show("after exec");
        uid_t r, e, su;
        getresuid(&r, &e, &su);
        printf("  keepcaps %d uid %d/%d/%d fsuid %d egid %d AT_SECURE %lu\n",
               (int)prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), r, e, su, setfsuid(-1), getegid(),
               getauxval(AT_SECURE));
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    capget_pid(0, &s);
    if (capset3(s.e & M, s.p & M, 0) != 0)
        return 1;
    for (int c = 0; c <= CAP_LAST_CAP; c++)
        if (!(M & B(c)))
            prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
    show("start");
    status_lines("status");

    struct __user_cap_header_struct h = { 0x12345678, 0 };
    struct __user_cap_data_struct d[2];
    SHOW("capget bad version", syscall(SYS_capget, &h, d));
    printf("  version now %x\n", h.version);
    h.version = 0x12345678;
    SHOW("capget bad version NULL data", syscall(SYS_capget, &h, NULL));
    printf("  version now %x\n", h.version);
    h.version = _LINUX_CAPABILITY_VERSION_1;
    SHOW("capget v1", syscall(SYS_capget, &h, d));
    printf("  v1 eff %x\n", d[0].effective);
    h.version = _LINUX_CAPABILITY_VERSION_3;
    h.pid = -1;
    SHOW("capget pid -1", syscall(SYS_capget, &h, d));
    h.pid = 999999;
    SHOW("capget no such pid", syscall(SYS_capget, &h, d));
    h.pid = getppid();
    SHOW("capset other pid", syscall(SYS_capset, &h, d));
    h.pid = getpid();
    SHOW("capset own pid", capset3(M, M, 0));
    SHOW("capget bad pointer", syscall(SYS_capget, &h, (void *)1));

    pid_t child = t_fork();
    if (child == 0) {
        capset3(B(CAP_KILL), B(CAP_KILL) | B(CAP_CHOWN), 0);
        pause();
        _exit(0);
    }
    usleep(100000);
    capget_pid(child, &s);
    printf("capget of child: eff %llx prm %llx\n", s.e, s.p);
    kill(child, SIGKILL);
    t_wait(child);

    for (int c = 0; c <= 5; c++)
        t_in_child(uid_case, &c);
    t_in_child(capset_rules, NULL);
    t_in_child(bset_rules, NULL);
    t_in_child(ambient_rules, NULL);
    for (int c = 0; c <= 6; c++)
        t_in_child(exec_case, &c);
    return 0;
}
