/*
 * map_shared.c - MAP_SHARED anonymous memory is one set of frames across
 * fork: a child's writes are seen by the parent and the other way round,
 * several children add to one counter, a child's munmap leaves the parent's
 * mapping alone, and the memory outlives the children. MAP_PRIVATE memory
 * mapped next to it stays copy-on-write.
 */
#include "t.h"
#include <sys/mman.h>

#define PG 4096

int main(void)
{
    t_init();
    volatile int *sh = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile int *pv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("shared mapping zero filled: %s\n", t_yesno(sh[0] == 0 && sh[3 * PG / (int)sizeof(int) + 5] == 0));
    sh[0] = 1;
    pv[0] = 1;

    /* Child writes; parent sees shared, not private. */
    pid_t c = t_fork();
    if (c == 0) {
        sh[0] = 2;
        sh[3 * PG / (int)sizeof(int)] = 99; /* a page the parent never touched */
        pv[0] = 2;
        _exit(0);
    }
    t_wait(c);
    printf("parent sees child's shared write: %s (%d)\n", t_yesno(sh[0] == 2), sh[0]);
    printf("parent sees child's write to an untouched shared page: %s\n",
           t_yesno(sh[3 * PG / (int)sizeof(int)] == 99));
    printf("parent does not see child's private write: %s (%d)\n", t_yesno(pv[0] == 1), pv[0]);

    /* Parent writes after fork; a waiting child sees it. */
    int go[2];
    if (pipe(go) < 0)
        return 2;
    c = t_fork();
    if (c == 0) {
        char b;
        close(go[1]);
        read(go[0], &b, 1);
        _exit(sh[1] == 1234 ? 0 : 1);
    }
    close(go[0]);
    sh[1] = 1234;
    t_write_all(go[1], "g", 1);
    close(go[1]);
    printf("child sees parent's later shared write: %s\n", t_status(t_wait(c)));

    /* 20 children add to one counter, one at a time. */
    sh[2] = 0;
    for (int i = 1; i <= 20; i++) {
        c = t_fork();
        if (c == 0) {
            sh[2] += i;
            _exit(0);
        }
        t_wait(c);
    }
    printf("counter after 20 children: %d\n", sh[2]);

    /* Grandchild's write reaches the grandparent. */
    c = t_fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            sh[4] = 77;
            _exit(0);
        }
        waitpid(g, NULL, 0);
        _exit(0);
    }
    t_wait(c);
    printf("grandchild's write seen: %s\n", t_yesno(sh[4] == 77));

    /* Child unmaps; parent's mapping is unaffected. */
    c = t_fork();
    if (c == 0) {
        munmap((void *)sh, 4 * PG);
        _exit(0);
    }
    t_wait(c);
    sh[5] = 5;
    printf("parent mapping alive after child munmap: %s\n", t_yesno(sh[5] == 5 && sh[0] == 2));

    /* Two processes alternate through a shared flag (no pipe), 50 turns each. */
    volatile int *turn = &sh[6], *count = &sh[7];
    *turn = 0;
    *count = 0;
    c = t_fork();
    if (c == 0) {
        for (int i = 0; i < 50; i++) {
            while (*turn != 1)
                sched_yield();
            (*count)++;
            __sync_synchronize();
            *turn = 0;
        }
        _exit(0);
    }
    for (int i = 0; i < 50; i++) {
        while (*turn != 0)
            sched_yield();
        (*count)++;
        __sync_synchronize();
        *turn = 1;
    }
    t_wait(c);
    printf("alternating turns through shared memory: count %d\n", *count);
    return t_done();
}
