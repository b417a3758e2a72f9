"""Submitting and cancelling native AIO requests (Linux fs/aio.c: io_submit_one,
__io_submit_one, aio_prep_rw (with read_write.kiocb_set_rw_flags), aio_setup_rw, aio_read, aio_write,
aio_fsync, aio_poll and its wake-up work, io_cancel's search of active_reqs).

- ``io_submit_one(t, ctx, user_iocb)``: a generator: read the struct iocb (EFAULT), check
  its reserved field and sizes (EINVAL), take a ring slot (EAGAIN), the file (EBADF), the
  eventfd of IOCB_FLAG_RESFD (EBADF, EINVAL if not an eventfd), store KIOCB_KEY in aio_key,
  then run the command. A check that fails is the submission's error; once the command runs,
  its result (bytes moved, or -errno) is the io_event's ``res``.
  - PREAD, PWRITE, PREADV, PWRITEV go through fs/vfs/read_write's kiocb_read/kiocb_write at
    aio_offset: a regular file's I/O happens at once, as Linux's buffered AIO does; a pipe
    or socket may make io_submit wait (RWF_NOWAIT: the event says -EAGAIN instead), and a
    signal in that wait completes the request with -EINTR.
  - FSYNC and FDSYNC sync the file and complete with 0.
  - POLL completes at once if the file is ready, else waits on the file's queues with
    WaitCallback entries whose wake-up queues work (``k.irq.post``, Linux's schedule_work)
    that polls again; it can be cancelled.
- ``aio_cancel(ctx, obj)``: cancel the active request for the user's iocb at ``obj``
  (io_cancel): EINVAL if none (it completed or was never submitted); the cancelled request
  still posts an io_event.

Owns nothing beyond the requests it creates (handed to fs/aio.py's context).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import aio as X
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.limits import MAX_RW_COUNT
from pynix.arch.x86_64.poll import POLLERR, POLLHUP
from pynix.base.errors import KernelError
from pynix.base.wait import WaitCallback
from pynix.fs.aio import AioKiocb, KioCtx, aio_complete, aio_get_req, iocb_destroy
from pynix.fs.eventfd import eventfd_ctx_fdget
from pynix.fs.eventpoll import poll_keys_of
from pynix.fs.vfs.file import MAX_LFS_FILESIZE, File
from pynix.fs.vfs.read_write import (
    file_is_stream,
    kiocb_read,
    kiocb_set_rw_flags,
    kiocb_write,
    vfs_fsync,
    vfs_read,
    vfs_write,
)
from pynix.kernel.cred import ioprio_check_cap
from pynix.mm.uaccess import (
    access_ok,
    copy_from_iter,
    copy_from_user,
    copy_to_iter,
    import_iovec,
    put_u32,
)

if TYPE_CHECKING:
    from pynix.kernel.task import Task

RESTARTS = (E.ERESTARTSYS, E.ERESTARTNOINTR, E.ERESTARTNOHAND, E.ERESTART_RESTARTBLOCK)


def io_submit_one(t: Task, ctx: KioCtx, user_iocb: int) -> Generator[None, None, None]:
    mm = t.mm
    assert mm is not None and t.files is not None
    (data, _key, rw_flags, opcode, reqprio, fildes, buf, nbytes, offset, reserved2, flags,
     resfd) = X.IOCB.unpack(copy_from_user(mm, user_iocb, X.IOCB.size))
    if reserved2:
        raise KernelError(E.EINVAL)
    if nbytes >= 1 << 63:                        # (ssize_t)aio_nbytes < 0
        raise KernelError(E.EINVAL)
    req = aio_get_req(ctx, user_iocb, data)
    try:
        yield from _submit(t, req, opcode, rw_flags, reqprio, fildes, buf, nbytes, offset,
                           flags, resfd, user_iocb)
    except KernelError:
        if not req.done:
            iocb_destroy(req)
            ctx.reqs_available += 1
        raise


def _submit(t: Task, req: AioKiocb, opcode: int, rw_flags: int, reqprio: int, fildes: int,
            buf: int, nbytes: int, offset: int, flags: int, resfd: int,
            user_iocb: int) -> Generator[None, None, None]:
    """__io_submit_one: the file, the eventfd, aio_key, then the command."""
    assert t.files is not None and t.mm is not None
    f = t.files.get(fildes)
    if f.flags & A.O_PATH:
        raise KernelError(E.EBADF)
    req.filp = f.get()
    if flags & X.IOCB_FLAG_RESFD:
        efd = t.files.get(resfd)
        req.eventfd = eventfd_ctx_fdget(efd).get()  # type: ignore[assignment]
    put_u32(t.mm, user_iocb + X.IOCB_KEY_OFF, X.KIOCB_KEY)
    if opcode in (X.IOCB_CMD_PREAD, X.IOCB_CMD_PREADV, X.IOCB_CMD_PWRITE, X.IOCB_CMD_PWRITEV):
        write = opcode in (X.IOCB_CMD_PWRITE, X.IOCB_CMD_PWRITEV)
        vectored = opcode in (X.IOCB_CMD_PREADV, X.IOCB_CMD_PWRITEV)
        yield from aio_rw(t, req, f, write, vectored, rw_flags, reqprio, buf, nbytes, offset, flags)
    elif opcode in (X.IOCB_CMD_FSYNC, X.IOCB_CMD_FDSYNC):
        if buf or offset or nbytes or rw_flags:
            raise KernelError(E.EINVAL)
        vfs_fsync(f)
        aio_complete(req, 0)
    elif opcode == X.IOCB_CMD_POLL:
        aio_poll(t, req, f, buf, nbytes, offset, rw_flags)
    else:
        raise KernelError(E.EINVAL)


def aio_rw(t: Task, req: AioKiocb, f: File, write: bool, vectored: bool, rw_flags: int,
           reqprio: int, buf: int, nbytes: int, offset: int,
           flags: int) -> Generator[None, None, None]:
    """aio_prep_rw and aio_setup_rw, then the I/O (``rw_iter``) and its completion."""
    mm = t.mm
    assert mm is not None
    if flags & X.IOCB_FLAG_IOPRIO:
        ioprio_check_cap(t, reqprio)

    def setup_rw() -> list[tuple[int, int]]:
        if vectored:
            return import_iovec(mm, buf, nbytes)
        access_ok(buf, min(nbytes, MAX_RW_COUNT))
        return [(buf, min(nbytes, MAX_RW_COUNT))]
    try:
        res = yield from rw_iter(t, f, write, setup_rw, rw_flags, offset)
    except GeneratorExit:                           # killed while waiting: the I/O is over
        aio_complete(req, -E.EINTR)
        raise
    aio_complete(req, res)


def rw_iter(t: Task, f: File, write: bool, setup_rw: Callable[[], list[tuple[int, int]]],
            rw_flags: int, offset: int | None) -> Generator[None, None, int]:
    """The read or write of an asynchronous request (kiocb_set_rw_flags, rw_verify_area, then
    read_iter / write_iter), shared by native AIO and io_uring: ``setup_rw()`` checks and
    returns the user's buffers (after the flag and mode checks, as aio_setup_rw comes), ``offset`` None means the file's position (io_uring's -1, which moves it). Checks
    that fail raise; once the I/O runs, its result is returned: bytes moved or -errno (a
    signal in a wait is -EINTR)."""
    mm = t.mm
    assert mm is not None
    kiocb_set_rw_flags(f, rw_flags)
    if rw_flags & A.RWF_APPEND and rw_flags & A.RWF_NOAPPEND:
        raise KernelError(E.EINVAL)
    if not (f.writable if write else f.readable):
        raise KernelError(E.EBADF)
    if f.inode is not None and f.inode.is_dir() and not file_is_stream(f):
        raise KernelError(E.EINVAL)                 # no read_iter / write_iter
    vecs = setup_rw()
    count = sum(ln for _, ln in vecs)
    if offset is not None and (offset < 0 or offset + count > MAX_LFS_FILESIZE):
        raise KernelError(E.EINVAL)
    nowait = bool(rw_flags & A.RWF_NOWAIT)
    try:
        if write:
            data = copy_from_iter(mm, vecs)
            if offset is None:
                res = yield from vfs_write(t, f, data, nowait=nowait)
            else:
                res = yield from kiocb_write(t, f, data, offset, nowait,
                                             bool(rw_flags & A.RWF_APPEND))
            if rw_flags & (A.RWF_DSYNC | A.RWF_SYNC) and not file_is_stream(f):
                vfs_fsync(f)
        else:
            if offset is None:
                got = yield from vfs_read(t, f, count, nowait)
            else:
                got = yield from kiocb_read(t, f, count, offset, nowait)
            copy_to_iter(mm, vecs, got)
            res = len(got)
    except KernelError as err:
        res = -(E.EINTR if err.errno in RESTARTS else err.errno)
    return res


# -- IOCB_CMD_POLL --------------------------------------------------------------------------
class PollIocb:
    """A poll request waiting on its file's queues (struct poll_iocb). A wake-up whose key
    shares nothing with the events is ignored; one that does completes the request with the
    wake-up's key (a pipe's readers: POLLIN | POLLRDNORM), as Linux's aio_poll_wake does.
    ``complete(mask)`` is called once with the result (aio_complete for an iocb, a CQE for
    io_uring's POLL_ADD)."""

    def __init__(self, t: Task, complete: Callable[[int], None], f: File, events: int) -> None:
        self.complete = complete
        self.done = False
        self.file = f
        self.events = events
        self.kernel = t.kernel
        self.keys = poll_keys_of(f)
        self.queues = [wq for wq, _ in self.keys]
        self.entries = [WaitCallback(lambda key=key: self.aio_poll_wake(key)) for _, key in self.keys]
        self.woken = 0
        self.work_queued = False

    def arm(self) -> None:
        for wq, entry in zip(self.queues, self.entries):
            wq.add(entry)  # type: ignore[arg-type]

    def disarm(self) -> None:
        for wq, entry in zip(self.queues, self.entries):
            wq.remove(entry)  # type: ignore[arg-type]

    def aio_poll_wake(self, key: int) -> None:
        """A wake-up on one of the file's queues: poll again soon, outside the waker."""
        if not key & self.events:
            self.kernel.irq.post(self.arm)          # not ours: keep waiting
            return
        self.woken |= key
        if not self.work_queued and not self.done:
            self.work_queued = True
            self.kernel.irq.post(self.aio_poll_complete_work)

    def aio_poll_complete_work(self) -> None:
        self.work_queued = False
        if self.done:
            return
        self.arm()                                  # before polling: no wake-up is lost
        mask = self.file.poll() & self.events
        if mask:
            self.finish(self.woken if self.woken & mask else mask)
        self.woken = 0

    def finish(self, res: int) -> None:
        """Off the queues, and the result reported (once)."""
        self.disarm()
        if not self.done:
            self.done = True
            self.complete(res)

    def aio_poll_cancel(self) -> None:
        """io_cancel or io_destroy: complete now with whatever the file says."""
        self.finish(self.file.poll() & self.events)


def aio_poll(t: Task, req: AioKiocb, f: File, buf: int, nbytes: int, offset: int,
             rw_flags: int) -> None:
    """Poll ``f`` for the events in aio_buf (plus POLLERR | POLLHUP): complete at once when
    some are pending; otherwise wait on the file's queues. A file with nothing to wait on
    that is not ready is EINVAL."""
    if buf & ~0xFFFF or offset or nbytes or rw_flags:
        raise KernelError(E.EINVAL)
    pi = PollIocb(t, lambda res: aio_complete(req, res), f, buf | POLLERR | POLLHUP)
    mask = f.poll() & pi.events
    if mask:
        aio_complete(req, mask)
        return
    if not pi.queues:
        raise KernelError(E.EINVAL)
    pi.arm()
    req.cancel = pi.aio_poll_cancel
    req.ctx.active_reqs.append(req)


def aio_cancel(ctx: KioCtx, obj: int) -> None:
    """Cancel the active request submitted from the iocb at ``obj``; EINVAL if there is
    none. Its io_event is posted to the ring (io_cancel then says EINPROGRESS)."""
    for req in ctx.active_reqs:
        if req.obj == obj and req.cancel is not None:
            ctx.active_reqs.remove(req)
            req.cancel()
            return
    raise KernelError(E.EINVAL)
