/*
 * brk.c - the program break: growing it gives zeroed, writable memory;
 * shrinking it unmaps (an access past the new break is SIGSEGV); growing
 * again gives fresh zero pages; impossible requests leave the break where it
 * was; a child's break is its own. Uses the raw brk syscall (musl's brk()
 * always fails, and its sbrk only reads the break) and no malloc, which
 * could itself use brk.
 */
#include "t.h"
#include <sys/syscall.h>

static char *sys_brk(void *p) { return (char *)syscall(SYS_brk, p); }

static char *g_addr;
static void touch(void *arg) { (void)arg; g_addr[0] = 1; }

int main(void)
{
    t_init();
    char *start = sys_brk(0);
    printf("brk(0) is non-zero: %s\n", t_yesno(start != NULL));
    printf("sbrk(0) agrees with brk(0): %s\n", t_yesno(sbrk(0) == start));

    /* Grow by 1 MiB: zeroed and writable. */
    size_t mb = 1u << 20;
    char *r = sys_brk(start + mb);
    printf("grow by 1 MiB returns new break: %s\n", t_yesno(r == start + mb));
    int zero = 1;
    for (size_t i = 0; i < mb; i++)
        if (start[i])
            zero = 0;
    printf("new memory is zero: %s\n", t_yesno(zero));
    for (size_t i = 0; i < mb; i++)
        start[i] = (char)(i % 251);
    int ok = 1;
    for (size_t i = 0; i < mb; i++)
        if (start[i] != (char)(i % 251))
            ok = 0;
    printf("new memory holds what was written: %s\n", t_yesno(ok));

    /* A child grows and writes its own break; the parent's is untouched. */
    pid_t c = t_fork();
    if (c == 0) {
        char *cb = sys_brk(0);
        if (cb != start + mb)
            _exit(1);
        if (sys_brk(cb + mb) != cb + mb)
            _exit(2);
        memset(start, 0x11, 2 * mb);
        _exit(0);
    }
    printf("child grows its own break: %s\n", t_status(t_wait(c)));
    printf("parent break unchanged after child: %s\n", t_yesno(sys_brk(0) == start + mb));
    printf("parent data unchanged after child: %s\n", t_yesno(start[1000] == (char)(1000 % 251)));

    /* Shrink to start + 8 KiB: the old tail is gone. */
    r = sys_brk(start + 8192);
    printf("shrink returns new break: %s\n", t_yesno(r == start + 8192));
    printf("data below the new break kept: %s\n", t_yesno(start[8000] == (char)(8000 % 251)));
    g_addr = start + 512 * 1024;
    printf("access past the shrunk break: %s\n", t_status(t_in_child(touch, NULL)));

    /* Grow again: the re-added pages are zero. */
    r = sys_brk(start + mb);
    zero = 1;
    for (size_t i = 16384; i < mb; i++)
        if (start[i])
            zero = 0;
    printf("regrown memory is zero again: %s\n", t_yesno(r == start + mb && zero));

    /* Requests that cannot be met leave the break alone. */
    char *before = sys_brk(0);
    r = sys_brk(start - (64u << 20));
    printf("brk below the start fails, break unchanged: %s\n", t_yesno(r == before && sys_brk(0) == before));
    r = sys_brk((void *)0x7ffffff00000ull); /* would run into the mmap area and the stack */
    printf("brk up to the stack fails, break unchanged: %s\n", t_yesno(r == before && sys_brk(0) == before));

    /* An unaligned break is kept as asked; its page is usable to the end. */
    r = sys_brk(before + 100);
    printf("unaligned break returned as asked: %s\n", t_yesno(r == before + 100));
    before[4095] = 'z';
    printf("rest of the page is usable: %s\n", t_yesno(before[4095] == 'z'));
    sys_brk(start);
    printf("break restored to start: %s\n", t_yesno(sys_brk(0) == start));
    return t_done();
}
