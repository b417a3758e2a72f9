/*
 * fds.c - the file descriptor table: lowest free number on open/dup, dup2
 * and dup3 (onto an open fd closes it; dup3 with the same fd is EINVAL;
 * O_CLOEXEC), fcntl F_DUPFD / F_DUPFD_CLOEXEC / F_GETFD / F_SETFD, shared
 * file offsets between duplicates (and across fork), FD_CLOEXEC honoured by
 * exec (the program re-executes itself with argv[0] and checks which fds
 * survived), F_GETFL / F_SETFL O_NONBLOCK on a pipe giving EAGAIN, and close
 * errors.
 */
#include "t.h"
#include <sys/syscall.h>

static int fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static int after_exec(void)
{
    /* Started by main() below with fds 20 (no CLOEXEC), 21 (FD_CLOEXEC), 22 (dup3 O_CLOEXEC). */
    printf("[after exec] fd 20 (plain) open: %s\n", t_yesno(fd_open(20)));
    printf("[after exec] fd 21 (FD_CLOEXEC) open: %s\n", t_yesno(fd_open(21)));
    printf("[after exec] fd 22 (dup3 O_CLOEXEC) open: %s\n", t_yesno(fd_open(22)));
    char buf[16] = {0};
    ssize_t n = read(20, buf, sizeof buf - 1);
    printf("[after exec] read from inherited pipe: %zd \"%s\"\n", n, buf);
    return 0;
}

