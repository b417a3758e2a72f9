/*
 * locks.c - POSIX record locks and flock between processes: F_GETLK reports the
 * holder, F_SETLK fails with EAGAIN on a conflict, F_SETLKW waits until the
 * holder unlocks, ranges split and merge, closing any descriptor of the file
 * drops the process's record locks, a deadlock is EDEADLK; flock locks belong
 * to the open file description (shared across fork, separate across opens).
 */
#include "t.h"
#include <sys/file.h>

static const char *path;

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

static void getlk(const char *label, int fd, short type, off_t start, off_t len, pid_t holder)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, F_GETLK, &fl) < 0) {
        printf("%s: F_GETLK %s\n", label, t_errname(errno));
        return;
    }
    if (fl.l_type == F_UNLCK)
        printf("%s: free\n", label);
    else
        printf("%s: %s lock at %ld len %ld held by %s\n", label, fl.l_type == F_WRLCK ? "write" : "read",
               (long)fl.l_start, (long)fl.l_len, fl.l_pid == holder ? "the parent" : "someone else");
}

int main(void)
{
    t_init();
    path = t_tmp("locks");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    t_write_all(fd, "0123456789abcdefghij", 20);
    pid_t me = getpid();

    printf("parent write-locks 0..9: %d\n", setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    printf("parent read-locks 15..: %d\n", setlk(fd, F_SETLK, F_RDLCK, 15, 0));
    int p[2];
    pipe(p);
    pid_t c = t_fork();
    if (c == 0) {
        int cfd = open(path, O_RDWR);
        getlk("child asks 5..6 write", cfd, F_WRLCK, 5, 2, me);
        getlk("child asks 10..14 write", cfd, F_WRLCK, 10, 5, me);
        getlk("child asks 16 read", cfd, F_RDLCK, 16, 1, me);
        getlk("child asks 16 write", cfd, F_WRLCK, 16, 1, me);
        int r = setlk(cfd, F_SETLK, F_WRLCK, 0, 1);
        printf("child F_SETLK on 0: %d %s\n", r, r ? t_errname(errno) : "");
        write(p[1], "x", 1);                     /* tell the parent we are about to wait */
        r = setlk(cfd, F_SETLKW, F_WRLCK, 0, 1);
        printf("child F_SETLKW on 0 after the parent unlocked: %d\n", r);
        _exit(0);
    }
    char ch;
    read(p[0], &ch, 1);
    usleep(100000);
    int u = setlk(fd, F_SETLK, F_UNLCK, 0, 5);
    t_wait(c);
    printf("parent unlocked 0..4: %d\n", u);

    /* closing any descriptor of the file drops this process's locks */
    int fd2 = open(path, O_RDONLY);
    close(fd2);
    c = t_fork();
    if (c == 0) {
        int cfd = open(path, O_RDWR);
        getlk("after closing another fd, child asks 6", cfd, F_WRLCK, 6, 1, me);
        _exit(0);
    }
    t_wait(c);

    /* deadlock: parent holds 0, child holds 1; child waits for 0, parent asks for 1 */
    setlk(fd, F_SETLK, F_WRLCK, 0, 1);
    int q[2];
    pipe(q);
    c = t_fork();
    if (c == 0) {
        int cfd = open(path, O_RDWR);
        setlk(cfd, F_SETLK, F_WRLCK, 1, 1);
        write(q[1], "x", 1);
        int r = setlk(cfd, F_SETLKW, F_WRLCK, 0, 1);
        printf("child got 0 once the parent gave up: %d\n", r);
        _exit(0);
    }
    read(q[0], &ch, 1);
    usleep(100000);
    int r = setlk(fd, F_SETLKW, F_WRLCK, 1, 1);
    printf("parent asking for 1 would deadlock: %d %s\n", r, r && errno == EDEADLK ? "EDEADLK" : "");
    setlk(fd, F_SETLK, F_UNLCK, 0, 0);
    t_wait(c);

    /* flock */
    int a = open(path, O_RDONLY), b = open(path, O_RDONLY);
    printf("flock a LOCK_EX: %d\n", flock(a, LOCK_EX | LOCK_NB));
    r = flock(b, LOCK_EX | LOCK_NB);
    printf("flock b LOCK_EX|LOCK_NB: %d %s\n", r, r ? t_errname(errno) : "");
    r = flock(b, LOCK_SH | LOCK_NB);
    printf("flock b LOCK_SH|LOCK_NB: %d %s\n", r, r ? t_errname(errno) : "");
    c = t_fork();
    if (c == 0) {
        printf("child re-locks the inherited description: %d\n", flock(a, LOCK_EX | LOCK_NB));
        _exit(0);
    }
    t_wait(c);
    int d = dup(a);
    close(a);
    r = flock(b, LOCK_EX | LOCK_NB);
    printf("still locked through the dup: %d %s\n", r, r ? t_errname(errno) : "");
    close(d);
    printf("free after the last close: %d\n", flock(b, LOCK_EX | LOCK_NB));
    close(b);
    close(fd);
    unlink(path);
    return 0;
}
