/*
 * unix_fdpass.c - descriptor passing over AF_UNIX sockets: a child opens a
 * file and a pipe and sends both descriptors with SCM_RIGHTS; the parent gets
 * new descriptors for the same open files (shared offset, working pipe), the
 * data byte arrives with them, MSG_CTRUNC when the control buffer is too
 * small, MSG_CMSG_CLOEXEC, SCM_CREDENTIALS with SO_PASSCRED, and epoll on a
 * socket becoming readable.
 */
#include "t.h"
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

static int send_fds(int s, const int *fds, int n, const char *byte)
{
    char cbuf[CMSG_SPACE(sizeof(int) * 4)];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {(void *)byte, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
    return (int)sendmsg(s, &m, 0);
}

static int recv_fds(int s, int *fds, int max, char *byte, size_t cspace, int flags, int *mflags)
{
    char cbuf[256];
    struct iovec iov = {byte, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = cspace;
    if (recvmsg(s, &m, flags) < 0)
        return -1;
    *mflags = m.msg_flags;
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < k && n < max; i++)
                memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        }
    }
    return n;
}

int main(void)
{
    t_init();
    const char *path = t_tmp("fdpass");
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);

    pid_t c = t_fork();
    if (c == 0) {
        close(sv[0]);
        int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        write(f, "0123456789", 10);
        lseek(f, 3, SEEK_SET);
        int p[2];
        pipe(p);
        write(p[1], "through the pipe", 16);
        int fds[2] = {f, p[0]};
        if (send_fds(sv[1], fds, 2, "A") < 0)
            _exit(1);
        close(f);
        close(p[0]);
        close(p[1]);
        /* a second message whose descriptors will not fit */
        int three[3] = {0, 1, 2};
        send_fds(sv[1], three, 3, "B");
        send_fds(sv[1], three, 1, "C");
        _exit(0);
    }
    close(sv[1]);
    printf("child: %s\n", t_status(t_wait(c)));
    int fds[4], mf = 0;
    char byte = 0;
    int n = recv_fds(sv[0], fds, 4, &byte, 256, 0, &mf);
    printf("received %d fds with byte %c, flags %x\n", n, byte, mf);
    char buf[32] = {0};
    read(fds[0], buf, 4);
    printf("file at the sender's offset: %.4s\n", buf);
    printf("offset now %ld\n", (long)lseek(fds[0], 0, SEEK_CUR));
    struct stat st;
    fstat(fds[1], &st);
    printf("second is a fifo: %s\n", t_yesno(S_ISFIFO(st.st_mode)));
    memset(buf, 0, sizeof buf);
    read(fds[1], buf, sizeof buf - 1);
    printf("pipe says: %s\n", buf);
    printf("new fds differ from sender's: %s\n", t_yesno(fds[0] > 2 && fds[1] > 2));
    close(fds[0]);
    close(fds[1]);

    n = recv_fds(sv[0], fds, 4, &byte, CMSG_SPACE(sizeof(int)), 0, &mf);
    printf("small control: %d fds, byte %c, ctrunc %s\n", n, byte, t_yesno(mf & MSG_CTRUNC));
    for (int i = 0; i < n; i++)
        close(fds[i]);
    n = recv_fds(sv[0], fds, 4, &byte, 256, MSG_CMSG_CLOEXEC, &mf);
    printf("cloexec: %d fds, byte %c, FD_CLOEXEC %s\n", n, byte,
           t_yesno(n == 1 && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC)));
    if (n == 1)
        close(fds[0]);
    close(sv[0]);
    unlink(path);

    /* credentials */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int on = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    send(sv[0], "x", 1, 0);
    char cbuf[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {&byte, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    recvmsg(sv[1], &m, 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    struct ucred uc = {0, 0, 0};
    if (cm && cm->cmsg_type == SCM_CREDENTIALS)
        memcpy(&uc, CMSG_DATA(cm), sizeof uc);
    printf("SCM_CREDENTIALS: pid is me %s, uid ok %s\n", t_yesno(uc.pid == getpid()),
           t_yesno(uc.uid == getuid()));
    close(sv[0]);
    close(sv[1]);

    /* epoll on a socket */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN | EPOLLET, {.u64 = 7}}, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
    printf("socket idle: %d\n", epoll_wait(ep, out, 2, 0));
    write(sv[1], "ping", 4);
    n = epoll_wait(ep, out, 2, 0);
    printf("socket readable: %d data %llu\n", n, (unsigned long long)out[0].data.u64);
    printf("edge consumed: %d\n", epoll_wait(ep, out, 2, 0));
    close(sv[1]);
    n = epoll_wait(ep, out, 2, 0);
    printf("peer closed: %d hup %s\n", n, t_yesno(n == 1 && (out[0].events & EPOLLHUP)));
    return t_done();
}
