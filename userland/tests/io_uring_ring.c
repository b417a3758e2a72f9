/*
 * io_uring_ring.c - io_uring through the raw syscalls and the mmapped rings: setup checks,
 * NOP, WRITEV/READV, READ_FIXED with registered buffers, POLL_ADD on a pipe, POLL_REMOVE,
 * TIMEOUT (time and count), a linked chain that fails, the eventfd, PROBE and errnos.
 */
#include "t.h"
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* include/uapi/linux/io_uring.h (musl ships no kernel headers) */
struct sqo { uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1; uint64_t ua; };
struct cqo { uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1; uint64_t ua; };
struct params { uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features,
                wq_fd, resv[3]; struct sqo sq_off; struct cqo cq_off; };
struct sqe { uint8_t opcode, flags; uint16_t ioprio; int32_t fd; uint64_t off, addr; uint32_t len,
             op_flags; uint64_t user_data; uint16_t buf_index, personality; int32_t file_index;
             uint64_t addr3, pad; };
struct cqe { uint64_t user_data; int32_t res; uint32_t flags; };
enum { OP_NOP = 0, OP_READV = 1, OP_WRITEV = 2, OP_FSYNC = 3, OP_READ_FIXED = 4, OP_POLL_ADD = 6,
       OP_POLL_REMOVE = 7, OP_TIMEOUT = 11, OP_READ = 22, OP_WRITE = 23 };
#define SETUP_CQSIZE (1u << 3)
#define SETUP_CLAMP (1u << 4)
#define ENTER_GETEVENTS 1u
#define SQE_IO_LINK 4u
#define FEAT_SINGLE_MMAP 1u
#define REG_BUFFERS 0
#define REG_EVENTFD 4
#define REG_PROBE 8

static struct params p;
static int rfd;
static unsigned *sq_tail, *sq_array, *cq_head, *cq_tail, sq_mask, cq_mask;
static struct sqe *sqes;
static struct cqe *cqes;

static long setup(unsigned n, struct params *pp) { return syscall(SYS_io_uring_setup, n, pp); }
static long enter(unsigned sub, unsigned mn, unsigned fl)
{ return syscall(SYS_io_uring_enter, rfd, sub, mn, fl, NULL, 8); }
static long reg(unsigned op, void *arg, unsigned n) { return syscall(SYS_io_uring_register, rfd, op, arg, n); }
static const char *err(long r) { return r < 0 ? t_errname(errno) : "ok"; }

static struct sqe *get_sqe(void)
{
    unsigned t = *sq_tail;
    struct sqe *s = &sqes[t & sq_mask];
    memset(s, 0, sizeof(*s));
    sq_array[t & sq_mask] = t & sq_mask;
    __atomic_store_n(sq_tail, t + 1, __ATOMIC_RELEASE);
    return s;
}

static void reap(const char *what)
{
    unsigned h = *cq_head;
    while (h != __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE)) {
        struct cqe *c = &cqes[h & cq_mask];
        if (c->res < 0)
            printf("%s: cqe %llu res %s\n", what, (unsigned long long)c->user_data, t_errname(-c->res));
        else
            printf("%s: cqe %llu res %d\n", what, (unsigned long long)c->user_data, c->res);
        h++;
    }
    __atomic_store_n(cq_head, h, __ATOMIC_RELEASE);
}

