"""Block devices as the block layer sees them: the disk, its queue limits and I/O statistics,
and the generic block-device ioctls (Linux block/genhd.c struct gendisk, block/blk-settings.c
queue limits, block/blk-core.c update_io_ticks / part_stat, block/ioctl.c blkdev_ioctl).

A driver makes one ``Gendisk(name, major, minor, capacity, hw_readonly)`` per disk, where
``capacity()`` is its size in bytes now and ``hw_readonly()`` whether the driver itself
refuses writes (a loop device over a file opened read-only); ``disk.stats.account(write,
nbytes, started)`` records each transfer. The driver's ioctl hands requests it does not know to
``blkdev_ioctl(disk, task, file_writable, req, arg, flush, discard)``, which answers the BLK*
family as Linux does (EPERM without CAP_SYS_ADMIN for the setters, EINVAL for bad values,
ENOTTY for what is not a block ioctl). fs/sysfs/block.py shows the same figures in /sys/block.

Owns: each disk's read-only policy (BLKROSET), read-ahead, block sizes and statistics.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from pynix.arch.x86_64 import blkdev as B
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.kernel.cred import capable
from pynix.mm.uaccess import copy_from_user, get_i32

DEFAULT_RA_PAGES = 32                 # VM_READAHEAD_PAGES: 128 KiB
PAGE_SECTORS = 4096 // B.SECTOR_SIZE


class DiskStats:
    """struct disk_stats: I/O counts, sectors moved, and io_ticks, the milliseconds during
    which the disk had I/O in flight (counted per millisecond touched, as update_io_ticks
    counts jiffies)."""

    def __init__(self) -> None:
        self.ios = [0, 0]              # reads, writes
        self.sectors = [0, 0]
        self.ticks = [0, 0]            # ms spent in each direction
        self.io_ticks = 0
        self._stamp = -1

    def account(self, write: bool, nbytes: int, started: float) -> None:
        now = time.monotonic()
        spent = int((now - started) * 1000)
        ms = max(1, spent)
        self.ios[write] += 1
        self.sectors[write] += (nbytes + B.SECTOR_SIZE - 1) // B.SECTOR_SIZE
        self.ticks[write] += spent
        end = int(now * 1000)
        if end != self._stamp:
            self.io_ticks += ms if end - ms >= self._stamp else end - self._stamp
            self._stamp = end

    def show(self) -> bytes:
        """/sys/block/<disk>/stat (part_stat_show): 17 fields, discards and flushes zero."""
        r, w = self.ios, self.sectors
        fields = [r[0], 0, w[0], self.ticks[0], r[1], 0, w[1], self.ticks[1], 0,
                  self.io_ticks, self.ticks[0] + self.ticks[1], 0, 0, 0, 0, 0, 0]
        return (" ".join("%8d" % v for v in fields) + "\n").encode()


class Gendisk:
    """A disk (struct gendisk with its request_queue's limits)."""

    def __init__(self, name: str, major: int, minor: int, capacity: Callable[[], int],
                 hw_readonly: Callable[[], bool] = lambda: False,
                 removable: bool = False) -> None:
        self.name, self.major, self.minor = name, major, minor
        self.capacity = capacity
        self.hw_readonly = hw_readonly
        self.removable = removable
        self.ro_policy = False          # BLKROSET
        self.ra_pages = DEFAULT_RA_PAGES
        self.logical_block_size = B.SECTOR_SIZE
        self.physical_block_size = B.SECTOR_SIZE
        self.soft_block_size = 1024     # BLKBSZSET: the block size buffered I/O uses
        self.stats = DiskStats()
        self.seq = 1

    @property
    def readonly(self) -> bool:
        """bdev_read_only: the policy set by BLKROSET or the driver's own."""
        return self.ro_policy or self.hw_readonly()

    def sectors(self) -> int:
        return self.capacity() // B.SECTOR_SIZE

    def set_logical_block_size(self, size: int) -> None:
        """blk_validate_block_size: a power of two from 512 to BLK_MAX_BLOCK_SIZE (EINVAL)."""
        if size < B.SECTOR_SIZE or size > B.BLK_MAX_BLOCK_SIZE or size & (size - 1):
            raise KernelError(E.EINVAL)
        self.logical_block_size = self.physical_block_size = size
        self.soft_block_size = max(self.soft_block_size, size)


def _need_admin(task: Any) -> None:
    if not capable(task, CAP_SYS_ADMIN):
        raise KernelError(E.EACCES)


def blkdev_ioctl(disk: Gendisk, task: Any, writable: bool, req: int, arg: int,
                 flush: Callable[[], None],
                 discard: Callable[[int, int], None] | None = None) -> int | bytes:
    """blkdev_ioctl: the block requests every disk answers. ``flush`` writes the disk's
    dirty data back (BLKFLSBUF); ``discard(start, length)`` drops a byte range (BLKDISCARD,
    EOPNOTSUPP when the disk cannot)."""
    if req == B.BLKROSET:
        _need_admin(task)
        disk.ro_policy = get_i32(task.mm, arg) != 0
        return 0
    if req == B.BLKROGET:
        return B.BLK_INT.pack(int(disk.readonly))
    if req == B.BLKGETSIZE:
        return B.BLK_ULONG.pack(disk.sectors())
    if req == B.BLKGETSIZE64:
        return B.BLK_ULONG.pack(disk.sectors() * B.SECTOR_SIZE)
    if req == B.BLKSSZGET:
        return B.BLK_INT.pack(disk.logical_block_size)
    if req in (B.BLKPBSZGET, B.BLKIOMIN):
        return B.BLK_UINT.pack(disk.physical_block_size)
    if req in (B.BLKIOOPT, B.BLKALIGNOFF, B.BLKDISCARDZEROES, B.BLKROTATIONAL):
        return B.BLK_UINT.pack(0) if req != B.BLKROTATIONAL else B.BLK_USHORT.pack(0)
    if req == B.BLKSECTGET:
        return B.BLK_USHORT.pack(255)
    if req == B.BLKGETDISKSEQ:
        return B.BLK_ULONG.pack(disk.seq)
    if req == B.BLKBSZGET:
        return B.BLK_INT.pack(disk.soft_block_size)
    if req == B.BLKBSZSET:
        _need_admin(task)
        size = get_i32(task.mm, arg)
        if size < disk.logical_block_size or size > 4096 or size & (size - 1):
            raise KernelError(E.EINVAL)
        disk.soft_block_size = size
        return 0
    if req in (B.BLKRAGET, B.BLKFRAGET):
        return B.BLK_ULONG.pack(disk.ra_pages * PAGE_SECTORS)
    if req in (B.BLKRASET, B.BLKFRASET):
        _need_admin(task)
        disk.ra_pages = (arg & 0xFFFFFFFFFFFFFFFF) // PAGE_SECTORS
        return 0
    if req == B.BLKFLSBUF:
        _need_admin(task)
        flush()
        return 0
    if req == B.BLKRRPART:
        _need_admin(task)
        raise KernelError(E.EINVAL)          # no partition table support (disk_scan_partitions)
    if req in (B.BLKDISCARD, B.BLKSECDISCARD, B.BLKZEROOUT):
        if not writable:
            raise KernelError(E.EBADF)
        start, length = B.BLK_RANGE.unpack(copy_from_user(task.mm, arg, B.BLK_RANGE.size))
        if (start | length) & (disk.logical_block_size - 1):
            raise KernelError(E.EINVAL)
        if start + length > disk.sectors() * B.SECTOR_SIZE:
            raise KernelError(E.EINVAL)
        if disk.readonly:
            raise KernelError(E.EPERM)
        if discard is None or req == B.BLKSECDISCARD:
            raise KernelError(E.EOPNOTSUPP)
        discard(start, length)               # both leave zeros behind on a loop file
        return 0
    raise KernelError(E.ENOTTY)
