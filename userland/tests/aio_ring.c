/*
 * aio_ring.c - native AIO through the raw syscalls: io_setup's ring read from memory,
 * PREAD/PWRITE/PREADV/FSYNC/POLL results, eventfd notification, io_cancel, and errnos.
 */
#include "t.h"
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* include/uapi/linux/aio_abi.h (musl ships no kernel headers) */
typedef unsigned long aio_context_t;
enum { IOCB_CMD_PREAD = 0, IOCB_CMD_PWRITE = 1, IOCB_CMD_FSYNC = 2, IOCB_CMD_POLL = 5,
       IOCB_CMD_PREADV = 7 };
#define IOCB_FLAG_RESFD 1
#define IOCB_FLAG_IOPRIO 2
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 8
#endif
struct io_event { uint64_t data, obj; int64_t res, res2; };
struct iocb {
    uint64_t aio_data; uint32_t aio_key, aio_rw_flags; uint16_t aio_lio_opcode;
    int16_t aio_reqprio; uint32_t aio_fildes; uint64_t aio_buf, aio_nbytes; int64_t aio_offset;
    uint64_t aio_reserved2; uint32_t aio_flags, aio_resfd;
};
struct ring { unsigned id, nr, head, tail, magic, compat, incompat, hdrlen; struct io_event ev[]; };

static long setup(unsigned n, aio_context_t *c) { return syscall(SYS_io_setup, n, c); }
static long submit(aio_context_t c, long n, struct iocb **v) { return syscall(SYS_io_submit, c, n, v); }
static long getev(aio_context_t c, long mn, long n, struct io_event *e, struct timespec *ts)
{ return syscall(SYS_io_getevents, c, mn, n, e, ts); }
static const char *err(long r) { return r < 0 ? t_errname(errno) : "ok"; }

static void prep(struct iocb *cb, int op, int fd, void *buf, size_t n, long long off)
{
    memset(cb, 0, sizeof(*cb));
    cb->aio_lio_opcode = op; cb->aio_fildes = fd; cb->aio_buf = (uintptr_t)buf;
    cb->aio_nbytes = n; cb->aio_offset = off; cb->aio_data = 0x1234 + op;
}

