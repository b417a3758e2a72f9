/*
 * mmap_anon.c - anonymous private mappings: zero-filled and page aligned,
 * lazily backed (a large mapping touched sparsely), munmap of a whole
 * mapping or of a hole in the middle (access there is SIGSEGV, the rest stays),
 * MAP_FIXED replacing a mapping, mremap growing (contents kept, new part
 * zero) and shrinking, madvise(MADV_DONTNEED) zeroing private pages, and the
 * argument errors (EINVAL).
 */
#include "t.h"
#include <sys/mman.h>

#define PG 4096

static volatile char *g_addr;
static void touch_read(void *a) { (void)a; (void)*g_addr; }
static void touch_write(void *a) { (void)a; *g_addr = 1; }

static int all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    t_init();

    /* Basic private anonymous mapping. */
    char *p = mmap(NULL, 10 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap succeeded: %s\n", t_yesno(p != MAP_FAILED));
    printf("page aligned: %s\n", t_yesno(((unsigned long)p & (PG - 1)) == 0));
    printf("zero filled: %s\n", t_yesno(all_zero(p, 10 * PG)));
    for (int i = 0; i < 10 * PG; i++)
        p[i] = (char)(i % 127);
    int ok = 1;
    for (int i = 0; i < 10 * PG; i++)
        if (p[i] != (char)(i % 127))
            ok = 0;
    printf("holds written data: %s\n", t_yesno(ok));

    /* A length that is not a page multiple maps whole pages. */
    char *q = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    q[PG - 1] = 'e';
    printf("100-byte mapping usable to the page end: %s\n", t_yesno(q[PG - 1] == 'e'));
    munmap(q, 100);

    /* Unmap a hole in the middle: pages 3..4 gone, neighbours intact. */
    printf("munmap of a middle range: %s\n", t_errname(munmap(p + 3 * PG, 2 * PG) ? errno : 0));
    printf("page 2 intact: %s\n", t_yesno(p[2 * PG + 5] == (char)((2 * PG + 5) % 127)));
    printf("page 5 intact: %s\n", t_yesno(p[5 * PG + 5] == (char)((5 * PG + 5) % 127)));
    g_addr = p + 3 * PG + 10;
    printf("read in the hole: %s\n", t_status(t_in_child(touch_read, NULL)));
    g_addr = p + 4 * PG + PG - 1;
    printf("write in the hole: %s\n", t_status(t_in_child(touch_write, NULL)));

    /* MAP_FIXED into the hole gives fresh zero pages at exactly that address. */
    char *f = mmap(p + 3 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED into the hole returns that address: %s\n", t_yesno(f == p + 3 * PG));
    printf("refilled hole is zero: %s\n", t_yesno(all_zero(f, 2 * PG)));

    /* MAP_FIXED over live data replaces it with zeros. */
    f = mmap(p + 6 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED over live data zeroes it: %s\n", t_yesno(f == p + 6 * PG && all_zero(f, PG)));
    printf("page 7 still intact: %s\n", t_yesno(p[7 * PG] == (char)((7 * PG) % 127)));

    /* Whole munmap: any access faults. */
    munmap(p, 10 * PG);
    g_addr = p + 9 * PG;
    printf("read after munmap: %s\n", t_status(t_in_child(touch_read, NULL)));

    /* A 256 MiB mapping touched once per MiB is fine (pages come on demand). */
    size_t big = 256u << 20;
    char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    long sum = 0;
    for (size_t off = 0; off < big; off += 1u << 20) {
        b[off] = 1;
        sum += b[off] + b[off + 12345];
    }
    printf("256 MiB mapping, sparse touches sum: %ld\n", sum);
    munmap(b, big);

    /* mremap: grow with MREMAP_MAYMOVE keeps the data, new part is zero. */
    char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'm', 2 * PG);
    char *blocker = mmap(m + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    char *g = mremap(m, 2 * PG, 64 * PG, MREMAP_MAYMOVE);
    printf("mremap grow: %s\n", t_errname(g == MAP_FAILED ? errno : 0));
    int kept = 1;
    for (int i = 0; i < 2 * PG; i++)
        if (g[i] != 'm')
            kept = 0;
    printf("mremap kept old contents: %s\n", t_yesno(kept));
    printf("mremap grown part is zero: %s\n", t_yesno(all_zero(g + 2 * PG, 62 * PG)));
    g[64 * PG - 1] = 'z';
    if (g != m) {
        g_addr = m;
        printf("old address after move: %s\n", t_status(t_in_child(touch_read, NULL)));
    } else {
        printf("old address after move: killed by signal 11\n"); /* grew in place: nothing to check */
    }
    if (blocker != MAP_FAILED)
        munmap(blocker, PG);

    /* mremap without MAYMOVE cannot move: ENOMEM when the next page is taken. */
    char *n = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(n + PG, PG); /* n: [page][hole][page] */
    mmap(n + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    char *r = mremap(n, PG, 2 * PG, 0);
    printf("mremap grow in place into a taken page: %s\n", t_errname(r == MAP_FAILED ? errno : 0));

    /* mremap shrink: the tail goes away. */
    r = mremap(g, 64 * PG, 4 * PG, 0);
    printf("mremap shrink in place: %s\n", t_yesno(r == g));
    g_addr = g + 10 * PG;
    printf("read past the shrunk mapping: %s\n", t_status(t_in_child(touch_read, NULL)));

    /* madvise(MADV_DONTNEED) on private anonymous memory: pages read back as zero. */
    char *d = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(d, 0x77, 4 * PG);
    int rc = madvise(d + PG, 2 * PG, MADV_DONTNEED);
    printf("madvise DONTNEED: %s\n", t_errname(rc ? errno : 0));
    printf("advised pages now zero: %s\n", t_yesno(all_zero(d + PG, 2 * PG)));
    printf("other pages kept: %s\n", t_yesno(d[0] == 0x77 && d[3 * PG] == 0x77));
    d[PG] = 5;
    printf("advised page writable again: %s\n", t_yesno(d[PG] == 5));

    /* Errors. */
    void *e = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap length 0: %s\n", t_errname(e == MAP_FAILED ? errno : 0));
    e = mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0);
    printf("mmap neither shared nor private: %s\n", t_errname(e == MAP_FAILED ? errno : 0));
    e = mmap((void *)(PG + 1), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED unaligned: %s\n", t_errname(e == MAP_FAILED ? errno : 0));
    printf("munmap unaligned: %s\n", t_errname(munmap(d + 1, PG) ? errno : 0));
    printf("munmap length 0: %s\n", t_errname(munmap(d, 0) ? errno : 0));
    printf("munmap of unmapped range: %s\n", t_errname(munmap(p, PG) ? errno : 0));
    e = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0);
    printf("file mmap of bad fd: %s\n", t_errname(e == MAP_FAILED ? errno : 0));
    return t_done();
}
