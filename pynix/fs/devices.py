"""Character devices: the driver table (Linux's chrdev map) and the memory devices
(drivers/char/mem.c: null, zero, full, random, urandom).

Provides ``chrdev_open(inode, flags, path)`` which picks the driver by the inode's device number
(major, minor), ``register_chrdev(major, minor, factory)`` (and ``unregister_chrdev``) for other drivers (the tty,
loop and console drivers register theirs at boot), and ``DEVICES``, the standard /dev nodes.
Opening a number nobody registered fails with ENXIO, as on Linux.
"""
from __future__ import annotations

import os
import struct
from typing import Callable

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import blkdev as B
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.arch.x86_64.kdev_t import major, minor
from pynix.base.errors import KernelError
from pynix.fs.vfs.file import File
from pynix.fs.vfs.inode import Inode
from pynix.kernel.cred import capable
from pynix.mm.uaccess import copy_from_user

POOL_BITS = 256             # the input pool's size and, once seeded, its entropy count

_drivers: dict[tuple[int, int], Callable[[int, object], File]] = {}


def register_chrdev(maj: int, mnr: int, factory: Callable[[int, object], File]) -> None:
    _drivers[(maj, mnr)] = factory


def unregister_chrdev(maj: int, mnr: int) -> None:
    _drivers.pop((maj, mnr), None)


def chrdev_open(inode: Inode, flags: int, path: object) -> File:
    factory = _drivers.get((major(inode.rdev), minor(inode.rdev)))
    if factory is None:
        raise KernelError(E.ENXIO)
    f = factory(flags, path)
    f.inode = inode
    return f


class MemDevice(File):
    """null, zero, full, random, urandom: behaviour chosen by ``kind``."""

    splice_read = splice_write = True

    def __init__(self, flags: int, path: object, kind: str) -> None:
        super().__init__(flags, path)
        self.kind = kind

    def read(self, n: int) -> bytes:
        if self.kind == "null":
            return b""
        if self.kind in ("zero", "full"):
            return bytes(n)
        return os.urandom(min(n, 1 << 20))

    def pread(self, n: int, off: int) -> bytes:
        return self.read(n)

    def write(self, data: bytes) -> int:
        if self.kind == "full":
            raise KernelError(E.ENOSPC)
        return len(data)

    def pwrite(self, data: bytes, off: int) -> int:
        return self.write(data)

    def lseek(self, off: int, whence: int) -> int:
        self.pos = 0
        return 0

    def ioctl(self, task: object, req: int, arg: int) -> int | bytes:
        """random_ioctl (both random and urandom): the entropy count, always the full pool
        (the host's generator behind them is seeded); the setters need CAP_SYS_ADMIN and,
        as on Linux since 5.18, credit nothing beyond the full pool."""
        if self.kind not in ("random", "urandom"):
            raise KernelError(E.ENOTTY)
        if req == B.RNDGETENTCNT:
            return B.BLK_INT.pack(POOL_BITS)
        if req not in (B.RNDADDTOENTCNT, B.RNDADDENTROPY, B.RNDZAPENTCNT, B.RNDCLEARPOOL,
                       B.RNDRESEEDCRNG):
            raise KernelError(E.ENOTTY)
        if not capable(task, CAP_SYS_ADMIN):  # type: ignore[arg-type]
            raise KernelError(E.EPERM)
        if req == B.RNDADDENTROPY:
            mm = task.mm  # type: ignore[attr-defined]
            count, size = struct.unpack("<ii", copy_from_user(mm, arg, 8))
            if count < 0 or size < 0:
                raise KernelError(E.EINVAL)
            copy_from_user(mm, arg + 8, size)          # EFAULT for a bad buffer
        return 0

    def can_poll(self) -> bool:
        """Only random has a poll operation (random_poll: always ready once the pool is
        initialised, the default mask); urandom, null, zero and full have none."""
        return self.kind == "random"


for _minor, _kind in ((3, "null"), (5, "zero"), (7, "full"), (8, "random"), (9, "urandom")):
    register_chrdev(1, _minor, lambda flags, path, k=_kind: MemDevice(flags, path, k))

# the standard nodes of /dev: name -> (mode, major, minor)
DEVICES: dict[bytes, tuple[int, int, int]] = {
    b"null": (A.S_IFCHR | 0o666, 1, 3),
    b"zero": (A.S_IFCHR | 0o666, 1, 5),
    b"full": (A.S_IFCHR | 0o666, 1, 7),
    b"random": (A.S_IFCHR | 0o666, 1, 8),
    b"urandom": (A.S_IFCHR | 0o666, 1, 9),
    b"tty": (A.S_IFCHR | 0o666, 5, 0),
    b"console": (A.S_IFCHR | 0o600, 5, 1),
    b"ptmx": (A.S_IFCHR | 0o666, 5, 2),                     # drivers/pty.py
    b"tty1": (A.S_IFCHR | 0o620, 4, 1),
    b"loop-control": (A.S_IFCHR | 0o660, 10, 237),          # drivers/loop.py
    b"userfaultfd": (A.S_IFCHR | 0o600, 10, 126),           # fs/userfaultfd.py
    **{b"loop%d" % i: (A.S_IFBLK | 0o660, 7, i) for i in range(8)},
}
