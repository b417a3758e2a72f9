"""devtmpfs: the /dev the kernel fills itself (Linux drivers/base/devtmpfs.c, devtmpfs_init and
devtmpfs_create_node).

``make_devfs()`` returns a new tmpfs instance named ``devtmpfs`` holding a node for every
character device in ``fs/devices.DEVICES`` (name -> mode, major, minor), the ``shm`` and ``pts``
directories, and the ``stdin``/``stdout``/``stderr``/``fd`` links into /proc/self that udev
would add. Boot (init/main.py) mounts it on /dev; mount(2) of type devtmpfs
(fs/filesystems.py) shares that one instance, as Linux does.

Owns: nothing after it returns; the superblock belongs to the VFS once mounted.
"""
from __future__ import annotations

import stat

from pynix.arch.x86_64 import abi as A
from pynix.fs.devices import DEVICES
from pynix.fs.tmpfs import TmpfsSuperBlock

DEVTMPFS_SIZE = 1 << 20


def make_devfs() -> TmpfsSuperBlock:
    """devtmpfs_init: the instance with every registered device node in it."""
    sb = TmpfsSuperBlock(DEVTMPFS_SIZE)
    sb.fs_name = "devtmpfs"
    root = sb.root
    root.mode = stat.S_IFDIR | 0o755
    for name, (mode, maj, mnr) in DEVICES.items():
        root.create(name, mode, 0, 0, A.makedev(maj, mnr))
    root.mkdir(b"shm", 0o1777, 0, 0)
    root.mkdir(b"pts", 0o755, 0, 0)
    for i, name in enumerate((b"stdin", b"stdout", b"stderr")):
        root.symlink(name, b"/proc/self/fd/%d" % i, 0, 0)
    root.symlink(b"fd", b"/proc/self/fd", 0, 0)
    return sb
