/*
 * ipc_namespace.c - System V IPC objects live in an IPC namespace: a child
 * made with clone(CLONE_NEWIPC) sees none of its parent's keys or ids and
 * an empty /proc/sysvipc/msg, and what it creates is invisible to the parent;
 * CLONE_NEWIPC with CLONE_SYSVSEM is EINVAL. (Needs root, as on Linux.)
 */
#include "t.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/syscall.h>

static pid_t clone_flags(unsigned long flags)
{
    fflush(stdout);
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

static int proc_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    return n;
}

int main(void)
{
    t_init();
    if (geteuid() != 0) {
        printf("not root: skipped\n");
        return 0;
    }
    key_t key = 0x51a70000 + (getpid() & 0xffff);
    int q = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    printf("parent queue: %s\n", t_yesno(q >= 0));
    int p[2];
    pipe(p);
    pid_t c = clone_flags(CLONE_NEWIPC);
    if (c == 0) {
        int r = msgget(key, 0600);
        printf("child sees parent's key: %d %s\n", r, t_errname(errno));
        struct msqid_ds ds;
        r = msgctl(q, IPC_STAT, &ds);
        printf("child sees parent's id: %d %s\n", r, t_errname(errno));
        printf("child /proc/sysvipc/msg lines: %d\n", proc_lines("/proc/sysvipc/msg"));
        int mine = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
        printf("child makes the same key: %s\n", t_yesno(mine >= 0));
        write(p[1], &mine, sizeof mine);
        msgctl(mine, IPC_RMID, NULL);
        _exit(0);
    }
    int theirs = -1;
    read(p[0], &theirs, sizeof theirs);
    printf("child: %s\n", t_status(t_wait(c)));
    printf("parent still has its queue: %s\n", t_yesno(msgget(key, 0600) == q));
    int r = (int)clone_flags(CLONE_NEWIPC | CLONE_SYSVSEM);
    if (r == 0)
        _exit(0);
    printf("NEWIPC with SYSVSEM: %d %s\n", r, t_errname(errno));
    msgctl(q, IPC_RMID, NULL);
    return t_done();
}
