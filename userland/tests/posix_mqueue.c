/*
 * posix_mqueue.c - POSIX message queues: mq_open with and without attributes,
 * priority order (highest first, FIFO within one), mq_getattr/setattr,
 * EAGAIN when full or empty under O_NONBLOCK, ETIMEDOUT at an absolute
 * deadline, EMSGSIZE both ways, a blocked receiver woken by a child's send,
 * mq_notify with a signal (SI_MESGQ, the value, the sender's pid) and EBUSY
 * for a second registration, poll on the descriptor, mq_unlink and the name's
 * errors (ENOENT, EEXIST).
 */
#include "t.h"
#include <mqueue.h>
#include <poll.h>

static volatile int got_sig, got_code, got_value, got_pid;

static void on_sig(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = s;
    got_code = si->si_code;
    got_value = si->si_value.sival_int;
    got_pid = si->si_pid;
}

int main(void)
{
    t_init();
    char name[64];
    snprintf(name, sizeof name, "/pynix-mq-%d", (int)getpid());
    mq_unlink(name);
    struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
    mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    printf("open: %s\n", t_yesno(q != (mqd_t)-1));
    mqd_t again = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    printf("O_EXCL again: %d %s\n", (int)again, t_errname(errno));
    mqd_t none = mq_open("/pynix-mq-none", O_RDWR);
    printf("missing: %d %s\n", (int)none, t_errname(errno));

    mq_send(q, "low", 3, 1);
    mq_send(q, "high", 4, 9);
    mq_send(q, "low2", 4, 1);
    mq_send(q, "mid", 3, 5);
    struct mq_attr a;
    mq_getattr(q, &a);
    printf("attr: maxmsg %ld msgsize %ld curmsgs %ld flags %ld\n", a.mq_maxmsg, a.mq_msgsize,
           a.mq_curmsgs, a.mq_flags);
    struct mq_attr nb = {.mq_flags = O_NONBLOCK};
    mq_setattr(q, &nb, NULL);
    int r = mq_send(q, "x", 1, 0);
    printf("full, nonblocking: %d %s\n", r, t_errname(errno));
    char buf[64];
    unsigned prio;
    for (int i = 0; i < 4; i++) {
        ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
        printf("receive: '%.*s' prio %u\n", (int)n, buf, prio);
    }
    ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
    printf("empty, nonblocking: %zd %s\n", n, t_errname(errno));
    n = mq_receive(q, buf, 10, &prio);
    printf("small buffer: %zd %s\n", n, t_errname(errno));
    char big[100] = {0};
    r = mq_send(q, big, sizeof big, 0);
    printf("message too long: %d %s\n", r, t_errname(errno));
    nb.mq_flags = 0;
    mq_setattr(q, &nb, NULL);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100000000;
    if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    n = mq_timedreceive(q, buf, sizeof buf, &prio, &ts);
    printf("timed receive: %zd %s\n", n, t_errname(errno));

    struct pollfd p = {q, POLLIN, 0};
    int pr = poll(&p, 1, 0);
    printf("poll empty: %d\n", pr);
    pid_t c = t_fork();
    if (c == 0) {
        struct timespec nap = {0, 100000000};
        nanosleep(&nap, NULL);
        mqd_t cq = mq_open(name, O_WRONLY);
        mq_send(cq, "from child", 10, 3);
        _exit(0);
    }
    n = mq_receive(q, buf, sizeof buf, &prio);
    printf("blocked receive woke: '%.*s' prio %u\n", (int)n, buf, prio);
    t_wait(c);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 31337;
    printf("notify: %d\n", mq_notify(q, &sev));
    r = mq_notify(q, &sev);
    printf("notify again: %d %s\n", r, t_errname(errno));
    c = t_fork();
    if (c == 0) {
        mqd_t cq = mq_open(name, O_WRONLY);
        mq_send(cq, "wake", 4, 0);
        _exit(0);
    }
    t_wait(c);
    while (!got_sig)
        pause();
    printf("notified: %s code SI_MESGQ %s value %d from the child %s\n", got_sig == SIGUSR1 ? "SIGUSR1" : "?",
           t_yesno(got_code == SI_MESGQ), got_value, t_yesno(got_pid == c));
    pr = poll(&p, 1, 0);
    printf("poll with a message: %d %s\n", pr, t_yesno(p.revents & POLLIN));
    n = mq_receive(q, buf, sizeof buf, &prio);
    printf("receive: '%.*s'\n", (int)n, buf);
    printf("registration used up, register again: %d\n", mq_notify(q, &sev));

    printf("unlink: %d\n", mq_unlink(name));
    r = mq_unlink(name);
    printf("unlink again: %d %s\n", r, t_errname(errno));
    printf("still usable after unlink: %d\n", mq_send(q, "z", 1, 0));
    mq_close(q);
    struct mq_attr toobig = {.mq_maxmsg = 100000, .mq_msgsize = 64};
    mqd_t bad = mq_open(name, O_RDWR | O_CREAT, 0600, &toobig);
    printf("maxmsg too big: %d %s\n", (int)bad, t_errname(errno));
    return 0;
}