int main(void)
{
    t_init();
    aio_context_t ctx = 0, bad = 1;
    printf("setup NULL: %s\n", err(setup(1, NULL)));
    printf("setup nonzero ctx: %s\n", err(setup(1, &bad)));
    printf("setup 0 events: %s\n", err(setup(0, &ctx)));
    printf("setup -1 events: %s\n", err(setup(-1, &ctx)));
    printf("setup 1: %s\n", err(setup(1, &ctx)));
    struct ring *r = (struct ring *)ctx;
    printf("ring id %u nr %u head %u tail %u magic %#x compat %u incompat %u hdr %u\n",
           r->id, r->nr, r->head, r->tail, r->magic, r->compat, r->incompat, r->hdrlen);

    char path[] = "/tmp/aio_ring_XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    char wbuf[] = "hello, aio", rbuf[32] = {0};
    struct iocb cb, *cbs[1] = {&cb};
    prep(&cb, IOCB_CMD_PWRITE, fd, wbuf, 10, 5);
    int efd = eventfd(0, EFD_NONBLOCK);
    cb.aio_flags = IOCB_FLAG_RESFD; cb.aio_resfd = efd;
    printf("submit pwrite: %ld\n", submit(ctx, 1, cbs));
    uint64_t cnt = 0;
    ssize_t got = read(efd, &cnt, 8);
    printf("eventfd read: %zd count %llu\n", got, (unsigned long long)cnt);
    printf("tail from memory: %u\n", r->tail);
    struct io_event ev[4];
    struct timespec zero = {0, 0};
    long n = getev(ctx, 1, 4, ev, &zero);
    printf("getevents: %ld res %lld data %#llx obj ok %s\n", n, (long long)ev[0].res,
           (unsigned long long)ev[0].data, t_yesno(ev[0].obj == (uintptr_t)&cb));
    printf("head from memory: %u\n", r->head);

    prep(&cb, IOCB_CMD_PREAD, fd, rbuf, sizeof rbuf, 5);
    submit(ctx, 1, cbs);
    /* reap from the ring in user memory, as libaio does */
    unsigned h = r->head;
    printf("user reap: res %lld text '%s'\n", (long long)r->ev[h % r->nr].res, rbuf);
    r->head = (h + 1) % r->nr;
    printf("getevents after user reap: %ld\n", getev(ctx, 0, 4, ev, &zero));

    char a[4] = {0}, b[8] = {0};
    struct iovec iov[2] = {{a, 3}, {b, 7}};
    prep(&cb, IOCB_CMD_PREADV, fd, iov, 2, 5);
    submit(ctx, 1, cbs);
    getev(ctx, 1, 1, ev, NULL);
    printf("preadv: res %lld '%s' '%s'\n", (long long)ev[0].res, a, b);
    prep(&cb, IOCB_CMD_FSYNC, fd, NULL, 0, 0);
    printf("fsync submit: %ld\n", submit(ctx, 1, cbs));
    getev(ctx, 1, 1, ev, NULL);
    printf("fsync res %lld\n", (long long)ev[0].res);

    int p[2];
    pipe(p);
    prep(&cb, IOCB_CMD_POLL, p[0], (void *)(uintptr_t)POLLIN, 0, 0);
    printf("poll submit: %ld\n", submit(ctx, 1, cbs));
    struct timespec short_ts = {0, 20000000};
    printf("getevents before data: %ld\n", getev(ctx, 1, 1, ev, &short_ts));
    write(p[1], "x", 1);
    n = getev(ctx, 1, 1, ev, NULL);
    printf("poll done: %ld res %#llx\n", n, (unsigned long long)ev[0].res);
    struct io_event res;
    printf("cancel completed: %s\n", err(syscall(SYS_io_cancel, ctx, &cb, &res)));
    char c;
    read(p[0], &c, 1);
    prep(&cb, IOCB_CMD_POLL, p[0], (void *)(uintptr_t)POLLIN, 0, 0);
    submit(ctx, 1, cbs);
    printf("cancel waiting poll: %s\n", err(syscall(SYS_io_cancel, ctx, &cb, &res)));
    n = getev(ctx, 1, 1, ev, NULL);
    printf("cancelled event: %ld res %lld\n", n, (long long)ev[0].res);

    prep(&cb, IOCB_CMD_PREAD, p[0], rbuf, 8, 0);
    cb.aio_rw_flags = RWF_NOWAIT;
    submit(ctx, 1, cbs);
    getev(ctx, 1, 1, ev, NULL);
    printf("nowait empty pipe: res %s\n", t_errname((int)-ev[0].res));

    struct iocb *two[2] = {&cb, NULL};
    prep(&cb, IOCB_CMD_PWRITE, fd, wbuf, 1, 0);
    printf("partial submit: %ld\n", submit(ctx, 2, two));
    getev(ctx, 1, 1, ev, NULL);
    prep(&cb, 42, fd, wbuf, 1, 0);
    printf("bad opcode: %s\n", err(submit(ctx, 1, cbs)));
    prep(&cb, IOCB_CMD_PREAD, 99, rbuf, 1, 0);
    printf("bad fd: %s\n", err(submit(ctx, 1, cbs)));
    prep(&cb, IOCB_CMD_PREAD, fd, rbuf, 1, -1);
    printf("negative offset: %s\n", err(submit(ctx, 1, cbs)));
    prep(&cb, IOCB_CMD_PREAD, fd, rbuf, -1, 0);
    printf("nbytes overflow: %s\n", err(submit(ctx, 1, cbs)));
    prep(&cb, IOCB_CMD_PREAD, fd, rbuf, 1, 0);
    cb.aio_flags = IOCB_FLAG_RESFD; cb.aio_resfd = fd;
    printf("resfd not eventfd: %s\n", err(submit(ctx, 1, cbs)));
    prep(&cb, IOCB_CMD_PREAD, fd, rbuf, 1, 0);
    cb.aio_flags = IOCB_FLAG_IOPRIO; cb.aio_reqprio = 7 << 13;
    printf("bad ioprio class: %s\n", err(submit(ctx, 1, cbs)));
    printf("negative nr: %s\n", err(submit(ctx, -1, cbs)));
    printf("getevents min > nr: %s\n", err(getev(ctx, 2, 1, ev, &zero)));
    printf("destroy: %s\n", err(syscall(SYS_io_destroy, ctx)));
    printf("destroy again: %s\n", err(syscall(SYS_io_destroy, ctx)));
    printf("submit after destroy: %s\n", err(submit(ctx, 1, cbs)));
    return t_done();
}