int main(int argc, char **argv)
{
    t_init();
    if (argc > 1 && strcmp(argv[1], "--after-exec") == 0)
        return after_exec();

    const char *path = t_tmp("fds");
    int a = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int b = open(path, O_RDWR);
    printf("two opens get consecutive fds: %s\n", t_yesno(b == a + 1));
    close(a);
    int c = open(path, O_RDONLY);
    printf("open reuses the lowest free fd: %s\n", t_yesno(c == a));
    close(c);

    /* dup shares the offset. */
    int d = dup(b);
    printf("dup returns lowest free fd: %s\n", t_yesno(d == a));
    t_write_all(b, "0123456789", 10);
    printf("offset shared through dup: %ld\n", (long)lseek(d, 0, SEEK_CUR));
    lseek(d, 3, SEEK_SET);
    char ch;
    read(b, &ch, 1);
    printf("read via original after lseek via dup: %c\n", ch);

    /* dup2 onto an open fd closes it first; dup2 to itself is a no-op. */
    int e = open(path, O_RDONLY);
    int r = dup2(b, e);
    printf("dup2 onto open fd returns it: %s\n", t_yesno(r == e));
    printf("dup2'd fd shares offset: %ld\n", (long)lseek(e, 0, SEEK_CUR));
    printf("dup2(fd, fd) returns fd: %s\n", t_yesno(dup2(b, b) == b));
    printf("dup2 from a bad fd: %s\n", t_errname(dup2(99, 50) < 0 ? errno : 0));
    printf("dup2 to a huge fd: %s\n", t_errname(dup2(b, 1 << 30) < 0 ? errno : 0));

    /* dup3. */
    /* raw syscalls: musl's dup3 checks these itself or falls back to dup2 */
    printf("dup3(fd, fd): %s\n", t_errname(syscall(SYS_dup3, b, b, 0) < 0 ? errno : 0));
    r = dup3(b, 30, O_CLOEXEC);
    printf("dup3 O_CLOEXEC sets FD_CLOEXEC: %s\n", t_yesno(r == 30 && fcntl(30, F_GETFD) == FD_CLOEXEC));
    printf("dup3 bad flags: %s\n", t_errname(syscall(SYS_dup3, b, 31, 12345) < 0 ? errno : 0));
    close(30);

    /* fcntl F_DUPFD family. */
    r = fcntl(b, F_DUPFD, 40);
    printf("F_DUPFD 40 gives 40: %s\n", t_yesno(r == 40));
    r = fcntl(b, F_DUPFD, 40);
    printf("F_DUPFD 40 again gives 41: %s\n", t_yesno(r == 41));
    printf("F_DUPFD clears FD_CLOEXEC: %s\n", t_yesno(fcntl(41, F_GETFD) == 0));
    r = fcntl(b, F_DUPFD_CLOEXEC, 40);
    printf("F_DUPFD_CLOEXEC gives 42 with FD_CLOEXEC: %s\n", t_yesno(r == 42 && fcntl(42, F_GETFD) == FD_CLOEXEC));
    fcntl(42, F_SETFD, 0);
    printf("F_SETFD 0 clears it: %s\n", t_yesno(fcntl(42, F_GETFD) == 0));
    close(40);
    close(41);
    close(42);

    /* Offsets are shared with a forked child too. */
    lseek(b, 0, SEEK_SET);
    pid_t p = t_fork();
    if (p == 0) {
        lseek(b, 7, SEEK_SET);
        _exit(0);
    }
    t_wait(p);
    printf("child's lseek moves parent's offset: %ld\n", (long)lseek(b, 0, SEEK_CUR));
    /* ... but the fd table is not shared: a child's close does not close ours. */
    p = t_fork();
    if (p == 0) {
        close(b);
        _exit(0);
    }
    t_wait(p);
    printf("child's close leaves parent's fd open: %s\n", t_yesno(fd_open(b)));

    /* O_NONBLOCK on a pipe. */
    int pp[2];
    if (pipe(pp) < 0)
        return 2;
    int fl = fcntl(pp[0], F_GETFL);
    printf("pipe read end access mode O_RDONLY: %s\n", t_yesno((fl & O_ACCMODE) == O_RDONLY));
    printf("pipe write end access mode O_WRONLY: %s\n", t_yesno((fcntl(pp[1], F_GETFL) & O_ACCMODE) == O_WRONLY));
    printf("O_NONBLOCK initially clear: %s\n", t_yesno(!(fl & O_NONBLOCK)));
    fcntl(pp[0], F_SETFL, fl | O_NONBLOCK);
    printf("O_NONBLOCK now set: %s\n", t_yesno(fcntl(pp[0], F_GETFL) & O_NONBLOCK));
    ssize_t n = read(pp[0], &ch, 1);
    printf("read from empty nonblocking pipe: %zd %s\n", n, t_errname(errno));
    fcntl(pp[1], F_SETFL, O_NONBLOCK);
    static char fill[4096];
    long total = 0;
    for (int i = 0; i < 10000; i++) {
        n = write(pp[1], fill, sizeof fill);
        if (n < 0)
            break;
        total += n;
    }
    printf("nonblocking writes until full end with: %s, wrote something: %s\n", t_errname(errno),
           t_yesno(total > 0));
    close(pp[0]);
    close(pp[1]);

    /* A pipe pipe2(O_CLOEXEC) has both ends close-on-exec. */
    if (pipe2(pp, O_CLOEXEC | O_NONBLOCK) < 0)
        return 2;
    printf("pipe2 O_CLOEXEC|O_NONBLOCK: %s\n",
           t_yesno(fcntl(pp[0], F_GETFD) == FD_CLOEXEC && fcntl(pp[1], F_GETFD) == FD_CLOEXEC &&
                   (fcntl(pp[0], F_GETFL) & O_NONBLOCK)));
    close(pp[0]);
    close(pp[1]);

    /* Close errors. */
    printf("close of a bad fd: %s\n", t_errname(close(99) < 0 ? errno : 0));
    printf("double close: %s\n", t_errname((close(d), close(d)) < 0 ? errno : 0));
    printf("fcntl on a bad fd: %s\n", t_errname(fcntl(99, F_GETFD) < 0 ? errno : 0));
    printf("read on a bad fd: %s\n", t_errname(read(99, &ch, 1) < 0 ? errno : 0));
    printf("write on a negative fd: %s\n", t_errname(write(-1, "x", 1) < 0 ? errno : 0));
    int ro = open(path, O_RDONLY);
    printf("write on an O_RDONLY fd: %s\n", t_errname(write(ro, "x", 1) < 0 ? errno : 0));
    close(ro);
    close(b);
    close(e);
    unlink(path);

    /* FD_CLOEXEC across exec: the new image reports which fds it has. */
    if (pipe(pp) < 0)
        return 2;
    t_write_all(pp[1], "inherited", 9);
    close(pp[1]);
    dup2(pp[0], 20);
    dup2(pp[0], 21);
    fcntl(21, F_SETFD, FD_CLOEXEC);
    dup3(pp[0], 22, O_CLOEXEC);
    close(pp[0]);
    p = t_fork();
    if (p == 0) {
        char *args[] = {argv[0], "--after-exec", NULL};
        char *env[] = {NULL};
        execve(argv[0], args, env);
        _exit(127);
    }
    printf("exec'd child: %s\n", t_status(t_wait(p)));
    printf("parent still has fd 21: %s\n", t_yesno(fd_open(21)));
    return t_done();
}
