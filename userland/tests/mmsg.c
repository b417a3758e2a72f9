/* sendmmsg / recvmmsg on a datagram socketpair: msg_len per message, the count returned,
 * an error after the first message ending the batch, MSG_WAITFORONE, the timeout written
 * back, and the errors when nothing was done. */
#include "t.h"
#include <sys/socket.h>
#include <sys/uio.h>

static struct iovec iov[4];
static struct mmsghdr m[4];
static char bufs[4][16];

static void setup(int n, int send)
{
    memset(m, 0, sizeof m);
    for (int i = 0; i < n; i++) {
        if (send)
            snprintf(bufs[i], sizeof bufs[i], "msg%d-%.*s", i, i, "xxxx");
        else
            memset(bufs[i], 0, sizeof bufs[i]);
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = send ? strlen(bufs[i]) : sizeof bufs[i];
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
        m[i].msg_len = 12345;
    }
}

int main(void)
{
    t_init();
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    setup(3, 1);
    SHOW("sendmmsg 3", sendmmsg(sv[0], m, 3, 0));
    printf("msg_len: %u %u %u\n", m[0].msg_len, m[1].msg_len, m[2].msg_len);
    setup(4, 0);
    SHOW("recvmmsg 4 dontwait", recvmmsg(sv[1], m, 4, MSG_DONTWAIT, NULL));
    printf("got: %s %s %s len %u %u %u last %u\n", bufs[0], bufs[1], bufs[2], m[0].msg_len,
           m[1].msg_len, m[2].msg_len, m[3].msg_len);
    SHOW("recvmmsg empty dontwait", recvmmsg(sv[1], m, 4, MSG_DONTWAIT, NULL));

    setup(2, 1);
    sendmmsg(sv[0], m, 2, 0);
    setup(4, 0);
    SHOW("recvmmsg waitforone", recvmmsg(sv[1], m, 4, MSG_WAITFORONE, NULL));

    setup(3, 1);
    m[1].msg_hdr.msg_iov = (struct iovec *)8;
    SHOW("sendmmsg second bad", sendmmsg(sv[0], m, 3, 0));
    m[0].msg_hdr.msg_iov = (struct iovec *)8;
    SHOW("sendmmsg first bad", sendmmsg(sv[0], m, 3, 0));
    setup(4, 0);
    SHOW("recvmmsg the one sent", recvmmsg(sv[1], m, 4, MSG_DONTWAIT, NULL));

    setup(2, 1);
    sendmmsg(sv[0], m, 2, 0);
    setup(2, 0);
    struct timespec ts = {5, 0};
    SHOW("recvmmsg timeout 5s", recvmmsg(sv[1], m, 2, 0, &ts));
    printf("time left written back: %s\n", t_yesno(ts.tv_sec <= 5 && !(ts.tv_sec == 5 && ts.tv_nsec == 0)));
    struct timespec bad = {0, 2000000000L};
    SHOW("recvmmsg bad timeout", recvmmsg(sv[1], m, 2, 0, &bad));
    SHOW("recvmmsg timeout fault", recvmmsg(sv[1], m, 2, 0, (struct timespec *)8));
    SHOW("sendmmsg vlen 0", sendmmsg(sv[0], m, 0, 0));
    SHOW("sendmmsg bad fd", sendmmsg(-1, m, 1, 0));
    SHOW("sendmmsg not a socket", sendmmsg(0, m, 1, 0));
    SHOW("recvmmsg bad fd", recvmmsg(99, m, 1, 0, NULL));
    return t_done();
}
