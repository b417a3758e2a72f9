/*
 * fpu.c - the FPU as Linux sets it up and keeps it: the initial x87 control word and
 * MXCSR, long double and double formatting, libm, rounding modes (exception flags are
 * fpu_except.c),
 * per-thread and per-process state across pthreads and fork, and the FPU state in a
 * signal frame (a handler reads and changes uc_mcontext.fpregs; the change holds after
 * sigreturn, and the handler itself starts with the default state).
 */
#include "t.h"
#include <fenv.h>
#include <math.h>
#include <pthread.h>
#include <ucontext.h>

static unsigned short fcw(void) { unsigned short cw; __asm__ volatile("fnstcw %0" : "=m"(cw)); return cw; }
static unsigned int mxcsr(void) { unsigned int m; __asm__ volatile("stmxcsr %0" : "=m"(m)); return m; }

static const char *rname(int r)
{
    switch (r) {
    case FE_TONEAREST: return "nearest";
    case FE_UPWARD: return "upward";
    case FE_DOWNWARD: return "downward";
    case FE_TOWARDZERO: return "towardzero";
    default: return "?";
    }
}

static void initial_state(void)
{
    printf("initial fcw: %#x\n", fcw());
    printf("initial mxcsr: %#x\n", mxcsr());
    printf("initial round: %s\n", rname(fegetround()));
}

static void formatting(void)
{
    static const double vals[] = {3.14159, 0.1, 1.0 / 3, 2.0 / 3, 1e300, 1e-300, 5e-324,
                                  123456789.123456789, 0.5, 1.7976931348623157e308, -2.5e-7};
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", vals[i]);
        double back = strtod(buf, NULL);
        printf("%%g %g %%.17g %s roundtrip %s\n", vals[i], buf, t_yesno(back == vals[i]));
    }
    long double x = 1.0L / 3;
    printf("long double 1/3: %.20Lg\n", x);
    printf("long double 2/3: %.20Lg\n", 2.0L / 3);
    printf("long double sqrt2: %.20Lg\n", sqrtl(2.0L));
    long double sum = 0;
    for (int i = 1; i <= 10000; i++)
        sum += 1.0L / i;
    printf("harmonic 10000: %.20Lg\n", sum);
    double dsum = 0;
    for (int i = 1; i <= 10000; i++)
        dsum += i * 0.1;
    printf("double sum: %.17g\n", dsum);
    printf("strtold 0.1: %.25Lg\n", strtold("0.1", NULL));
}

static void libm(void)
{
    printf("sqrt 2: %.17g\n", sqrt(2.0));
    printf("exp 1: %.17g\n", exp(1.0));
    printf("log 10: %.17g\n", log(10.0));
    printf("sin 1: %.17g\n", sin(1.0));
    printf("pow 2 0.5: %.17g\n", pow(2.0, 0.5));
    printf("lrint 2.5: %ld\n", lrint(2.5));
    printf("lrint 3.5: %ld\n", lrint(3.5));
}

static void rounding(void)
{
    static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    volatile double one = 1.0, three = 3.0, mone = -1.0;
    for (int i = 0; i < 4; i++) {
        fesetround(modes[i]);
        double q = one / three, nq = mone / three;
        long double lq = (long double)one / three;
        printf("%s: get %s 1/3 %.17g -1/3 %.17g ld %.20Lg lrint(2.5) %ld lrint(-2.5) %ld\n",
               rname(modes[i]), rname(fegetround()), q, nq, lq, lrint(2.5), lrint(-2.5));
        printf("%s: fcw rc %d mxcsr rc %d\n", rname(modes[i]), (fcw() >> 10) & 3, (mxcsr() >> 13) & 3);
    }
    fesetround(FE_TONEAREST);
}

static volatile int phase;
static int thread_seen;

static void *thread_fn(void *arg)
{
    (void)arg;
    thread_seen = fegetround();          /* a new thread: its creator's mode (clone copies) */
    fesetround(FE_DOWNWARD);
    phase = 1;
    while (phase != 2)
        sched_yield();
    volatile double one = 1.0, three = 3.0;
    double q = one / three;
    printf("thread: round %s 1/3 %.17g\n", rname(fegetround()), q);
    return NULL;
}

static void threads(void)
{
    pthread_t th;
    fesetround(FE_UPWARD);
    pthread_create(&th, NULL, thread_fn, NULL);
    while (phase != 1)
        sched_yield();
    volatile double one = 1.0, three = 3.0;
    double q = one / three;
    printf("main after thread changed its mode: round %s 1/3 %.17g\n", rname(fegetround()), q);
    phase = 2;
    pthread_join(th, NULL);
    printf("thread started with: %s\n", rname(thread_seen));
    printf("main after join: %s\n", rname(fegetround()));
    fesetround(FE_TONEAREST);
}

