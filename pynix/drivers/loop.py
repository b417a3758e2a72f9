"""Loop devices: a file presented as a block device (Linux drivers/block/loop.c), so that
``mount -o loop image /mnt`` (busybox: LOOP_CTL_GET_FREE, LOOP_SET_FD, LOOP_SET_STATUS64, then
mount(2) of /dev/loopN) mounts an ext2 image kept in any file the guest can open.

Provides ``LOOPS`` (the ``NR_LOOP`` devices /dev/loop0..7, block major 7, each a ``Gendisk``
with its /sys/block/loopN directory and, while bound, its loop/ group: backing_file, offset,
sizelimit, autoclear, partscan, dio), the driver of /dev/loop-control (char 10:237) and of each
/dev/loopN (``LoopFile``: LOOP_SET_FD, LOOP_CONFIGURE, LOOP_CHANGE_FD (only on a read-only
device, to a file of the same size, as loop_change_fd demands), LOOP_CLR_FD, the old and new
GET/SET_STATUS, LOOP_SET_CAPACITY, LOOP_SET_DIRECT_IO, LOOP_SET_BLOCK_SIZE, and the generic
block ioctls of fs/blkdev.py; read/write/lseek of the device's bytes, bounded by its capacity),
and ``loop_backing(rdev)`` which fs/filesystems.py calls to build the block device a filesystem
reads. A device bound with LO_FLAGS_AUTOCLEAR is released when the filesystem on it is
unmounted.

Owns: each loop device's binding (backing file, offset, size limit, capacity, flags, name).
"""
from __future__ import annotations

import time
from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import loop as L
from pynix.arch.x86_64.blkdev import SECTOR_SIZE
from pynix.base.errors import KernelError
from pynix.fs.blkdev import Gendisk, blkdev_ioctl
from pynix.fs.devices import register_chrdev
from pynix.fs.sysfs.block import add_disk
from pynix.fs.sysfs.kobject import kobject_add
from pynix.fs.vfs.dcache import Path, d_path
from pynix.fs.vfs.file import File
from pynix.fs.vfs.icache import iget, iput
from pynix.fs.vfs.inode import Inode
from pynix.mm.uaccess import copy_from_user

NR_LOOP = 8


