/*
 * id_limits.c - uids and gids of 2^31 and more, and (uid_t)-1, compared with Linux: chown
 * stores them as u32 and stat reports them; -1 means "no change"; setuid(-1) and a -1 in
 * setgroups are EINVAL; IPC_SET takes ids >= 2^31 and refuses (uid_t)-1 with EINVAL, also
 * from a struct of all 0xff bytes (msg_qbytes kept: raising it needs CAP_SYS_RESOURCE). Runs as root; the files are on tmpfs (/dev/shm).
 */
#include "t.h"
#include <grp.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>

static void show_owner(const char *name, int fd)
{
    struct stat st;
    fstat(fd, &st);
    printf("%s: uid %u gid %u\n", name, (unsigned)st.st_uid, (unsigned)st.st_gid);
}

static void child_ids(void *arg)
{
    (void)arg;
    uid_t r, e, s;
    SHOW("setuid(-1)", setuid((uid_t)-1));
    SHOW("setgid(-1)", setgid((gid_t)-1));
    gid_t bad[2] = {5, (gid_t)-1};
    SHOW("setgroups with -1", setgroups(2, bad));
    SHOW("setresgid(2^31+2, -1, -1)", setresgid(0x80000002u, (gid_t)-1, (gid_t)-1));
    SHOW("setresuid(2^31+1, 2^31+1, -1)", setresuid(0x80000001u, 0x80000001u, (uid_t)-1));
    getresuid(&r, &e, &s);
    printf("resuid: %u %u %u\n", (unsigned)r, (unsigned)e, (unsigned)s);
    SHOW("raw setuid 2^32+7 (low bits 7)", syscall(SYS_setuid, 0x100000007ul));
    printf("euid: %u\n", (unsigned)geteuid());
}

static void ipc_set(const char *what, int (*ctl)(int, int, void *), int id, void *buf,
                    size_t size, struct ipc_perm *perm, void (*fix)(void *, void *))
{
    unsigned char saved[256];
    memcpy(saved, buf, size);
    perm->uid = 0x80000003u;
    perm->gid = 0x90000004u;
    printf("%s IPC_SET 2^31 ids: %s\n", what, ctl(id, IPC_SET, buf) == 0 ? "0" : t_errname(errno));
    memset(buf, 0, size);
    ctl(id, IPC_STAT, buf);
    printf("%s after: uid %u gid %u\n", what, (unsigned)perm->uid, (unsigned)perm->gid);
    perm->uid = (uid_t)-1;
    printf("%s IPC_SET uid -1: %s\n", what, ctl(id, IPC_SET, buf) == 0 ? "0" : t_errname(errno));
    memset(buf, 0xff, size);
    if (fix)
        fix(buf, saved);
    printf("%s IPC_SET all 0xff: %s\n", what, ctl(id, IPC_SET, buf) == 0 ? "0" : t_errname(errno));
    memset(buf, 0, size);
    ctl(id, IPC_STAT, buf);
    printf("%s still: uid %u gid %u mode %o\n", what, (unsigned)perm->uid, (unsigned)perm->gid,
           (unsigned)perm->mode & 0777);
    memcpy(buf, saved, size);
}

/* msg_qbytes past msgmnb needs CAP_SYS_RESOURCE, which a container's root may lack */
static void keep_qbytes(void *buf, void *saved)
{
    ((struct msqid_ds *)buf)->msg_qbytes = ((struct msqid_ds *)saved)->msg_qbytes;
}

static int msgctl_(int id, int cmd, void *b) { return msgctl(id, cmd, b); }
static int shmctl_(int id, int cmd, void *b) { return shmctl(id, cmd, b); }
static int semctl_(int id, int cmd, void *b) { return semctl(id, 0, cmd, b); }

int main(void)
{
    t_init();
    const char *path = "/dev/shm/pynix-idl";
    char p[128];
    snprintf(p, sizeof p, "%s-%d", path, (int)getpid());
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
    SHOW("fchown(2^31, 0x90000000)", fchown(fd, 0x80000000u, 0x90000000u));
    show_owner("after", fd);
    SHOW("fchown(-1, 7)", fchown(fd, (uid_t)-1, 7));
    show_owner("uid kept", fd);
    SHOW("chown(0xfffffffe, -1)", chown(p, 0xfffffffeu, (gid_t)-1));
    show_owner("largest id", fd);
    SHOW("raw fchown 2^32+5 (low bits 5)", syscall(SYS_fchown, fd, 0x100000005ul, 0x100000006ul));
    show_owner("low 32 bits", fd);
    unsigned char sx[256];                  /* struct statx: stx_uid at 20, stx_gid at 24 */
    unsigned su, sg;
    syscall(SYS_statx, AT_FDCWD, p, 0, 0x7ff, sx);
    memcpy(&su, sx + 20, 4);
    memcpy(&sg, sx + 24, 4);
    printf("statx: uid %u gid %u\n", su, sg);
    close(fd);
    unlink(p);
    printf("child: %s\n", t_status(t_in_child(child_ids, NULL)));

    struct msqid_ds mq;
    int m = msgget(IPC_PRIVATE, 0600);
    msgctl(m, IPC_STAT, &mq);
    ipc_set("msg", msgctl_, m, &mq, sizeof mq, &mq.msg_perm, keep_qbytes);
    msgctl(m, IPC_RMID, NULL);
    struct shmid_ds sh;
    int s = shmget(IPC_PRIVATE, 4096, 0600);
    shmctl(s, IPC_STAT, &sh);
    ipc_set("shm", shmctl_, s, &sh, sizeof sh, &sh.shm_perm, NULL);
    shmctl(s, IPC_RMID, NULL);
    struct semid_ds se;
    int sm = semget(IPC_PRIVATE, 1, 0600);
    semctl(sm, 0, IPC_STAT, &se);
    ipc_set("sem", semctl_, sm, &se, sizeof se, &se.sem_perm, NULL);
    semctl(sm, 0, IPC_RMID);
    return t_done();
}
