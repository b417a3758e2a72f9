/* kcmp: which resources a parent, its forked child and its thread share, the order
 * being consistent (a<b means b>a), KCMP_EPOLL_TFD, and the errors (EBADF, EINVAL, ESRCH,
 * EPERM for another user's process, ENOENT/EINVAL for an epoll slot). */
#include "t.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

enum { KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND, KCMP_IO, KCMP_SYSVSEM, KCMP_EPOLL_TFD };
struct slot { uint32_t efd, tfd, toff; };

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2)
{
    return syscall(SYS_kcmp, a, b, type, i1, i2);
}

static const char *rel(long r)
{
    return r == 0 ? "same" : r == 1 || r == 2 ? "different" : r < 0 ? t_errname(errno) : "?";
}

static void compare(const char *what, pid_t a, pid_t b)
{
    static const char *names[] = {"", "vm", "files", "fs", "sighand", "io", "sysvsem"};
    for (int type = KCMP_VM; type <= KCMP_SYSVSEM; type++) {
        long r = kcmp(a, b, type, 0, 0), back = kcmp(b, a, type, 0, 0);
        printf("%s %s: %s, consistent: %s\n", what, names[type], rel(r),
               t_yesno(r == 0 ? back == 0 : r + back == 3));
    }
}

static pid_t main_pid;
static volatile pid_t thread_tid;
static volatile int quit;

static void *thread(void *arg)
{
    (void)arg;
    thread_tid = (pid_t)syscall(SYS_gettid);
    while (!quit)
        usleep(1000);
    return NULL;
}

static void as_user(void *arg)
{
    (void)arg;
    setresuid(1000, 1000, 1000);
    SHOW("user vs root process", kcmp(getpid(), main_pid, KCMP_VM, 0, 0));
    SHOW("user vs itself", kcmp(getpid(), getpid(), KCMP_VM, 0, 0));
}

int main(void)
{
    t_init();
    main_pid = getpid();
    int fd1 = open("/dev/null", O_RDONLY), fd2 = dup(fd1), fd3 = open("/dev/null", O_RDONLY);
    pid_t me = getpid();
    printf("dup: %s\n", rel(kcmp(me, me, KCMP_FILE, fd1, fd2)));
    long r = kcmp(me, me, KCMP_FILE, fd1, fd3);
    printf("second open: %s, consistent: %s\n", rel(r), t_yesno(r + kcmp(me, me, KCMP_FILE, fd3, fd1) == 3));
    SHOW("closed fd", kcmp(me, me, KCMP_FILE, fd1, 999));
    SHOW("type 8", kcmp(me, me, 8, 0, 0));
    SHOW("type -1", kcmp(me, me, -1, 0, 0));
    SHOW("pid 0", kcmp(0, me, KCMP_VM, 0, 0));
    SHOW("unused pid", kcmp(me, 4000000, KCMP_VM, 0, 0));
    compare("self", me, me);

    int p[2];
    pipe(p);
    pid_t c = t_fork();
    if (c == 0) {
        char ch;
        read(p[0], &ch, 1);
        _exit(0);
    }
    compare("forked", me, c);
    printf("inherited fd: %s\n", rel(kcmp(me, c, KCMP_FILE, fd1, fd1)));
    t_in_child(as_user, NULL);
    write(p[1], "x", 1);
    t_wait(c);

    pthread_t th;
    pthread_create(&th, NULL, thread, NULL);
    while (!thread_tid)
        usleep(1000);
    compare("thread", me, thread_tid);
    quit = 1;
    pthread_join(th, NULL);

    int ep = epoll_create1(0), q[2];
    struct epoll_event ev = {.events = EPOLLIN};
    pipe(q);
    close(fd1);
    close(fd2);
    close(fd3);
    fd1 = q[0], fd2 = dup(q[0]), fd3 = q[1];
    epoll_ctl(ep, EPOLL_CTL_ADD, fd1, &ev);
    epoll_ctl(ep, EPOLL_CTL_ADD, fd3, &ev);
    struct slot s = {ep, fd1, 0};
    printf("epoll target fd1 vs fd2: %s\n", rel(kcmp(me, me, KCMP_EPOLL_TFD, fd2, (unsigned long)&s)));
    printf("epoll target fd1 vs fd3: %s\n", rel(kcmp(me, me, KCMP_EPOLL_TFD, fd3, (unsigned long)&s)));
    s.toff = 1;
    SHOW("epoll toff 1", kcmp(me, me, KCMP_EPOLL_TFD, fd2, (unsigned long)&s));
    s.toff = 0;
    s.tfd = 77;
    SHOW("epoll unregistered tfd", kcmp(me, me, KCMP_EPOLL_TFD, fd2, (unsigned long)&s));
    s.efd = fd1;
    SHOW("epoll not an epoll", kcmp(me, me, KCMP_EPOLL_TFD, fd2, (unsigned long)&s));
    s.efd = 999;
    SHOW("epoll bad efd", kcmp(me, me, KCMP_EPOLL_TFD, fd2, (unsigned long)&s));
    SHOW("epoll bad slot", kcmp(me, me, KCMP_EPOLL_TFD, fd2, 8));
    SHOW("epoll bad idx1", kcmp(me, me, KCMP_EPOLL_TFD, 999, 8));
    return t_done();
}
