"""Filesystem types: the table mount(2) consults to make a superblock (Linux fs/filesystems.c
register_filesystem / get_fs_type, and each type's ->mount / fill_super), plus the loop device
that lets ext2 mount from a regular file (drivers/block/loop.c, reduced to its I/O).

Provides ``FILESYSTEMS`` (name -> ``FileSystemType``; /proc/filesystems, which this module
registers as Linux's fs/filesystems.c does, lists it in this order), ``get_fs_type(name)``
(ENODEV for an unknown type), the sysfs(2) queries over that table in its order (``fs_index``,
``fs_name``, ``fs_maxindex``), and ``FileSystemType.mount(kernel, source, data)`` -> SuperBlock,
where ``source`` is the resolved Path of the device or image for types that ``requires_dev``
(else None) and ``data`` the option string. Types:

- ``tmpfs``: a new in-memory fs; options ``size=N[kmg%]``, ``mode=OCTAL``.
- ``proc``: a new procfs over the kernel's tables.
- ``sysfs``: a view of the one kobject tree (fs/sysfs/).
- ``devtmpfs``: the one devtmpfs instance (already on /dev), as Linux shares it.
- ``devpts``: a new instance of the pty slaves' filesystem (fs/devpts.py), options ``uid=``,
  ``gid=``, ``mode=``, ``ptmxmode=``, ``max=``, ``newinstance``.
- ``ext2``: from a bound loop device (/dev/loopN, drivers/loop.py: ``mount -o loop image /mnt``)
  or straight from a regular file holding an image (``mount -t ext2 image /mnt``), read-only
  with MS_RDONLY; a read-only loop device (BLKROSET, or a file opened read-only) mounts only
  with MS_RDONLY (EACCES otherwise, as get_tree_bdev).

Owns: the type table. Superblocks belong to the VFS once mounted.
"""
from __future__ import annotations

import stat
import time
from dataclasses import dataclass
from typing import Any, Callable

from pynix.kernel.pid import task_active_pid_ns
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.drivers.loop import loop_backing
from pynix.fs.bio import BlockDevice, _dev_ids
from pynix.fs.blkdev import DiskStats
from pynix.fs.devpts import devpts_fill_super
from pynix.fs.devtmpfs import make_devfs
from pynix.fs.ext2.super import Ext2SuperBlock
from pynix.fs.procfs.registry import register_proc_file
from pynix.fs.procfs.super import ProcSuperBlock
from pynix.fs.sysfs import SysfsSuperBlock
from pynix.fs.tmpfs import TmpfsSuperBlock
from pynix.fs.vfs.dcache import MS_NODEV, MS_RDONLY, Path
from pynix.fs.vfs.icache import iget, iput
from pynix.fs.vfs.inode import Inode, SuperBlock


@dataclass(frozen=True)
class FileSystemType:
    name: str
    requires_dev: bool
    fill_super: Callable[[Any, Path | None, int, bytes], SuperBlock]

    def mount(self, k: Any, source: Path | None, flags: int, data: bytes) -> SuperBlock:
        return self.fill_super(k, source, flags, data)


def parse_options(data: bytes) -> dict[bytes, bytes]:
    opts: dict[bytes, bytes] = {}
    for item in data.split(b","):
        if item:
            key, _, val = item.partition(b"=")
            opts[key] = val
    return opts


def parse_size(text: bytes, total: int) -> int:
    """memparse for tmpfs size=: plain bytes, k/m/g suffixes, or a percentage of RAM."""
    try:
        if text.endswith(b"%"):
            return total * int(text[:-1]) // 100
        mult = {b"k": 1 << 10, b"m": 1 << 20, b"g": 1 << 30}.get(text[-1:].lower(), 1)
        return int(text[:-1] if mult != 1 else text) * mult
    except ValueError:
        raise KernelError(E.EINVAL) from None


def tmpfs_fill_super(k: Any, source: Path | None, flags: int, data: bytes) -> SuperBlock:
    opts = parse_options(data)
    total = k.phys.size if k is not None else 1 << 30
    size = parse_size(opts[b"size"], total) if opts.get(b"size") else total // 2
    sb = TmpfsSuperBlock(size)
    if opts.get(b"mode"):
        try:
            mode = int(opts[b"mode"], 8)
        except ValueError:
            raise KernelError(E.EINVAL) from None
        sb.root.mode = stat.S_IFDIR | (mode & 0o7777)
    return sb


def proc_fill_super(k: Any, source: Path | None, flags: int, data: bytes) -> SuperBlock:
    """proc_get_tree: one instance per pid namespace, the mounter's (it lists that
    namespace's tasks under their numbers there)."""
    cur = k.current
    ns = task_active_pid_ns(cur) if cur is not None else k.init_pid_ns
    if ns.proc_sb is None:
        ns.proc_sb = ProcSuperBlock(k, ns)
    return ns.proc_sb


def devtmpfs_fill_super(k: Any, source: Path | None, flags: int, data: bytes) -> SuperBlock:
    for sb in k.vfs.supers:
        if sb.fs_name == "devtmpfs":
            return sb
    return make_devfs()


