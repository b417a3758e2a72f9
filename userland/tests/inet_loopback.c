/*
 * inet_loopback.c - AF_INET on the loopback network: a TCP server and client
 * (bind to port 0, listen, connect before accept, getsockname/getpeername,
 * shutdown gives EOF), EADDRINUSE, ECONNREFUSED, EADDRNOTAVAIL, and UDP
 * datagrams with sender addresses. Ports come from bind(0) so the program
 * never collides with a service of the machine it runs on.
 */
#include "t.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static struct sockaddr_in loop(unsigned short port)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static unsigned short port_of(int fd, int peer)
{
    struct sockaddr_in a;
    socklen_t n = sizeof a;
    if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &n) < 0)
        return 0;
    return ntohs(a.sin_port);
}

int main(void)
{
    t_init();
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    t_check("setsockopt SO_REUSEADDR", setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0, "");
    struct sockaddr_in any = loop(0);
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    t_check("bind port 0", bind(ls, (struct sockaddr *)&any, sizeof any) == 0, "errno %s", t_errname(errno));
    unsigned short port = port_of(ls, 0);
    t_check("ephemeral port", port >= 1024, "port %u", port);
    t_check("listen", listen(ls, 4) == 0, "errno %s", t_errname(errno));

    int dup = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in same = loop(port);
    t_check("EADDRINUSE", bind(dup, (struct sockaddr *)&same, sizeof same) < 0 && errno == EADDRINUSE,
            "errno %s", t_errname(errno));
    close(dup);

    int c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    t_check("TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, "");
    t_check("connect before accept", connect(c, (struct sockaddr *)&same, sizeof same) == 0,
            "errno %s", t_errname(errno));
    t_check("client peer port", port_of(c, 1) == port, "");
    t_check("client bound", port_of(c, 0) >= 1024, "");
    t_check("send", write(c, "hello", 5) == 5, "");
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    int s = accept(ls, (struct sockaddr *)&from, &flen);
    t_check("accept", s >= 0, "errno %s", t_errname(errno));
    t_check("accept address", flen == sizeof from && from.sin_family == AF_INET &&
            from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(from.sin_port) == port_of(c, 0), "");
    t_check("server local port", port_of(s, 0) == port, "");
    char buf[32] = {0};
    t_check("recv", read(s, buf, sizeof buf) == 5 && !memcmp(buf, "hello", 5), "");
    shutdown(c, SHUT_WR);
    t_check("EOF after shutdown", read(s, buf, sizeof buf) == 0, "");
    t_check("reply", write(s, "back", 4) == 4 && read(c, buf, sizeof buf) == 4, "");
    int type = 0, dom = 0, proto = 0;
    socklen_t il = sizeof type;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &il);
    getsockopt(s, SOL_SOCKET, SO_DOMAIN, &dom, &il);
    getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &proto, &il);
    t_check("sockopts", type == SOCK_STREAM && dom == AF_INET && proto == IPPROTO_TCP, "");
    close(s);
    close(c);
    close(ls);

    int r = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in closed = loop(port);
    t_check("ECONNREFUSED", connect(r, (struct sockaddr *)&closed, sizeof closed) < 0 &&
            errno == ECONNREFUSED, "errno %s", t_errname(errno));
    close(r);
    int na = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in far = loop(0);
    far.sin_addr.s_addr = inet_addr("192.0.2.7");      /* TEST-NET-1: never this machine */
    t_check("EADDRNOTAVAIL", bind(na, (struct sockaddr *)&far, sizeof far) < 0 && errno == EADDRNOTAVAIL,
            "errno %s", t_errname(errno));
    close(na);
    t_check("AF_INET SOCK_SEQPACKET", socket(AF_INET, SOCK_SEQPACKET, 0) < 0, "");

    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = loop(0);
    bind(u1, (struct sockaddr *)&ua, sizeof ua);
    struct sockaddr_in to = loop(port_of(u1, 0));
    t_check("sendto", sendto(u2, "dgram", 5, 0, (struct sockaddr *)&to, sizeof to) == 5, "errno %s",
            t_errname(errno));
    flen = sizeof from;
    ssize_t n = recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    t_check("recvfrom", n == 5 && !memcmp(buf, "dgram", 5), "");
    t_check("sender address", from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
            ntohs(from.sin_port) == port_of(u2, 0), "");
    t_check("send unconnected", send(u2, "x", 1, 0) < 0 && errno == EDESTADDRREQ, "errno %s",
            t_errname(errno));
    t_check("connect udp", connect(u2, (struct sockaddr *)&to, sizeof to) == 0, "");
    t_check("send connected", send(u2, "y", 1, 0) == 1 && recv(u1, buf, sizeof buf, 0) == 1 && buf[0] == 'y', "");
    t_check("udp peer", port_of(u2, 1) == port_of(u1, 0), "");
    close(u1);
    close(u2);
    return t_done();
}
