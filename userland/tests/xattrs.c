/*
 * xattrs.c - extended attributes, compared with Linux: set/get/list/remove and
 * their l* and f* forms, XATTR_CREATE/REPLACE, the size rules (0 asks for the
 * length, ERANGE, E2BIG), name checks (empty, too long, unknown prefix, bare
 * prefix), the name spaces (user.* only on files and directories, trusted.*
 * hidden from the unprivileged, security.* writable only with CAP_SYS_ADMIN,
 * security.capability's header), symlinks, FIFOs, pipes, O_PATH descriptors,
 * ctime, and Linux 6.13's *xattrat calls. Names are listed sorted (each
 * filesystem keeps its own order). Runs in $T_TMPDIR (tmpfs or a disk fs).
 */
#include "t.h"
#include <sys/syscall.h>
#include <sys/xattr.h>

#ifndef SYS_setxattrat            /* Linux 6.13; not in every libc's headers yet */
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif


static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the names listxattr gives, sorted, without security.* ones the host's LSM adds. */
static void show_list(const char *what, ssize_t n, char *buf)
{
    if (n < 0) {
        printf("%s: -1 %s\n", what, t_errname(errno));
        return;
    }
    char *names[64];
    int k = 0;
    for (char *p = buf; p < buf + n && k < 64; p += strlen(p) + 1)
        if (strcmp(p, "security.selinux") != 0)
            names[k++] = p;
    qsort(names, k, sizeof *names, cmp);
    printf("%s:", what);
    for (int i = 0; i < k; i++)
        printf(" %s", names[i]);
    printf("\n");
}

static void basics(void)
{
    const char *f = P("file");
    char buf[256];
    close(open(f, O_CREAT | O_WRONLY, 0644));
    SHOW("set user.a", setxattr(f, "user.a", "hello", 5, 0));
    SHOW("get size 0", getxattr(f, "user.a", NULL, 0));
    memset(buf, 0, sizeof buf);
    SHOW("get", getxattr(f, "user.a", buf, sizeof buf));
    printf("value: %s\n", buf);
    SHOW("get small buffer", getxattr(f, "user.a", buf, 2));
    SHOW("create existing", setxattr(f, "user.a", "x", 1, XATTR_CREATE));
    SHOW("replace missing", setxattr(f, "user.b", "x", 1, XATTR_REPLACE));
    SHOW("replace existing", setxattr(f, "user.a", "bye", 3, XATTR_REPLACE));
    memset(buf, 0, sizeof buf);
    SHOW("get replaced", getxattr(f, "user.a", buf, sizeof buf));
    printf("value: %s\n", buf);
    SHOW("bad flags", setxattr(f, "user.a", "x", 1, 4));
    SHOW("empty value", setxattr(f, "user.empty", "", 0, 0));
    SHOW("get empty", getxattr(f, "user.empty", buf, sizeof buf));
    SHOW("get missing", getxattr(f, "user.nope", buf, sizeof buf));
    SHOW("empty name", setxattr(f, "", "x", 1, 0));
    char longname[300];
    memset(longname, 'n', sizeof longname);
    memcpy(longname, "user.", 5);
    longname[256] = 0;
    SHOW("name of 256", setxattr(f, longname, "x", 1, 0));
    longname[255] = 0;
    SHOW("name of 255", setxattr(f, longname, "x", 1, 0));
    SHOW("get name of 255", getxattr(f, longname, buf, sizeof buf));
    SHOW("remove name of 255", removexattr(f, longname));
    SHOW("unknown prefix", setxattr(f, "bogus.a", "x", 1, 0));
    SHOW("get unknown prefix", getxattr(f, "bogus.a", buf, sizeof buf));
    SHOW("bare prefix", setxattr(f, "user.", "x", 1, 0));
    static char big[65537];
    SHOW("value too big", setxattr(f, "user.big", big, sizeof big, 0));
    SHOW("set trusted", setxattr(f, "trusted.t", "T", 1, 0));
    SHOW("set security", setxattr(f, "security.s", "S", 1, 0));
    SHOW("bad capability", setxattr(f, "security.capability", "abc", 3, 0));
    SHOW("list size 0", listxattr(f, NULL, 0));
    SHOW("list small", listxattr(f, buf, 3));
    show_list("list", listxattr(f, buf, sizeof buf), buf);
    SHOW("remove", removexattr(f, "user.empty"));
    SHOW("remove again", removexattr(f, "user.empty"));
    SHOW("remove trusted", removexattr(f, "trusted.t"));
    show_list("list after", listxattr(f, buf, sizeof buf), buf);
    SHOW("missing path, empty name", getxattr(P("nothere"), "", buf, sizeof buf));
    SHOW("missing path", getxattr(P("nothere"), "user.a", buf, sizeof buf));
    SHOW("list missing path", listxattr(P("nothere"), buf, sizeof buf));
}

