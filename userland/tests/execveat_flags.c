/*
 * execveat_flags.c - execveat(2) as Linux: a relative name under a directory fd, an
 * absolute name with any fd, AT_EMPTY_PATH on an O_PATH descriptor of the program, and the
 * errors: EBADF for a bad fd with AT_EMPTY_PATH, EINVAL for unknown flags, ELOOP for a final
 * symlink with AT_SYMLINK_NOFOLLOW, ENOTDIR for a file as the directory, ENOENT for an
 * empty name without AT_EMPTY_PATH.
 */
#include "t.h"
#include <sys/syscall.h>
#include <sys/wait.h>

static char self[256], dir[256], link_[256];

static int run(int dirfd, const char *path, int flags)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"child", NULL};
        char *envp[] = {"EXECVEAT_CHILD=1", NULL};
        syscall(SYS_execveat, dirfd, path, argv, envp, flags);
        printf("  execveat: %s\n", t_errname(errno));
        fflush(stdout);
        _exit(100);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    if (getenv("EXECVEAT_CHILD"))
        return argc == 1 && strcmp(argv[0], "child") == 0 ? 7 : 8;
    snprintf(dir, sizeof dir, "%s", t_tmp("execveat"));
    mkdir(dir, 0755);
    snprintf(self, sizeof self, "%s/prog", dir);
    snprintf(link_, sizeof link_, "%s/link", dir);
    int in = open("/proc/self/exe", O_RDONLY), out = open(self, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        t_write_all(out, buf, (size_t)n);
    close(in);
    close(out);
    symlink("prog", link_);
    int dfd = open(dir, O_DIRECTORY);
    int pfd = open(self, O_PATH);
    int rfd = open(self, O_RDONLY);
    printf("relative under dirfd: %d\n", run(dfd, "prog", 0));
    printf("absolute, fd -1: %d\n", run(-1, self, 0));
    printf("AT_EMPTY_PATH on O_PATH fd: %d\n", run(pfd, "", AT_EMPTY_PATH));
    printf("AT_EMPTY_PATH on O_RDONLY fd: %d\n", run(rfd, "", AT_EMPTY_PATH));
    printf("symlink followed: %d\n", run(dfd, "link", 0));
    printf("symlink NOFOLLOW: %d\n", run(dfd, "link", AT_SYMLINK_NOFOLLOW));
    printf("bad fd AT_EMPTY_PATH: %d\n", run(-1, "", AT_EMPTY_PATH));
    printf("flags -1: %d\n", run(dfd, "prog", -1));
    printf("file as dirfd: %d\n", run(rfd, "prog", 0));
    printf("empty name, no flag: %d\n", run(dfd, "", 0));
    unlink(link_);
    unlink(self);
    rmdir(dir);
    return 0;
}
