/*
 * fscalls.c - file calls compared with Linux: preadv2/pwritev2 with their RWF_*
 * flags (offset -1 = the file position, RWF_APPEND / RWF_NOAPPEND against
 * O_APPEND, RWF_NOWAIT on an empty pipe, unknown flags), readahead's errors,
 * and the old utime/utimes/futimesat calls. Runs in $T_TMPDIR.
 */
#include "t.h"
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <utime.h>

#define RWF_HIPRI 1
#define RWF_DSYNC 2
#define RWF_SYNC 4
#define RWF_NOWAIT 8
#define RWF_APPEND 0x10
#define RWF_NOAPPEND 0x20

static long preadv2_(int fd, struct iovec *v, int n, long off, int flags)
{
    return syscall(SYS_preadv2, fd, v, n, off, 0L, flags);
}

static long pwritev2_(int fd, struct iovec *v, int n, long off, int flags)
{
    return syscall(SYS_pwritev2, fd, v, n, off, 0L, flags);
}

static void show_file(const char *what, int fd)
{
    char buf[64] = {0};
    long n = pread(fd, buf, sizeof buf - 1, 0);
    printf("%s: %ld \"%s\" pos %ld\n", what, n, buf, (long)lseek(fd, 0, SEEK_CUR));
}

static void rwv2(void)
{
    char a[4] = "abc", b[4] = "DEF", r1[3], r2[4];
    struct iovec w[2] = {{a, 3}, {b, 3}}, rv[2] = {{r1, 2}, {r2, 3}};
    int fd = open(P("rw"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    SHOW("pwritev2 off 0", pwritev2_(fd, w, 2, 0, 0));
    show_file("after", fd);
    SHOW("pwritev2 off -1", pwritev2_(fd, w, 1, -1, RWF_DSYNC));
    show_file("after -1", fd);
    SHOW("pwritev2 RWF_APPEND at 1", pwritev2_(fd, w + 1, 1, 1, RWF_APPEND | RWF_SYNC));
    show_file("after append", fd);
    SHOW("pwritev2 RWF_APPEND at -1", pwritev2_(fd, w, 1, -1, RWF_APPEND));
    show_file("after append -1", fd);
    SHOW("preadv2 off 1", preadv2_(fd, rv, 2, 1, RWF_HIPRI));
    printf("read: %.2s %.3s\n", r1, r2);
    lseek(fd, 2, SEEK_SET);
    SHOW("preadv2 off -1", preadv2_(fd, rv, 2, -1, 0));
    printf("read: %.2s %.3s pos %ld\n", r1, r2, (long)lseek(fd, 0, SEEK_CUR));
    SHOW("preadv2 NOWAIT file", preadv2_(fd, rv, 1, 0, RWF_NOWAIT));
    SHOW("preadv2 flag 1<<30", preadv2_(fd, rv, 1, 0, 1 << 30));
    SHOW("pwritev2 flag -1", pwritev2_(fd, w, 1, 0, -1));
    SHOW("preadv2 bad count", preadv2_(fd, rv, -1, 0, 0));
    close(fd);

    fd = open(P("rw"), O_RDWR | O_APPEND);
    SHOW("O_APPEND pwritev2 at 0", pwritev2_(fd, w, 1, 0, 0));
    show_file("after", fd);
    SHOW("O_APPEND RWF_NOAPPEND at 0", pwritev2_(fd, w + 1, 1, 0, RWF_NOAPPEND));
    show_file("after", fd);
    SHOW("preadv2 O_APPEND", preadv2_(fd, rv, 2, 0, 0));
    close(fd);
    fd = open(P("rw"), O_WRONLY);
    SHOW("preadv2 write-only", preadv2_(fd, rv, 1, 0, 0));
    close(fd);

    int p[2];
    pipe(p);
    SHOW("preadv2 NOWAIT empty pipe -1", preadv2_(p[0], rv, 2, -1, RWF_NOWAIT));
    SHOW("preadv2 pipe at 0", preadv2_(p[0], rv, 2, 0, 0));
    SHOW("pwritev2 pipe -1", pwritev2_(p[1], w, 2, -1, RWF_NOWAIT));
    SHOW("preadv2 NOWAIT pipe -1", preadv2_(p[0], rv, 2, -1, RWF_NOWAIT));
    printf("read: %.2s %.3s\n", r1, r2);
    close(p[0]);
    close(p[1]);
    int d = open(t_dir, O_RDONLY | O_DIRECTORY);
    SHOW("preadv2 dir", preadv2_(d, rv, 1, 0, 0));
    close(d);
}

static void readahead_(void)
{
    int fd = open(P("rw"), O_RDWR | O_CREAT, 0644);
    SHOW("readahead file", syscall(SYS_readahead, fd, 0L, 4096L));
    SHOW("readahead past end", syscall(SYS_readahead, fd, 1L << 40, 4096L));
    close(fd);
    fd = open(P("rw"), O_WRONLY);
    SHOW("readahead write-only", syscall(SYS_readahead, fd, 0L, 4096L));
    close(fd);
    SHOW("readahead closed fd", syscall(SYS_readahead, fd, 0L, 4096L));
    int p[2];
    pipe(p);
    SHOW("readahead pipe", syscall(SYS_readahead, p[0], 0L, 4096L));
    close(p[0]);
    close(p[1]);
    fd = open(t_dir, O_RDONLY | O_DIRECTORY);
    SHOW("readahead dir", syscall(SYS_readahead, fd, 0L, 4096L));
    close(fd);
    fd = open("/dev/null", O_RDONLY);
    SHOW("readahead /dev/null", syscall(SYS_readahead, fd, 0L, 4096L));
    close(fd);
}

static void show_times(const char *what, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        printf("%s: stat %s\n", what, t_errname(errno));
        return;
    }
    printf("%s: atime %ld.%09ld mtime %ld.%09ld\n", what, (long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void old_utimes(void)
{
    int fd = open(P("rw"), O_RDWR | O_CREAT, 0644);
    struct utimbuf ub = {1000000000, 1100000000};
    SHOW("utime", syscall(SYS_utime, P("rw"), &ub));
    show_times("after utime", P("rw"));
    struct timeval tv[2] = {{1200000000, 123456}, {1300000000, 654321}};
    SHOW("utimes", syscall(SYS_utimes, P("rw"), tv));
    show_times("after utimes", P("rw"));
    int d = open(t_dir, O_RDONLY | O_DIRECTORY);
    tv[0].tv_sec = 1400000000;
    SHOW("futimesat dirfd", syscall(SYS_futimesat, d, "rw", tv));
    show_times("after futimesat", P("rw"));
    tv[1].tv_sec = 1500000000;
    SHOW("futimesat NULL path on fd", syscall(SYS_futimesat, fd, NULL, tv));
    show_times("after futimesat fd", P("rw"));
    SHOW("utimes NULL path", syscall(SYS_utimes, NULL, tv));
    SHOW("utime NULL path", syscall(SYS_utime, NULL, &ub));
    SHOW("utimensat AT_FDCWD NULL", syscall(SYS_utimensat, AT_FDCWD, NULL, NULL, 0));
    SHOW("utimensat fd NULL", syscall(SYS_utimensat, fd, NULL, NULL, 0));
    SHOW("futimesat file as dirfd", syscall(SYS_futimesat, fd, "rw", tv));
    SHOW("utimes missing", syscall(SYS_utimes, P("nope"), tv));
    tv[0].tv_usec = 1000000;
    SHOW("utimes usec 1000000", syscall(SYS_utimes, P("rw"), tv));
    tv[0].tv_usec = -1;
    SHOW("utimes usec -1", syscall(SYS_utimes, P("rw"), tv));
    SHOW("utimes bad pointer", syscall(SYS_utimes, P("rw"), (void *)8));
    SHOW("utime bad pointer", syscall(SYS_utime, P("rw"), (void *)8));
    SHOW("utime now", syscall(SYS_utime, P("rw"), NULL));
    struct stat st;
    stat(P("rw"), &st);
    printf("now is recent: %s\n", t_yesno(st.st_mtime > 1600000000));
    close(fd);
    close(d);
}

struct old_dirent {
    unsigned long d_ino, d_off;
    unsigned short d_reclen;
    char d_name[];
};

static int cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The old getdents and getdents64 list the same names with the same d_type and inode. */
static void dents(void)
{
    mkdir(P("dd"), 0755);
    mkdir(P("dd/sub"), 0755);
    close(open(P("dd/file"), O_CREAT | O_WRONLY, 0644));
    symlink("file", P("dd/link"));
    char buf[4096], names[2][8][80];
    for (int v = 0; v < 2; v++) {
        int fd = open(P("dd"), O_RDONLY | O_DIRECTORY), k = 0, bad = 0;
        long n, total = 0;
        while ((n = syscall(v ? SYS_getdents64 : SYS_getdents, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n && k < 8;) {
                struct old_dirent *d = (void *)(buf + off);
                unsigned short reclen = d->d_reclen;
                const char *name = v ? buf + off + 19 : d->d_name;
                unsigned char type = v ? (unsigned char)buf[off + 18] : (unsigned char)buf[off + reclen - 1];
                struct stat st;
                char path[200];
                snprintf(path, sizeof path, "%s/%s", P("dd"), name);
                lstat(path, &st);
                if (reclen % 8 || st.st_ino != d->d_ino)
                    bad++;
                snprintf(names[v][k++], 80, "%s type %u", name, type);
                off += reclen;
            }
            total += n;
        }
        qsort(names[v], k, 80, cmp);
        printf("%s: %d entries, bad records %d, end %ld\n", v ? "getdents64" : "getdents", k, bad, n);
        for (int i = 0; i < k; i++)
            printf("  %s\n", names[v][i]);
        close(fd);
    }
    int fd = open(P("dd"), O_RDONLY | O_DIRECTORY);
    SHOW("getdents 1-byte buffer", syscall(SYS_getdents, fd, buf, 1L));
    SHOW("getdents 24-byte buffer", syscall(SYS_getdents, fd, buf, 24L));
    SHOW("getdents bad buffer", syscall(SYS_getdents, fd, (void *)8, 4096L));
    close(fd);
    SHOW("getdents closed fd", syscall(SYS_getdents, fd, buf, 4096L));
    fd = open(P("dd/file"), O_RDONLY);
    SHOW("getdents file", syscall(SYS_getdents, fd, buf, 4096L));
    close(fd);
    fd = open(P("dd/sub"), O_RDONLY | O_DIRECTORY);
    rmdir(P("dd/sub"));
    SHOW("getdents removed dir", syscall(SYS_getdents, fd, buf, 4096L));
    SHOW("getdents64 removed dir", syscall(SYS_getdents64, fd, buf, 4096L));
    close(fd);
    unlink(P("dd/file"));
    unlink(P("dd/link"));
    rmdir(P("dd"));
}

struct how { unsigned long long flags, mode, resolve; };

static long openat2_(int dfd, const char *path, unsigned long long flags, unsigned long long mode,
                     unsigned long long resolve)
{
    struct how h = {flags, mode, resolve};
    long fd = syscall(SYS_openat2, dfd, path, &h, sizeof h);
    if (fd >= 0)
        close(fd);
    return fd >= 0 ? 0 : fd;
}

/* openat2's checks and its RESOLVE_* scoping, with symlinks and .. escaping a directory. */
static void openat2s(void)
{
    mkdir(P("top"), 0755);
    mkdir(P("top/in"), 0755);
    close(open(P("top/in/f"), O_CREAT | O_WRONLY, 0644));
    close(open(P("top/outside"), O_CREAT | O_WRONLY, 0644));
    symlink("f", P("top/in/rel"));
    symlink("../outside", P("top/in/up"));
    symlink("/in/f", P("top/in/abs"));
    symlink("../../../../../../in/f", P("top/in/deep"));
    int d = open(P("top/in"), O_RDONLY | O_DIRECTORY), top = open(P("top"), O_RDONLY | O_DIRECTORY);
    const struct { const char *what; int dfd; const char *path; unsigned long long resolve; } c[] = {
        {"plain", d, "f", 0}, {"rel link", d, "rel", 0}, {"up link", d, "up", 0},
        {"NO_SYMLINKS rel", d, "rel", 0x04}, {"NO_SYMLINKS file", d, "f", 0x04},
        {"BENEATH f", d, "f", 0x08}, {"BENEATH ..", d, "../outside", 0x08},
        {"BENEATH in/../in/f", top, "in/../in/f", 0x08}, {"BENEATH up link", d, "up", 0x08},
        {"BENEATH abs", d, "/etc/passwd", 0x08}, {"BENEATH abs link", top, "in/abs", 0x08},
        {"IN_ROOT abs link", top, "in/abs", 0x10}, {"IN_ROOT deep ..", top, "in/deep", 0x10},
        {"IN_ROOT ../..", d, "../../in/f", 0x10}, {"IN_ROOT /f", d, "/f", 0x10},
        {"NO_XDEV /proc", AT_FDCWD, "/proc/version", 0x01}, {"NO_XDEV f", d, "f", 0x01},
        {"NO_MAGICLINKS exe", AT_FDCWD, "/proc/self/exe", 0x02},
        {"BENEATH magic", AT_FDCWD, "/proc/self/exe", 0x08},
        {"CACHED f", d, "f", 0x20},
    };
    for (unsigned i = 0; i < sizeof c / sizeof c[0]; i++) {
        printf("openat2 %s: ", c[i].what);
        SHOW("", openat2_(c[i].dfd, c[i].path, O_RDONLY, 0, c[i].resolve));
    }
    SHOW("openat2 CACHED creat", openat2_(d, "new", O_CREAT | O_RDWR, 0600, 0x20));
    SHOW("openat2 BENEATH|IN_ROOT", openat2_(d, "f", O_RDONLY, 0, 0x18));
    SHOW("openat2 unknown resolve", openat2_(d, "f", O_RDONLY, 0, 0x40));
    SHOW("openat2 unknown flag", openat2_(d, "f", O_RDONLY | (1ULL << 40), 0, 0));
    SHOW("openat2 mode without O_CREAT", openat2_(d, "f", O_RDONLY, 0644, 0));
    SHOW("openat2 mode 010000", openat2_(d, "g", O_CREAT | O_RDWR, 010000, 0));
    SHOW("openat2 O_PATH|O_RDWR", openat2_(d, "f", O_PATH | O_RDWR, 0, 0));
    SHOW("openat2 creat in scope", openat2_(d, "g", O_CREAT | O_RDWR, 0600, 0x08));
    struct { struct how h; unsigned long long more; } big = {{O_RDONLY, 0, 0}, 0};
    SHOW("openat2 size 32 zero tail", syscall(SYS_openat2, d, "f", &big, sizeof big) >= 0);
    big.more = 1;
    SHOW("openat2 size 32 tail 1", syscall(SYS_openat2, d, "f", &big, sizeof big));
    SHOW("openat2 size 16", syscall(SYS_openat2, d, "f", &big, 16L));
    SHOW("openat2 size 8192", syscall(SYS_openat2, d, "f", &big, 8192L));
    close(d);
    close(top);
    const char *names[] = {"top/in/f", "top/in/g", "top/in/rel", "top/in/up", "top/in/abs",
                           "top/in/deep", "top/outside", NULL};
    for (int i = 0; names[i]; i++)
        unlink(P(names[i]));
    rmdir(P("top/in"));
    rmdir(P("top"));
}

int main(void)
{
    const char *t = getenv("T_TMPDIR");
    t_init();
    snprintf(t_dir, sizeof t_dir, "%s/pynix-fscalls-%d", t && *t ? t : "/tmp", (int)getpid());
    mkdir(t_dir, 0755);
    rwv2();
    readahead_();
    old_utimes();
    dents();
    openat2s();
    const char *names[] = {"rw", NULL};
    for (int i = 0; names[i]; i++)
        unlink(P(names[i]));
    rmdir(t_dir);
    return t_done();
}
