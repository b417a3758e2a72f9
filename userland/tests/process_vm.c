/* process_vm_readv / process_vm_writev: copying to and from a forked child's memory,
 * partial transfers stopping at an unmapped page, and the errors (EINVAL, ESRCH, EFAULT,
 * EPERM for another user's process). */
#include "t.h"
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/syscall.h>

static char buf[64] = "parent data";
static char *pages;
static int to_child[2], to_parent[2];

static long vmrw(int wr, pid_t pid, struct iovec *l, unsigned long ln, struct iovec *r,
                 unsigned long rn, unsigned long flags)
{
    return syscall(wr ? SYS_process_vm_writev : SYS_process_vm_readv, pid, l, ln, r, rn, flags);
}

static void child_loop(void)
{
    char c;
    strcpy(buf, "child data");
    munmap(pages + 4096, 4096);
    memset(pages, 'c', 4096);
    write(to_parent[1], "r", 1);
    read(to_child[0], &c, 1);               /* parent wrote into buf */
    _exit(strcmp(buf, "written by parent") == 0 ? 0 : 1);
}

static void as_user(void *arg)
{
    pid_t target = *(pid_t *)arg;
    char dst[16];
    struct iovec l = {dst, 8}, r = {buf, 8};
    if (setresuid(1000, 1000, 1000) < 0)
        _exit(3);
    SHOW("user reads root process", vmrw(0, target, &l, 1, &r, 1, 0));
    SHOW("user reads itself", vmrw(0, getpid(), &l, 1, &r, 1, 0));
}

int main(void)
{
    t_init();
    pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pipe(to_child);
    pipe(to_parent);
    pid_t c = t_fork();
    if (c == 0)
        child_loop();
    char ch, dst[64] = {0}, d2[8] = {0};
    read(to_parent[0], &ch, 1);

    struct iovec l[2] = {{dst, 5}, {d2, 8}}, r[2] = {{buf, 3}, {buf + 3, 7}};
    SHOW("readv two by two", vmrw(0, c, l, 2, r, 2, 0));
    printf("got: %.5s|%.5s\n", dst, d2);

    char big[300];
    struct iovec lb = {big, sizeof big}, rp = {pages + 4096 - 100, 200};
    SHOW("read across unmapped page", vmrw(0, c, &lb, 1, &rp, 1, 0));
    printf("bytes are c: %s\n", t_yesno(big[0] == 'c' && big[99] == 'c'));
    struct iovec rgone = {pages + 4096, 10};
    SHOW("read unmapped only", vmrw(0, c, &lb, 1, &rgone, 1, 0));
    struct iovec lbad = {(void *)8, 10}, r1 = {buf, 10};
    SHOW("bad local address", vmrw(0, c, &lbad, 1, &r1, 1, 0));
    SHOW("flags 1", vmrw(0, c, &lb, 1, &r1, 1, 1));
    SHOW("liovcnt 1025", vmrw(0, c, &lb, 1025, &r1, 1, 0));
    SHOW("riovcnt 1025", vmrw(0, c, &lb, 1, &r1, 1025, 0));
    struct iovec rneg = {buf, (size_t)-1};
    SHOW("negative remote length", vmrw(0, c, &lb, 1, &rneg, 1, 0));
    struct iovec lzero = {dst, 0};
    SHOW("nothing to copy, bad pid", vmrw(0, -5, &lzero, 1, &r1, 1, 0));
    SHOW("bad iovec array", vmrw(0, c, (struct iovec *)8, 1, &r1, 1, 0));
    SHOW("bad remote array", vmrw(0, c, &lb, 1, (struct iovec *)8, 1, 0));

    pid_t self = getpid();
    t_in_child(as_user, &self);

    char msg[] = "written by parent";
    struct iovec lw = {msg, sizeof msg}, rw = {buf, sizeof msg};
    SHOW("writev", vmrw(1, c, &lw, 1, &rw, 1, 0));
    write(to_child[1], "w", 1);
    printf("child: %s\n", t_status(t_wait(c)));
    SHOW("reaped pid", vmrw(0, c, &lb, 1, &r1, 1, 0));
    return t_done();
}
