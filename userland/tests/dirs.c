/*
 * dirs.c - directories: mkdir/rmdir, getdents64 of a directory the program
 * fills (names sorted before printing; "." and ".." present; d_type right),
 * stat of directories (S_ISDIR, link count 2 + subdirectories), getcwd
 * after chdir/fchdir, relative paths resolved from the cwd, "..", symlinks
 * (readlink, lstat vs stat, a dangling link), rename of a directory, and the
 * errors EEXIST, ENOTEMPTY, ENOTDIR, ENOENT, ERANGE.
 */
#include "t.h"
#include <dirent.h>
#include <sys/syscall.h>

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* List a directory with the raw getdents64 syscall, sorted, with types. */
static void list(const char *label, const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    static char names[64][80];
    char *sorted[64];
    int count = 0;
    char buf[512]; /* small on purpose: several getdents64 calls */
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            const char *t = d->d_type == DT_DIR ? "dir" : d->d_type == DT_REG ? "file" : d->d_type == DT_LNK ? "link" : "other";
            if (count < 64) {
                snprintf(names[count], sizeof names[count], "%s(%s)", d->d_name, t);
                sorted[count] = names[count];
                count++;
            }
            off += d->d_reclen;
        }
    }
    close(fd);
    qsort(sorted, (size_t)count, sizeof sorted[0], cmp);
    printf("%s: %d entries:", label, count);
    for (int i = 0; i < count; i++)
        printf(" %s", sorted[i]);
    printf("\n");
}

int main(void)
{
    t_init();
    char base[128], p[256], cwd[512];
    snprintf(base, sizeof base, "%s", t_tmp("dirs"));

    printf("mkdir: %s\n", t_errname(mkdir(base, 0755) ? errno : 0));
    printf("mkdir again: %s\n", t_errname(mkdir(base, 0755) ? errno : 0));
    struct stat st;
    stat(base, &st);
    printf("is a directory: %s, nlink %ld\n", t_yesno(S_ISDIR(st.st_mode)), (long)st.st_nlink);

    /* Fill it: files, subdirectories, a symlink. */
    const char *files[] = {"zeta", "alpha", "Mid", "a.b", "long-name-with-dashes_and_underscores.txt"};
    for (unsigned i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", base, files[i]);
        close(open(p, O_WRONLY | O_CREAT, 0644));
    }
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/sub%d", base, i);
        mkdir(p, 0755);
    }
    snprintf(p, sizeof p, "%s/link", base);
    printf("symlink: %s\n", t_errname(symlink("alpha", p) ? errno : 0));
    stat(base, &st);
    printf("nlink with 3 subdirectories: %ld\n", (long)st.st_nlink);
    list("listing", base);

    /* Many entries: forces several getdents64 calls with the small buffer. */
    for (int i = 0; i < 40; i++) {
        snprintf(p, sizeof p, "%s/sub0/f%02d", base, i);
        close(open(p, O_WRONLY | O_CREAT, 0644));
    }
    snprintf(p, sizeof p, "%s/sub0", base);
    list("sub0", p);

    /* readdir through libc agrees on the count. */
    DIR *d = opendir(p);
    int count = 0;
    while (readdir(d))
        count++;
    closedir(d);
    printf("readdir count: %d\n", count);

    /* Symlinks. */
    snprintf(p, sizeof p, "%s/link", base);
    char target[64];
    ssize_t n = readlink(p, target, sizeof target);
    printf("readlink: %.*s\n", (int)n, target);
    struct stat lst;
    lstat(p, &lst);
    stat(p, &st);
    printf("lstat says link: %s, stat says file: %s\n", t_yesno(S_ISLNK(lst.st_mode)), t_yesno(S_ISREG(st.st_mode)));
    snprintf(p, sizeof p, "%s/dangling", base);
    symlink("no-such-target", p);
    printf("stat of dangling link: %s\n", t_errname(stat(p, &st) ? errno : 0));
    printf("lstat of dangling link: %s\n", t_errname(lstat(p, &st) ? errno : 0));
    printf("readlink of a file: %s\n", t_errname(readlink("/bin/busybox", target, sizeof target) < 0 ? errno : 0));
    unlink(p);

    /* getcwd / chdir / relative paths. */
    printf("chdir: %s\n", t_errname(chdir(base) ? errno : 0));
    printf("getcwd is the directory: %s\n", t_yesno(getcwd(cwd, sizeof cwd) && strcmp(cwd, base) == 0));
    printf("relative open: %s\n", t_errname(close(open("alpha", O_RDONLY)) ? errno : 0));
    chdir("sub1");
    getcwd(cwd, sizeof cwd);
    snprintf(p, sizeof p, "%s/sub1", base);
    printf("chdir into a subdirectory: %s\n", t_yesno(strcmp(cwd, p) == 0));
    chdir("..");
    getcwd(cwd, sizeof cwd);
    printf("chdir ..: %s\n", t_yesno(strcmp(cwd, base) == 0));
    chdir("./sub2/../sub1/.");
    getcwd(cwd, sizeof cwd);
    printf("chdir through . and ..: %s\n", t_yesno(strcmp(cwd, p) == 0));
    int dfd = open(base, O_RDONLY | O_DIRECTORY);
    chdir("/");
    fchdir(dfd);
    getcwd(cwd, sizeof cwd);
    printf("fchdir: %s\n", t_yesno(strcmp(cwd, base) == 0));
    close(dfd);
    printf("getcwd with a tiny buffer: %s\n", t_errname(getcwd(cwd, 3) ? 0 : errno));
    printf("chdir to a file: %s\n", t_errname(chdir("alpha") ? errno : 0));
    printf("chdir to a missing dir: %s\n", t_errname(chdir("nope") ? errno : 0));
    chdir("/");
    getcwd(cwd, sizeof cwd);
    printf("chdir /: %s\n", cwd);

    /* A child's chdir does not move the parent. */
    pid_t c = t_fork();
    if (c == 0) {
        chdir(base);
        _exit(0);
    }
    t_wait(c);
    getcwd(cwd, sizeof cwd);
    printf("child's chdir leaves parent in: %s\n", cwd);

    /* Rename a directory, rmdir errors, cleanup. */
    char p2[256];
    snprintf(p, sizeof p, "%s/sub2", base);
    snprintf(p2, sizeof p2, "%s/renamed", base);
    printf("rename directory: %s\n", t_errname(rename(p, p2) ? errno : 0));
    printf("rmdir non-empty: %s\n", t_errname(rmdir(base) ? errno : 0));
    snprintf(p, sizeof p, "%s/alpha", base);
    printf("rmdir a file: %s\n", t_errname(rmdir(p) ? errno : 0));
    printf("mkdir under a file: %s\n", t_errname(mkdir(strcat(p, "/x"), 0755) ? errno : 0));
    printf("rmdir .: %s\n", t_errname(rmdir("/tmp/.") ? errno : 0));

    /* Remove everything. */
    for (int i = 0; i < 40; i++) {
        snprintf(p, sizeof p, "%s/sub0/f%02d", base, i);
        unlink(p);
    }
    const char *subs[] = {"sub0", "sub1", "renamed"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", base, subs[i]);
        rmdir(p);
    }
    for (unsigned i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", base, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/link", base);
    unlink(p);
    list("after cleanup", base);
    printf("rmdir empty: %s\n", t_errname(rmdir(base) ? errno : 0));
    printf("stat removed dir: %s\n", t_errname(stat(base, &st) ? errno : 0));
    return t_done();
}
