"""Inode flags: chattr(1)'s attributes, read and changed through FS_IOC_GETFLAGS /
FS_IOC_SETFLAGS and FS_IOC_FSGETXATTR / FS_IOC_FSSETXATTR, shown by statx, and the rules
immutable and append-only files impose (Linux fs/file_attr.c vfs_fileattr_get/set and
fileattr_set_prepare, include/linux/fs.h IS_IMMUTABLE / IS_APPEND, fs/stat.c
generic_fill_statx_attr).

A filesystem that keeps flags gives its inodes ``i_flags`` and the class attribute
``fileattr_mask`` (the FS_*_FL bits it stores: ext2 keeps them in the on-disk inode, tmpfs
in memory); ``fileattr_strict`` says whether bits outside the mask are refused (tmpfs:
EOPNOTSUPP) or dropped (ext2). Provides ``fileattr_ioctl(task, inode, writable_mnt, req,
arg)`` for the regular-file and directory ioctl, ``is_immutable`` / ``is_append``, the
checks ``check_append_open`` (may_open), ``check_no_change`` (setattr, truncate, xattrs)
and ``check_deletable`` (may_delete, link), and ``statx_attributes(inode)`` -> (attributes,
attributes_mask).

Owns: nothing; the flags live in the inodes.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import fileattr as F
from pynix.arch.x86_64.capability import CAP_FOWNER, CAP_LINUX_IMMUTABLE
from pynix.base.errors import KernelError
from pynix.fs.vfs.inode import Inode, now_ns
from pynix.kernel.cred import capable_fs
from pynix.mm.uaccess import copy_from_user, get_i32

STATX_OF = ((F.FS_COMPR_FL, F.STATX_ATTR_COMPRESSED), (F.FS_IMMUTABLE_FL, F.STATX_ATTR_IMMUTABLE),
            (F.FS_APPEND_FL, F.STATX_ATTR_APPEND), (F.FS_NODUMP_FL, F.STATX_ATTR_NODUMP))


def inode_flags(inode: Inode) -> int:
    return int(getattr(inode, "i_flags", 0)) if hasattr(inode, "fileattr_mask") else 0


def is_immutable(inode: Inode) -> bool:
    return bool(inode_flags(inode) & F.FS_IMMUTABLE_FL)


def is_append(inode: Inode) -> bool:
    return bool(inode_flags(inode) & F.FS_APPEND_FL)


def check_append_open(inode: Inode, flags: int) -> None:
    """may_open: an append-only file opens for writing only with O_APPEND, never O_TRUNC."""
    if is_append(inode):
        if flags & A.O_ACCMODE != A.O_RDONLY and not flags & A.O_APPEND or flags & A.O_TRUNC:
            raise KernelError(E.EPERM)


def check_no_change(inode: Inode) -> None:
    """may_setattr, vfs_truncate, xattr_permission: EPERM on an immutable or append-only
    inode."""
    if inode_flags(inode) & (F.FS_IMMUTABLE_FL | F.FS_APPEND_FL):
        raise KernelError(E.EPERM)


def check_deletable(dir: Inode | None, victim: Inode) -> None:
    """may_delete (and may_linkat for the source): EPERM when the directory is append-only
    or the victim is immutable or append-only."""
    if dir is not None and is_append(dir):
        raise KernelError(E.EPERM)
    check_no_change(victim)


def statx_attributes(inode: Inode) -> tuple[int, int]:
    """generic_fill_statx_attr: the STATX_ATTR_* bits set, and those the fs can report."""
    mask = int(getattr(inode, "fileattr_mask", 0))
    flags = inode_flags(inode)
    attrs = supported = 0
    for fl, attr in STATX_OF:
        if mask & fl:
            supported |= attr
            if flags & fl:
                attrs |= attr
    return attrs, supported


def _set_flags(task: Any, inode: Inode, flags: int) -> None:
    """vfs_fileattr_set with fileattr_set_prepare: owner or CAP_FOWNER, CAP_LINUX_IMMUTABLE
    to touch the immutable or append-only bits, then the filesystem's mask."""
    cred = task.cred
    if cred.fsuid != inode.uid and not capable_fs(cred, CAP_FOWNER):
        raise KernelError(E.EPERM)
    old = inode_flags(inode)
    if (old ^ flags) & (F.FS_IMMUTABLE_FL | F.FS_APPEND_FL) and \
            not capable_fs(cred, CAP_LINUX_IMMUTABLE):
        raise KernelError(E.EPERM)
    mask = int(getattr(inode, "fileattr_mask"))
    if flags & ~mask and getattr(inode, "fileattr_strict", False):
        raise KernelError(E.EOPNOTSUPP)
    inode.i_flags = (old & ~mask) | (flags & mask)  # type: ignore[attr-defined]
    inode.ctime = now_ns()
    inode.mark_dirty()


def fileattr_ioctl(task: Any, inode: Inode, readonly_mnt: bool, req: int,
                   arg: int) -> int | bytes:
    """The FS_IOC_{GET,SET}FLAGS and FS_IOC_FS{GET,SET}XATTR requests (ENOTTY for others
    and on filesystems without flags)."""
    if req not in (F.FS_IOC_GETFLAGS, F.FS_IOC_SETFLAGS, F.FS_IOC_FSGETXATTR,
                   F.FS_IOC_FSSETXATTR) or not hasattr(inode, "fileattr_mask"):
        raise KernelError(E.ENOTTY)
    flags = inode_flags(inode)
    if req == F.FS_IOC_GETFLAGS:
        return F.FLAGS_ARG.pack(flags)
    if req == F.FS_IOC_FSGETXATTR:
        return F.FSXATTR.pack(sum(x for fl, x in F.XFLAG_OF.items() if flags & fl), 0, 0, 0, 0)
    if readonly_mnt:
        raise KernelError(E.EROFS)
    if req == F.FS_IOC_SETFLAGS:
        _set_flags(task, inode, get_i32(task.mm, arg) & 0xFFFFFFFF)
        return 0
    xflags = F.FSXATTR.unpack(copy_from_user(task.mm, arg, F.FSXATTR.size))[0]
    known = sum(F.XFLAG_OF.values())
    if xflags & ~known:
        raise KernelError(E.EOPNOTSUPP)
    new = flags & ~sum(F.XFLAG_OF)
    new |= sum(fl for fl, x in F.XFLAG_OF.items() if xflags & x)
    _set_flags(task, inode, new)
    return 0
