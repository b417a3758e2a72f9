/*
 * ipc_sem.c - System V semaphores: several operations applied atomically or
 * not at all, IPC_NOWAIT (EAGAIN), SETVAL/GETVAL/SETALL/GETALL/GETPID,
 * GETNCNT/GETZCNT counting blocked processes, wait-for-zero, ERANGE, EFBIG,
 * semtimedop timing out, SEM_UNDO adjustments applied when a process is
 * killed with SIGKILL, IPC_STAT, and EIDRM to a blocked semop on IPC_RMID.
 */
#include "t.h"
#include <sys/ipc.h>
#include <sys/sem.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };

static int op(int id, int num, int delta, int flg)
{
    struct sembuf sb = {(unsigned short)num, (short)delta, (short)flg};
    return semop(id, &sb, 1);
}

static int val(int id, int num) { return semctl(id, num, GETVAL); }

int main(void)
{
    t_init();
    int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    t_check("semget", id >= 0, "%s", t_errname(errno));
    unsigned short init[3] = {1, 0, 5};
    union semun a;
    a.array = init;
    printf("setall: %d\n", semctl(id, 0, SETALL, a));
    unsigned short got[3];
    a.array = got;
    semctl(id, 0, GETALL, a);
    printf("getall: %d %d %d\n", got[0], got[1], got[2]);

    /* atomic: second op cannot proceed, so the first is not applied either */
    struct sembuf two[2] = {{0, -1, IPC_NOWAIT}, {1, -1, IPC_NOWAIT}};
    int r = semop(id, two, 2);
    printf("atomic nowait: %d %s, sem0 still %d\n", r, t_errname(errno), val(id, 0));
    struct sembuf ok2[2] = {{0, -1, 0}, {2, -3, 0}};
    r = semop(id, ok2, 2);
    printf("both: %d -> %d %d\n", r, val(id, 0), val(id, 2));
    printf("getpid is me: %s\n", t_yesno(semctl(id, 2, GETPID) == getpid()));

    r = op(id, 5, 1, 0);
    printf("bad semnum: %d %s\n", r, t_errname(errno));
    a.val = 40000;
    r = semctl(id, 0, SETVAL, a);
    printf("setval too big: %d %s\n", r, t_errname(errno));
    a.val = 32767;
    semctl(id, 1, SETVAL, a);
    r = op(id, 1, 1, 0);
    printf("over semvmx: %d %s\n", r, t_errname(errno));
    a.val = 0;
    semctl(id, 1, SETVAL, a);

    struct timespec ts = {0, 50 * 1000 * 1000};
    struct sembuf dec = {1, -1, 0};
    r = semtimedop(id, &dec, 1, &ts);
    printf("timedop: %d %s\n", r, t_errname(errno));

    /* two children wait: one to decrement sem 1, one for sem 2 to reach zero */
    pid_t c1 = t_fork();
    if (c1 == 0)
        _exit(op(id, 1, -1, 0) == 0 ? 0 : 1);
    pid_t c2 = t_fork();
    if (c2 == 0)
        _exit(op(id, 2, 0, 0) == 0 ? 0 : 1);
    while (semctl(id, 1, GETNCNT) < 1 || semctl(id, 2, GETZCNT) < 1)
        usleep(10000);
    printf("ncnt %d zcnt %d\n", semctl(id, 1, GETNCNT), semctl(id, 2, GETZCNT));
    op(id, 1, 1, 0);
    printf("decrementer: %s\n", t_status(t_wait(c1)));
    op(id, 2, -2, 0);
    printf("zero waiter: %s\n", t_status(t_wait(c2)));
    printf("counts now %d %d\n", semctl(id, 1, GETNCNT), semctl(id, 2, GETZCNT));

    /* SEM_UNDO: a child takes the lock (sem 0) and is killed; the kernel gives it back */
    a.val = 1;
    semctl(id, 0, SETVAL, a);
    int p[2];
    pipe(p);
    pid_t c = t_fork();
    if (c == 0) {
        op(id, 0, -1, SEM_UNDO);
        op(id, 2, 3, SEM_UNDO);
        write(p[1], "x", 1);
        pause();
        _exit(0);
    }
    char ch;
    read(p[0], &ch, 1);
    printf("while holder alive: sem0 %d sem2 %d\n", val(id, 0), val(id, 2));
    kill(c, SIGKILL);
    printf("holder: %s\n", t_status(t_wait(c)));
    printf("after kill: sem0 %d sem2 %d\n", val(id, 0), val(id, 2));

    /* SEM_UNDO in a child that exits normally after releasing its lock: no change */
    c = t_fork();
    if (c == 0) {
        op(id, 0, -1, SEM_UNDO);
        op(id, 0, 1, SEM_UNDO);
        _exit(0);
    }
    t_wait(c);
    printf("balanced undo: sem0 %d\n", val(id, 0));

    struct semid_ds ds;
    a.buf = &ds;
    semctl(id, 0, IPC_STAT, a);
    printf("stat: nsems %lu mode %o\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777);

    /* EIDRM */
    c = t_fork();
    if (c == 0) {
        int rr = op(id, 1, -5, 0);
        _exit(rr < 0 && errno == EIDRM ? 0 : 1);   /* the parent prints: one writer at a time */
    }
    while (semctl(id, 1, GETNCNT) < 1)
        usleep(10000);
    printf("rmid: %d\n", semctl(id, 0, IPC_RMID));
    printf("blocked semop got EIDRM: %s\n", t_status(t_wait(c)));
    r = val(id, 0);
    printf("after rmid: %d %s\n", r, t_errname(errno));
    return t_done();
}
