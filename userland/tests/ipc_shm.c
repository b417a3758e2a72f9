/*
 * ipc_shm.c - System V shared memory: a segment attached in two processes is
 * the same memory (writes seen both ways), shm_nattch follows attach, fork,
 * shmdt, exec and exit, SHM_RDONLY faults on a store, attaching at a chosen
 * address (SHM_RND), EINVAL cases, and a segment outliving its creator until
 * IPC_RMID and the last detach; a producer/consumer pair guarded by two
 * semaphores passes 200 numbers through a one-slot buffer.
 */
#include "t.h"
#include <setjmp.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>

static unsigned long nattch(int id)
{
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) < 0)
        return 999;
    return (unsigned long)ds.shm_nattch;
}

static sigjmp_buf jb;
static void on_segv(int s) { (void)s; siglongjmp(jb, 1); }

static void semop1(int id, int num, int d)
{
    struct sembuf sb = {(unsigned short)num, (short)d, 0};
    while (semop(id, &sb, 1) < 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    if (argc > 1) {                 /* exec'd child: report nattch of argv[1] */
        printf("after exec nattch %lu\n", nattch(atoi(argv[1])));
        return 0;
    }
    t_init();
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    t_check("shmget", id >= 0, "%s", t_errname(errno));
    struct shmid_ds ds;
    shmctl(id, IPC_STAT, &ds);
    printf("segsz %lu nattch %lu cpid is me %s\n", (unsigned long)ds.shm_segsz,
           (unsigned long)ds.shm_nattch, t_yesno(ds.shm_cpid == getpid()));
    char *p = shmat(id, NULL, 0);
    t_check("shmat", p != (char *)-1, "%s", t_errname(errno));
    printf("fresh memory zero: %s\n", t_yesno(p[0] == 0 && p[9999] == 0));
    printf("nattch after attach %lu\n", nattch(id));
    char *q = shmat(id, NULL, 0);
    printf("second attach elsewhere %s, same memory %s\n", t_yesno(q != p),
           t_yesno((p[5000] = 'z', q[5000] == 'z')));
    printf("nattch %lu\n", nattch(id));
    shmdt(q);
    printf("nattch after shmdt %lu\n", nattch(id));

    /* fork inherits the attachment; writes are shared both ways */
    strcpy(p, "from parent");
    pid_t c = t_fork();
    if (c == 0) {
        printf("child sees: %s, nattch %lu\n", p, nattch(id));
        strcpy(p + 100, "from child");
        _exit(0);
    }
    t_wait(c);
    printf("parent sees: %s, nattch %lu\n", p + 100, nattch(id));

    /* exec detaches */
    c = t_fork();
    if (c == 0) {
        char num[16];
        snprintf(num, sizeof num, "%d", id);
        execl("/proc/self/exe", argv[0], num, (char *)NULL);
        execl(argv[0], argv[0], num, (char *)NULL);
        _exit(127);
    }
    printf("exec child: %s\n", t_status(t_wait(c)));

    /* SHM_RDONLY */
    char *ro = shmat(id, NULL, SHM_RDONLY);
    printf("rdonly reads: %s\n", ro + 100);
    signal(SIGSEGV, on_segv);
    if (sigsetjmp(jb, 1) == 0) {
        ro[0] = 'x';
        printf("rdonly store: allowed\n");
    } else {
        printf("rdonly store: SIGSEGV\n");
    }
    shmdt(ro);

    /* chosen address, SHM_RND, EINVAL cases */
    char *area = mmap(NULL, 1 << 16, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(area, 1 << 16);
    char *at = shmat(id, area + 4096 + 123, SHM_RND);
    printf("rnd attach at chosen page: %s, sees %s\n", t_yesno(at == area + 4096), at);
    char *bad = shmat(id, area + 123, 0);
    printf("unaligned: %s %s\n", t_yesno(bad == (char *)-1), t_errname(errno));
    int r = shmdt(area + 8192);
    printf("shmdt not attached: %d %s\n", r, t_errname(errno));
    r = shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600);
    printf("size 0: %d %s\n", r, t_errname(errno));
    shmdt(at);
    shmdt(p);
    printf("nattch all detached %lu\n", nattch(id));

    /* a segment outlives its creator until IPC_RMID and the last detach */
    int pp[2];
    pipe(pp);
    c = t_fork();
    if (c == 0) {
        int sid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        char *m = shmat(sid, NULL, 0);
        strcpy(m, "left by the creator");
        write(pp[1], &sid, sizeof sid);
        _exit(0);                    /* exits attached: exit detaches */
    }
    int sid;
    read(pp[0], &sid, sizeof sid);
    t_wait(c);
    printf("creator gone, nattch %lu\n", nattch(sid));
    char *m = shmat(sid, NULL, 0);
    printf("contents survive: %s\n", m);
    printf("rmid while attached: %d\n", shmctl(sid, IPC_RMID, NULL));
    shmctl(sid, IPC_STAT, &ds);
    printf("marked dest: %s, key private: %s, still readable: %s\n",
           t_yesno(ds.shm_perm.mode & SHM_DEST), t_yesno(ds.shm_perm.__key == 0), m);
    shmdt(m);
    r = shmctl(sid, IPC_STAT, &ds);
    printf("after last detach: %d %s\n", r, t_errname(errno));
    shmctl(id, IPC_RMID, NULL);

    /* producer/consumer through one slot guarded by semaphores: 0 = empty, 1 = full */
    int buf = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    int sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    unsigned short init[2] = {1, 0};
    semctl(sem, 0, SETALL, init);
    volatile int *slot = shmat(buf, NULL, 0);
    shmctl(buf, IPC_RMID, NULL);
    c = t_fork();
    if (c == 0) {
        for (int i = 1; i <= 200; i++) {
            semop1(sem, 0, -1);
            *slot = i * i;
            semop1(sem, 1, 1);
        }
        _exit(0);
    }
    long sum = 0;
    for (int i = 1; i <= 200; i++) {
        semop1(sem, 1, -1);
        sum += *slot;
        semop1(sem, 0, 1);
    }
    printf("producer: %s, sum %ld\n", t_status(t_wait(c)), sum);
    semctl(sem, 0, IPC_RMID);
    shmdt((void *)slot);
    return t_done();
}