class Loop:
    """One loop device (struct loop_device)."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.backing: Inode | None = None
        self.backing_path: tuple[Path, Path] | None = None    # (file, root it is named from)
        self.offset = 0
        self.sizelimit = 0
        self.size = 0                  # capacity in bytes, fixed until SET_CAPACITY/STATUS
        self.flags = 0
        self.name = b""
        self.users = 0                 # filesystems mounted on it
        self.disk = Gendisk("loop%d" % number, L.LOOP_MAJOR, number, lambda: self.size,
                            lambda: self.readonly)
        kobj = add_disk(self.disk)
        grp = kobject_add(kobj, "loop", visible=lambda: self.backing is not None)
        grp.add_file("backing_file", self.show_backing_file)
        grp.add_file("offset", lambda: b"%d\n" % self.offset)
        grp.add_file("sizelimit", lambda: b"%d\n" % self.sizelimit)
        for name, flag in (("autoclear", L.LO_FLAGS_AUTOCLEAR), ("partscan", L.LO_FLAGS_PARTSCAN),
                           ("dio", L.LO_FLAGS_DIRECT_IO)):
            grp.add_file(name, lambda flag=flag: b"%d\n" % int(bool(self.flags & flag)))

    def show_backing_file(self) -> bytes:
        if self.backing_path is None:
            return b"\n"
        return d_path(*self.backing_path) + b"\n"

    def update_size(self) -> None:
        """get_size: the file past the offset, cut to the size limit, in whole sectors."""
        assert self.backing is not None
        size = max(0, self.backing.size - self.offset)
        if self.sizelimit and self.sizelimit < size:
            size = self.sizelimit
        self.size = size // SECTOR_SIZE * SECTOR_SIZE

    def bind(self, f: File, root: Path, readonly: bool, st: L.LoopStatus | None = None,
             block_size: int = 0) -> None:
        """loop_configure (LOOP_SET_FD is it with no settings)."""
        if self.backing is not None:
            raise KernelError(E.EBUSY)
        inode = f.inode
        if inode is None or not (inode.is_reg() or inode.mode & A.S_IFMT == A.S_IFBLK):
            raise KernelError(E.EINVAL)
        if block_size:
            self.disk.set_logical_block_size(block_size)
        iget(inode)
        self.backing = inode
        self.backing_path = (f.path, root) if isinstance(f.path, Path) else None
        self.flags = L.LO_FLAGS_READ_ONLY if readonly else 0
        self.offset, self.sizelimit = 0, 0
        if st is not None:
            self.offset, self.sizelimit, self.name = st.offset, st.sizelimit, st.file_name
            self.flags |= st.flags & L.LOOP_CONFIGURE_SETTABLE_FLAGS
        self.update_size()

    def change_fd(self, f: File, root: Path) -> None:
        """loop_change_fd: swap the file under a read-only device for one of the same size."""
        if self.backing is None:
            raise KernelError(E.ENXIO)
        if not self.readonly:
            raise KernelError(E.EINVAL)
        inode = f.inode
        if inode is None or not inode.is_reg() or inode.size != self.backing.size:
            raise KernelError(E.EINVAL)
        iget(inode)
        old, self.backing = self.backing, inode
        self.backing_path = (f.path, root) if isinstance(f.path, Path) else None
        iput(old)

    def clear(self) -> None:
        if self.backing is None:
            raise KernelError(E.ENXIO)
        if self.users:
            self.flags |= L.LO_FLAGS_AUTOCLEAR       # Linux: detach at the last close
            return
        inode, self.backing, self.backing_path = self.backing, None, None
        self.offset, self.sizelimit, self.size, self.flags, self.name = 0, 0, 0, 0, b""
        self.disk.logical_block_size = self.disk.physical_block_size = SECTOR_SIZE
        iput(inode)

    def release_user(self) -> None:
        """A filesystem on the device was unmounted."""
        self.users -= 1
        if self.users == 0 and self.flags & L.LO_FLAGS_AUTOCLEAR and self.backing is not None:
            self.clear()

    def get_status(self, wide: bool) -> bytes:
        """loop_get_status: struct loop_info64 (``wide``) or the old struct loop_info."""
        inode = self.backing
        if inode is None:
            raise KernelError(E.ENXIO)
        if wide:
            return L.pack_loop_info64(inode.sb.dev, inode.ino, self.offset, self.number,
                                      self.flags, self.name, self.sizelimit)
        return L.pack_loop_info(inode.sb.dev, inode.ino, self.offset, self.number, self.flags,
                                self.name)

    def set_status(self, st: L.LoopStatus) -> None:
        """loop_set_status: offset, size limit, name; AUTOCLEAR and PARTSCAN may be set, only
        AUTOCLEAR cleared (read-only and direct I/O stay as they were)."""
        if self.backing is None:
            raise KernelError(E.ENXIO)
        self.offset, self.sizelimit, self.name = st.offset, st.sizelimit, st.file_name
        self.flags &= ~(L.LOOP_SET_STATUS_CLEARABLE_FLAGS & ~st.flags)
        self.flags |= st.flags & L.LOOP_SET_STATUS_SETTABLE_FLAGS
        self.update_size()

    def set_direct_io(self, on: bool) -> None:
        """loop_set_dio: direct I/O needs the offset aligned to the logical block size."""
        if self.backing is None:
            raise KernelError(E.ENXIO)
        if on and self.offset % self.disk.logical_block_size:
            raise KernelError(E.EINVAL)
        self.flags = self.flags | L.LO_FLAGS_DIRECT_IO if on else \
            self.flags & ~L.LO_FLAGS_DIRECT_IO

    @property
    def readonly(self) -> bool:
        return bool(self.flags & L.LO_FLAGS_READ_ONLY)

    def transfer_read(self, off: int, n: int) -> bytes:
        """A read of the device's bytes [off, off+n), cut at its capacity."""
        assert self.backing is not None
        n = max(0, min(n, self.size - off))
        started = time.monotonic()
        data = self.backing.read(self.offset + off, n) if n else b""
        if n:
            data += bytes(n - len(data))
            self.disk.stats.account(False, n, started)
        return data

    def transfer_write(self, off: int, data: bytes) -> int:
        assert self.backing is not None
        if self.disk.readonly:
            raise KernelError(E.EPERM)
        if off >= self.size and data:
            raise KernelError(E.ENOSPC)
        data = data[:self.size - off]
        started = time.monotonic()
        n = self.backing.write(self.offset + off, data)
        self.disk.stats.account(True, n, started)
        return n

    def flush(self) -> None:
        if self.backing is not None:
            self.backing.fsync()

    def discard(self, start: int, length: int) -> None:
        """lo_fallocate(FALLOC_FL_PUNCH_HOLE): the range reads back as zeros."""
        assert self.backing is not None
        self.backing.punch_hole(self.offset + start, length)


LOOPS = [Loop(i) for i in range(NR_LOOP)]


def loop_backing(rdev: int) -> Loop:
    """The bound loop device behind a block device number (ENXIO if none)."""
    maj, mnr = (rdev >> 8) & 0xFFF, rdev & 0xFF
    if maj != L.LOOP_MAJOR or mnr >= NR_LOOP or LOOPS[mnr].backing is None:
        raise KernelError(E.ENXIO)
    return LOOPS[mnr]