static void kinds(void)
{
    char buf[256];
    const char *f = P("file"), *l = P("link"), *fifo = P("fifo"), *d = P("dir");
    symlink(f, l);
    SHOW("lset user on symlink", lsetxattr(l, "user.x", "1", 1, 0));
    SHOW("lget user on symlink", lgetxattr(l, "user.x", buf, sizeof buf));
    SHOW("get through symlink", getxattr(l, "user.a", buf, sizeof buf));
    SHOW("set through symlink", setxattr(l, "user.vialink", "1", 1, 0));
    SHOW("lset trusted on symlink", lsetxattr(l, "trusted.x", "1", 1, 0));
    show_list("llist symlink", llistxattr(l, buf, sizeof buf), buf);
    mkfifo(fifo, 0644);
    SHOW("set user on fifo", setxattr(fifo, "user.x", "1", 1, 0));
    SHOW("get user on fifo", getxattr(fifo, "user.x", buf, sizeof buf));
    mkdir(d, 01777);
    chmod(d, 01777);
    SHOW("set user on dir", setxattr(d, "user.d", "dd", 2, 0));
    show_list("list dir", listxattr(d, buf, sizeof buf), buf);
    int fd = open(f, O_RDONLY);
    SHOW("fset on read-only fd", fsetxattr(fd, "user.f", "f", 1, 0));
    SHOW("fget", fgetxattr(fd, "user.f", buf, sizeof buf));
    show_list("flist", flistxattr(fd, buf, sizeof buf), buf);
    SHOW("fremove", fremovexattr(fd, "user.f"));
    close(fd);
    fd = open(f, O_PATH);
    SHOW("fget on O_PATH", fgetxattr(fd, "user.a", buf, sizeof buf));
    SHOW("flist on O_PATH", flistxattr(fd, buf, sizeof buf));
    close(fd);
    SHOW("fget on bad fd", fgetxattr(99, "user.a", buf, sizeof buf));
    int p[2];
    pipe(p);
    SHOW("fget user on pipe", fgetxattr(p[0], "user.a", buf, sizeof buf));
    SHOW("fset user on pipe", fsetxattr(p[0], "user.a", "1", 1, 0));
    close(p[0]);
    close(p[1]);
    struct stat a, b;
    stat(f, &a);
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
    setxattr(f, "user.time", "1", 1, 0);
    stat(f, &b);
    printf("ctime moved by setxattr: %s\n",
           t_yesno(b.st_ctim.tv_sec != a.st_ctim.tv_sec || b.st_ctim.tv_nsec != a.st_ctim.tv_nsec));
}

static void unprivileged(void *arg)
{
    (void)arg;
    char buf[256];
    const char *f = P("file"), *d = P("dir");
    if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) {
        printf("setresuid failed\n");
        return;
    }
    SHOW("user get", getxattr(f, "user.a", buf, sizeof buf));
    SHOW("user set without write permission", setxattr(f, "user.a", "u", 1, 0));
    SHOW("user remove without write permission", removexattr(f, "user.a"));
    SHOW("user get trusted", getxattr(f, "trusted.t2", buf, sizeof buf));
    SHOW("user set trusted", setxattr(f, "trusted.u", "u", 1, 0));
    SHOW("user get security", getxattr(f, "security.s", buf, sizeof buf));
    SHOW("user set security", setxattr(f, "security.u", "u", 1, 0));
    show_list("user list", listxattr(f, buf, sizeof buf), buf);
    SHOW("user set in sticky dir of root", setxattr(d, "user.u", "u", 1, 0));
    const char *mine = P("dir/mine");
    close(open(mine, O_CREAT | O_WRONLY, 0600));
    SHOW("user set own file", setxattr(mine, "user.mine", "m", 1, 0));
    SHOW("user get own file", getxattr(mine, "user.mine", buf, sizeof buf));
    unlink(mine);
}

static void xattrat(void)
{
    struct { unsigned long long value; unsigned size, flags; } args = {0};
    char buf[64];
    int dfd = open(t_dir, O_RDONLY | O_DIRECTORY);
    args.value = (unsigned long)"at";
    args.size = 2;
    SHOW("setxattrat", syscall(SYS_setxattrat, dfd, "file", 0, "user.at", &args, sizeof args));
    args.value = (unsigned long)buf;
    args.size = sizeof buf;
    SHOW("getxattrat", syscall(SYS_getxattrat, dfd, "file", 0, "user.at", &args, sizeof args));
    SHOW("getxattrat short args", syscall(SYS_getxattrat, dfd, "file", 0, "user.at", &args, 8));
    args.flags = 1;
    SHOW("getxattrat with flags", syscall(SYS_getxattrat, dfd, "file", 0, "user.at", &args, sizeof args));
    SHOW("listxattrat bad at-flags", syscall(SYS_listxattrat, dfd, "file", 0x1, buf, sizeof buf));
    int fd = open(P("file"), O_RDONLY);
    SHOW("removexattrat empty path", syscall(SYS_removexattrat, fd, "", AT_EMPTY_PATH, "user.at"));
    close(fd);
    close(dfd);
}

int main(void)
{
    const char *t = getenv("T_TMPDIR");
    t_init();
    snprintf(t_dir, sizeof t_dir, "%s/pynix-xattrs-%d", t && *t ? t : "/tmp", (int)getpid());
    mkdir(t_dir, 0755);
    basics();
    kinds();
    setxattr(P("file"), "trusted.t2", "T", 1, 0);
    printf("unprivileged child: %s\n", t_status(t_in_child(unprivileged, NULL)));
    xattrat();
    const char *names[] = {"file", "link", "fifo", NULL};
    for (int i = 0; names[i]; i++)
        unlink(P(names[i]));
    rmdir(P("dir"));
    SHOW("scratch directory removed", rmdir(t_dir));
    return t_done();
}