static void forked(void)
{
    fesetround(FE_TOWARDZERO);
    pid_t pid = t_fork();
    if (pid == 0) {
        int inherited = fegetround();
        fesetround(FE_UPWARD);
        printf("child inherited: %s, now %s\n", rname(inherited), rname(fegetround()));
        fflush(stdout);
        _exit(0);
    }
    printf("child: %s\n", t_status(t_wait(pid)));
    printf("parent after child: %s\n", rname(fegetround()));
    /* two processes with different modes, interleaving */
    int p[2];
    if (pipe(p) < 0)
        return;
    pid = t_fork();
    if (pid == 0) {
        fesetround(FE_DOWNWARD);
        int ok = 1;
        for (int i = 0; i < 200; i++) {
            sched_yield();
            ok &= fegetround() == FE_DOWNWARD && ((mxcsr() >> 13) & 3) == 1;
        }
        char c = ok ? 'y' : 'n';
        write(p[1], &c, 1);
        _exit(0);
    }
    int ok = 1;
    for (int i = 0; i < 200; i++) {
        sched_yield();
        ok &= fegetround() == FE_TOWARDZERO;
    }
    char c = '?';
    read(p[0], &c, 1);
    t_wait(pid);
    close(p[0]);
    close(p[1]);
    printf("interleaved: parent kept %s, child kept %s\n", t_yesno(ok), t_yesno(c == 'y'));
    fesetround(FE_TONEAREST);
}

static unsigned int seen_mxcsr, seen_cwd, handler_mxcsr;
static int handler_round;

static void handler(int sig, siginfo_t *si, void *ucp)
{
    (void)sig; (void)si;
    ucontext_t *uc = ucp;
    handler_round = fegetround();       /* Linux starts a handler with the init FPU state */
    handler_mxcsr = mxcsr();
    seen_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    seen_cwd = uc->uc_mcontext.fpregs->cwd;
    /* round toward zero after return, in both units */
    uc->uc_mcontext.fpregs->mxcsr = (uc->uc_mcontext.fpregs->mxcsr & ~0x6000u) | 0x6000u;
    uc->uc_mcontext.fpregs->cwd = (uc->uc_mcontext.fpregs->cwd & ~0xc00u) | 0xc00u;
}

static void sigframe(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    fesetround(FE_UPWARD);
    raise(SIGUSR1);
    printf("handler saw mxcsr rc %d cwd rc %d\n", (seen_mxcsr >> 13) & 3, (seen_cwd >> 10) & 3);
    printf("handler saw masks mxcsr %#x cwd %#x\n", seen_mxcsr & 0x1f80, seen_cwd & 0x3f);
    printf("handler ran with round %s mxcsr %#x\n", rname(handler_round), handler_mxcsr & ~0x3fu);
    printf("after return: round %s fcw rc %d mxcsr rc %d\n", rname(fegetround()), (fcw() >> 10) & 3,
           (mxcsr() >> 13) & 3);
    volatile double one = 1.0, three = 3.0;
    printf("after return: -1/3 %.17g\n", -one / three);
    fesetround(FE_TONEAREST);
}

static int bad_kind;

static void bad_handler(int sig, siginfo_t *si, void *ucp)
{
    (void)sig; (void)si;
    ucontext_t *uc = ucp;
    if (bad_kind == 0)
        uc->uc_mcontext.fpregs->mxcsr |= 0x80000000u;      /* a reserved bit: #GP in XRSTOR */
    else
        uc->uc_mcontext.fpregs = NULL;                      /* NULL: the FPU is reset */
}

static void bad_child(void *arg)
{
    struct sigaction sa = {0};
    bad_kind = *(int *)arg;
    sa.sa_sigaction = bad_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    fesetround(FE_UPWARD);
    raise(SIGUSR1);
    printf("null fpstate: round %s fcw %#x mxcsr %#x\n", rname(fegetround()), fcw(), mxcsr() & ~0x3fu);
    fflush(stdout);
}

static void bad_fpstate(void)
{
    int kind = 0;
    printf("reserved mxcsr bit: %s\n", t_status(t_in_child(bad_child, &kind)));
    kind = 1;
    printf("null fpstate child: %s\n", t_status(t_in_child(bad_child, &kind)));
}

int main(void)
{
    t_init();
    initial_state();
    formatting();
    libm();
    rounding();
    threads();
    forked();
    sigframe();
    bad_fpstate();
    return t_done();
}
