"""io_uring submission and opcodes (Linux io_uring/io_uring.c io_submit_sqes, io_init_req,
io_issue_sqe, and the opcode files: io_uring/nop.c, rw.c, fs.c's fsync, poll.c, timeout.c,
cancel.c; io_uring/register.c's buffers, files, eventfd and probe).

- ``io_submit_sqes(t, ctx, to_submit)``: a generator: takes up to ``to_submit`` entries from
  the SQ (the user's tail read from the rings, the head written back), reads each SQE and
  issues it. A bad index in the SQ array counts in sq_dropped. An SQE that fails (bad flags,
  unknown opcode, EBADF, EFAULT...) completes with -errno; io_submit_sqes returns how many
  entries it consumed.
- Opcodes: NOP; READV, WRITEV, READ, WRITE, READ_FIXED, WRITE_FIXED through fs/aio_submit's
  ``rw_iter`` (the same I/O as native AIO; off -1 is the file's position); FSYNC; POLL_ADD
  (fs/aio_submit's PollIocb on the file's queues; one-shot) and POLL_REMOVE; TIMEOUT (a
  timer, or a count of completions) and TIMEOUT_REMOVE; ASYNC_CANCEL. Opcodes implemented
  over system calls (OPENAT, CLOSE, STATX, SEND, RECV, SENDMSG, RECVMSG, ACCEPT, CONNECT) are
  registered by syscalls/sys_io_uring.py with ``register_op``, as they reuse those handlers.
- The work runs in the submitting task: a read that must wait makes io_uring_enter wait
  (Linux would hand it to an io-wq worker). IOSQE_IO_LINK: a failed request cancels the rest
  of its chain with -ECANCELED. IOSQE_ASYNC and IOSQE_IO_DRAIN are accepted (requests already
  run in order); IOSQE_FIXED_FILE takes the file from the registered table.
- ``io_uring_register(t, ctx, opcode, arg, nr_args)``: BUFFERS, FILES, EVENTFD (and their
  UNREGISTERs), PROBE.
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import io_uring as X
from pynix.arch.x86_64.limits import MAX_RW_COUNT
from pynix.arch.x86_64.poll import POLLERR, POLLHUP
from pynix.base.errors import KernelError
from pynix.base.timer import Timers, monotonic_ns
from pynix.fs.aio_submit import RESTARTS, PollIocb, rw_iter
from pynix.fs.eventfd import eventfd_ctx_fdget
from pynix.fs.io_uring import IoPending, IoRingCtx
from pynix.fs.vfs.file import File
from pynix.fs.vfs.read_write import vfs_fsync
from pynix.kernel.cred import ioprio_check_cap
from pynix.mm.uaccess import access_ok, copy_from_user, copy_to_user, import_iovec, iovec_from_user

if TYPE_CHECKING:
    from pynix.kernel.task import Task

SQE_VALID_FLAGS = (X.IOSQE_FIXED_FILE | X.IOSQE_IO_DRAIN | X.IOSQE_IO_LINK
                   | X.IOSQE_IO_HARDLINK | X.IOSQE_ASYNC)


class IoKiocb:
    """One request decoded from its SQE (struct io_kiocb)."""

    def __init__(self, sqe: tuple[Any, ...]) -> None:
        (self.opcode, self.flags, self.ioprio, self.fd, self.off, self.addr, self.len,
         self.op_flags, self.user_data, self.buf_index, self.personality, self.file_index,
         self.addr3, _pad) = sqe
        self.file: File | None = None


# An opcode's handler: returns the CQE's res, or None when the request completes later.
OpHandler = Callable[[Any, IoRingCtx, IoKiocb], Any]
OPS: dict[int, tuple[OpHandler, bool]] = {}     # opcode -> (handler, needs a file)


def register_op(opcode: int, needs_file: bool) -> Callable[[OpHandler], OpHandler]:
    def deco(fn: OpHandler) -> OpHandler:
        OPS[opcode] = (fn, needs_file)
        return fn
    return deco


def io_submit_sqes(t: Task, ctx: IoRingCtx, to_submit: int) -> Generator[None, None, int]:
    nr = min(to_submit, ctx.sq_ready(), ctx.sq_entries)
    done = 0
    link_failed = False
    while done < nr:
        idx = ctx.sq_index(ctx.sq_head)
        ctx.sq_head = (ctx.sq_head + 1) & 0xFFFFFFFF
        ctx.set_u32(X.SQ_HEAD, ctx.sq_head)
        done += 1
        if idx >= ctx.sq_entries:
            ctx.set_u32(X.SQ_DROPPED, ctx.u32(X.SQ_DROPPED) + 1)
            continue
        req = IoKiocb(ctx.sqe(idx))
        linked = bool(req.flags & (X.IOSQE_IO_LINK | X.IOSQE_IO_HARDLINK))
        if link_failed:
            ctx.post_cqe(req.user_data, -E.ECANCELED)
            link_failed = linked
            continue
        try:
            io_init_req(t, ctx, req)
        except KernelError as err:                  # io_submit_fail_init: stop here
            ctx.post_cqe(req.user_data, -err.errno)
            break
        res = yield from io_issue_sqe(t, ctx, req)
        if res is not None:
            ctx.post_cqe(req.user_data, res)
        link_failed = linked and res is not None and res < 0 and \
            not req.flags & X.IOSQE_IO_HARDLINK
    return done


def io_init_req(t: Task, ctx: IoRingCtx, req: IoKiocb) -> None:
    """The checks whose failure ends the submission (flags, opcode)."""
    if req.flags & ~SQE_VALID_FLAGS or req.opcode not in OPS:
        raise KernelError(E.EINVAL)


def io_issue_sqe(t: Task, ctx: IoRingCtx, req: IoKiocb) -> Generator[None, None, int | None]:
    """io_issue_sqe: the request's result, -errno for a failure; None when it completes
    later."""
    try:
        handler, needs_file = OPS[req.opcode]
        if needs_file:
            req.file = io_file_get(t, ctx, req)
        if req.ioprio:
            ioprio_check_cap(t, req.ioprio)
        res = handler(t, ctx, req)
        if inspect.isgenerator(res):
            res = yield from res
        return res
    except KernelError as err:
        return -(E.EINTR if err.errno in RESTARTS else err.errno)


def io_file_get(t: Task, ctx: IoRingCtx, req: IoKiocb) -> File:
    if req.flags & X.IOSQE_FIXED_FILE:
        files = ctx.files or []
        f = files[req.fd] if 0 <= req.fd < len(files) else None
        if f is None:
            raise KernelError(E.EBADF)
        return f
    assert t.files is not None
    return t.files.get(req.fd)


# -- opcodes --------------------------------------------------------------------------------
@register_op(X.IORING_OP_NOP, False)
def io_nop(t: Task, ctx: IoRingCtx, req: IoKiocb) -> int:
    return 0


def _rw(t: Task, ctx: IoRingCtx, req: IoKiocb, write: bool, kind: str) -> Generator[None, None, int]:
    mm = t.mm
    assert mm is not None and req.file is not None

    def setup_rw() -> list[tuple[int, int]]:
        if kind == "vec":
            return import_iovec(mm, req.addr, req.len)
        n = min(req.len, MAX_RW_COUNT)
        if kind == "fixed":                          # io_import_fixed
            if req.buf_index >= len(ctx.bufs):
                raise KernelError(E.EFAULT)
            base, size = ctx.bufs[req.buf_index]
            if not base <= req.addr or req.addr + n > base + size:
                raise KernelError(E.EFAULT)
        access_ok(req.addr, n)
        return [(req.addr, n)]
    offset = None if req.off == (1 << 64) - 1 else req.off - (1 << 64) if req.off >> 63 else req.off
    return (yield from rw_iter(t, req.file, write, setup_rw, req.op_flags, offset))


for _op, _write, _kind in ((X.IORING_OP_READV, False, "vec"), (X.IORING_OP_WRITEV, True, "vec"),
                           (X.IORING_OP_READ, False, "buf"), (X.IORING_OP_WRITE, True, "buf"),
                           (X.IORING_OP_READ_FIXED, False, "fixed"),
                           (X.IORING_OP_WRITE_FIXED, True, "fixed")):
    register_op(_op, True)(lambda t, ctx, req, w=_write, k=_kind: _rw(t, ctx, req, w, k))


@register_op(X.IORING_OP_FSYNC, True)
def io_fsync(t: Task, ctx: IoRingCtx, req: IoKiocb) -> int:
    if req.addr or req.ioprio or req.buf_index or req.op_flags & ~X.IORING_FSYNC_DATASYNC:
        raise KernelError(E.EINVAL)
    assert req.file is not None
    vfs_fsync(req.file)
    return 0


@register_op(X.IORING_OP_POLL_ADD, True)
def io_poll_add(t: Task, ctx: IoRingCtx, req: IoKiocb) -> int | None:
    """One-shot poll: the events now, or a CQE with them when the file signals them."""
    if req.addr or req.ioprio or req.off or req.buf_index or req.len & ~X.IORING_POLL_ADD_MULTI:
        raise KernelError(E.EINVAL)
    if req.len & X.IORING_POLL_ADD_MULTI:
        raise KernelError(E.EINVAL)                 # multishot: not in pynix
    assert req.file is not None
    pending: IoPending

    events = (req.op_flags & 0xFFFF) | POLLERR | POLLHUP

    def complete(res: int) -> None:
        if pending in ctx.pending:
            ctx.pending.remove(pending)
        if res == -E.ECANCELED:                     # after the canceller's own CQE
            t.kernel.irq.post(lambda: ctx.post_cqe(req.user_data, res))
        else:
            ctx.post_cqe(req.user_data, res & events if res >= 0 else res)
    pi = PollIocb(t, complete, req.file, events)
    mask = req.file.poll() & pi.events
    if mask:
        return mask
    if not pi.queues:
        raise KernelError(E.EINVAL)
    pending = IoPending(req.user_data, pi.finish)
    ctx.pending.append(pending)
    pi.arm()
    return None


def _cancel(ctx: IoRingCtx, user_data: int, timeout: bool | None) -> int:
    p = ctx.find_pending(user_data, timeout)
    if p is None:
        return -E.ENOENT
    p.cancel()
    return 0


@register_op(X.IORING_OP_POLL_REMOVE, False)
def io_poll_remove(t: Task, ctx: IoRingCtx, req: IoKiocb) -> int:
    return _cancel(ctx, req.addr, False)


@register_op(X.IORING_OP_ASYNC_CANCEL, False)
def io_async_cancel(t: Task, ctx: IoRingCtx, req: IoKiocb) -> int:
    return _cancel(ctx, req.addr, None)


@register_op(X.IORING_OP_TIMEOUT_REMOVE, False)
def io_timeout_remove(t: Task, ctx: IoRingCtx, req: IoKiocb) -> int:
    if req.op_flags:
        raise KernelError(E.EINVAL)
    return _cancel(ctx, req.addr, True)


@register_op(X.IORING_OP_TIMEOUT, False)
def io_timeout(t: Task, ctx: IoRingCtx, req: IoKiocb) -> None:
    """A CQE with -ETIME when the time comes, or with 0 once ``off`` other completions
    were posted (io_timeout_prep / io_timeout_fn)."""
    if req.len != 1 or req.buf_index or req.op_flags & ~X.IORING_TIMEOUT_ABS:
        raise KernelError(E.EINVAL)
    assert t.mm is not None
    sec, nsec = A.TIMESPEC.unpack(copy_from_user(t.mm, req.addr, A.TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < 10**9:
        raise KernelError(E.EINVAL)
    ns = sec * 10**9 + nsec
    deadline = ns if req.op_flags & X.IORING_TIMEOUT_ABS else monotonic_ns() + ns
    timer: list | None = None

    def finish(res: int) -> None:
        if pending not in ctx.pending:
            return
        ctx.pending.remove(pending)
        if timer is not None:
            Timers.cancel(timer)
        ctx.post_cqe(req.user_data, res, counts=False)
    pending = IoPending(req.user_data, finish, True,
                        ctx.cq_seq + req.off if req.off else None)
    ctx.pending.append(pending)
    timer = t.kernel.timers.add(deadline, lambda: finish(-E.ETIME))
    return None


# -- io_uring_register ----------------------------------------------------------------------
def io_uring_register(t: Task, ctx: IoRingCtx, opcode: int, arg: int, nr_args: int) -> int:
    mm = t.mm
    assert mm is not None and t.files is not None
    if opcode == X.IORING_REGISTER_BUFFERS:
        if ctx.bufs:
            raise KernelError(E.EBUSY)
        if not nr_args or nr_args > X.IORING_MAX_REG_BUFFERS:
            raise KernelError(E.EINVAL)
        vecs = iovec_from_user(mm, arg, nr_args)
        for base, size in vecs:
            if not size or size > 1 << 30:
                raise KernelError(E.EFAULT if not base and size else E.EINVAL)
            access_ok(base, size)
            copy_from_user(mm, base, 1)                  # the pages must be there (pinned)
        ctx.bufs = vecs
    elif opcode == X.IORING_UNREGISTER_BUFFERS:
        if arg or nr_args:
            raise KernelError(E.EINVAL)
        if not ctx.bufs:
            raise KernelError(E.ENXIO)
        ctx.bufs = []
    elif opcode == X.IORING_REGISTER_FILES:
        if ctx.files is not None:
            raise KernelError(E.EBUSY)
        if not nr_args or nr_args > X.IORING_MAX_FIXED_FILES:
            raise KernelError(E.EINVAL)
        raw = copy_from_user(mm, arg, 4 * nr_args)
        files: list[File | None] = []
        try:
            for i in range(nr_args):
                fd = int.from_bytes(raw[4 * i:4 * i + 4], "little", signed=True)
                if fd == -1:
                    files.append(None)
                    continue
                f = t.files.get(fd)
                if isinstance(f, IoRingCtx):
                    raise KernelError(E.EBADF)
                files.append(f.get())
        except KernelError:
            for f in files:
                if f is not None:
                    f.put()
            raise
        ctx.files = files
    elif opcode == X.IORING_UNREGISTER_FILES:
        if arg or nr_args:
            raise KernelError(E.EINVAL)
        if ctx.files is None:
            raise KernelError(E.ENXIO)
        ctx.unregister_files()
    elif opcode == X.IORING_REGISTER_EVENTFD:
        if nr_args != 1:
            raise KernelError(E.EINVAL)
        if ctx.eventfd is not None:
            raise KernelError(E.EBUSY)
        fd = int.from_bytes(copy_from_user(mm, arg, 4), "little", signed=True)
        ctx.eventfd = eventfd_ctx_fdget(t.files.get(fd)).get()  # type: ignore[assignment]
    elif opcode == X.IORING_UNREGISTER_EVENTFD:
        if arg or nr_args:
            raise KernelError(E.EINVAL)
        if ctx.eventfd is None:
            raise KernelError(E.ENXIO)
        ctx.eventfd.put()
        ctx.eventfd = None
    elif opcode == X.IORING_REGISTER_PROBE:
        io_probe(t, arg, nr_args)
    else:
        raise KernelError(E.EINVAL)
    return 0


def io_probe(t: Task, arg: int, nr_args: int) -> None:
    """IORING_REGISTER_PROBE: which opcodes this kernel has (the buffer must be zeroed)."""
    assert t.mm is not None
    nr = min(nr_args, 256)
    size = X.PROBE.size + nr * X.PROBE_OP.size
    if any(copy_from_user(t.mm, arg, size)):
        raise KernelError(E.EINVAL)
    out = bytearray(size)
    X.PROBE.pack_into(out, 0, X.IORING_OP_LAST - 1, nr, 0, 0, 0, 0)
    for op in range(min(nr, X.IORING_OP_LAST)):
        X.PROBE_OP.pack_into(out, X.PROBE.size + op * X.PROBE_OP.size, op, 0,
                             X.IO_URING_OP_SUPPORTED if op in OPS else 0, 0)
    copy_to_user(t.mm, arg, out)
