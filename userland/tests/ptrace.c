/* ptrace(2): TRACEME with a PTRACE_SYSCALL loop (syscall numbers, orig_rax, rax = -ENOSYS
 * at entry), PEEKDATA/POKEDATA and PEEKUSER, GETREGS/SETREGS changing a syscall's result,
 * SINGLESTEP counting the instructions of a loop, signal-delivery-stops whose signal the
 * tracer changes or suppresses, SEIZE + INTERRUPT (PTRACE_EVENT_STOP), TRACEFORK events
 * (the new child auto-attached), and the errnos of bad requests. */
#include "t.h"
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

static volatile long target = 0x1122334455667788L;
static volatile int got_usr1;

static void on_usr1(int s) { (void)s; got_usr1++; }

extern char stepme[], stepme_end[];
__asm__(".text\n.globl stepme\nstepme:\n mov $10, %ecx\n1: dec %ecx\n nop\n jnz 1b\n"
        ".globl stepme_end\nstepme_end:\n nop\n");

static int wstop(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, __WALL) != pid) return -1;
    return st;
}

static void syscall_loop(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        syscall(SYS_getppid);
        long r = syscall(SYS_getpid);        /* the tracer makes this return 4242 */
        syscall(SYS_exit_group, r == 4242 && target == 42 ? 7 : 3);
    }
    int st = wstop(pid);
    printf("first stop: stopped %s sig %s\n", t_yesno(WIFSTOPPED(st)), strsignal(WSTOPSIG(st)));
    errno = 0;
    long v = ptrace(PTRACE_PEEKDATA, pid, &target, 0);
    printf("peekdata: %lx errno %s\n", v, t_errname(errno));
    printf("pokedata: %ld\n", ptrace(PTRACE_POKEDATA, pid, &target, (void *)42));
    errno = 0;
    ptrace(PTRACE_PEEKDATA, pid, (void *)8, 0);
    printf("peekdata at 8: %s\n", t_errname(errno));
    printf("setoptions: %ld\n", ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD));
    int entering = 1;
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0) { printf("PTRACE_SYSCALL failed\n"); break; }
        st = wstop(pid);
        if (WIFEXITED(st)) { printf("exited %d\n", WEXITSTATUS(st)); break; }
        if (!WIFSTOPPED(st) || WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            printf("other stop %#x\n", st);
            continue;
        }
        struct user_regs_struct r;
        ptrace(PTRACE_GETREGS, pid, 0, &r);
        long o = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user, regs.orig_rax), 0);
        if (entering) {
            printf("enter %lld rax %lld peekuser %s\n", r.orig_rax, r.rax,
                   t_yesno(o == (long)r.orig_rax));
        } else {
            if (r.orig_rax == SYS_getpid) {
                r.rax = 4242;
                ptrace(PTRACE_SETREGS, pid, 0, &r);
                printf("exit %lld = (set to 4242)\n", r.orig_rax);
            } else {
                printf("exit %lld = %s\n", r.orig_rax, r.rax == (unsigned long long)getpid()
                       ? "tracer pid" : "?");
            }
        }
        entering = !entering;
    }
    errno = 0;
    long rc = ptrace(PTRACE_CONT, pid, 0, 0);
    printf("cont after exit: %ld %s\n", rc, t_errname(errno));
}

static void single_step(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        _exit(0);
    }
    wstop(pid);
    struct user_regs_struct r, saved;
    ptrace(PTRACE_GETREGS, pid, 0, &saved);
    r = saved;
    r.rip = (unsigned long)stepme;
    ptrace(PTRACE_SETREGS, pid, 0, &r);
    int steps = 0, st = 0;
    for (;;) {
        ptrace(PTRACE_GETREGS, pid, 0, &r);
        if (r.rip == (unsigned long)stepme_end || steps > 1000) break;
        if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0) break;
        st = wstop(pid);
        if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP) break;
        steps++;
    }
    siginfo_t si;
    ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
    printf("singlestep: %d steps, rcx %llu, si_code %d\n", steps, r.rcx, si.si_code);
    ptrace(PTRACE_SETREGS, pid, 0, &saved);
    ptrace(PTRACE_CONT, pid, 0, 0);
    printf("step child: %s\n", t_status(wstop(pid)));
}

