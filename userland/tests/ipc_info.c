/*
 * ipc_info.c - the listing side of System V IPC that ipcs(1) uses:
 * IPC_INFO limits (msginfo, seminfo, shminfo), MSG_INFO/SEM_INFO/SHM_INFO
 * returning the highest index in use, and MSG_STAT/SEM_STAT/SHM_STAT turning
 * an index into the object's id. Objects of other programs may exist on the
 * host, so only facts about our own objects and the limits are printed.
 */
#define _GNU_SOURCE
#include "t.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

int main(void)
{
    t_init();
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int s = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    int h = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);

    struct msginfo mi;
    int maxq = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
    printf("msg IPC_INFO: max %d mnb %d mni %d ssz %d seg %d\n", mi.msgmax, mi.msgmnb, mi.msgmni,
           mi.msgssz, mi.msgseg);
    maxq = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi);
    printf("msg MSG_INFO: our index within max %s, in use >= 1 %s\n",
           t_yesno(q % 32768 <= maxq), t_yesno(mi.msgpool >= 1));
    int found = 0;
    for (int i = 0; i <= maxq; i++) {
        struct msqid_ds ds;
        int id = msgctl(i, MSG_STAT, &ds);
        if (id == q)
            found = 1;
    }
    printf("MSG_STAT finds our queue: %s\n", t_yesno(found));

    struct seminfo si;
    union { int val; struct seminfo *info; struct semid_ds *buf; } a;
    a.info = &si;
    int maxs = semctl(0, 0, IPC_INFO, a);
    printf("sem IPC_INFO: msl %d mns %d opm %d mni %d vmx %d\n", si.semmsl, si.semmns, si.semopm,
           si.semmni, si.semvmx);
    maxs = semctl(0, 0, SEM_INFO, a);
    found = 0;
    for (int i = 0; i <= maxs; i++) {
        struct semid_ds ds;
        a.buf = &ds;
        if (semctl(i, 0, SEM_STAT, a) == s)
            found = ds.sem_nsems == 2;
    }
    printf("SEM_STAT finds our set with 2 semaphores: %s\n", t_yesno(found));

    struct shminfo hi;
    int maxh = shmctl(0, IPC_INFO, (struct shmid_ds *)&hi);
    printf("shm IPC_INFO: min %lu mni %lu\n", (unsigned long)hi.shmmin, (unsigned long)hi.shmmni);
    struct shm_info su;
    maxh = shmctl(0, SHM_INFO, (struct shmid_ds *)&su);
    printf("shm SHM_INFO: used >= 1 %s, pages >= 2 %s\n", t_yesno(su.used_ids >= 1),
           t_yesno(su.shm_tot >= 2));
    found = 0;
    for (int i = 0; i <= maxh; i++) {
        struct shmid_ds ds;
        if (shmctl(i, SHM_STAT, &ds) == h)
            found = ds.shm_segsz == 8192;
    }
    printf("SHM_STAT finds our segment: %s\n", t_yesno(found));
    int r = msgctl(40000, MSG_STAT, (struct msqid_ds *)&mi);
    printf("MSG_STAT of an unused index: %d %s\n", r, t_errname(errno));

    msgctl(q, IPC_RMID, NULL);
    semctl(s, 0, IPC_RMID);
    shmctl(h, IPC_RMID, NULL);
    return t_done();
}
