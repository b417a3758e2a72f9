"""The regular-file ioctls the VFS answers itself (Linux fs/ioctl.c do_vfs_ioctl:
ioctl_fiemap, ioctl_file_clone, FIGETBSZ; fs/remap_range.c vfs_clone_file_range).

``file_ioctl(task, file, req, arg)`` returns the answer (an int, or bytes the syscall layer
copies to ``*arg``) or None when the request is not one of them.
- FS_IOC_FIEMAP: the file's extents from the filesystem's ``fiemap(start, end)`` (logical,
  physical, length in bytes, in order; ext2 has it, tmpfs does not: EOPNOTSUPP). Unknown
  fm_flags are EBADR with the offending bits written back to fm_flags (fiemap_prep);
  FIEMAP_FLAG_SYNC writes the file back first; fm_extent_count 0 only counts; the last
  extent found carries FIEMAP_EXTENT_LAST unless the buffer filled first.
- FICLONE / FICLONERANGE: Linux's checks in order (EBADF for the source descriptor, EXDEV
  across filesystems, EISDIR, EINVAL for other types, EBADF for the modes), then EOPNOTSUPP:
  no pynix filesystem shares blocks between files.
- FIGETBSZ: the filesystem's block size.

Owns nothing.
"""
from __future__ import annotations

from typing import Any, Iterator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import fiemap as F
from pynix.base.errors import KernelError
from pynix.fs.vfs.inode import Inode
from pynix.mm.uaccess import copy_from_user, copy_to_user


def file_ioctl(task: Any, f: Any, req: int, arg: int) -> int | bytes | None:
    inode: Inode = f.inode
    if req == F.FS_IOC_FIEMAP:
        return ioctl_fiemap(task, inode, arg)
    if req in (F.FICLONE, F.FICLONERANGE):
        if req == F.FICLONE:                        # the int source descriptor itself
            src = (arg & 0xFFFFFFFF) - ((arg & 0x80000000) << 1)
        else:
            src = F.FILE_CLONE_RANGE.unpack(copy_from_user(task.mm, arg, F.FILE_CLONE_RANGE.size))[0]
        return ioctl_file_clone(task, f, src)
    if req == F.FIGETBSZ:
        return inode.blksize.to_bytes(4, "little")
    return None


def ioctl_fiemap(task: Any, inode: Inode, arg: int) -> int:
    """ioctl_fiemap + fiemap_prep + fiemap_fill_next_extent."""
    start, length, flags, _, count = F.FIEMAP.unpack(copy_from_user(task.mm, arg, F.FIEMAP.size))
    fiemap = getattr(inode, "fiemap", None)
    if fiemap is None:
        raise KernelError(E.EOPNOTSUPP)
    if count > F.FIEMAP_MAX_EXTENTS:
        raise KernelError(E.EINVAL)
    incompat = flags & ~(F.FIEMAP_FLAG_SYNC & F.FIEMAP_FLAGS_COMPAT)
    if incompat:
        copy_to_user(task.mm, arg + 16, incompat.to_bytes(4, "little"))
        raise KernelError(E.EBADR)
    if not length:
        raise KernelError(E.EINVAL)
    end = min(start + length, inode.sb.s_maxbytes, 1 << 64)
    if flags & F.FIEMAP_FLAG_SYNC:
        inode.fsync()
    mapped, out = 0, bytearray()
    extents: Iterator[tuple[int, int, int]] = fiemap(start, end)
    prev: tuple[int, int, int] | None = None
    full = False
    for ext in extents:
        if prev is not None:
            if count and mapped >= count:
                full = True
                break
            out += F.FIEMAP_EXTENT.pack(*prev, 0)
            mapped += 1
        prev = ext
    if prev is not None and not full:
        if not count or mapped < count:
            out += F.FIEMAP_EXTENT.pack(*prev, F.FIEMAP_EXTENT_LAST)
            mapped += 1
    if count:
        copy_to_user(task.mm, arg + F.FIEMAP.size, bytes(out))
    copy_to_user(task.mm, arg + 20, mapped.to_bytes(4, "little"))
    return 0


def ioctl_file_clone(task: Any, dst: Any, src_fd: int) -> int:
    """ioctl_file_clone -> vfs_clone_file_range's checks; then EOPNOTSUPP (no reflinks)."""
    src = task.files.get(src_fd)
    si, di = src.inode, dst.inode
    if si is None or di is None or si.sb is not di.sb:
        raise KernelError(E.EXDEV)
    if si.is_dir() or di.is_dir():
        raise KernelError(E.EISDIR)
    if not si.is_reg() or not di.is_reg():
        raise KernelError(E.EINVAL)
    if not src.readable or not dst.writable or dst.flags & A.O_APPEND:
        raise KernelError(E.EBADF)
    raise KernelError(E.EOPNOTSUPP)