static void signal_stops(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        signal(SIGUSR1, on_usr1);
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGUSR2);          /* the tracer turns it into SIGUSR1 */
        raise(SIGTERM);          /* the tracer suppresses it */
        _exit(got_usr1 == 1 ? 5 : 6);
    }
    int st = wstop(pid);
    siginfo_t si;
    ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
    printf("signal stop: %s, siginfo signo %s\n", strsignal(WSTOPSIG(st)), strsignal(si.si_signo));
    ptrace(PTRACE_CONT, pid, 0, SIGUSR1);
    st = wstop(pid);
    printf("signal stop: %s\n", strsignal(WSTOPSIG(st)));
    ptrace(PTRACE_CONT, pid, 0, 0);
    printf("signal child: %s\n", t_status(wstop(pid)));
}

static void seize_interrupt(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        for (;;) pause();
    }
    printf("seize: %ld\n", ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD));
    printf("interrupt: %ld\n", ptrace(PTRACE_INTERRUPT, pid, 0, 0));
    int st = wstop(pid);
    printf("interrupt stop: sig %s event %s\n", strsignal(WSTOPSIG(st)),
           (st >> 16) == PTRACE_EVENT_STOP ? "PTRACE_EVENT_STOP" : "other");
    errno = 0;
    ptrace(PTRACE_LISTEN, pid, 0, 0);
    printf("listen outside group-stop: %s\n", t_errname(errno));
    printf("kill: %ld\n", ptrace(PTRACE_KILL, pid, 0, 0));
    printf("seized child: %s\n", t_status(wstop(pid)));
}

static void trace_fork(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pid_t c = fork();
        if (c == 0) _exit(5);
        int st;
        waitpid(c, &st, 0);
        _exit(WEXITSTATUS(st) + 1);
    }
    wstop(pid);
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEFORK);
    ptrace(PTRACE_CONT, pid, 0, 0);
    int st = wstop(pid);
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
    printf("fork event: %s, sig %s\n", (st >> 16) == PTRACE_EVENT_FORK ? "yes" : "no",
           strsignal(WSTOPSIG(st)));
    pid_t gc = (pid_t)msg;
    st = wstop(gc);
    printf("grandchild starts: %s\n", t_status(st));
    ptrace(PTRACE_CONT, gc, 0, 0);
    ptrace(PTRACE_CONT, pid, 0, 0);
    printf("grandchild: %s\n", t_status(wstop(gc)));
    /* the parent's own SIGCHLD stop, then its exit */
    for (;;) {
        st = wstop(pid);
        if (!WIFSTOPPED(st)) break;
        ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(st) == SIGCHLD ? SIGCHLD : 0);
    }
    printf("fork child: %s\n", t_status(st));
}

static void errnos(void)
{
    errno = 0;
    ptrace(PTRACE_CONT, getpid(), 0, 0);
    printf("cont on self: %s\n", t_errname(errno));
    errno = 0;
    ptrace(PTRACE_ATTACH, getpid(), 0, 0);
    printf("attach to self: %s\n", t_errname(errno));
    errno = 0;
    ptrace(PTRACE_ATTACH, 999999, 0, 0);
    printf("attach to nobody: %s\n", t_errname(errno));
    pid_t pid = t_fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        errno = 0;
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        printf("traceme twice: %s\n", t_errname(errno));
        raise(SIGSTOP);
        _exit(0);
    }
    wstop(pid);
    errno = 0;
    ptrace(0x7777, pid, 0, 0);
    printf("bad request: %s\n", t_errname(errno));
    errno = 0;
    ptrace(PTRACE_PEEKUSER, pid, (void *)3, 0);
    printf("peekuser unaligned: %s\n", t_errname(errno));
    errno = 0;
    ptrace(PTRACE_SETOPTIONS, pid, 0, 0x40000000);
    printf("bad options: %s\n", t_errname(errno));
    errno = 0;
    ptrace(PTRACE_CONT, pid, 0, 100);
    printf("bad signal: %s\n", t_errname(errno));
    printf("detach: %ld\n", ptrace(PTRACE_DETACH, pid, 0, 0));
    printf("detached child: %s\n", t_status(wstop(pid)));
}

int main(void)
{
    t_init();
    syscall_loop();
    single_step();
    signal_stops();
    seize_interrupt();
    trace_fork();
    errnos();
    return t_done();
}
