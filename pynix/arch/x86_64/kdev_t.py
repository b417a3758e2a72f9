"""Device numbers: the dev_t encoding user space sees in st_dev and st_rdev (Linux's
include/linux/kdev_t.h new_encode_dev / huge_encode_dev; glibc's and musl's makedev, major
and minor in sys/sysmacros.h).

``makedev(major, minor)`` packs the 12-bit-plus major and 20-bit minor into the 64-bit
dev_t; ``major(dev)`` and ``minor(dev)`` unpack it. The one encoder: the VFS's st_dev, device
inodes (mknod, /dev), the chrdev table, ext2's i_block encoding and /proc all use it.

ABI facts only.
"""
from __future__ import annotations


def makedev(major: int, minor: int) -> int:
    """dev_t of (major, minor) (glibc gnu_dev_makedev; Linux new_encode_dev)."""
    return ((major & 0xFFF) << 8) | (minor & 0xFF) | ((minor & ~0xFF) << 12) | ((major & ~0xFFF) << 32)


def major(dev: int) -> int:
    return ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)


def minor(dev: int) -> int:
    return (dev & 0xFF) | ((dev >> 12) & ~0xFF)
