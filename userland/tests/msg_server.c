/*
 * msg_server.c - the classic message-queue client-server (Bach ch. 11.2.1):
 * a server receives requests of type 1 on one queue and answers each client
 * with a message whose type is the client's pid. Every request comes in two
 * messages (header, body); a System V semaphore used as a mutex (with
 * SEM_UNDO) makes each client's pair arrive together, which the server checks.
 */
#include "t.h"
#include <ctype.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>

#define NCLIENTS 4
#define ROUNDS 5

struct msg { long mtype; pid_t pid; int part; char text[48]; };

static void lock(int sem, int d)
{
    struct sembuf sb = {0, (short)d, SEM_UNDO};
    while (semop(sem, &sb, 1) < 0 && errno == EINTR)
        ;
}

static void client(int q, int sem, int id)
{
    int ok = 1;
    for (int r = 0; r < ROUNDS; r++) {
        struct msg m = {1, getpid(), 0, ""};
        snprintf(m.text, sizeof m.text, "client %d round %d", id, r);
        lock(sem, -1);
        msgsnd(q, &m, sizeof m - sizeof m.mtype, 0);
        sched_yield();
        m.part = 1;
        msgsnd(q, &m, sizeof m - sizeof m.mtype, 0);
        lock(sem, 1);
        struct msg ans;
        if (msgrcv(q, &ans, sizeof ans - sizeof ans.mtype, getpid(), 0) < 0)
            ok = 0;
        char want[48];
        snprintf(want, sizeof want, "CLIENT %d ROUND %d", id, r);
        ok &= strcmp(ans.text, want) == 0;
    }
    _exit(ok ? 0 : 1);
}

int main(void)
{
    t_init();
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    semctl(sem, 0, SETVAL, 1);
    pid_t kids[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++) {
        kids[i] = t_fork();
        if (kids[i] == 0)
            client(q, sem, i);
    }
    int torn = 0;
    for (int n = 0; n < NCLIENTS * ROUNDS; n++) {
        struct msg a, b;
        msgrcv(q, &a, sizeof a - sizeof a.mtype, 1, 0);
        msgrcv(q, &b, sizeof b - sizeof b.mtype, 1, 0);
        torn |= a.pid != b.pid || a.part != 0 || b.part != 1;
        for (char *p = a.text; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        a.mtype = a.pid;
        msgsnd(q, &a, sizeof a - sizeof a.mtype, 0);
    }
    for (int i = 0; i < NCLIENTS; i++)
        printf("client %d: %s\n", i, t_status(t_wait(kids[i])));
    printf("requests torn apart: %s\n", t_yesno(torn));
    printf("semaphore free again: %d\n", semctl(sem, 0, GETVAL));
    struct msqid_ds ds;
    msgctl(q, IPC_STAT, &ds);
    printf("queue empty: %s\n", t_yesno(ds.msg_qnum == 0));
    msgctl(q, IPC_RMID, NULL);
    semctl(sem, 0, IPC_RMID);
    return t_done();
}