class LoopFile(File):
    """An open /dev/loopN."""

    def __init__(self, flags: int, path: object, loop: Loop) -> None:
        super().__init__(flags, path)
        self.loop = loop

    def _inode(self) -> Inode:
        if self.loop.backing is None:
            raise KernelError(E.ENXIO)
        return self.loop.backing

    def pread(self, n: int, off: int) -> bytes:
        self._inode()
        return self.loop.transfer_read(off, n)

    def pwrite(self, data: bytes, off: int) -> int:
        self._inode()
        return self.loop.transfer_write(off, data)

    def read(self, n: int) -> bytes:
        data = self.pread(n, self.pos)
        self.pos += len(data)
        return data

    def write(self, data: bytes) -> int:
        n = self.pwrite(data, self.pos)
        self.pos += n
        return n

    def lseek(self, off: int, whence: int) -> int:
        new = {A.SEEK_SET: off, A.SEEK_CUR: self.pos + off,
               A.SEEK_END: self.loop.size + off}.get(whence, -1)
        if new < 0:
            raise KernelError(E.EINVAL)
        self.pos = new
        return new

    def ioctl(self, task: Any, req: int, arg: int) -> int | bytes:
        loop = self.loop
        root = task.fs.root
        if req in (L.LOOP_SET_FD, L.LOOP_CHANGE_FD):
            f = task.files.get(arg & 0xFFFFFFFF)
            if req == L.LOOP_CHANGE_FD:
                loop.change_fd(f, root)
            else:
                loop.bind(f, root, not f.writable or not self.writable)
            return 0
        if req == L.LOOP_CONFIGURE:
            raw = copy_from_user(task.mm, arg, L.LOOP_CONFIG_SIZE)
            fd, block_size, st = L.unpack_loop_config(raw)
            f = task.files.get(fd)
            readonly = not f.writable or not self.writable or \
                bool(st.flags & L.LO_FLAGS_READ_ONLY)
            if block_size:
                loop.disk.set_logical_block_size(block_size)    # EINVAL before binding
            loop.bind(f, root, readonly, st, block_size)
            return 0
        if req == L.LOOP_CLR_FD:
            loop.clear()
            return 0
        if req in (L.LOOP_GET_STATUS, L.LOOP_GET_STATUS64):
            return loop.get_status(req == L.LOOP_GET_STATUS64)
        if req in (L.LOOP_SET_STATUS, L.LOOP_SET_STATUS64):
            if loop.backing is None:
                raise KernelError(E.ENXIO)
            if req == L.LOOP_SET_STATUS64:
                st = L.unpack_loop_status(copy_from_user(task.mm, arg, L.LOOP_INFO64.size))
            else:
                st = L.unpack_loop_info(copy_from_user(task.mm, arg, L.LOOP_INFO.size))
            loop.set_status(st)
            return 0
        if req == L.LOOP_SET_CAPACITY:
            self._inode()
            loop.update_size()
            return 0
        if req == L.LOOP_SET_DIRECT_IO:
            loop.set_direct_io(bool(arg))
            return 0
        if req == L.LOOP_SET_BLOCK_SIZE:
            self._inode()
            loop.disk.set_logical_block_size(arg)
            return 0
        return blkdev_ioctl(loop.disk, task, self.writable, req, arg, loop.flush, loop.discard)


class LoopControl(File):
    """/dev/loop-control: hands out free loop devices."""

    def ioctl(self, task: Any, req: int, arg: int) -> int | bytes:
        if req == L.LOOP_CTL_GET_FREE:
            for loop in LOOPS:
                if loop.backing is None:
                    return loop.number
            raise KernelError(E.ENOSPC)
        if req in (L.LOOP_CTL_ADD, L.LOOP_CTL_REMOVE):       # the NR_LOOP devices are fixed
            n = arg & 0xFFFFFFFF
            if n >= NR_LOOP:
                raise KernelError(E.EINVAL)
            if req == L.LOOP_CTL_ADD:
                raise KernelError(E.EEXIST)
            raise KernelError(E.EBUSY if LOOPS[n].backing is not None else E.EPERM)
        raise KernelError(E.ENOTTY)


def loop_init() -> None:
    register_chrdev(L.MISC_MAJOR, L.LOOP_CTRL_MINOR, lambda flags, path: LoopControl(flags, path))
    for loop in LOOPS:
        register_chrdev(L.LOOP_MAJOR, loop.number,
                        lambda flags, path, lp=loop: LoopFile(flags, path, lp))


loop_init()