int main(void)
{
    t_init();
    struct params q;
    memset(&q, 0, sizeof(q));
    printf("setup 0 entries: %s\n", err(setup(0, &q)));
    printf("setup NULL params: %s\n", err(setup(4, NULL)));
    q.flags = 1u << 30;
    printf("setup bad flag: %s\n", err(setup(4, &q)));
    memset(&q, 0, sizeof(q)); q.resv[0] = 1;
    printf("setup resv: %s\n", err(setup(4, &q)));
    memset(&q, 0, sizeof(q));
    printf("setup 65536: %s\n", err(setup(65536, &q)));
    memset(&q, 0, sizeof(q)); q.flags = SETUP_CLAMP;
    long cfd = setup(65536, &q);
    printf("setup 65536 CLAMP: %s sq %u cq %u\n", err(cfd), q.sq_entries, q.cq_entries);
    if (cfd >= 0) close(cfd);
    memset(&q, 0, sizeof(q)); q.flags = SETUP_CQSIZE; q.cq_entries = 2;
    printf("setup CQSIZE < sq: %s\n", err(setup(4, &q)));
    memset(&q, 0, sizeof(q)); q.flags = SETUP_CQSIZE; q.cq_entries = 100;
    cfd = setup(3, &q);
    printf("setup 3 CQSIZE 100: %s sq %u cq %u\n", err(cfd), q.sq_entries, q.cq_entries);
    if (cfd >= 0) close(cfd);

    rfd = setup(4, &p);
    printf("setup 4: %s sq %u cq %u single_mmap %d\n", err(rfd), p.sq_entries, p.cq_entries,
           !!(p.features & FEAT_SINGLE_MMAP));
    size_t sqsz = p.sq_off.array + p.sq_entries * 4, cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct cqe);
    char *sq = mmap(0, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, rfd, 0);
    char *cq = mmap(0, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, rfd, 0x8000000);
    sqes = mmap(0, p.sq_entries * sizeof(struct sqe), PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0x10000000);
    printf("mmap: %s %s %s\n", sq == MAP_FAILED ? "FAIL" : "ok", cq == MAP_FAILED ? "FAIL" : "ok",
           sqes == MAP_FAILED ? "FAIL" : "ok");
    sq_tail = (unsigned *)(sq + p.sq_off.tail); sq_array = (unsigned *)(sq + p.sq_off.array);
    sq_mask = *(unsigned *)(sq + p.sq_off.ring_mask);
    cq_head = (unsigned *)(cq + p.cq_off.head); cq_tail = (unsigned *)(cq + p.cq_off.tail);
    cq_mask = *(unsigned *)(cq + p.cq_off.ring_mask);
    cqes = (struct cqe *)(cq + p.cq_off.cqes);
    printf("masks sq %u cq %u entries %u %u head %u tail %u\n", sq_mask, cq_mask,
           *(unsigned *)(sq + p.sq_off.ring_entries), *(unsigned *)(cq + p.cq_off.ring_entries),
           *cq_head, *cq_tail);

    /* NOP */
    get_sqe()->user_data = 1;
    get_sqe()->user_data = 2;
    printf("enter 2 nops: %ld\n", enter(2, 2, ENTER_GETEVENTS));
    reap("nop");
    printf("enter nothing: %ld\n", enter(0, 0, ENTER_GETEVENTS));
    printf("enter bad flags: %s\n", err(enter(0, 0, 1u << 20)));
    printf("enter on pipe fd: %s\n", err(syscall(SYS_io_uring_enter, 0, 0, 0, 0, NULL, 8)));

    /* WRITEV / READV / READ_FIXED on a file */
    char path[] = "/tmp/io_uring_XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    char a[] = "hello ", b[] = "uring", r1[8] = {0}, r2[8] = {0};
    struct iovec wv[2] = {{a, 6}, {b, 5}}, rv[2] = {{r1, 4}, {r2, 7}};
    struct sqe *s = get_sqe();
    s->opcode = OP_WRITEV; s->fd = fd; s->addr = (uintptr_t)wv; s->len = 2; s->off = 0; s->user_data = 10;
    s->flags = SQE_IO_LINK;
    s = get_sqe();
    s->opcode = OP_READV; s->fd = fd; s->addr = (uintptr_t)rv; s->len = 2; s->off = 0; s->user_data = 11;
    printf("enter writev+readv: %ld\n", enter(2, 2, ENTER_GETEVENTS));
    reap("rw");
    printf("read back: '%.4s' '%.7s'\n", r1, r2);
    static char fixed[4096];
    struct iovec fv = {fixed, sizeof(fixed)};
    printf("register buffers: %s\n", err(reg(REG_BUFFERS, &fv, 1)));
    printf("register buffers again: %s\n", err(reg(REG_BUFFERS, &fv, 1)));
    s = get_sqe();
    s->opcode = OP_READ_FIXED; s->fd = fd; s->addr = (uintptr_t)fixed + 100; s->len = 11; s->user_data = 12;
    s = get_sqe();
    s->opcode = OP_READ_FIXED; s->fd = fd; s->addr = (uintptr_t)r1; s->len = 4; s->user_data = 13;
    s = get_sqe();
    s->opcode = OP_READ_FIXED; s->fd = fd; s->addr = (uintptr_t)fixed; s->len = 4; s->buf_index = 3;
    s->user_data = 14;
    printf("enter read_fixed: %ld\n", enter(3, 3, ENTER_GETEVENTS));
    reap("fixed");
    printf("fixed: '%.11s'\n", fixed + 100);
    s = get_sqe();
    s->opcode = OP_READ; s->fd = 99; s->user_data = 15;
    s = get_sqe();
    s->opcode = OP_FSYNC; s->fd = fd; s->user_data = 17;
    printf("enter bad fd, fsync: %ld\n", enter(2, 2, ENTER_GETEVENTS));
    reap("errs");
    s = get_sqe();
    s->opcode = 200; s->user_data = 16;
    s = get_sqe();
    s->opcode = OP_NOP; s->user_data = 18;
    printf("enter bad opcode, nop: %ld\n", enter(2, 1, ENTER_GETEVENTS));
    reap("badop");
    printf("enter rest: %ld\n", enter(1, 1, ENTER_GETEVENTS));
    reap("rest");

    /* POLL_ADD on a pipe, then a write makes it complete; POLL_REMOVE of a waiting poll */
    int pfd[2];
    pipe(pfd);
    s = get_sqe();
    s->opcode = OP_POLL_ADD; s->fd = pfd[0]; s->op_flags = POLLIN; s->user_data = 20;
    printf("enter poll: %ld ready %u\n", enter(1, 0, 0), *cq_tail - *cq_head);
    write(pfd[1], "x", 1);
    printf("enter wait poll: %ld\n", enter(0, 1, ENTER_GETEVENTS));
    reap("poll");
    s = get_sqe();
    s->opcode = OP_POLL_ADD; s->fd = pfd[1]; s->op_flags = POLLOUT; s->user_data = 21;
    printf("enter poll ready: %ld\n", enter(1, 1, ENTER_GETEVENTS));
    reap("pollout");
    char c;
    read(pfd[0], &c, 1);
    s = get_sqe();
    s->opcode = OP_POLL_ADD; s->fd = pfd[0]; s->op_flags = POLLIN; s->user_data = 22;
    s = get_sqe();
    s->opcode = OP_POLL_REMOVE; s->addr = 22; s->user_data = 23;
    s = get_sqe();
    s->opcode = OP_POLL_REMOVE; s->addr = 999; s->user_data = 24;
    printf("enter poll+remove: %ld\n", enter(3, 3, ENTER_GETEVENTS));
    reap("remove");

    /* TIMEOUT: by time, and by a count of completions */
    struct timespec ts = {0, 20 * 1000 * 1000};
    s = get_sqe();
    s->opcode = OP_TIMEOUT; s->addr = (uintptr_t)&ts; s->len = 1; s->user_data = 30;
    printf("enter timeout: %ld\n", enter(1, 1, ENTER_GETEVENTS));
    reap("timeout");
    struct timespec longts = {10, 0};
    s = get_sqe();
    s->opcode = OP_TIMEOUT; s->addr = (uintptr_t)&longts; s->len = 1; s->off = 1; s->user_data = 31;
    s = get_sqe();
    s->opcode = OP_NOP; s->user_data = 32;
    printf("enter count timeout: %ld\n", enter(2, 2, ENTER_GETEVENTS));
    reap("count");
    s = get_sqe();
    s->opcode = OP_TIMEOUT; s->addr = (uintptr_t)&ts; s->len = 2; s->user_data = 33;
    printf("enter timeout len 2: %ld\n", enter(1, 1, ENTER_GETEVENTS));
    reap("badtimeout");

    /* a linked chain whose first request fails */
    s = get_sqe();
    s->opcode = OP_READ; s->fd = 98; s->flags = SQE_IO_LINK; s->user_data = 40;
    s = get_sqe();
    s->opcode = OP_NOP; s->flags = SQE_IO_LINK; s->user_data = 41;
    s = get_sqe();
    s->opcode = OP_NOP; s->user_data = 42;
    printf("enter link: %ld\n", enter(3, 3, ENTER_GETEVENTS));
    reap("link");

    /* eventfd */
    int efd = eventfd(0, EFD_NONBLOCK);
    printf("register eventfd: %s\n", err(reg(REG_EVENTFD, &efd, 1)));
    get_sqe()->user_data = 50;
    enter(1, 1, ENTER_GETEVENTS);
    reap("efd");
    uint64_t v = 0;
    printf("eventfd read: %zd value %llu\n", read(efd, &v, 8), (unsigned long long)v);

    /* the ring fd polls readable when CQEs wait */
    get_sqe()->user_data = 51;
    enter(1, 0, 0);
    struct pollfd pf = {rfd, POLLIN, 0};
    printf("poll ring: %d revents %#x\n", poll(&pf, 1, 0), pf.revents & POLLIN);
    reap("ringpoll");

    /* PROBE */
    struct { uint8_t last_op, ops_len; uint16_t resv; uint32_t resv2[3];
             struct { uint8_t op, resv; uint16_t flags; uint32_t resv2; } ops[32]; } probe;
    memset(&probe, 0, sizeof(probe));
    printf("probe: %s ops_len %u nop %u readv %u timeout %u\n", err(reg(REG_PROBE, &probe, 32)),
           probe.ops_len, probe.ops[0].flags & 1, probe.ops[1].flags & 1, probe.ops[11].flags & 1);
    printf("register bad opcode: %s\n", err(reg(999, NULL, 0)));
    close(rfd);
    return t_done();
}
