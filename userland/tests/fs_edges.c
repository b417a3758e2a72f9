/*
 * fs_edges.c - file-system call edge cases, compared with Linux.
 *
 * Each line is a call and what it returned ("-1 ENOENT", "0", a value), for
 * cases a sweep found pynix getting wrong: O_CREAT through a dangling symlink
 * or onto a directory, pwrite under O_APPEND, ftruncate on a read-only fd,
 * renameat2 (EXCHANGE, NOREPLACE, "." as EBUSY), fstatat/faccessat/utimensat
 * flag checks, readlinkat(fd, ""), lseek/pwrite past loff_t, read's range
 * check before it blocks, O_PATH fcntl, RLIMIT_FSIZE, relatime access times,
 * UTIME_OMIT, a removed cwd, " (deleted)" in /proc/self/fd, and O_TMPFILE
 * files named later by linkat. Only facts that are the same on ext2, ext4 and
 * tmpfs are printed (no directory sizes, block counts or holes). Runs in
 * $T_TMPDIR.
 */
#include "t.h"
#include <limits.h>
#include <sys/syscall.h>


static int later(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static void nap(void)
{
    struct timespec t = {0, 20 * 1000 * 1000};
    nanosleep(&t, NULL);
}

static struct stat st_of(const char *path)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    lstat(path, &st);
    return st;
}

