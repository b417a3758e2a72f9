/* seccomp.c - strict mode and BPF filters: ERRNO, TRAP (SIGSYS siginfo), KILL_PROCESS,
 * KILL_THREAD, TRACE without a tracer, LOG, argument filtering, inheritance over fork and
 * exec, the checker's EINVAL cases, NO_NEW_PRIVS, GET_ACTION_AVAIL, /proc status lines. */
#include "t.h"
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/audit.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#define ALLOW_REST BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case ENOSYS: return "ENOSYS";
    case EPERM: return "EPERM";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case E2BIG: return "E2BIG";
    case 4095: return "4095";
    default: return "other";
    }
}

static long install(struct sock_filter *f, unsigned short n, unsigned flags)
{
    struct sock_fprog p = { n, f };
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p);
    return r < 0 ? -errno : r;
}

/* a filter: syscall nr -> ret, everything else allowed */
static long only(int nr, unsigned ret)
{
    struct sock_filter f[] = {
        LOAD_NR,
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ret),
        ALLOW_REST,
    };
    return install(f, 4, 0);
}

static void status_of(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", what, WTERMSIG(st) == SIGSYS ? "SIGSYS" :
               WTERMSIG(st) == SIGKILL ? "SIGKILL" : "other");
}

static void proc_line(const char *key)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
        if (!strncmp(l, key, strlen(key)) && l[strlen(key)] == ':')
            printf("%s\n", l);
}

static volatile int got_sig, got_code, got_nr, got_errno, got_arch_ok, got_addr_ok;

static void on_sys(int sig, siginfo_t *si, void *uc)
{
    ucontext_t *u = uc;
    got_sig = sig;
    got_code = si->si_code;
    got_nr = si->si_syscall;
    got_errno = si->si_errno;
    got_arch_ok = si->si_arch == AUDIT_ARCH_X86_64;
    got_addr_ok = si->si_call_addr == (void *)u->uc_mcontext.gregs[REG_RIP];
    u->uc_mcontext.gregs[REG_RAX] = -1234;        /* the "result" the handler fakes */
}

static int in_child(void (*fn)(void))
{
    int st;
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        fn();
        _exit(0);
    }
    waitpid(p, &st, 0);
    return st;
}

static void c_strict(void)
{
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0))
        _exit(9);
    write(1, "strict: write allowed\n", 22);
    syscall(SYS_getpid);
    write(1, "strict: not reached\n", 20);
    syscall(SYS_exit, 0);
}

static void c_strict_exit(void)
{
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL))
        _exit(9);
    syscall(SYS_exit, 7);
}

static void c_errno(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    long r = only(SYS_getppid, SECCOMP_RET_ERRNO | EPERM);
    printf("install errno filter: %ld\n", r);
    errno = 0;
    long g = syscall(SYS_getppid);
    printf("getppid: %ld %s\n", g, ename(errno));
    r = only(SYS_getppid, SECCOMP_RET_ERRNO | 0xffff);   /* capped at MAX_ERRNO */
    g = syscall(SYS_getppid);
    printf("getppid capped: %ld %s\n", g, ename(errno));
    /* the lowest action wins: ERRNO(E2BIG) from a later filter against ALLOW */
    only(SYS_getuid, SECCOMP_RET_ALLOW);
    only(SYS_getuid, SECCOMP_RET_ERRNO | E2BIG);
    only(SYS_getuid, SECCOMP_RET_LOG);
    g = syscall(SYS_getuid);
    printf("getuid (ALLOW, ERRNO, LOG): %ld %s\n", g, ename(errno));
    proc_line("Seccomp");
    proc_line("Seccomp_filters");
    printf("PR_GET_SECCOMP: %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    /* strict after filter: EINVAL */
    errno = 0;
    r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
    printf("strict after filter: %ld %s\n", r, ename(errno));
    /* inherited by a child, kept over exec of /proc/self/exe? fork suffices here */
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        errno = 0;
        long c = syscall(SYS_getppid);
        printf("child getppid: %ld %s\n", c, ename(errno));
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
}

static void c_trap(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_sys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    only(SYS_getpgrp, SECCOMP_RET_TRAP | 42);
    long r = syscall(SYS_getpgrp);
    printf("trap: sig %s code %d nr_ok %d errno %d arch_ok %d addr_ok %d ret %ld\n",
           got_sig == SIGSYS ? "SIGSYS" : "none", got_code, got_nr == SYS_getpgrp, got_errno,
           got_arch_ok, got_addr_ok, r);
    /* blocked SIGSYS is still delivered: the filter kills through it */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSYS);
    sigprocmask(SIG_BLOCK, &s, NULL);
    got_sig = 0;
    syscall(SYS_getpgrp);
    printf("trap while blocked: not reached\n");
}

static void c_kill_process(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    only(SYS_getpgrp, SECCOMP_RET_KILL_PROCESS);
    syscall(SYS_getpgrp);
    printf("kill process: not reached\n");
}

static void c_kill_thread(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    only(SYS_getpgrp, SECCOMP_RET_KILL_THREAD);
    syscall(SYS_getpgrp);
    printf("kill thread: not reached\n");
}