class LoopDevice(BlockDevice):
    """A block device whose blocks are a file's bytes from ``offset`` on (the loop driver's
    transfer); ``on_close`` runs at unmount (a /dev/loopN's autoclear)."""

    def __init__(self, inode: Inode, readonly: bool, offset: int = 0,
                 on_close: Callable[[], None] | None = None, size: int | None = None,
                 stats: DiskStats | None = None) -> None:
        self.path = "loop"
        self.readonly = readonly
        self.fd = -1
        self.block_size = 1024
        self.inode = inode
        self.offset = offset
        self.on_close = on_close
        self.size_bytes = inode.size - offset if size is None else size
        self.stats = stats
        self.id = next(_dev_ids)
        iget(inode)

    def pread(self, offset: int, n: int) -> bytes:
        started = time.monotonic()
        data = self.inode.read(self.offset + offset, n)
        if self.stats is not None:
            self.stats.account(False, n, started)
        return data + bytes(n - len(data)) if len(data) < n else data

    def pwrite(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        if self.readonly:
            raise OSError(30, "read-only block device")
        started = time.monotonic()
        self.inode.write(self.offset + offset, bytes(data))
        if self.stats is not None:
            self.stats.account(True, len(data), started)
        self.size_bytes = max(self.size_bytes, offset + len(data))

    def flush(self) -> None:
        self.inode.fsync()

    def close(self) -> None:
        if self.fd == -1:
            self.fd = -2
            iput(self.inode)
            if self.on_close is not None:
                self.on_close()


def ext2_fill_super(k: Any, source: Path | None, flags: int, data: bytes) -> SuperBlock:
    if source is None:
        raise KernelError(E.EINVAL)
    inode = source.inode
    readonly = bool(flags & MS_RDONLY) or source.mnt.readonly
    if stat.S_ISBLK(inode.mode):                # /dev/loopN bound to an image
        if source.mnt.flags & MS_NODEV:
            raise KernelError(E.EACCES)
        loop = loop_backing(inode.rdev)
        assert loop.backing is not None
        if loop.disk.readonly and not flags & MS_RDONLY:
            raise KernelError(E.EACCES)             # get_tree_bdev: a read-only disk
        loop.users += 1
        bdev = LoopDevice(loop.backing, readonly, loop.offset, loop.release_user, loop.size,
                          loop.disk.stats)
    elif inode.is_reg():                        # an image file named directly
        bdev = LoopDevice(inode, readonly)
    else:
        raise KernelError(E.ENOTBLK)
    try:
        sb = Ext2SuperBlock(bdev, None, readonly)
    except Exception:              # not an ext2 image: the bytes are guest data
        bdev.close()
        raise KernelError(E.EINVAL) from None
    sb.owns_bdev = True
    if stat.S_ISBLK(inode.mode):
        sb.dev = inode.rdev                          # st_dev is the disk's number
    return sb


def sysfs_fill_super(k: Any, source: Path | None, flags: int, data: bytes) -> SuperBlock:
    return SysfsSuperBlock()


FILESYSTEMS: dict[str, FileSystemType] = {
    "tmpfs": FileSystemType("tmpfs", False, tmpfs_fill_super),
    "proc": FileSystemType("proc", False, proc_fill_super),
    "sysfs": FileSystemType("sysfs", False, sysfs_fill_super),
    "devtmpfs": FileSystemType("devtmpfs", False, devtmpfs_fill_super),
    "ext2": FileSystemType("ext2", True, ext2_fill_super),
    "devpts": FileSystemType("devpts", False, devpts_fill_super),
}


def get_fs_type(name: str) -> FileSystemType:
    fst = FILESYSTEMS.get(name)
    if fst is None:
        raise KernelError(E.ENODEV)
    return fst


def fs_index(name: bytes) -> int:
    """sysfs(1, name) (fs/filesystems.c fs_index): the type's index in the table; EINVAL if it
    is not registered."""
    for i, known in enumerate(FILESYSTEMS):
        if known.encode() == name:
            return i
    raise KernelError(E.EINVAL)


def fs_name(index: int) -> bytes:
    """sysfs(2, index, buf) (fs_name): the name at ``index``, NUL-terminated as copied out;
    EINVAL past the end."""
    names = list(FILESYSTEMS)
    if not 0 <= index < len(names):
        raise KernelError(E.EINVAL)
    return names[index].encode() + b"\0"


def fs_maxindex() -> int:
    """sysfs(3) (fs_maxindex): how many types are registered."""
    return len(FILESYSTEMS)


def show_filesystems(k: Any) -> bytes:
    """/proc/filesystems (filesystems_proc_show): each type, "nodev" before those without a device."""
    return b"".join(b"%s\t%s\n" % (b"" if fst.requires_dev else b"nodev", name.encode())
                    for name, fst in FILESYSTEMS.items())


register_proc_file("filesystems", show_filesystems)
