/*
 * fsops.c - apply a list of file operations given as arguments, in the current
 * directory, and print each result. Used by tests/fs/test_fs_model.py, which runs
 * the same random list on Linux (a host temporary directory) and in pynix (an
 * ext2 image) and compares the transcripts.
 *
 *   create NAME | write NAME OFF LEN SEED | truncate NAME LEN | read NAME
 *   unlink NAME | mkdir NAME | rmdir NAME | rename OLD NEW | link OLD NEW
 *   symlink TARGET NAME | stat NAME | ls DIR | openunlink NAME
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void result(const char *op, int rc)
{
    if (rc < 0)
        printf("%s -> %s\n", op, strerror(errno));
    else
        printf("%s -> ok\n", op);
}

int main(int argc, char **argv)
{
    static char buf[1 << 20];
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        const char *op = argv[i];
        if (!strcmp(op, "create")) {
            int fd = open(argv[++i], O_CREAT | O_WRONLY | O_EXCL, 0644);
            result(op, fd);
            if (fd >= 0) close(fd);
        } else if (!strcmp(op, "write")) {
            const char *name = argv[++i];
            long off = atol(argv[++i]), len = atol(argv[++i]);
            int seed = atoi(argv[++i]);
            for (long k = 0; k < len; k++) buf[k] = (char)('a' + (seed + k * 7) % 26);
            int fd = open(name, O_WRONLY);
            int rc = fd < 0 ? -1 : (int)pwrite(fd, buf, len, off);
            result(op, rc);
            if (fd >= 0) close(fd);
        } else if (!strcmp(op, "truncate")) {
            const char *name = argv[++i];
            result(op, truncate(name, atol(argv[++i])));
        } else if (!strcmp(op, "read")) {
            int fd = open(argv[++i], O_RDONLY);
            if (fd < 0) { result(op, -1); continue; }
            unsigned long sum = 0, n = 0;
            ssize_t r;
            while ((r = read(fd, buf, sizeof buf)) > 0)
                for (ssize_t k = 0; k < r; k++, n++) sum = sum * 31 + (unsigned char)buf[k];
            close(fd);
            printf("read -> %lu bytes sum %lx\n", n, sum);
        } else if (!strcmp(op, "unlink")) {
            result(op, unlink(argv[++i]));
        } else if (!strcmp(op, "mkdir")) {
            result(op, mkdir(argv[++i], 0755));
        } else if (!strcmp(op, "rmdir")) {
            result(op, rmdir(argv[++i]));
        } else if (!strcmp(op, "rename")) {
            const char *a = argv[++i];
            result(op, rename(a, argv[++i]));
        } else if (!strcmp(op, "link")) {
            const char *a = argv[++i];
            result(op, link(a, argv[++i]));
        } else if (!strcmp(op, "symlink")) {
            const char *a = argv[++i];
            result(op, symlink(a, argv[++i]));
        } else if (!strcmp(op, "stat")) {
            struct stat st;
            if (lstat(argv[++i], &st) < 0) { result(op, -1); continue; }
            printf("stat -> type %o size %ld nlink %ld blocks>0 %d\n", st.st_mode & S_IFMT,
                   S_ISDIR(st.st_mode) ? 0L : (long)st.st_size, (long)st.st_nlink,
                   S_ISREG(st.st_mode) ? st.st_blocks > 0 : 0);
        } else if (!strcmp(op, "ls")) {
            DIR *d = opendir(argv[++i]);
            if (!d) { result(op, -1); continue; }
            char *names[512];
            int n = 0;
            struct dirent *e;
            while ((e = readdir(d)) && n < 512)
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                    names[n++] = strdup(e->d_name);
            closedir(d);
            qsort(names, n, sizeof *names, cmp);
            printf("ls ->");
            for (int k = 0; k < n; k++) printf(" %s", names[k]);
            printf("\n");
        } else if (!strcmp(op, "openunlink")) {
            const char *name = argv[++i];
            int fd = open(name, O_RDONLY);
            if (fd < 0) { result(op, -1); continue; }
            int rc = unlink(name);
            ssize_t r = read(fd, buf, 64);
            printf("openunlink -> unlink %d, read after %zd\n", rc, r);
            close(fd);
        } else {
            printf("unknown op %s\n", op);
            return 2;
        }
    }
    return 0;
}