static void c_trace(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    only(SYS_getpgrp, SECCOMP_RET_TRACE);
    errno = 0;
    long r = syscall(SYS_getpgrp);
    printf("trace without tracer: %ld %s\n", r, ename(errno));
}

static void c_args(void)
{
    /* kill(pid, 0) with pid == 1 -> EACCES; others allowed */
    struct sock_filter f[] = {
        LOAD_NR,
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kill, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_STMT(BPF_ST, 3),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        ALLOW_REST,
    };
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    printf("args filter: %ld\n", install(f, sizeof f / sizeof f[0], 0));
    errno = 0;
    long r = kill(1, 0);
    printf("kill(1,0): %ld %s\n", r, ename(errno));
    errno = 0;
    r = kill(getpid(), 0);
    printf("kill(self,0): %ld %s\n", r, ename(errno));
}

static void c_bad(void)
{
    struct sock_filter ret_allow[] = { ALLOW_REST };
    struct sock_filter nolast[] = { LOAD_NR };
    struct sock_filter backjump[] = { LOAD_NR, BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0), ALLOW_REST };
    struct sock_filter far[] = { LOAD_NR, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0), ALLOW_REST };
    struct sock_filter misaligned[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), ALLOW_REST };
    struct sock_filter outside[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), ALLOW_REST };
    struct sock_filter bytes[] = { BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), ALLOW_REST };
    struct sock_filter div0[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), ALLOW_REST };
    struct sock_filter badop[] = { { 0xffff, 0, 0, 0 }, ALLOW_REST };
    struct sock_filter memuninit[] = { BPF_STMT(BPF_LD | BPF_MEM, 2), ALLOW_REST };
    struct sock_filter membad[] = { BPF_STMT(BPF_ST, 16), ALLOW_REST };
    struct sock_filter shift[] = { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), ALLOW_REST };
    struct sock_filter len[] = { BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), ALLOW_REST };
    struct sock_fprog empty = { 0, ret_allow };
    printf("without NO_NEW_PRIVS as root: %s\n", ename(-install(ret_allow, 1, 0)));
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    errno = 0;
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &empty);
    printf("len 0: %s\n", ename(errno));
    errno = 0;
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (void *)8);
    printf("bad fprog: %s\n", ename(errno));
    struct sock_fprog badptr = { 1, (void *)8 };
    errno = 0;
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &badptr);
    printf("bad filter ptr: %s\n", ename(errno));
    printf("bad flags: %s\n", ename(-install(ret_allow, 1, 1u << 20)));
    printf("no final RET: %s\n", ename(-install(nolast, 1, 0)));
    printf("jump past end: %s\n", ename(-install(backjump, 3, 0)));
    printf("cond jump past end: %s\n", ename(-install(far, 3, 0)));
    printf("misaligned load: %s\n", ename(-install(misaligned, 2, 0)));
    printf("load past data: %s\n", ename(-install(outside, 2, 0)));
    printf("byte load: %s\n", ename(-install(bytes, 2, 0)));
    printf("div by 0: %s\n", ename(-install(div0, 2, 0)));
    printf("bad opcode: %s\n", ename(-install(badop, 2, 0)));
    printf("uninitialised M[]: %s\n", ename(-install(memuninit, 2, 0)));
    printf("M[16]: %s\n", ename(-install(membad, 2, 0)));
    printf("shift 32: %s\n", ename(-install(shift, 2, 0)));
    printf("BPF_LEN is 64: %ld\n", install(len, 4, 0));
    errno = 0;
    syscall(SYS_seccomp, 99, 0, NULL);
    printf("bad op: %s\n", ename(errno));
    errno = 0;
    syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL);
    printf("strict with flags: %s\n", ename(errno));
    errno = 0;
    prctl(PR_SET_SECCOMP, 7, 0, 0, 0);
    printf("prctl bad mode: %s\n", ename(errno));
    unsigned acts[] = { SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP,
                        SECCOMP_RET_ERRNO, SECCOMP_RET_TRACE, SECCOMP_RET_LOG,
                        SECCOMP_RET_ALLOW, 0x12340000 };
    for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        errno = 0;
        long r = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &acts[i]);
        printf("action 0x%x avail: %ld %s\n", acts[i], r, ename(errno));
    }
    struct seccomp_notif_sizes sz;
    long r = syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz);
    printf("notif sizes: %ld %u %u %u\n", r, sz.seccomp_notif, sz.seccomp_notif_resp,
           sz.seccomp_data);
}

int main(void)
{
    t_init();
    proc_line("Seccomp");
    printf("PR_GET_SECCOMP: %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    status_of("strict getpid", in_child(c_strict));
    status_of("strict exit", in_child(c_strict_exit));
    status_of("errno", in_child(c_errno));
    status_of("trap", in_child(c_trap));
    status_of("kill process", in_child(c_kill_process));
    status_of("kill thread", in_child(c_kill_thread));
    status_of("trace", in_child(c_trace));
    status_of("args", in_child(c_args));
    status_of("bad", in_child(c_bad));
    return t_done();
}