static void opens(void)
{
    char buf[64];
    int fd;

    SHOW("symlink to missing target", symlink("target", P("dangling")));
    fd = open(P("dangling"), O_CREAT | O_WRONLY, 0644);
    SHOW("O_CREAT through dangling symlink", fd >= 0 ? 0 : -1);
    close(fd);
    SHOW("target now exists", access(P("target"), F_OK));
    SHOW("O_CREAT|O_EXCL on the symlink", open(P("dangling"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    SHOW("O_CREAT|O_NOFOLLOW on the symlink", open(P("dangling"), O_CREAT | O_NOFOLLOW | O_WRONLY, 0644));
    SHOW("O_CREAT on a directory, O_RDONLY", open(t_dir, O_CREAT | O_RDONLY, 0644));
    SHOW("O_CREAT|O_DIRECTORY", open(P("newdir"), O_CREAT | O_DIRECTORY | O_RDONLY, 0644));
    SHOW("... created nothing", access(P("newdir"), F_OK));

    fd = open(P("app"), O_CREAT | O_RDWR | O_APPEND, 0644);
    write(fd, "hello", 5);
    SHOW("pwrite at 0 under O_APPEND", pwrite(fd, "XY", 2, 0));
    SHOW("offset unchanged by pwrite", lseek(fd, 0, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    pread(fd, buf, sizeof buf - 1, 0);
    printf("content: %s\n", buf);
    close(fd);
    fd = open(P("app"), O_RDONLY | O_TRUNC);
    SHOW("O_TRUNC with O_RDONLY truncates, size", lseek(fd, 0, SEEK_END));
    SHOW("ftruncate on O_RDONLY fd", ftruncate(fd, 0));
    SHOW("lseek to the loff_t limit + more", lseek(fd, LLONG_MAX, SEEK_SET) >= 0 ? lseek(fd, 1, SEEK_CUR) : -2);
    close(fd);
    fd = open(P("app"), O_WRONLY);
    SHOW("pwrite ending past loff_t", pwrite(fd, "a", 2, LLONG_MAX - 1));
    close(fd);
    int pfd[2];
    pipe(pfd);
    SHOW("read with a count past user space", read(pfd[0], buf, (size_t)-1));
    close(pfd[0]);
    close(pfd[1]);
    fd = open(P("app"), O_PATH);
    SHOW("O_PATH F_GETFL is O_PATH", fcntl(fd, F_GETFL) == O_PATH);
    SHOW("O_PATH F_SETFL", fcntl(fd, F_SETFL, O_NONBLOCK));
    close(fd);
    fd = open(P("app"), O_RDWR | O_TRUNC);
    SHOW("F_GETFL drops O_TRUNC", fcntl(fd, F_GETFL) & O_TRUNC);
    close(fd);
}

static void renames(void)
{
    struct stat st;
    char buf[64];
    int fd;

    mkdir(P("d1"), 0755);
    close(open(P("d1/inside"), O_CREAT | O_WRONLY, 0644));
    close(open(P("f1"), O_CREAT | O_WRONLY, 0644));
    SHOW("rename d1/. away", rename(P("d1/."), P("x")));
    SHOW("rename onto d1/..", rename(P("f1"), P("d1/..")));
    SHOW("RENAME_EXCHANGE file and dir",
         syscall(SYS_renameat2, AT_FDCWD, P("f1"), AT_FDCWD, P("d1"), 2));
    SHOW("f1 is now the directory", stat(P("f1/inside"), &st));
    SHOW("d1 is now the file", S_ISREG(st_of(P("d1")).st_mode));
    SHOW("RENAME_EXCHANGE with a missing name",
         syscall(SYS_renameat2, AT_FDCWD, P("f1"), AT_FDCWD, P("nothing"), 2));
    SHOW("RENAME_EXCHANGE|RENAME_NOREPLACE",
         syscall(SYS_renameat2, AT_FDCWD, P("f1"), AT_FDCWD, P("d1"), 3));
    SHOW("RENAME_NOREPLACE onto an existing name",
         syscall(SYS_renameat2, AT_FDCWD, P("f1"), AT_FDCWD, P("d1"), 1));
    SHOW("fstatat with an unknown flag", fstatat(AT_FDCWD, P("d1"), &st, 0x4));
    SHOW("faccessat with an unknown flag", faccessat(AT_FDCWD, P("d1"), F_OK, 0x1));
    symlink("d1", P("link"));
    fd = open(P("link"), O_PATH | O_NOFOLLOW);
    memset(buf, 0, sizeof buf);
    SHOW("readlinkat(O_PATH symlink fd, \"\")", readlinkat(fd, "", buf, sizeof buf));
    printf("link text: %s\n", buf);
    close(fd);
    fd = open(P("d1"), O_RDONLY);
    SHOW("readlinkat(regular fd, \"\")", readlinkat(fd, "", buf, sizeof buf));
    close(fd);
}

static void creates(void)
{
    struct stat st;

    umask(022);
    SHOW("mkdir with mode 07777", mkdir(P("modes"), 07777));
    stat(P("modes"), &st);
    printf("directory mode %o\n", st.st_mode);
    close(open(P("plainfile"), O_CREAT | O_WRONLY, 0644));
    SHOW("link to a new name ending in /", link(P("plainfile"), P("newlink/")));
    SHOW("symlink at a new name ending in /", symlink("plainfile", P("newsym/")));
    SHOW("mknod at a new name ending in /", mknod(P("newnode/"), S_IFIFO | 0644, 0));
    SHOW("symlink onto an existing name ending in /", symlink("plainfile", P("modes/")));
    SHOW("linkat with an unknown flag", linkat(AT_FDCWD, P("plainfile"), AT_FDCWD, P("l2"), 0x1));
    unlink(P("plainfile"));
    rmdir(P("modes"));
}

static void times(void)
{
    struct timespec ts[2];
    struct stat a, b;
    char c;
    int fd = open(P("t"), O_CREAT | O_RDWR, 0644);

    write(fd, "abc", 3);
    a = st_of(P("t"));
    nap();
    write(fd, "", 0);
    b = st_of(P("t"));
    printf("empty write moves mtime: %s\n", t_yesno(later(b.st_mtim, a.st_mtim)));
    ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
    nap();
    SHOW("utimensat both UTIME_OMIT", utimensat(AT_FDCWD, P("t"), ts, 0));
    b = st_of(P("t"));
    printf("... moves ctime: %s\n", t_yesno(later(b.st_ctim, a.st_ctim)));
    SHOW("utimensat with an unknown flag", utimensat(AT_FDCWD, P("t"), NULL, 0x1));
    ts[0].tv_sec = 1;
    ts[0].tv_nsec = 0;
    ts[1].tv_sec = 100;
    ts[1].tv_nsec = 0;
    utimensat(AT_FDCWD, P("t"), ts, 0);
    SHOW("pread", pread(fd, &c, 1, 0));
    b = st_of(P("t"));
    printf("read after atime <= mtime moves atime (relatime): %s\n", t_yesno(b.st_atim.tv_sec > 100));
    close(fd);
}

static void fsize_child(void *arg)
{
    char out[512] = "", line[96];
    static char data[1000];
    struct rlimit lim = {1000, RLIM_INFINITY}, inf = {RLIM_INFINITY, RLIM_INFINITY};
    int fd = open(P("fsize"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    long r[5];
    int e[5];
    (void)arg;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    errno = 0; r[0] = write(fd, data, 800); e[0] = errno;
    errno = 0; r[1] = write(fd, data, 800); e[1] = errno;
    errno = 0; r[2] = write(fd, data, 1); e[2] = errno;
    errno = 0; r[3] = ftruncate(fd, 5000); e[3] = errno;
    errno = 0; r[4] = pwrite(fd, data, 10, 995); e[4] = errno;
    setrlimit(RLIMIT_FSIZE, &inf);   /* before printing: stdout may be a file */
    for (int i = 0; i < 5; i++) {
        snprintf(line, sizeof line, "fsize step %d: %ld %s\n", i, r[i], r[i] < 0 ? t_errname(e[i]) : "");
        strcat(out, line);
    }
    fputs(out, stdout);
    signal(SIGXFSZ, SIG_DFL);
    setrlimit(RLIMIT_FSIZE, &lim);
    lseek(fd, 0, SEEK_END);
    write(fd, data, 1);              /* SIGXFSZ kills */
    _exit(0);
}

static void removed_cwd(void)
{
    char buf[PATH_MAX];
    int keep;

    mkdir(P("gone"), 0755);
    chdir(P("gone"));
    rmdir(P("gone"));
    SHOW("getcwd in a removed directory", syscall(SYS_getcwd, buf, sizeof buf));
    SHOW("create in a removed directory", open("new", O_CREAT | O_WRONLY, 0644));
    SHOW("mkdir in a removed directory", mkdir("sub", 0755));
    chdir("/");
    keep = open(P("doomed"), O_CREAT | O_WRONLY, 0644);
    unlink(P("doomed"));
    snprintf(buf, sizeof buf, "/proc/self/fd/%d", keep);
    char link[PATH_MAX];
    ssize_t n = readlink(buf, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    printf("unlinked file's fd link ends in \" (deleted)\": %s\n",
           t_yesno(n > 10 && strcmp(link + n - 10, " (deleted)") == 0));
    close(keep);
}

static void tmpfiles(void)
{
    char path[64];
    struct stat st;
    int fd, excl, plain;

    SHOW("O_TMPFILE read-only", open(t_dir, O_TMPFILE | O_RDONLY, 0600));
    SHOW("O_TMPFILE on a file", open("/proc/self/exe", O_TMPFILE | O_RDWR, 0600));
    fd = open(t_dir, O_TMPFILE | O_RDWR, 0640);
    SHOW("O_TMPFILE", fd >= 0 ? 0 : -1);
    write(fd, "hello", 5);
    fstat(fd, &st);
    printf("tmpfile mode %o nlink %ld size %ld\n", st.st_mode, (long)st.st_nlink, (long)st.st_size);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    SHOW("link it into the directory", linkat(AT_FDCWD, path, AT_FDCWD, P("named"), AT_SYMLINK_FOLLOW));
    fstat(fd, &st);
    printf("nlink after linkat %ld\n", (long)st.st_nlink);
    excl = open(t_dir, O_TMPFILE | O_RDWR | O_EXCL, 0600);
    snprintf(path, sizeof path, "/proc/self/fd/%d", excl);
    SHOW("link an O_EXCL tmpfile", linkat(AT_FDCWD, path, AT_FDCWD, P("named2"), AT_SYMLINK_FOLLOW));
    plain = open(P("plain"), O_CREAT | O_RDWR, 0600);
    unlink(P("plain"));
    snprintf(path, sizeof path, "/proc/self/fd/%d", plain);
    SHOW("link an unlinked file back", linkat(AT_FDCWD, path, AT_FDCWD, P("named3"), AT_SYMLINK_FOLLOW));
    close(fd);
    close(excl);
    close(plain);
    unlink(P("named"));
}

int main(void)
{
    const char *t = getenv("T_TMPDIR");
    t_init();
    snprintf(t_dir, sizeof t_dir, "%s/pynix-fsedges-%d", t && *t ? t : "/tmp", (int)getpid());
    mkdir(t_dir, 0755);
    opens();
    renames();
    creates();
    times();
    printf("fsize child: %s\n", t_status(t_in_child(fsize_child, NULL)));
    removed_cwd();
    tmpfiles();
    /* clean up */
    const char *names[] = {"dangling", "target", "app", "d1/inside", "f1/inside", "d1", "link", "t", "fsize", NULL};
    for (int i = 0; names[i]; i++)
        unlink(P(names[i]));
    rmdir(P("f1"));
    rmdir(P("d1"));
    SHOW("scratch directory removed", rmdir(t_dir));
    return t_done();
}
