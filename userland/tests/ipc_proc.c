/*
 * ipc_proc.c - the System V IPC files of /proc: the limits in
 * /proc/sys/kernel (msgmax, msgmnb, msgmni, sem) and the objects listed in
 * /proc/sysvipc/{msg,sem,shm} with Linux's headers and columns (found by id;
 * only ids, modes, sizes and counts are printed, never pids or times).
 */
#include "t.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

static void show_file(const char *path)
{
    char buf[256];
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s: missing\n", path);
        return;
    }
    if (fgets(buf, sizeof buf, f))
        printf("%s: %s", path, buf);
    fclose(f);
}

/* print the line of /proc/sysvipc/KIND whose second column is id, columns 3.. of interest */
static void find_line(const char *kind, int id, int ncols, const int *cols)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", kind);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s: missing\n", path);
        return;
    }
    int found = 0;
    if (fgets(line, sizeof line, f))
        printf("%s header: %s", kind, line);
    while (fgets(line, sizeof line, f)) {
        char *tok[24];
        int n = 0;
        char copy[512];
        strcpy(copy, line);
        for (char *p = strtok(copy, " \n"); p && n < 24; p = strtok(NULL, " \n"))
            tok[n++] = p;
        if (n > 2 && atoi(tok[1]) == id) {
            found = 1;
            printf("%s row:", kind);
            for (int i = 0; i < ncols; i++)
                printf(" %s", cols[i] < n ? tok[cols[i]] : "?");
            printf(" (columns %d)\n", n);
        }
    }
    fclose(f);
    if (!found)
        printf("%s: id not listed\n", kind);
}

int main(void)
{
    t_init();
    show_file("/proc/sys/kernel/msgmax");
    show_file("/proc/sys/kernel/msgmnb");
    show_file("/proc/sys/kernel/msgmni");
    show_file("/proc/sys/kernel/sem");

    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0640);
    struct { long t; char c[10]; } m = {1, "123456789"};
    msgsnd(q, &m, 10, 0);
    msgsnd(q, &m, 5, 0);
    int s = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    int h = shmget(IPC_PRIVATE, 5000, IPC_CREAT | 0604);
    void *p = shmat(h, NULL, 0);

    int mcols[] = {0, 2, 3, 4};
    find_line("msg", q, 4, mcols);
    int scols[] = {0, 2, 3};
    find_line("sem", s, 3, scols);
    int hcols[] = {0, 2, 3, 6};
    find_line("shm", h, 4, hcols);

    shmdt(p);
    shmctl(h, IPC_RMID, NULL);
    semctl(s, 0, IPC_RMID);
    msgctl(q, IPC_RMID, NULL);
    find_line("msg", q, 0, mcols);
    return t_done();
}
