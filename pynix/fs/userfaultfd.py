"""The userfaultfd file and /dev/userfaultfd (Linux fs/userfaultfd.c: userfaultfd_fops,
userfaultfd_ioctl, userfaultfd_dev_ioctl).

Provides ``UserfaultfdFile(ctx, flags)``, the open file over an mm/userfaultfd.UserfaultCtx:
read(2) returns whole ``struct uffd_msg``s (EINVAL below 32 bytes or before UFFDIO_API; it
waits on ``ctx.fd_wqh`` while there is none, EAGAIN under O_NONBLOCK); poll is POLLIN while
messages wait, POLLERR before UFFDIO_API and on a blocking descriptor (as Linux: a fault may be
woken before it is read); ioctl decodes the UFFDIO_* structs, calls the context or mm/mfill.py
and writes the results back; the last close releases the context.
``userfaultfd_new(task, flags)`` makes one for ``task``'s mm (flag check, EINVAL);
the permission rule of userfaultfd(2) is the syscall's. ``UserfaultfdDev`` is /dev/userfaultfd,
whose USERFAULTFD_IOC_NEW ioctl makes one without that rule (the device's mode guards it).

Owns the context: one per file.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import userfaultfd as U
from pynix.arch.x86_64.loop import MISC_MAJOR
from pynix.arch.x86_64.poll import POLLERR, POLLIN, POLLRDNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue
from pynix.fs.anon import anon_inode
from pynix.fs.devices import register_chrdev
from pynix.fs.vfs.file import File, WouldBlock
from pynix.mm import mfill
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.mm.userfaultfd import UserfaultCtx, validate_range

UFFD_FLAGS = A.O_CLOEXEC | A.O_NONBLOCK | U.UFFD_USER_MODE_ONLY


class UserfaultfdFile(File):
    def __init__(self, ctx: UserfaultCtx, flags: int) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.ctx = ctx
        self.anon = anon_inode("anon_inodefs", 0o600)
        self.anon_name = b"[userfaultfd]"

    def read(self, n: int) -> bytes:
        out = self.ctx.read_msgs(n)
        if out is None:
            raise WouldBlock(self.ctx.fd_wqh)
        return out

    def write(self, data: bytes) -> int:
        raise KernelError(E.EINVAL)

    def poll(self) -> int:
        if not self.ctx.initialized or not self.flags & A.O_NONBLOCK:
            return POLLERR
        return POLLIN | POLLRDNORM if self.ctx.msgs else 0

    def wait_queues(self) -> list[WaitQueue]:
        return [self.ctx.fd_wqh]

    def release(self) -> None:
        self.ctx.release()

    def ioctl(self, task: Any, req: int, arg: int) -> int:
        ctx = self.ctx
        mm = task.mm
        if req == U.UFFDIO_API:
            api, features, _ = U.UFFDIO_API_S.unpack(copy_from_user(mm, arg, U.UFFDIO_API_S.size))
            try:
                offered = ctx.api(api, features)
            except KernelError:
                copy_to_user(mm, arg, bytes(U.UFFDIO_API_S.size))
                raise
            copy_to_user(mm, arg, U.UFFDIO_API_S.pack(U.UFFD_API, offered, U.UFFD_API_IOCTLS))
            return 0
        if req == U.UFFDIO_REGISTER:
            start, length, mode, _ = U.UFFDIO_REGISTER_S.unpack(
                copy_from_user(mm, arg, U.UFFDIO_REGISTER_S.size))
            ioctls = ctx.register(start, length, mode)
            copy_to_user(mm, arg + 24, ioctls.to_bytes(8, "little"))
            return 0
        if req in (U.UFFDIO_UNREGISTER, U.UFFDIO_WAKE):
            start, length = U.UFFDIO_RANGE.unpack(copy_from_user(mm, arg, U.UFFDIO_RANGE.size))
            if req == U.UFFDIO_UNREGISTER:
                ctx.unregister(start, length)
            else:
                ctx.check_initialized()
                ctx.wake_range(start, validate_range(start, length))
            return 0
        if req in (U.UFFDIO_COPY, U.UFFDIO_MOVE):
            dst, src, length, mode, _ = U.UFFDIO_COPY_S.unpack(
                copy_from_user(mm, arg, U.UFFDIO_COPY_S.size))
            op = mfill.mfill_atomic_copy if req == U.UFFDIO_COPY else mfill.move_pages
            return _report(mm, arg + 32, length, lambda: op(ctx, dst, src, length, mode))
        if req in (U.UFFDIO_ZEROPAGE, U.UFFDIO_CONTINUE, U.UFFDIO_POISON):
            start, length, mode, _ = U.UFFDIO_RANGE_MODE_OUT.unpack(
                copy_from_user(mm, arg, U.UFFDIO_RANGE_MODE_OUT.size))
            fill = {U.UFFDIO_ZEROPAGE: mfill.mfill_atomic_zeropage,
                    U.UFFDIO_CONTINUE: mfill.mfill_atomic_continue,
                    U.UFFDIO_POISON: mfill.mfill_atomic_poison}[req]
            return _report(mm, arg + 24, length, lambda: fill(ctx, start, length, mode))
        if req == U.UFFDIO_WRITEPROTECT:
            start, length, mode = U.UFFDIO_WRITEPROTECT_S.unpack(
                copy_from_user(mm, arg, U.UFFDIO_WRITEPROTECT_S.size))
            mfill.mwriteprotect_range(ctx, start, length, mode)
            return 0
        raise KernelError(E.EINVAL if req >> 8 & 0xFF == U.UFFDIO else E.ENOTTY)


def _report(mm: Any, out: int, length: int, op: Any) -> int:
    """Run a filling ioctl and store its count (or -errno) in the struct's last field; a
    short count is EAGAIN, as Linux reports it."""
    try:
        done = op()
    except KernelError as err:
        copy_to_user(mm, out, (-err.errno).to_bytes(8, "little", signed=True))
        raise
    copy_to_user(mm, out, done.to_bytes(8, "little", signed=True))
    if done != length:
        raise KernelError(E.EAGAIN)
    return 0


def userfaultfd_new(task: Any, flags: int) -> UserfaultfdFile:
    """A new userfaultfd over ``task``'s address space (new_userfaultfd)."""
    if flags & ~UFFD_FLAGS:
        raise KernelError(E.EINVAL)
    return UserfaultfdFile(UserfaultCtx(task.mm, flags), flags)


class UserfaultfdDev(File):
    """/dev/userfaultfd (userfaultfd_dev_fops): only the ioctl that makes a userfaultfd."""

    def ioctl(self, task: Any, req: int, arg: int) -> int:
        if req != U.USERFAULTFD_IOC_NEW:
            raise KernelError(E.EINVAL)
        f = userfaultfd_new(task, arg & 0xFFFFFFFF)
        return task.files.install_new(f, bool(arg & A.O_CLOEXEC))


register_chrdev(MISC_MAJOR, U.USERFAULTFD_MINOR, lambda flags, path: UserfaultfdDev(flags, path))
