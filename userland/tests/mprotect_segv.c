/*
 * mprotect_segv.c - page protections are enforced: a write to a page made
 * read-only, any access to PROT_NONE, a write to the program's own read-only
 * data, and executing a page without PROT_EXEC all kill a child with SIGSEGV.
 * mprotect on part of a mapping splits it. A SIGSEGV handler sees si_addr and
 * si_code (SEGV_MAPERR for no mapping, SEGV_ACCERR for a protection fault)
 * and escapes with siglongjmp. Code written at run time runs once its page is
 * made executable, and rewriting it (RW, patch, RX) runs the new code.
 */
#include "t.h"
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PG 4096

static volatile char *g_addr;
static void do_write(void *a) { (void)a; *g_addr = 1; }
static void do_read(void *a) { (void)a; (void)*g_addr; }
static void do_call(void *a) { (void)a; ((int (*)(void))(void *)g_addr)(); }

static const char g_rodata[64] = "read-only data";

static sigjmp_buf g_jmp;
static volatile void *g_fault_addr;
static volatile int g_fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    g_fault_addr = si->si_addr;
    g_fault_code = si->si_code;
    siglongjmp(g_jmp, 1);
}

static const char *code_name(int c)
{
    return c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SEGV_ACCERR ? "SEGV_ACCERR" : "other";
}

int main(void)
{
    t_init();
    char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'a', 3 * PG);

    /* Whole mapping read-only: reads work, writes fault. */
    printf("mprotect READ: %s\n", t_errname(mprotect(p, 3 * PG, PROT_READ) ? errno : 0));
    printf("read still works: %s\n", t_yesno(p[PG] == 'a'));
    g_addr = p + PG + 7;
    printf("write to read-only page: %s\n", t_status(t_in_child(do_write, NULL)));

    /* Back to read-write. */
    mprotect(p, 3 * PG, PROT_READ | PROT_WRITE);
    p[PG + 7] = 'b';
    printf("write after mprotect RW: %s\n", t_yesno(p[PG + 7] == 'b'));

    /* Only the middle page read-only: split mapping. */
    mprotect(p + PG, PG, PROT_READ);
    g_addr = p;
    printf("write to page 0 (still RW): %s\n", t_status(t_in_child(do_write, NULL)));
    g_addr = p + 2 * PG;
    printf("write to page 2 (still RW): %s\n", t_status(t_in_child(do_write, NULL)));
    g_addr = p + PG;
    printf("write to page 1 (RO): %s\n", t_status(t_in_child(do_write, NULL)));

    /* PROT_NONE: even reads fault. */
    mprotect(p + PG, PG, PROT_NONE);
    printf("read of PROT_NONE page: %s\n", t_status(t_in_child(do_read, NULL)));
    mprotect(p + PG, PG, PROT_READ | PROT_WRITE);
    printf("PROT_NONE then RW keeps contents: %s\n", t_yesno(p[PG + 7] == 'b'));

    /* A read-only private mapping from the start. */
    char *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_addr = ro;
    printf("write to PROT_READ mmap: %s\n", t_status(t_in_child(do_write, NULL)));

    /* The program's own read-only data. */
    g_addr = (volatile char *)g_rodata;
    printf("write to .rodata: %s\n", t_status(t_in_child(do_write, NULL)));
    g_addr = (volatile char *)(void *)main;
    printf("write to .text: %s\n", t_status(t_in_child(do_write, NULL)));

    /* Run-time generated code: mov eax, 42; ret */
    unsigned char code1[] = {0xb8, 42, 0, 0, 0, 0xc3};
    char *x = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(x, code1, sizeof code1);
    g_addr = x;
    printf("call into a non-executable page: %s\n", t_status(t_in_child(do_call, NULL)));
    mprotect(x, PG, PROT_READ | PROT_EXEC);
    printf("call after mprotect RX returns: %d\n", ((int (*)(void))(void *)x)());
    mprotect(x, PG, PROT_READ | PROT_WRITE);
    x[1] = 43;
    mprotect(x, PG, PROT_READ | PROT_EXEC);
    printf("patched code returns: %d\n", ((int (*)(void))(void *)x)());
    g_addr = x;
    printf("write to RX page: %s\n", t_status(t_in_child(do_write, NULL)));

    /* A SIGSEGV handler sees the address and the kind of fault. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    mprotect(p + PG, PG, PROT_READ);
    if (sigsetjmp(g_jmp, 1) == 0) {
        p[PG + 100] = 1;
        printf("no fault on read-only write\n");
    } else {
        printf("handler: si_addr matches: %s, si_code %s\n", t_yesno(g_fault_addr == p + PG + 100),
               code_name(g_fault_code));
    }
    munmap(p + 2 * PG, PG);
    if (sigsetjmp(g_jmp, 1) == 0) {
        (void)*(volatile char *)(p + 2 * PG + 5);
        printf("no fault on unmapped read\n");
    } else {
        printf("handler: si_addr matches: %s, si_code %s\n", t_yesno(g_fault_addr == p + 2 * PG + 5),
               code_name(g_fault_code));
    }
    printf("handler can run again after siglongjmp: ");
    if (sigsetjmp(g_jmp, 1) == 0) {
        *(volatile char *)ro = 1;
        printf("no\n");
    } else {
        printf("yes\n");
    }

    /* mprotect errors (raw syscall: musl rounds the address down itself). */
    printf("mprotect unaligned: %s\n", t_errname(syscall(SYS_mprotect, p + 1, PG, PROT_READ) ? errno : 0));
    printf("mprotect unmapped range: %s\n", t_errname(mprotect(p + 2 * PG, PG, PROT_READ) ? errno : 0));
    return t_done();
}
