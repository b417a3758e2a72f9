/*
 * mount_ns.c - mount namespaces and propagation, as Linux has them.
 * unshare(CLONE_NEWNS) as root gives a copy of the mount tree (a mount made
 * after it is not seen outside, the parent's mounts stay); a non-root caller
 * gets EPERM. Inside, on a tmpfs under /tmp: MS_SHARED gives a "shared:N"
 * field in /proc/self/mountinfo, a bind of a shared mount is a peer (same N),
 * a mount under one peer appears under the other, MS_SLAVE gives "master:N"
 * and receives but does not send, MS_PRIVATE clears the fields, MS_UNBINDABLE
 * shows "unbindable" and refuses a bind (EINVAL); umount propagates to peers.
 * statx gives STATX_MNT_ID(_UNIQUE) and STATX_ATTR_MOUNT_ROOT.
 * Needs root (as the test suite runs).
 */
#include "t.h"
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x2000
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000
#endif

static char base[64], a[96], b[96], c[96], asub[128], bsub[128], csub[128];

/* struct statx as the kernel lays it out (musl has no copy) */
struct kstatx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad0;
    uint64_t ino, size, blocks, attributes_mask;
    uint64_t times[8];
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t mnt_id;
    uint64_t spare[13];
};

static int err_of(int r) { return r == 0 ? 0 : errno; }

/* the optional fields of the mountinfo line whose mount point is path */
static const char *fields(const char *path, char *out, size_t n)
{
    static char buf[65536];
    int fd = open("/proc/self/mountinfo", O_RDONLY), len = 0, r;
    while (fd >= 0 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += r;
    close(fd);
    buf[len] = 0;
    snprintf(out, n, "(none)");
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char mp[256];
        int off = 0;
        if (sscanf(line, "%*d %*d %*d:%*d %*s %255s %*s%n", mp, &off) != 1)
            continue;
        if (strcmp(mp, path))
            continue;
        char *dash = strstr(line + off, " - ");
        if (dash)
            *dash = 0;
        snprintf(out, n, "%s", line[off] ? line + off + 1 : "");
    }
    return out;
}

static int group_of(const char *path, const char *key)
{
    char f[256];
    fields(path, f, sizeof f);
    char *p = strstr(f, key);
    return p ? atoi(p + strlen(key)) : -1;
}

static unsigned long long mnt_id(const char *path, unsigned mask, unsigned *attrs)
{
    struct kstatx sx;
    memset(&sx, 0, sizeof sx);
    if (syscall(SYS_statx, AT_FDCWD, path, 0, mask, &sx))
        return 0;
    if (attrs)
        *attrs = (sx.attributes_mask & STATX_ATTR_MOUNT_ROOT) ?
                 (unsigned)(sx.attributes & STATX_ATTR_MOUNT_ROOT) : 0xffffffff;
    return (sx.mask & mask) ? sx.mnt_id : 0;
}

static int is_mountpoint(const char *path, const char *parent)
{
    return mnt_id(path, STATX_MNT_ID, NULL) != mnt_id(parent, STATX_MNT_ID, NULL);
}

