"""Loop devices: a file presented as a block device (Linux drivers/block/loop.c), so that
``mount -o loop image /mnt`` (busybox: LOOP_CTL_GET_FREE, LOOP_SET_FD, LOOP_SET_STATUS64, then
mount(2) of /dev/loopN) mounts an ext2 image kept in any file the guest can open.

Provides ``LOOPS`` (the ``NR_LOOP`` devices /dev/loop0..7, block major 7), the driver of
/dev/loop-control (char 10:237) and of each /dev/loopN (``LoopFile``: the ioctls above, the
old LOOP_SET_STATUS/LOOP_GET_STATUS that LTP's tst_device uses, the BLK* size and flag
queries, read/write/lseek of the backing bytes), and ``loop_backing(rdev)`` which
fs/filesystems.py calls to build the block device a filesystem reads. A device bound with
LO_FLAGS_AUTOCLEAR is released when the filesystem on it is unmounted.

Owns: each loop device's binding (backing inode, offset, flags, name).
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import loop as L
from pynix.base.errors import KernelError
from pynix.fs.devices import register_chrdev
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
        self.offset = 0
        self.flags = 0
        self.name = b""
        self.users = 0                 # filesystems mounted on it

    def bind(self, inode: Inode, readonly: bool) -> None:
        if self.backing is not None:
            raise KernelError(E.EBUSY)
        iget(inode)
        self.backing = inode
        self.flags = L.LO_FLAGS_READ_ONLY if readonly else 0

    def clear(self) -> None:
        if self.backing is None:
            raise KernelError(E.ENXIO)
        if self.users:
            self.flags |= L.LO_FLAGS_AUTOCLEAR       # Linux: detach at the last close
            return
        inode, self.backing = self.backing, None
        self.offset, self.flags, self.name = 0, 0, b""
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
        pack = L.pack_loop_info64 if wide else L.pack_loop_info
        return pack(inode.sb.dev, inode.ino, self.offset, self.number, self.flags, self.name)

    def set_status(self, st: L.LoopStatus) -> None:
        """loop_set_status: the offset, the name and LO_FLAGS_AUTOCLEAR (read-only stays as
        LOOP_SET_FD made it)."""
        self.offset = st.offset
        self.flags = (self.flags & L.LO_FLAGS_READ_ONLY) | (st.flags & L.LO_FLAGS_AUTOCLEAR)
        self.name = st.file_name

    @property
    def readonly(self) -> bool:
        return bool(self.flags & L.LO_FLAGS_READ_ONLY)


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
        return self._inode().read(self.loop.offset + off, n)

    def pwrite(self, data: bytes, off: int) -> int:
        if self.loop.flags & L.LO_FLAGS_READ_ONLY:
            raise KernelError(E.EPERM)
        return self._inode().write(self.loop.offset + off, data)

    def read(self, n: int) -> bytes:
        data = self.pread(n, self.pos)
        self.pos += len(data)
        return data

    def write(self, data: bytes) -> int:
        n = self.pwrite(data, self.pos)
        self.pos += n
        return n

    def lseek(self, off: int, whence: int) -> int:
        size = self._inode().size - self.loop.offset
        new = {A.SEEK_SET: off, A.SEEK_CUR: self.pos + off, A.SEEK_END: size + off}.get(whence, -1)
        if new < 0:
            raise KernelError(E.EINVAL)
        self.pos = new
        return new

    def ioctl(self, task: Any, req: int, arg: int) -> int | bytes:
        loop = self.loop
        if req == L.LOOP_SET_FD:
            f = task.files.get(arg & 0xFFFFFFFF)
            if f.inode is None or not f.inode.is_reg():
                raise KernelError(E.EINVAL)
            loop.bind(f.inode, not f.writable or not self.writable)
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
        if req == L.BLKGETSIZE64:
            return L.BLKGETSIZE64_ARG.pack(self._inode().size - loop.offset)
        if req == L.BLKGETSIZE:
            return L.BLK_ULONG.pack((self._inode().size - loop.offset) // L.SECTOR_SIZE)
        if req == L.BLKSSZGET:
            self._inode()
            return L.BLK_INT.pack(L.SECTOR_SIZE)
        if req == L.BLKBSZGET:
            return L.BLK_INT.pack(self._inode().blksize)
        if req == L.BLKROGET:
            self._inode()
            return L.BLK_INT.pack(int(loop.readonly))
        if req == L.BLKFLSBUF:
            self._inode().fsync()
            return 0
        raise KernelError(E.ENOTTY)


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
