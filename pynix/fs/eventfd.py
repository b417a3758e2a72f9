"""eventfd: a 64-bit counter behind a file descriptor (Linux fs/eventfd.c).

Provides ``EventFdFile`` and ``eventfd_create(initval, flags)``. read(2) of 8 bytes returns the
counter and resets it to 0 (EFD_SEMAPHORE: returns 1 and decrements it); it waits while the
counter is 0. write(2) of 8 bytes adds to it, waiting while the sum would pass 2^64 - 2;
0xffffffffffffffff is EINVAL, as are buffers shorter than 8 bytes. poll: readable when the
counter is non-zero, writable while 1 more fits. Blocking is WouldBlock(wqh) as for pipes.
``eventfd_signal(n)`` is the kernel's own write (aio completions): it adds without waiting,
saturating at ULLONG_MAX. ``eventfd_ctx_fdget(file)`` checks that a file is an eventfd.

Owns the counter and its wait queue (wqh).
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.arch.x86_64.poll import POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import File, WouldBlock


class EventFdFile(File):
    fmode_nowait = True

    def __init__(self, count: int, flags: int) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.count = count
        self.semaphore = bool(flags & V.EFD_SEMAPHORE)
        self.wqh = WaitQueue()
        self.anon = anon_inode("anon_inodefs", 0o600)

    def read(self, n: int) -> bytes:
        if n < 8:
            raise KernelError(E.EINVAL)
        if self.count == 0:
            raise WouldBlock(self.wqh)
        v = 1 if self.semaphore else self.count
        self.count -= v
        self.wqh.wake_up()
        return V.U64.pack(v)

    def write(self, data: bytes) -> int:
        if len(data) < 8:
            raise KernelError(E.EINVAL)
        v = V.U64.unpack_from(data)[0]
        if v == 0xFFFF_FFFF_FFFF_FFFF:
            raise KernelError(E.EINVAL)
        if self.count + v > V.EFD_MAX:
            raise WouldBlock(self.wqh)
        self.count += v
        if v:
            self.wqh.wake_up()
        return 8

    def eventfd_signal(self, n: int = 1) -> None:
        """Add ``n`` from inside the kernel (Linux's eventfd_signal_mask): never blocks; the
        counter stops at ULLONG_MAX."""
        self.count = min(self.count + n, 0xFFFF_FFFF_FFFF_FFFF)
        self.wqh.wake_up()

    def poll(self) -> int:
        mask = 0
        if self.count:
            mask |= POLLIN | POLLRDNORM
        if self.count == 0xFFFF_FFFF_FFFF_FFFF:
            mask |= POLLERR
        if self.count < V.EFD_MAX:
            mask |= POLLOUT | POLLWRNORM
        return mask

    def wait_queues(self) -> list[WaitQueue]:
        return [self.wqh]

    def release(self) -> None:
        self.wqh.wake_up()


def eventfd_create(initval: int, flags: int) -> EventFdFile:
    if flags & ~(V.EFD_SEMAPHORE | V.EFD_CLOEXEC | V.EFD_NONBLOCK):
        raise KernelError(E.EINVAL)
    return EventFdFile(initval & 0xFFFFFFFF, flags)


def eventfd_ctx_fdget(f: File) -> EventFdFile:
    """The eventfd behind an open file; EINVAL for any other kind of file (eventfd_ctx_fileget)."""
    if not isinstance(f, EventFdFile):
        raise KernelError(E.EINVAL)
    return f
