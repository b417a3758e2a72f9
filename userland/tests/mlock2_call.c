/* mlock2: a plain lock faults the range in, MLOCK_ONFAULT locks without faulting, both count
 * in VmLck once; bad flags EINVAL, an unmapped range ENOMEM. */
#include "t.h"
#include <sys/mman.h>
#include <sys/syscall.h>

static long vmlck_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmLck: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static int present(char *p, int pages)
{
    unsigned char vec[16];
    int n = 0;
    if (mincore(p, pages * 4096, vec))
        return -1;
    for (int i = 0; i < pages; i++)
        n += vec[i] & 1;
    return n;
}

int main(void)
{
    t_init();
    char *a = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *b = mmap(NULL, 8 * 4096, PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long base = vmlck_kb();
    SHOW("bad flags", syscall(SYS_mlock2, a, 4096, 2));
    SHOW("onfault", syscall(SYS_mlock2, a, 4 * 4096, 1));
    SHOW("onfault pages present", present(a, 8));
    SHOW("VmLck kB grew by", vmlck_kb() - base);
    a[0] = 1;
    SHOW("touched page present", present(a, 8));
    SHOW("plain lock of the same", syscall(SYS_mlock2, a, 4 * 4096, 0));
    SHOW("VmLck kB unchanged", vmlck_kb() - base);
    SHOW("pages present after plain lock", present(a, 8));
    SHOW("shared write-only lock, a bit over 2 pages", syscall(SYS_mlock2, b, 2 * 4096 + 1, 0));
    SHOW("shared pages present", present(b, 8));
    SHOW("VmLck kB now", vmlck_kb() - base);
    SHOW("munlock", munlock(a, 8 * 4096));
    SHOW("munlock shared", munlock(b, 8 * 4096));
    SHOW("VmLck kB after munlock", vmlck_kb() - base);
    munmap(a + 4 * 4096, 4096);
    SHOW("lock over a hole", syscall(SYS_mlock2, a, 8 * 4096, 0));
    SHOW("lock over a hole onfault", syscall(SYS_mlock2, a, 8 * 4096, 1));
    return 0;
}
