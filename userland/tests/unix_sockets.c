/*
 * unix_sockets.c - AF_UNIX sockets: an echo server on a filesystem path
 * serving several forked clients one connection each, the socket inode
 * (S_IFSOCK), EADDRINUSE, ECONNREFUSED (no file / nobody listening),
 * getsockname/getpeername, SO_TYPE/SO_PEERCRED/SO_ERROR/SO_REUSEADDR,
 * socketpair stream EOF and EPIPE, shutdown(SHUT_WR), datagrams with
 * boundaries and sender addresses, SOCK_SEQPACKET, non-blocking accept and
 * recv, poll on a listening socket, abstract names, and EAFNOSUPPORT.
 */
#include "t.h"
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t mkaddr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strncpy(a->sun_path, path, sizeof a->sun_path - 1);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void client(const char *path, int id)
{
    struct sockaddr_un a;
    socklen_t len = mkaddr(&a, path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&a, len) < 0)
        _exit(10);
    char msg[64], back[64];
    int n = snprintf(msg, sizeof msg, "hello from client %d", id);
    t_write_all(s, msg, (size_t)n);
    shutdown(s, SHUT_WR);
    int got = 0, r;
    while ((r = (int)read(s, back + got, sizeof back - 1 - (size_t)got)) > 0)
        got += r;
    back[got] = 0;
    _exit(strcmp(back, msg) == 0 ? id : 20);
}

