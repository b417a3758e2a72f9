/*
 * ipc_eintr.c - which blocking IPC calls a signal handler installed with
 * SA_RESTART restarts, as on Linux: msgrcv, msgsnd, semop and epoll_wait are
 * never restarted (EINTR), while accept and read on a socket are.
 */
#include "t.h"
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/time.h>

static volatile int hits;
static void on_alarm(int s) { (void)s; hits++; }

/* A repeating timer: should the first tick come before the call sleeps, the next one
 * interrupts it. disarm() stops it and says whether the handler ran. */
static void arm(void)
{
    struct itimerval it = {{0, 100000}, {0, 100000}};
    hits = 0;
    setitimer(ITIMER_REAL, &it, NULL);
}

static const char *disarm(void)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    return t_yesno(hits > 0);
}

int main(void)
{
    t_init();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);

    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct { long t; char c[8]; } m;
    arm();
    int r = (int)msgrcv(q, &m, sizeof m.c, 0, 0);
    printf("msgrcv: %d %s, handler ran %s\n", r, t_errname(errno), disarm());

    struct msqid_ds ds;
    msgctl(q, IPC_STAT, &ds);
    ds.msg_qbytes = 8;
    msgctl(q, IPC_SET, &ds);
    m.t = 1;
    msgsnd(q, &m, 8, 0);
    arm();
    r = msgsnd(q, &m, 8, 0);
    printf("msgsnd on a full queue: %d %s, handler ran %s\n", r, t_errname(errno), disarm());
    msgctl(q, IPC_RMID, NULL);

    int s = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    struct sembuf down = {0, -1, 0};
    arm();
    r = semop(s, &down, 1);
    printf("semop: %d %s, handler ran %s\n", r, t_errname(errno), disarm());
    semctl(s, 0, IPC_RMID);

    int ep = epoll_create1(0), p[2];
    pipe(p);
    struct epoll_event ev = {EPOLLIN, {0}}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    arm();
    r = epoll_wait(ep, &out, 1, 5000);
    printf("epoll_wait: %d %s, handler ran %s\n", r, t_errname(errno), disarm());

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t c = t_fork();
    if (c == 0) {
        usleep(300000);
        write(sv[1], "late", 4);
        _exit(0);
    }
    arm();
    char buf[8];
    r = (int)read(sv[0], buf, sizeof buf);
    printf("socket read restarted: %d, handler ran %s\n", r, disarm());
    t_wait(c);
    return t_done();
}
