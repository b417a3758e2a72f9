/*
 * chattr.c - inode flags on a file and a directory the test makes: FS_IOC_GETFLAGS /
 * FS_IOC_SETFLAGS (immutable, append-only, nodump, noatime), FS_IOC_FSGETXATTR's view,
 * statx's STATX_ATTR_IMMUTABLE / APPEND / NODUMP, and what immutable and append-only
 * forbid (EPERM): open for writing (append-only: without O_APPEND, or with O_TRUNC),
 * truncate, unlink, rename, link, chmod, utimes, setxattr, creating in an immutable
 * directory; a caller without CAP_LINUX_IMMUTABLE cannot set or clear them. Runs in
 * $T_TMPDIR (tmpfs or a disk fs). Needs root.
 */
#include "t.h"
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <sys/prctl.h>

#define FS_IOC_GETFLAGS 0x80086601
#define FS_IOC_SETFLAGS 0x40086602
#define FS_IOC_FSGETXATTR 0x801C581F
#define FS_IMMUTABLE_FL 0x10
#define FS_APPEND_FL 0x20
#define FS_NODUMP_FL 0x40
#define FS_NOATIME_FL 0x80
#define SHOWN (FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL | FS_NOATIME_FL)
#define STATX_ATTR_IMMUTABLE 0x10
#define STATX_ATTR_APPEND 0x20
#define STATX_ATTR_NODUMP 0x40

struct fsx { uint32_t xflags, extsize, nextents, projid, cowextsize; char pad[8]; };
struct stx {
    uint32_t mask, blksize; uint64_t attributes; uint32_t nlink, uid, gid; uint16_t mode, pad;
    uint64_t ino, size, blocks, attributes_mask; char rest[192];
};

static int getflags(const char *path)
{
    int fd = open(path, O_RDONLY), fl = -1;
    if (ioctl(fd, FS_IOC_GETFLAGS, &fl) < 0)
        fl = -errno;
    close(fd);
    return fl < 0 ? fl : fl & SHOWN;
}

static int setflags(const char *path, int fl)
{
    int fd = open(path, O_RDONLY), old = 0;
    ioctl(fd, FS_IOC_GETFLAGS, &old);
    fl |= old & ~SHOWN;
    int r = ioctl(fd, FS_IOC_SETFLAGS, &fl);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

static void attrs(const char *path)
{
    struct stx s;
    memset(&s, 0, sizeof s);
    syscall(SYS_statx, AT_FDCWD, path, 0, 0x7ff, &s);
    uint64_t m = STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP;
    printf("statx attributes %#llx mask %#llx\n", (unsigned long long)(s.attributes & m),
           (unsigned long long)(s.attributes_mask & m));
}

static void forbidden(const char *f)
{
    SHOW("open O_WRONLY", open(f, O_WRONLY));
    SHOW("open O_WRONLY|O_APPEND", open(f, O_WRONLY | O_APPEND));
    SHOW("open O_RDONLY|O_TRUNC", open(f, O_RDONLY | O_TRUNC));
    SHOW("truncate", truncate(f, 0));
    SHOW("unlink", unlink(f));
    SHOW("rename", rename(f, P("moved")));
    SHOW("link", link(f, P("hard")));
    SHOW("chmod", chmod(f, 0600));
    SHOW("utimes", utimes(f, NULL));
    SHOW("setxattr", setxattr(f, "user.x", "1", 1, 0));
}

int main(void)
{
    t_init();
    const char *t = getenv("T_TMPDIR");
    snprintf(t_dir, sizeof t_dir, "%s/pynix-chattr-%d", t && *t ? t : "/tmp", (int)getpid());
    mkdir(t_dir, 0755);
    static char f[256], d[256];             /* P()'s ring is reused: keep our own copies */
    snprintf(f, sizeof f, "%s", P("file"));
    snprintf(d, sizeof d, "%s", P("dir"));
    int fd = open(f, O_CREAT | O_WRONLY, 0644);
    write(fd, "data\n", 5);
    close(fd);
    mkdir(d, 0755);

    printf("flags at first: %d\n", getflags(f));
    attrs(f);
    SHOW("set nodump|noatime", setflags(f, FS_NODUMP_FL | FS_NOATIME_FL));
    printf("flags: %#x\n", getflags(f));
    attrs(f);
    SHOW("set immutable", setflags(f, FS_IMMUTABLE_FL));
    printf("flags: %#x\n", getflags(f));
    attrs(f);
    struct fsx x;
    fd = open(f, O_RDONLY);
    SHOW("FSGETXATTR", ioctl(fd, FS_IOC_FSGETXATTR, &x));
    printf("xflags immutable: %s\n", t_yesno(x.xflags & 0x8));
    close(fd);
    forbidden(f);
    SHOW("set append", setflags(f, FS_APPEND_FL));
    attrs(f);
    forbidden(f);
    fd = open(f, O_WRONLY | O_APPEND);
    SHOW("append write", write(fd, "more\n", 5));
    close(fd);
    SHOW("clear", setflags(f, 0));
    SHOW("truncate after clear", truncate(f, 2));

    SHOW("dir immutable", setflags(d, FS_IMMUTABLE_FL));
    SHOW("create in immutable dir", open(P("dir/new"), O_CREAT | O_WRONLY, 0644));
    SHOW("mkdir in immutable dir", mkdir(P("dir/sub"), 0755));
    SHOW("dir append", setflags(d, FS_APPEND_FL));
    fd = open(P("dir/new"), O_CREAT | O_WRONLY, 0644);
    printf("create in append-only dir: %s\n", t_yesno(fd >= 0));
    close(fd);
    SHOW("unlink in append-only dir", unlink(P("dir/new")));
    SHOW("dir clear", setflags(d, 0));
    printf("new file flags: %#x\n", getflags(P("dir/new")));
    SHOW("unlink after clear", unlink(P("dir/new")));

    if (fork() == 0) {                      /* without CAP_LINUX_IMMUTABLE (9) */
        prctl(PR_CAPBSET_DROP, 9, 0, 0, 0);
        struct { uint32_t v, pid; } hdr = {0x20080522, 0};
        struct { uint32_t eff, perm, inh; } data[2];
        syscall(SYS_capget, &hdr, data);
        data[0].eff &= ~(1u << 9);
        data[0].perm &= ~(1u << 9);
        syscall(SYS_capset, &hdr, data);
        SHOW("set immutable without the capability", setflags(f, FS_IMMUTABLE_FL));
        SHOW("set nodump without the capability", setflags(f, FS_NODUMP_FL));
        _exit(0);
    }
    wait(NULL);
    setflags(f, 0);
    unlink(f);
    rmdir(d);
    SHOW("scratch directory removed", rmdir(t_dir));
    return t_done();
}