int main(void)
{
    t_init();
    char path[128];
    snprintf(path, sizeof path, "%s.sock", t_tmp("unix"));
    unlink(path);
    struct sockaddr_un a;
    socklen_t alen = mkaddr(&a, path);

    int r = connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen);
    printf("connect to missing path: %d %s\n", r, t_errname(errno));

    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    int one = 1;
    printf("SO_REUSEADDR: %d\n", setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    printf("bind: %d\n", bind(srv, (struct sockaddr *)&a, alen));
    struct stat st;
    stat(path, &st);
    printf("socket inode: %s\n", t_yesno(S_ISSOCK(st.st_mode)));
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    r = bind(s2, (struct sockaddr *)&a, alen);
    printf("bind again: %d %s\n", r, t_errname(errno));
    r = connect(s2, (struct sockaddr *)&a, alen);
    printf("connect before listen: %d %s\n", r, t_errname(errno));
    close(s2);
    printf("listen: %d\n", listen(srv, 8));

    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    getsockname(srv, (struct sockaddr *)&got, &glen);
    printf("getsockname: same path %s, len ok %s\n", t_yesno(strcmp(got.sun_path, path) == 0),
           t_yesno(glen == alen));
    int type = 0;
    socklen_t tlen = sizeof type;
    getsockopt(srv, SOL_SOCKET, SO_TYPE, &type, &tlen);
    printf("SO_TYPE stream: %s\n", t_yesno(type == SOCK_STREAM));

    /* non-blocking accept with nothing pending; poll sees a pending connection */
    fcntl(srv, F_SETFL, O_NONBLOCK);
    r = accept(srv, NULL, NULL);
    printf("accept nothing: %d %s\n", r, t_errname(errno));
    fcntl(srv, F_SETFL, 0);

    enum { NCLIENTS = 4 };
    pid_t kids[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++) {
        kids[i] = t_fork();
        if (kids[i] == 0)
            client(path, i + 1);
    }
    struct pollfd pfd = {srv, POLLIN, 0};
    printf("poll listener: %d\n", poll(&pfd, 1, 5000));
    for (int i = 0; i < NCLIENTS; i++) {
        int c = accept(srv, NULL, NULL);
        struct ucred cr;
        socklen_t crl = sizeof cr;
        getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crl);
        int known = 0;
        for (int k = 0; k < NCLIENTS; k++)
            known |= cr.pid == kids[k];
        if (!known || cr.uid != getuid())
            printf("peercred wrong\n");
        pid_t server = t_fork();
        if (server == 0) {
            close(srv);
            char buf[256];
            ssize_t n;
            while ((n = read(c, buf, sizeof buf)) > 0)
                t_write_all(c, buf, (size_t)n);
            _exit(0);
        }
        close(c);
        t_wait(server);
    }
    int sum = 0;
    for (int i = 0; i < NCLIENTS; i++) {
        int st2 = t_wait(kids[i]);
        sum += WIFEXITED(st2) ? WEXITSTATUS(st2) : 100;
    }
    printf("clients echoed, exit sum %d\n", sum);
    close(srv);
    r = connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen);
    printf("connect after server closed: %d %s\n", r, t_errname(errno));
    unlink(path);

    /* socketpair: EOF, EPIPE, shutdown */
    int sv[2];
    printf("socketpair: %d\n", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    write(sv[0], "abc", 3);
    shutdown(sv[0], SHUT_WR);
    char buf[64];
    ssize_t n = read(sv[1], buf, sizeof buf);
    ssize_t n2 = read(sv[1], buf, sizeof buf);
    printf("after SHUT_WR: read %zd then %zd\n", n, n2);
    signal(SIGPIPE, SIG_IGN);
    r = (int)send(sv[0], "x", 1, MSG_NOSIGNAL);
    printf("send after SHUT_WR: %d %s\n", r, t_errname(errno));
    close(sv[0]);
    r = (int)write(sv[1], "x", 1);
    printf("write to closed peer: %d %s\n", r, t_errname(errno));
    glen = sizeof got;
    r = getpeername(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&got, &glen);
    printf("getpeername unconnected: %d %s\n", r, t_errname(errno));
    close(sv[1]);

    /* non-blocking recv */
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    r = (int)recv(sv[0], buf, sizeof buf, 0);
    printf("nonblocking recv: %d %s\n", r, t_errname(errno));
    r = (int)recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
    printf("MSG_DONTWAIT recv: %d %s\n", r, t_errname(errno));
    send(sv[1], "peekaboo", 8, 0);
    n = recv(sv[0], buf, 4, MSG_PEEK);
    n2 = recv(sv[0], buf, sizeof buf, 0);
    printf("peek %zd then read %zd: %.8s\n", n, n2, buf);
    close(sv[0]);
    close(sv[1]);

    /* datagrams: boundaries, truncation, sender address */
    char dpath[128], cpath[128];
    snprintf(dpath, sizeof dpath, "%s.dgram", t_tmp("unix"));
    snprintf(cpath, sizeof cpath, "%s.cli", t_tmp("unix"));
    unlink(dpath);
    unlink(cpath);
    struct sockaddr_un da, ca;
    socklen_t dalen = mkaddr(&da, dpath), calen = mkaddr(&ca, cpath);
    int ds = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(ds, (struct sockaddr *)&da, dalen);
    int dc = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(dc, (struct sockaddr *)&ca, calen);
    sendto(dc, "first", 5, 0, (struct sockaddr *)&da, dalen);
    sendto(dc, "second message", 14, 0, (struct sockaddr *)&da, dalen);
    struct sockaddr_un from;
    socklen_t flen = sizeof from;
    n = recvfrom(ds, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    printf("dgram 1: %zd from client path %s\n", n, t_yesno(strcmp(from.sun_path, cpath) == 0));
    n = recv(ds, buf, 6, 0);
    printf("dgram 2 truncated: %zd %.6s\n", n, buf);
    int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
    sendto(anon, "anon", 4, 0, (struct sockaddr *)&da, dalen);
    flen = sizeof from;
    n = recvfrom(ds, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    printf("unnamed sender: %zd addrlen %u\n", n, (unsigned)flen);
    connect(dc, (struct sockaddr *)&da, dalen);
    send(dc, "connected", 9, 0);
    n = recv(ds, buf, sizeof buf, 0);
    printf("connected dgram: %zd\n", n);
    close(ds);
    r = (int)send(dc, "x", 1, 0);
    printf("send to closed dgram peer: %d %s\n", r, t_errname(errno));
    unlink(dpath);
    unlink(cpath);

    /* seqpacket keeps boundaries on a connection */
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    send(sv[0], "one", 3, 0);
    send(sv[0], "two!", 4, 0);
    n = recv(sv[1], buf, sizeof buf, 0);
    n2 = recv(sv[1], buf, sizeof buf, 0);
    printf("seqpacket: %zd %zd\n", n, n2);
    close(sv[0]);
    printf("seqpacket eof: %zd\n", recv(sv[1], buf, sizeof buf, 0));
    close(sv[1]);

    /* closing with unread data resets the peer: ECONNRESET once, then EOF */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "unread", 6);
    close(sv[1]);
    r = (int)read(sv[0], buf, sizeof buf);
    int e1 = errno;
    n = read(sv[0], buf, sizeof buf);
    printf("peer closed with unread data: %d %s, then %zd\n", r, t_errname(e1), n);
    close(sv[0]);

    /* seqpacket over listen/accept */
    char spath[128];
    snprintf(spath, sizeof spath, "%s.seq", t_tmp("unix"));
    unlink(spath);
    struct sockaddr_un sa2;
    socklen_t sa2len = mkaddr(&sa2, spath);
    int ls = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    bind(ls, (struct sockaddr *)&sa2, sa2len);
    listen(ls, 2);
    int cs = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    printf("seqpacket connect: %d\n", connect(cs, (struct sockaddr *)&sa2, sa2len));
    int as2 = accept(ls, NULL, NULL);
    send(cs, "abc", 3, 0);
    send(cs, "defgh", 5, 0);
    n = recv(as2, buf, 2, 0);
    n2 = recv(as2, buf, sizeof buf, 0);
    printf("seqpacket accepted: %zd (truncated) then %zd\n", n, n2);
    int st_ = socket(AF_UNIX, SOCK_STREAM, 0);
    r = connect(st_, (struct sockaddr *)&sa2, sa2len);
    printf("stream to seqpacket listener: %d %s\n", r, t_errname(errno));
    close(st_);
    close(cs);
    close(as2);
    close(ls);
    unlink(spath);

    /* abstract names */
    struct sockaddr_un ab;
    memset(&ab, 0, sizeof ab);
    ab.sun_family = AF_UNIX;
    snprintf(ab.sun_path + 1, sizeof ab.sun_path - 1, "pynix-abstract-%d", (int)getpid());
    socklen_t ablen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(ab.sun_path + 1));
    int as = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("abstract bind: %d\n", bind(as, (struct sockaddr *)&ab, ablen));
    listen(as, 1);
    int ac = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("abstract connect: %d\n", connect(ac, (struct sockaddr *)&ab, ablen));
    int aa = accept(as, NULL, NULL);
    write(ac, "hi", 2);
    printf("abstract read: %zd\n", read(aa, buf, sizeof buf));
    close(aa);
    close(ac);
    close(as);

    r = socket(AF_INET6 + 100, SOCK_STREAM, 0);
    printf("unknown family: %d %s\n", r, t_errname(errno));
    return t_done();
}
