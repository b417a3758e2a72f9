/*
 * inotify.c - inotify compared with Linux: the exact event sequence (wd, mask,
 * cookie pairing, name) of a scripted series of file operations under a
 * directory watch and a watch on a file (create, open, write, read, close,
 * chmod, chown, utimes, link, rename, unlink, mkdir, rmdir, IN_DELETE_SELF and
 * IN_IGNORED), merging of identical events, IN_ONESHOT, IN_MASK_ADD,
 * IN_MASK_CREATE, IN_ONLYDIR, rm_watch, the too-small buffer, FIONREAD, poll,
 * and the errors of the four calls. Runs in $T_TMPDIR (tmpfs or a disk fs).
 */
#include "t.h"
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <utime.h>

static unsigned last_cookie;

/* Read and print every queued event; cookies print as "same"/"new"/0. */
static void drain(const char *what, int fd)
{
    char buf[8192] __attribute__((aligned(8)));
    printf("-- %s\n", what);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            printf("read: -1 %s\n", t_errname(errno));
            return;
        }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (void *)p;
            const char *ck = "0";
            if (e->cookie) {
                ck = e->cookie == last_cookie ? "same" : "new";
                last_cookie = e->cookie;
            }
            printf("wd=%d mask=%#x cookie=%s len=%u name=%s\n", e->wd, e->mask, ck, e->len,
                   e->len ? e->name : "");
            p += sizeof *e + e->len;
        }
    }
}

int main(void)
{
    const char *t = getenv("T_TMPDIR");
    snprintf(t_dir, sizeof t_dir, "%s/pynix-inotify-%d", t && *t ? t : "/tmp", (int)getpid());
    mkdir(t_dir, 0755);
    char buf[256];

    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    SHOW("inotify_init1", fd >= 0);
    SHOW("cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    SHOW("nonblock", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    SHOW("read empty", read(fd, buf, sizeof buf));
    int dw = inotify_add_watch(fd, t_dir, IN_ALL_EVENTS);
    SHOW("dir wd", dw);

    int f = open(P("a"), O_CREAT | O_WRONLY, 0644);
    t_write_all(f, "xy", 2);
    t_write_all(f, "z", 1);
    close(f);
    drain("create, two writes (merged), close", fd);

    int fw = inotify_add_watch(fd, P("a"), IN_ALL_EVENTS);
    SHOW("file wd", fw);
    SHOW("same inode, same wd", inotify_add_watch(fd, P("a"), IN_ALL_EVENTS) == fw);
    f = open(P("a"), O_RDONLY);
    SHOW("read", read(f, buf, sizeof buf));
    close(f);
    drain("open, read, close on a file watched twice", fd);

    chmod(P("a"), 0600);
    SHOW("chown", chown(P("a"), getuid(), getgid()));
    utime(P("a"), NULL);
    truncate(P("a"), 1);
    drain("chmod, chown, utime, truncate", fd);

    link(P("a"), P("b"));
    rename(P("b"), P("c"));
    unlink(P("c"));
    drain("link, rename, unlink of one of two names", fd);

    mkdir(P("sub"), 0755);
    int sw = inotify_add_watch(fd, P("sub"), IN_ALL_EVENTS | IN_ONLYDIR);
    SHOW("sub wd", sw);
    rename(P("a"), P("sub/a"));
    rename(P("sub/a"), P("a"));
    drain("rename across directories", fd);
    rename(P("sub"), P("sub2"));
    rename(P("sub2"), P("sub"));
    drain("rename of a watched directory", fd);

    int ic = ioctl(fd, FIONREAD, &ic) < 0 ? -1 : ic;
    SHOW("FIONREAD empty", ic);
    unlink(P("a"));
    ioctl(fd, FIONREAD, &ic);
    SHOW("FIONREAD after unlink", ic);
    struct pollfd pfd = {fd, POLLIN, 0};
    SHOW("poll", poll(&pfd, 1, 0));
    SHOW("revents", pfd.revents);
    SHOW("read 1 byte", read(fd, buf, 1));
    drain("unlink of the last name: DELETE_SELF, IGNORED", fd);
    SHOW("rm_watch gone wd", inotify_rm_watch(fd, fw));

    rmdir(P("sub"));
    drain("rmdir of a watched directory", fd);

    f = open(P("one"), O_CREAT | O_RDWR, 0644);
    int ow = inotify_add_watch(fd, P("one"), IN_MODIFY | IN_ONESHOT);
    SHOW("oneshot wd", ow);
    SHOW("mask add", inotify_add_watch(fd, P("one"), IN_ATTRIB | IN_MASK_ADD) == ow);
    SHOW("mask create", inotify_add_watch(fd, P("one"), IN_ATTRIB | IN_MASK_CREATE));
    SHOW("mask add+create", inotify_add_watch(fd, P("one"), IN_ATTRIB | IN_MASK_CREATE | IN_MASK_ADD));
    SHOW("onlydir on file", inotify_add_watch(fd, P("one"), IN_ATTRIB | IN_ONLYDIR));
    SHOW("no events", inotify_add_watch(fd, P("one"), IN_ONLYDIR));
    t_write_all(f, "1", 1);
    t_write_all(f, "2", 1);
    close(f);
    drain("oneshot write, then more", fd);
    unlink(P("one"));
    drain("unlink", fd);

    SHOW("rm_watch dir", inotify_rm_watch(fd, dw));
    SHOW("rm_watch again", inotify_rm_watch(fd, dw));
    drain("after rm_watch", fd);
    SHOW("add missing", inotify_add_watch(fd, P("missing"), IN_ALL_EVENTS));
    SHOW("add on non-inotify fd", inotify_add_watch(0, t_dir, IN_ALL_EVENTS));
    SHOW("add on bad fd", inotify_add_watch(99, t_dir, IN_ALL_EVENTS));
    SHOW("rm on non-inotify fd", inotify_rm_watch(0, 1));
    SHOW("init1 bad flags", inotify_init1(1));
    close(fd);
    SHOW("scratch directory removed", rmdir(t_dir));
    return t_failures;
}