int main(void)
{
    t_init();
    snprintf(base, sizeof base, "/tmp/pynix-mntns-%d", (int)getpid());
    snprintf(a, sizeof a, "%s/a", base);
    snprintf(b, sizeof b, "%s/b", base);
    snprintf(c, sizeof c, "%s/c", base);
    snprintf(asub, sizeof asub, "%s/sub", a);
    snprintf(bsub, sizeof bsub, "%s/sub", b);
    snprintf(csub, sizeof csub, "%s/sub", c);
    mkdir(base, 0755);

    pid_t pid = fork();
    if (pid == 0) {
        setuid(65534);
        printf("unshare as nobody: %s\n", t_errname(err_of(unshare(CLONE_NEWNS))));
        _exit(0);
    }
    waitpid(pid, NULL, 0);

    printf("unshare(CLONE_NEWNS): %s\n", t_errname(err_of(unshare(CLONE_NEWNS))));
    printf("make / rprivate: %s\n",
           t_errname(err_of(mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))));
    printf("mount tmpfs: %s\n", t_errname(err_of(mount("none", base, "tmpfs", 0, "size=1m"))));
    mkdir(a, 0755); mkdir(b, 0755); mkdir(c, 0755);
    t_check("private tmpfs has no fields", !strcmp(fields(base, (char[256]){0}, 256), ""), NULL);
    unsigned attrs = 0;
    unsigned long long id = mnt_id(base, STATX_MNT_ID, &attrs);
    t_check("STATX_MNT_ID given", id != 0, NULL);
    t_check("STATX_ATTR_MOUNT_ROOT on the root", attrs == STATX_ATTR_MOUNT_ROOT, NULL);
    mnt_id(a, STATX_MNT_ID, &attrs);
    t_check("no STATX_ATTR_MOUNT_ROOT below it", attrs == 0, NULL);
    unsigned long long uid = mnt_id(base, STATX_MNT_ID_UNIQUE, NULL);
    t_check("unique id above 2^31", uid > (1ULL << 31), NULL);

    printf("bind a a: %s\n", t_errname(err_of(mount(a, a, NULL, MS_BIND, NULL))));
    printf("make a shared: %s\n", t_errname(err_of(mount("none", a, NULL, MS_SHARED, NULL))));
    printf("two types at once: %s\n",
           t_errname(err_of(mount("none", a, NULL, MS_SHARED | MS_PRIVATE, NULL))));
    int g = group_of(a, "shared:");
    t_check("a is shared", g > 0, NULL);
    printf("bind a b: %s\n", t_errname(err_of(mount(a, b, NULL, MS_BIND, NULL))));
    t_check("b is a peer of a", group_of(b, "shared:") == g, NULL);
    printf("mount under a: %s\n", t_errname(err_of(mkdir(asub, 0755))));
    printf("mount tmpfs a/sub: %s\n",
           t_errname(err_of(mount("none", asub, "tmpfs", 0, "size=1m"))));
    t_check("it propagated to b/sub", is_mountpoint(bsub, b), NULL);
    t_check("the copy is shared too", group_of(bsub, "shared:") == group_of(asub, "shared:"), NULL);
    printf("umount b/sub: %s\n", t_errname(err_of(umount(bsub))));
    t_check("umount propagated to a/sub", !is_mountpoint(asub, a), NULL);

    printf("make b slave: %s\n", t_errname(err_of(mount("none", b, NULL, MS_SLAVE, NULL))));
    t_check("b is a slave of a's group", group_of(b, "master:") == g, NULL);
    t_check("b is not shared", group_of(b, "shared:") == -1, NULL);
    printf("mount tmpfs a/sub again: %s\n",
           t_errname(err_of(mount("none", asub, "tmpfs", 0, "size=1m"))));
    t_check("the slave received it", is_mountpoint(bsub, b), NULL);
    printf("umount b/sub: %s\n", t_errname(err_of(umount(bsub))));
    t_check("the master kept its own", is_mountpoint(asub, a), NULL);
    printf("umount a/sub: %s\n", t_errname(err_of(umount(asub))));

    printf("make b private: %s\n", t_errname(err_of(mount("none", b, NULL, MS_PRIVATE, NULL))));
    t_check("private has no fields", !strcmp(fields(b, (char[256]){0}, 256), ""), NULL);
    printf("make b unbindable: %s\n",
           t_errname(err_of(mount("none", b, NULL, MS_UNBINDABLE, NULL))));
    char f[256];
    printf("b fields: %s\n", fields(b, f, sizeof f));
    printf("bind unbindable: %s\n", t_errname(err_of(mount(b, c, NULL, MS_BIND, NULL))));

    umount(b);
    umount(a);
    umount(base);
    rmdir(base);
    return t_done();
}
