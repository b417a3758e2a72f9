"""io_uring_setup, io_uring_enter, io_uring_register: thin handlers around fs/io_uring.py
(the instance and its rings) and fs/io_uring_ops.py (submission, opcodes, registration), as
Linux's io_uring/io_uring.c SYSCALL_DEFINEs decode and copy.

It also registers the opcodes that are a system call run from the ring (io_uring/openclose.c,
statx.c, net.c): OPENAT, CLOSE, STATX, SEND, RECV, SENDMSG, RECVMSG, ACCEPT, CONNECT reuse
those calls' handlers with the SQE's fields as arguments.
"""
from __future__ import annotations

from typing import Any, Generator

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import io_uring as X
from pynix.base.errors import KernelError
from pynix.fs.io_uring import FEATURES, IoRingCtx, cqring_wait, io_uring_create, params_offsets
from pynix.fs.io_uring_ops import IoKiocb, io_submit_sqes, io_uring_register, register_op
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.syscalls import sys_fd, sys_file, sys_fs, sys_socket, sys_sockmsg
from pynix.syscalls.sys_poll import _restore_mask, _with_mask
from pynix.syscalls.util import fget, install_new_file, mm_of, s32

ENTER_FLAGS = X.IORING_ENTER_GETEVENTS | X.IORING_ENTER_SQ_WAKEUP | X.IORING_ENTER_SQ_WAIT


def sys_io_uring_setup(t: Task, entries: int, params: int) -> int:
    mm = mm_of(t)
    p = list(X.IO_URING_PARAMS.unpack(copy_from_user(mm, params, X.IO_URING_PARAMS.size)))
    if any(p[7:10]) or p[6] and not p[2] & X.IORING_SETUP_ATTACH_WQ:
        raise KernelError(E.EINVAL)                  # resv[], wq_fd without ATTACH_WQ
    ctx = io_uring_create(t, entries & 0xFFFFFFFF, p[2], p[1])
    p[0], p[1], p[5] = ctx.sq_entries, ctx.cq_entries, FEATURES
    p[10:] = params_offsets(ctx)
    try:
        copy_to_user(mm, params, X.IO_URING_PARAMS.pack(*p))
    except KernelError:
        ctx.put()
        raise
    return install_new_file(t, ctx, True)


def _ring(t: Task, fd: int) -> IoRingCtx:
    f = fget(t, fd)
    if not isinstance(f, IoRingCtx):
        raise KernelError(E.EOPNOTSUPP)
    return f


def sys_io_uring_enter(t: Task, fd: int, to_submit: int, min_complete: int, flags: int,
                       sig: int, sigsz: int) -> Generator[None, None, int]:
    """Submit, then wait for ``min_complete`` CQEs with GETEVENTS (the signal mask ``sig`` in
    force while waiting); the count submitted, or the wait's error when none was."""
    if flags & ~ENTER_FLAGS:
        raise KernelError(E.EINVAL)
    ctx = _ring(t, fd)
    ret = 0
    if to_submit & 0xFFFFFFFF:
        ret = yield from io_submit_sqes(t, ctx, to_submit & 0xFFFFFFFF)
    if flags & X.IORING_ENTER_GETEVENTS:
        if sig and sigsz != 8:
            raise KernelError(E.EINVAL)
        _with_mask(t, sig)
        try:
            yield from cqring_wait(t, ctx, min_complete & 0xFFFFFFFF)
        except KernelError:
            if not ret:
                raise
        finally:
            _restore_mask(t)
    return ret


def sys_io_uring_register(t: Task, fd: int, opcode: int, arg: int, nr_args: int) -> int:
    return io_uring_register(t, _ring(t, fd), opcode & 0xFFFFFFFF, arg, nr_args & 0xFFFFFFFF)


# -- opcodes that are system calls ----------------------------------------------------------
@register_op(X.IORING_OP_OPENAT, False)
def io_openat(t: Task, ctx: IoRingCtx, req: IoKiocb) -> Any:
    return sys_file.sys_openat(t, req.fd, req.addr, req.op_flags, req.len)


@register_op(X.IORING_OP_CLOSE, False)
def io_close(t: Task, ctx: IoRingCtx, req: IoKiocb) -> int:
    if req.off or req.addr or req.len or req.op_flags or req.buf_index:
        raise KernelError(E.EINVAL)
    if isinstance(fget(t, req.fd), IoRingCtx):
        raise KernelError(E.EBADF)                   # a ring may not close itself
    return sys_fd.sys_close(t, req.fd)


@register_op(X.IORING_OP_STATX, False)
def io_statx(t: Task, ctx: IoRingCtx, req: IoKiocb) -> int:
    return sys_fs.sys_statx(t, req.fd, req.addr, req.op_flags, req.len, req.off)


@register_op(X.IORING_OP_SEND, False)
def io_send(t: Task, ctx: IoRingCtx, req: IoKiocb) -> Any:
    return sys_sockmsg.sys_sendto(t, req.fd, req.addr, req.len, req.op_flags, 0, 0)


@register_op(X.IORING_OP_RECV, False)
def io_recv(t: Task, ctx: IoRingCtx, req: IoKiocb) -> Any:
    return sys_sockmsg.sys_recvfrom(t, req.fd, req.addr, req.len, req.op_flags, 0, 0)


@register_op(X.IORING_OP_SENDMSG, False)
def io_sendmsg(t: Task, ctx: IoRingCtx, req: IoKiocb) -> Any:
    return sys_sockmsg.sys_sendmsg(t, req.fd, req.addr, req.op_flags)


@register_op(X.IORING_OP_RECVMSG, False)
def io_recvmsg(t: Task, ctx: IoRingCtx, req: IoKiocb) -> Any:
    return sys_sockmsg.sys_recvmsg(t, req.fd, req.addr, req.op_flags)


@register_op(X.IORING_OP_ACCEPT, False)
def io_accept(t: Task, ctx: IoRingCtx, req: IoKiocb) -> Any:
    return sys_socket.sys_accept4(t, req.fd, req.addr, req.off, req.op_flags)


@register_op(X.IORING_OP_CONNECT, False)
def io_connect(t: Task, ctx: IoRingCtx, req: IoKiocb) -> Any:
    return sys_socket.sys_connect(t, req.fd, req.addr, s32(req.off))
