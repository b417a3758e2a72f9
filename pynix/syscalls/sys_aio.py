"""io_setup, io_destroy, io_submit, io_cancel, io_getevents, io_pgetevents: thin handlers
around fs/aio.py (contexts, rings, reaping) and fs/aio_submit.py (requests), as Linux's
fs/aio.c SYSCALL_DEFINEs decode and check their arguments.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import aio as X
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.fs.aio import ioctx_alloc, kill_ioctx, lookup_ioctx, read_events, wait_ioctx_done
from pynix.fs.aio_submit import aio_cancel, io_submit_one
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, get_u32, get_u64, put_u64
from pynix.syscalls.sys_poll import _restore_mask, _with_mask
from pynix.syscalls.util import mm_of, s64


def sys_io_setup(t: Task, nr_events: int, ctxp: int) -> int:
    mm = mm_of(t)
    if get_u64(mm, ctxp) or nr_events & 0xFFFFFFFF == 0:
        raise KernelError(E.EINVAL)
    ctx = ioctx_alloc(t, nr_events & 0xFFFFFFFF)
    try:
        put_u64(mm, ctxp, ctx.user_id)
    except KernelError:
        kill_ioctx(t.kernel, mm, ctx)
        raise
    return 0


def sys_io_destroy(t: Task, ctx_id: int) -> Generator[None, None, int]:
    """Kill the context, then wait until its requests in flight are done."""
    ctx = lookup_ioctx(t, ctx_id)
    if ctx is None:
        raise KernelError(E.EINVAL)
    kill_ioctx(t.kernel, mm_of(t), ctx)
    yield from wait_ioctx_done(t, ctx)
    return 0


def sys_io_submit(t: Task, ctx_id: int, nr: int, iocbpp: int) -> Generator[None, None, int]:
    """Submit up to ``nr`` iocbs (at most the ring's size); the count submitted before the
    first failure, or that failure's errno if it was the first."""
    nr = s64(nr)
    if nr < 0:
        raise KernelError(E.EINVAL)
    ctx = lookup_ioctx(t, ctx_id)
    if ctx is None:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    done = 0
    for i in range(min(nr, ctx.nr_events)):
        try:
            yield from io_submit_one(t, ctx, get_u64(mm, iocbpp + 8 * i))
        except KernelError:
            if done:
                break
            raise
        done += 1
    return done


def sys_io_cancel(t: Task, ctx_id: int, iocb: int, result: int) -> int:
    """Cancel a request still waiting (a POLL): its io_event goes to the ring and the call
    says EINPROGRESS; EINVAL when the iocb has no such request."""
    if get_u32(mm_of(t), iocb + X.IOCB_KEY_OFF) != X.KIOCB_KEY:
        raise KernelError(E.EINVAL)
    ctx = lookup_ioctx(t, ctx_id)
    if ctx is None:
        raise KernelError(E.EINVAL)
    aio_cancel(ctx, iocb)
    raise KernelError(E.EINPROGRESS)


def _timeout(t: Task, timeout: int) -> int | None:
    """The relative timeout in ns (not checked, as get_timespec64 does not), None for NULL."""
    if not timeout:
        return None
    sec, nsec = A.TIMESPEC.unpack(copy_from_user(mm_of(t), timeout, A.TIMESPEC.size))
    return sec * 10**9 + nsec


def do_io_getevents(t: Task, ctx_id: int, min_nr: int, nr: int, events: int,
                    ts: int | None) -> Generator[None, None, int]:
    ctx = lookup_ioctx(t, ctx_id)
    min_nr, nr = s64(min_nr), s64(nr)
    if ctx is None or not 0 <= min_nr <= nr:
        raise KernelError(E.EINVAL)
    deadline = None if ts is None else monotonic_ns() + ts
    return (yield from read_events(t, ctx, min_nr, nr, events, deadline, ts == 0))


def sys_io_getevents(t: Task, ctx_id: int, min_nr: int, nr: int, events: int,
                     timeout: int) -> Generator[None, None, int]:
    ts = _timeout(t, timeout)
    ret = yield from do_io_getevents(t, ctx_id, min_nr, nr, events, ts)
    if not ret and t.signal_pending():
        raise KernelError(E.EINTR)
    return ret


def sys_io_pgetevents(t: Task, ctx_id: int, min_nr: int, nr: int, events: int, timeout: int,
                      usig: int) -> Generator[None, None, int]:
    """io_getevents with the signal mask of struct __aio_sigset in force while it waits."""
    ts = _timeout(t, timeout)
    sigmask, sigsetsize = X.AIO_SIGSET.unpack(copy_from_user(mm_of(t), usig, X.AIO_SIGSET.size)) \
        if usig else (0, 0)
    if sigmask and sigsetsize != 8:
        raise KernelError(E.EINVAL)
    _with_mask(t, sigmask)
    try:
        ret = yield from do_io_getevents(t, ctx_id, min_nr, nr, events, ts)
    finally:
        interrupted = t.signal_pending()
        _restore_mask(t)
    if interrupted and not ret:
        raise KernelError(E.ERESTARTNOHAND)
    return ret
