/*
 * mseal.c - mseal(2): argument errors, and that a sealed range refuses munmap, mprotect,
 * mremap, mmap MAP_FIXED over it and a discarding madvise on read-only memory (EPERM),
 * while the unsealed neighbours of the same mapping still change.
 */
#include "t.h"
#include <sys/mman.h>
#include <sys/syscall.h>

static long sys_mseal(void *p, size_t len, unsigned long flags)
{
    return syscall(462, p, len, flags);
}

int main(void)
{
    t_init();
    long ps = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 8 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SHOW("flags", sys_mseal(m, ps, 1));
    SHOW("unaligned", sys_mseal(m + 1, ps, 0));
    SHOW("wrapping length", sys_mseal(m, (size_t)-ps + 2, 0));
    SHOW("zero length", sys_mseal(m, 0, 0));
    munmap(m + 6 * ps, ps);
    SHOW("hole", sys_mseal(m + 5 * ps, 2 * ps, 0));
    SHOW("seal", sys_mseal(m + 2 * ps, 2 * ps, 0));
    SHOW("munmap", munmap(m, 4 * ps));
    SHOW("mprotect", mprotect(m + 3 * ps, ps, PROT_READ));
    SHOW("mremap", (long)mremap(m + 2 * ps, ps, 4 * ps, MREMAP_MAYMOVE) == -1 ? -1 : 0);
    SHOW("mmap fixed", mmap(m + 2 * ps, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                            -1, 0) == MAP_FAILED ? -1 : 0);
    SHOW("madvise writable", madvise(m + 2 * ps, ps, MADV_DONTNEED));
    SHOW("neighbour mprotect", mprotect(m, 2 * ps, PROT_READ));
    SHOW("neighbour munmap", munmap(m + 4 * ps, ps));
    char *r = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SHOW("seal read-only", sys_mseal(r, ps, 0));
    SHOW("madvise read-only", madvise(r, ps, MADV_DONTNEED));
    SHOW("madvise hint", madvise(r, ps, MADV_WILLNEED));
    SHOW("seal again", sys_mseal(r, ps, 0));
    m[2 * ps] = 'x';
    printf("sealed page writable: %c\n", m[2 * ps]);
    return t_done();
}
