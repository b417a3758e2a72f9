/*
 * mount_tmpfs.c - mount(2) and umount2(2) on a directory under /tmp: a tmpfs
 * appears (statfs f_type, /proc/self/mounts, its own empty root), hides what
 * was below and gives it back at umount; EBUSY while in use, EINVAL for a
 * non-mountpoint, ENODEV for an unknown type, EPERM for a non-root caller;
 * remount read-only gives EROFS; a bind mount shows the same files.
 * Needs root (as the test suite runs).
 */
#include "t.h"
#include <sys/mount.h>
#include <sys/statfs.h>

#define TMPFS_MAGIC 0x01021994

static char dir[64], sub[96], file[96];

static int mounts_lists(const char *target)
{
    static char buf[16384];
    int fd = open("/proc/self/mounts", O_RDONLY), n = 0, r;
    while (fd >= 0 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    char needle[128];
    snprintf(needle, sizeof needle, " %s tmpfs ", target);
    return strstr(buf, needle) != NULL;
}

static long ftype(const char *path)
{
    struct statfs s;
    return statfs(path, &s) == 0 ? (long)s.f_type : -1;
}

static int err_of(int r) { return r == 0 ? 0 : errno; }

int main(void)
{
    t_init();
    snprintf(dir, sizeof dir, "/tmp/pynix-mnt-%d", (int)getpid());
    snprintf(sub, sizeof sub, "%s/below", dir);
    snprintf(file, sizeof file, "%s/inside", dir);
    mkdir(dir, 0755);
    mkdir(sub, 0755);
    long before = ftype(dir);

    printf("mount: %s\n", t_errname(err_of(mount("none", dir, "tmpfs", 0, "size=1m,mode=700"))));
    t_check("f_type is tmpfs", ftype(dir) == TMPFS_MAGIC, NULL);
    t_check("listed in /proc/self/mounts", mounts_lists(dir), NULL);
    struct stat st;
    t_check("old contents hidden", stat(sub, &st) < 0 && errno == ENOENT, NULL);
    t_check("root mode from options", stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, NULL);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    t_check("create inside", fd >= 0 && write(fd, "x", 1) == 1, NULL);
    printf("umount with open file: %s\n", t_errname(err_of(umount(dir))));
    close(fd);
    chdir(dir);
    printf("umount with cwd inside: %s\n", t_errname(err_of(umount(dir))));
    chdir("/");
    printf("umount non-mountpoint: %s\n", t_errname(err_of(umount(file))));
    printf("unknown type: %s\n", t_errname(err_of(mount("none", "/mnt", "nosuchfs", 0, NULL))));

    printf("remount ro: %s\n", t_errname(err_of(mount("none", dir, NULL, MS_REMOUNT | MS_RDONLY, NULL))));
    errno = 0;
    printf("write after ro: %s\n", t_errname(open(file, O_WRONLY) < 0 ? errno : 0));
    mount("none", dir, NULL, MS_REMOUNT, NULL);

    char bind[96];
    snprintf(bind, sizeof bind, "%s-bind", dir);
    mkdir(bind, 0755);
    printf("bind: %s\n", t_errname(err_of(mount(dir, bind, NULL, MS_BIND, NULL))));
    snprintf(sub, sizeof sub, "%s/inside", bind);
    t_check("bind shows the file", stat(sub, &st) == 0 && st.st_size == 1, NULL);
    printf("umount bind: %s\n", t_errname(err_of(umount(bind))));
    rmdir(bind);

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setuid(65534);
        printf("non-root mount: %s\n", t_errname(err_of(mount("none", "/mnt", "tmpfs", 0, NULL))));
        printf("non-root umount: %s\n", t_errname(err_of(umount(dir))));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);

    printf("umount: %s\n", t_errname(err_of(umount(dir))));
    t_check("f_type restored", ftype(dir) == before, NULL);
    t_check("not listed any more", !mounts_lists(dir), NULL);
    snprintf(sub, sizeof sub, "%s/below", dir);
    t_check("old contents back", stat(sub, &st) == 0 && S_ISDIR(st.st_mode), NULL);
    printf("umount again: %s\n", t_errname(err_of(umount(dir))));
    rmdir(sub);
    rmdir(dir);
    return t_done();
}
