/*
 * procfiles.c - the /proc files LTP reads: smaps and smaps_rollup (field
 * names, Rss/Locked of touched private pages), pagemap (present and
 * exclusive bits after touching pages, EINVAL for unaligned reads),
 * /proc/self/io (counter deltas after reading and writing N bytes), the
 * ns/ links and their ioctls, oom_score_adj writes and errnos.
 */
#include "t.h"
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

static char buf[1 << 17];

static int slurp(const char *path)
{
    return t_slurp(path, buf, sizeof buf);
}

/* The value of "key:" within text starting at s, or -1. */
static long field(const char *s, const char *key)
{
    const char *p = strstr(s, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void smaps(void)
{
    char *p = mmap(0, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    p[3 * 4096] = 1;
    p[7 * 4096] = 1;
    SHOW("mlock last page", mlock(p + 7 * 4096, 4096));
    SHOW("read smaps", slurp("/proc/self/smaps") > 0);
    char key[32];
    snprintf(key, sizeof key, "%lx-", (unsigned long)p);
    char *s = strstr(buf, key);
    t_check("area listed", s != NULL, "no %s", key);
    if (!s)
        return;
    char *end = strstr(s, "VmFlags:");
    end = end ? strchr(end, '\n') : NULL;
    if (end)
        end[1] = 0;
    /* the field names, in order, with the value columns */
    const char *names[] = {"Size:", "KernelPageSize:", "MMUPageSize:", "Rss:", "Pss:",
        "Pss_Dirty:", "Shared_Clean:", "Shared_Dirty:", "Private_Clean:", "Private_Dirty:",
        "Referenced:", "Anonymous:", "KSM:", "LazyFree:", "AnonHugePages:", "ShmemPmdMapped:",
        "FilePmdMapped:", "Shared_Hugetlb:", "Private_Hugetlb:", "Swap:", "SwapPss:", "Locked:",
        "THPeligible:", "VmFlags:"};
    char *line = strchr(s, '\n') + 1;
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
        int ok = strncmp(line, names[i], strlen(names[i])) == 0;
        printf("%s %s column %ld\n", names[i], ok ? "in place" : "MISSING",
               ok && i + 1 < sizeof names / sizeof *names
               ? (long)(strpbrk(line + strlen(names[i]), "0123456789") - line) : -1L);
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    printf("Size %ld Rss %ld Private_Dirty %ld Anonymous %ld Locked %ld\n", field(s, "Size:"),
           field(s, "Rss:"), field(s, "Private_Dirty:"), field(s, "Anonymous:"),
           field(s, "Locked:"));
    /* the locked page is its own area */
    snprintf(key, sizeof key, "%lx-", (unsigned long)(p + 7 * 4096));
    slurp("/proc/self/smaps");
    s = strstr(buf, key);
    if (s)
        printf("locked area Size %ld Rss %ld Locked %ld\n", field(s, "Size:"),
               field(s, "Rss:"), field(s, "Locked:"));
    SHOW("read smaps_rollup", slurp("/proc/self/smaps_rollup") > 0);
    printf("rollup header %s\n", t_yesno(strstr(buf, "[rollup]\n") != NULL));
    printf("rollup Pss_Anon %s\n", t_yesno(strstr(buf, "\nPss_Anon:") != NULL));
    printf("rollup Rss >= 12 %s\n", t_yesno(field(buf, "Rss:") >= 12));
    munmap(p, 8 * 4096);
}

static void pagemap(void)
{
    char *p = mmap(0, 6 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    p[2 * 4096] = 1;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    SHOW("open pagemap", fd >= 0);
    uint64_t e[6];
    SHOW("pread 6 entries", pread(fd, e, sizeof e, (uintptr_t)p / 4096 * 8));
    for (int i = 0; i < 6; i++)
        printf("page %d present %d exclusive %d file %d swap %d\n", i, (int)(e[i] >> 63),
               (int)(e[i] >> 56 & 1), (int)(e[i] >> 61 & 1), (int)(e[i] >> 62 & 1));
    SHOW("unaligned offset", pread(fd, e, 8, 4));
    SHOW("unaligned size", pread(fd, e, 12, 0));
    SHOW("unmapped page", pread(fd, e, 8, 8) == 8 && e[0] == 0);
    pid_t pid = t_fork();
    if (pid == 0) {                   /* after fork the pages are shared: not exclusive */
        pread(fd, e, 8, (uintptr_t)p / 4096 * 8);
        printf("child sees page 0 present %d exclusive %d\n", (int)(e[0] >> 63),
               (int)(e[0] >> 56 & 1));
        _exit(0);
    }
    t_wait(pid);
    close(fd);
    munmap(p, 6 * 4096);
}

struct ioac {
    long rchar, wchar, syscr, syscw;
};

static struct ioac read_io(const char *path)
{
    struct ioac a = {-1, -1, -1, -1};
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return a;
    char t[512];
    int n = read(fd, t, sizeof t - 1);
    close(fd);
    t[n > 0 ? n : 0] = 0;
    a.rchar = field(t, "rchar:");
    a.wchar = field(t, "wchar:");
    a.syscr = field(t, "syscr:");
    a.syscw = field(t, "syscw:");
    return a;
}

static void io(void)
{
    SHOW("read /proc/self/io", slurp("/proc/self/io") > 0);
    const char *names[] = {"rchar:", "wchar:", "syscr:", "syscw:", "read_bytes:",
                           "write_bytes:", "cancelled_write_bytes:"};
    char *line = buf;
    for (unsigned i = 0; i < 7 && line; i++) {
        printf("io line %u %s\n", i, strncmp(line, names[i], strlen(names[i])) ? "wrong" : names[i]);
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    int fd = open("/dev/zero", O_RDONLY);
    int out = open("/dev/null", O_WRONLY);
    static char big[10000];
    struct ioac a = read_io("/proc/self/io");
    read(fd, big, 10000);
    pread(fd, big, 300, 0);
    write(out, big, 777);
    read(fd, big, 0);
    struct ioac b = read_io("/proc/self/io");
    /* the read of /proc/self/io itself counts in b: subtract nothing, print deltas */
    printf("syscr delta %ld syscw delta %ld wchar delta %ld\n", b.syscr - a.syscr,
           b.syscw - a.syscw, b.wchar - a.wchar);
    printf("rchar delta >= 10300 %s\n", t_yesno(b.rchar - a.rchar >= 10300));
    pid_t pid = t_fork();
    if (pid == 0) {
        write(out, big, 5000);
        _exit(0);
    }
    struct ioac c = read_io("/proc/self/io");
    t_wait(pid);
    struct ioac d = read_io("/proc/self/io");
    printf("reaped child's wchar folded in %ld\n", d.wchar - c.wchar);
    close(fd);
    close(out);
}

#define NS_GET_USERNS 0xb701
#define NS_GET_PARENT 0xb702
#define NS_GET_NSTYPE 0xb703
#define NS_GET_OWNER_UID 0xb704

/* Each /proc/self/ns link: its text's prefix, the inode it names, and the ioctls. */
static void ns_links(void)
{
    const char *names[] = {"net", "uts", "ipc", "pid", "pid_for_children", "user", "mnt",
                           "cgroup", "time", "time_for_children"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
        char path[64], link[64], fdl[64], fdt[64];
        snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
        int r = readlink(path, link, sizeof link - 1);
        link[r > 0 ? r : 0] = 0;
        char *br = strchr(link, '[');
        struct stat st;
        int s = stat(path, &st);
        int fd = open(path, O_RDONLY);
        snprintf(fdl, sizeof fdl, "/proc/self/fd/%d", fd);
        r = readlink(fdl, fdt, sizeof fdt - 1);
        fdt[r > 0 ? r : 0] = 0;
        printf("%s: %.*s st_ino matches %s regular %s fd link same %s type %#x\n", names[i],
               br ? (int)(br - link + 1) : 0, link,
               t_yesno(s == 0 && br && st.st_ino == strtoul(br + 1, NULL, 10)),
               t_yesno(S_ISREG(st.st_mode)), t_yesno(strcmp(link, fdt) == 0),
               ioctl(fd, NS_GET_NSTYPE));
        errno = 0;
        int u = ioctl(fd, NS_GET_USERNS);
        if (u >= 0) {
            snprintf(fdl, sizeof fdl, "/proc/self/fd/%d", u);
            r = readlink(fdl, fdt, sizeof fdt - 1);
            fdt[r > 0 ? r : 0] = 0;
            printf("  NS_GET_USERNS %.5s cloexec %d\n", fdt, fcntl(u, F_GETFD));
            close(u);
        } else {
            printf("  NS_GET_USERNS -1 %s\n", t_errname(errno));
        }
        SHOW("  NS_GET_PARENT", ioctl(fd, NS_GET_PARENT));
        unsigned uid = 99;
        SHOW("  NS_GET_OWNER_UID", ioctl(fd, NS_GET_OWNER_UID, &uid));
        printf("  owner uid %u\n", uid);
        char b[8];
        SHOW("  read", read(fd, b, sizeof b));
        SHOW("  unknown ioctl", ioctl(fd, 0xb799));
        close(fd);
    }
}

static void write_file(const char *name, const char *path, const char *text)
{
    errno = 0;
    int fd = open(path, O_WRONLY);
    long r = fd < 0 ? -1 : write(fd, text, strlen(text));
    t_show(name, r);
    if (fd >= 0)
        close(fd);
}

static void show_file(const char *name, const char *path)
{
    slurp(path);
    printf("%s: %s", name, buf);
}

static void grandchild_oom(void *arg)
{
    (void)arg;
    show_file("grandchild inherits oom_score_adj", "/proc/self/oom_score_adj");
}

/* Without CAP_SYS_RESOURCE (a non-root uid; dumpable again so /proc/self is its own):
 * raising is free, lowering stops at oom_score_adj_min (0), oom_adj stops at the current. */
static void child_oom(void *arg)
{
    (void)arg;
    if (setuid(65534) != 0 || prctl(PR_SET_DUMPABLE, 1) != 0) {
        printf("setuid/dumpable failed: %s\n", t_errname(errno));
        return;
    }
    write_file("write 0x10", "/proc/self/oom_score_adj", "0x10");
    show_file("after 0x10", "/proc/self/oom_score_adj");
    write_file("lower to 8 (above min)", "/proc/self/oom_score_adj", "8\n");
    show_file("after 8", "/proc/self/oom_score_adj");
    write_file("lower to -1 (below min)", "/proc/self/oom_score_adj", "-1");
    write_file("oom_adj 16", "/proc/self/oom_adj", "16");
    write_file("oom_adj 15", "/proc/self/oom_adj", "15");
    show_file("oom_score_adj after oom_adj 15", "/proc/self/oom_score_adj");
    write_file("oom_adj -8", "/proc/self/oom_adj", "-8");
    write_file("write 500", "/proc/self/oom_score_adj", "500");
    show_file("oom_adj at 500", "/proc/self/oom_adj");
    t_in_child(grandchild_oom, NULL);
}

static void oom(void)
{
    show_file("oom_score_adj", "/proc/self/oom_score_adj");
    show_file("oom_adj", "/proc/self/oom_adj");
    slurp("/proc/self/oom_score");
    long score = strtol(buf, NULL, 10);
    printf("oom_score in 0..2000 %s\n", t_yesno(score >= 0 && score <= 2000));
    write_file("write 1001", "/proc/self/oom_score_adj", "1001");
    write_file("write -1001", "/proc/self/oom_score_adj", "-1001");
    write_file("write junk", "/proc/self/oom_score_adj", "12x");
    write_file("write empty", "/proc/self/oom_score_adj", "\n");
    t_in_child(child_oom, NULL);
    show_file("parent unchanged", "/proc/self/oom_score_adj");
}

/* drop_caches: write-only for root, 1..4; a file's data reads back the same after it. */
static void drop_caches(void)
{
    SHOW("open drop_caches for reading", open("/proc/sys/vm/drop_caches", O_RDONLY));
    write_file("drop_caches 0", "/proc/sys/vm/drop_caches", "0");
    write_file("drop_caches 100", "/proc/sys/vm/drop_caches", "100");
    const char *path = t_tmp("dropc");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    t_write_all(fd, "cached bytes", 12);
    char *m = mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0);
    printf("mapped reads %.6s\n", m);
    munmap(m, 4096);
    fsync(fd);
    write_file("drop_caches 3", "/proc/sys/vm/drop_caches", "3\n");
    write_file("drop_caches 1", "/proc/sys/vm/drop_caches", "1");
    write_file("drop_caches 4", "/proc/sys/vm/drop_caches", "4");
    char b[16] = {0};
    SHOW("pread after drop", pread(fd, b, 12, 0));
    printf("data %s\n", b);
    close(fd);
    unlink(path);
    pid_t pid = t_fork();
    if (pid == 0) {
        if (setuid(65534) == 0)
            write_file("unprivileged drop_caches", "/proc/sys/vm/drop_caches", "1");
        _exit(0);
    }
    t_wait(pid);
}

static uint64_t page_flags(uint64_t pfn)
{
    uint64_t f = 0;
    int fd = open("/proc/kpageflags", O_RDONLY);
    pread(fd, &f, 8, pfn * 8);
    close(fd);
    return f;
}

/* kpageflags: a shared file page written through a mapping is dirty until msync. */
static void kpageflags(void)
{
    const char *path = t_tmp("kpf");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 4096);
    char *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m[0] = 'x';
    int pm = open("/proc/self/pagemap", O_RDONLY);
    uint64_t e = 0;
    pread(pm, &e, 8, (uintptr_t)m / 4096 * 8);
    close(pm);
    uint64_t pfn = e & ((1ULL << 55) - 1);
    printf("root sees the pfn %s\n", t_yesno(pfn != 0));
    uint64_t f = page_flags(pfn);
    printf("written: dirty %d mmap %d anon %d\n", (int)(f >> 4 & 1), (int)(f >> 11 & 1),
           (int)(f >> 12 & 1));
    msync(m, 4096, MS_SYNC);
    printf("after msync: dirty %d\n", (int)(page_flags(pfn) >> 4 & 1));
    munmap(m, 4096);
    close(fd);
    unlink(path);
}

int main(void)
{
    t_init();
    smaps();
    pagemap();
    io();
    ns_links();
    oom();
    drop_caches();
    kpageflags();
    return t_done();
}
