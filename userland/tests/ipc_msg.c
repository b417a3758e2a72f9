/*
 * ipc_msg.c - System V message queues: message types (0, >0, <0, MSG_EXCEPT),
 * IPC_NOWAIT (ENOMSG / EAGAIN), E2BIG and MSG_NOERROR, a sender blocked on a
 * full queue until a receiver makes room, IPC_STAT/IPC_SET, key lookup with
 * IPC_CREAT|IPC_EXCL, and EIDRM to a receiver blocked when the queue is
 * removed. Queues are IPC_PRIVATE or removed, so nothing outlives a run.
 */
#include "t.h"
#include <sys/ipc.h>
#include <sys/msg.h>

struct m { long mtype; char text[64]; };

static int snd(int q, long type, const char *s, int flags)
{
    struct m m;
    m.mtype = type;
    strcpy(m.text, s);
    return msgsnd(q, &m, strlen(s) + 1, flags);
}

static long rcv(int q, long type, int flags, char *out)
{
    struct m m;
    ssize_t n = msgrcv(q, &m, sizeof m.text, type, flags);
    if (n < 0)
        return -1;
    strcpy(out, m.text);
    return m.mtype;
}

/* Wait until process pid sleeps (state S in /proc/pid/stat): here, only msgrcv can put it there. */
static void wait_sleeping(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(path, "r");
        char state = 0;
        if (f) {
            if (fgets(line, sizeof line, f)) {
                char *p = strrchr(line, ')');
                if (p && p[1] == ' ')
                    state = p[2];
            }
            fclose(f);
        }
        if (state == 'S')
            return;
        usleep(10000);
    }
}

int main(void)
{
    t_init();
    char buf[64];
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    t_check("msgget private", q >= 0, "%s", t_errname(errno));

    snd(q, 3, "three", 0);
    snd(q, 1, "one", 0);
    snd(q, 2, "two", 0);
    snd(q, 1, "one-b", 0);
    long ty = rcv(q, 0, 0, buf);
    printf("type 0 -> %ld %s\n", ty, buf);
    ty = rcv(q, 2, 0, buf);
    printf("type 2 -> %ld %s\n", ty, buf);
    snd(q, 5, "five", 0);
    snd(q, 4, "four", 0);
    ty = rcv(q, 1, MSG_EXCEPT, buf);
    printf("type 1 except -> %ld %s\n", ty, buf);
    snd(q, 5, "five", 0);
    ty = rcv(q, -4, 0, buf);
    printf("type -4 -> %ld %s\n", ty, buf);
    ty = rcv(q, 7, IPC_NOWAIT, buf);
    printf("type 7 nowait -> %ld %s\n", ty, t_errname(errno));

    struct msqid_ds ds;
    msgctl(q, IPC_STAT, &ds);
    printf("qnum %lu cbytes %lu mode %o\n", (unsigned long)ds.msg_qnum,
           (unsigned long)ds.msg_cbytes, ds.msg_perm.mode & 0777);
    printf("lspid is me: %s\n", t_yesno(ds.msg_lspid == getpid()));

    /* E2BIG and MSG_NOERROR */
    struct { long mtype; char t[4]; } small;
    errno = 0;
    ssize_t n = msgrcv(q, &small, sizeof small.t, 0, 0);
    printf("short buffer: %zd %s\n", n, t_errname(errno));
    n = msgrcv(q, &small, sizeof small.t, 0, MSG_NOERROR);
    printf("noerror: %zd %.4s\n", n, small.t);
    n = msgrcv(q, &small, sizeof small.t, 0, MSG_NOERROR);
    printf("noerror: %zd %.4s\n", n, small.t);

    /* invalid sends */
    int r = snd(q, 0, "x", 0);
    printf("mtype 0: %d %s\n", r, t_errname(errno));

    /* a sender blocks on a full queue until a receiver makes room */
    ds.msg_qbytes = 100;
    printf("set qbytes: %d\n", msgctl(q, IPC_SET, &ds));
    msgctl(q, IPC_STAT, &ds);
    printf("qbytes now %lu\n", (unsigned long)ds.msg_qbytes);
    char big[60];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = 0;
    snd(q, 9, big, 0);
    r = snd(q, 9, big, IPC_NOWAIT);
    printf("full nowait: %d %s\n", r, t_errname(errno));
    int p[2];
    pipe(p);
    pid_t c = t_fork();
    if (c == 0) {
        close(p[0]);
        write(p[1], "s", 1);
        int r = snd(q, 10, big, 0);       /* blocks */
        _exit(r == 0 ? 0 : 1);
    }
    close(p[1]);
    read(p[0], buf, 1);
    usleep(100000);
    msgctl(q, IPC_STAT, &ds);
    printf("while sender blocked: qnum %lu\n", (unsigned long)ds.msg_qnum);
    rcv(q, 9, 0, buf);
    printf("sender: %s\n", t_status(t_wait(c)));
    ty = rcv(q, 10, 0, buf);
    printf("got from blocked sender: %ld len %zu\n", ty, strlen(buf));

    /* keys: IPC_CREAT|IPC_EXCL, ENOENT */
    key_t key = 0x50790000 + (getpid() & 0xffff);
    int k1 = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    int k2 = msgget(key, 0600);
    errno = 0;
    int k3 = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    printf("key: same id %s, excl %d %s\n", t_yesno(k1 == k2 && k1 >= 0), k3, t_errname(errno));
    msgctl(k1, IPC_RMID, NULL);
    r = msgget(key, 0600);
    printf("after rmid: %d %s\n", r, t_errname(errno));
    r = msgctl(k1, IPC_STAT, &ds);
    printf("stale id: %d %s\n", r, t_errname(errno));

    /* EIDRM to a blocked receiver */
    int ready[2];
    pipe(ready);
    c = t_fork();
    if (c == 0) {
        write(ready[1], "r", 1);
        long r = rcv(q, 42, 0, buf);
        _exit(r < 0 && errno == EIDRM ? 0 : 1);   /* the parent prints: one writer at a time */
    }
    read(ready[0], buf, 1);
    wait_sleeping(c);                /* it has reached msgrcv and sleeps there */
    printf("rmid: %d\n", msgctl(q, IPC_RMID, NULL));
    printf("blocked receiver got EIDRM: %s\n", t_status(t_wait(c)));
    return t_done();
}
