"""Extended-attribute syscalls: setxattr, lsetxattr, fsetxattr, getxattr, lgetxattr,
fgetxattr, listxattr, llistxattr, flistxattr, removexattr, lremovexattr, fremovexattr, and
Linux 6.13's setxattrat, getxattrat, listxattrat, removexattrat (Linux fs/xattr.c).

Thin: copy the name (empty or longer than XATTR_NAME_MAX is ERANGE) and the value (more than
XATTR_SIZE_MAX is E2BIG) first, as Linux 6.13+ does, then find the inode (by path, with or
without following a last symlink, or by descriptor: O_PATH ones are EBADF), refuse changes on
a read-only mount (EROFS), and let fs/xattr.py check and do the rest.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import xattr as X
from pynix.base.errors import KernelError
from pynix.fs import xattr
from pynix.fs.vfs import ops
from pynix.fs.vfs.dcache import Path
from pynix.fs.vfs.inode import Inode
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, strncpy_from_user
from pynix.syscalls.sys_fs import lookup_at
from pynix.syscalls.util import fget, get_path, mm_of, s32

AT_XATTR_FLAGS = A.AT_SYMLINK_NOFOLLOW | A.AT_EMPTY_PATH


def import_xattr_name(t: Task, namep: int) -> bytes:
    try:
        name = strncpy_from_user(mm_of(t), namep, X.XATTR_NAME_MAX + 1)
    except KernelError as err:
        raise KernelError(E.ERANGE) if err.errno == E.ENAMETOOLONG else err
    if not name:
        raise KernelError(E.ERANGE)
    return name


def _value(t: Task, valuep: int, size: int) -> bytes:
    if size > X.XATTR_SIZE_MAX:
        raise KernelError(E.E2BIG)
    return copy_from_user(mm_of(t), valuep, size) if size else b""


def _target(t: Task, dirfd: int, pathp: int, at_flags: int, write: bool) -> Inode:
    """The inode a path (relative to dirfd, AT_* flags) or, with no path, a descriptor names."""
    if at_flags & ~AT_XATTR_FLAGS:
        raise KernelError(E.EINVAL)
    if at_flags & A.AT_EMPTY_PATH and s32(dirfd) != A.AT_FDCWD \
            and (not pathp or not get_path(t, pathp)):
        return _file_inode(t, dirfd, write)          # the open file itself, pipes included
    p = lookup_at(t, dirfd, pathp, at_flags)
    if write:
        ops.check_writable_mount(p)
    return p.inode


def _file_inode(t: Task, fd: int, write: bool) -> Inode:
    f = fget(t, fd)
    inode = f.stat_inode
    if f.flags & A.O_PATH or inode is None:
        raise KernelError(E.EBADF)
    if write and isinstance(f.path, Path):
        ops.check_writable_mount(f.path)
    return inode


def _path(t: Task, pathp: int, follow: bool, write: bool) -> Inode:
    return _target(t, A.AT_FDCWD, pathp, 0 if follow else A.AT_SYMLINK_NOFOLLOW, write)


# -- set ---------------------------------------------------------------------------------
def _set(t: Task, namep: int, valuep: int, size: int, flags: int) -> tuple[bytes, bytes]:
    if flags & ~(X.XATTR_CREATE | X.XATTR_REPLACE):
        raise KernelError(E.EINVAL)
    return import_xattr_name(t, namep), _value(t, valuep, size)


def sys_setxattr(t: Task, pathp: int, namep: int, valuep: int, size: int, flags: int) -> int:
    name, value = _set(t, namep, valuep, size, flags)
    xattr.vfs_setxattr(t, _path(t, pathp, True, True), name, value, flags)
    return 0


def sys_lsetxattr(t: Task, pathp: int, namep: int, valuep: int, size: int, flags: int) -> int:
    name, value = _set(t, namep, valuep, size, flags)
    xattr.vfs_setxattr(t, _path(t, pathp, False, True), name, value, flags)
    return 0


def sys_fsetxattr(t: Task, fd: int, namep: int, valuep: int, size: int, flags: int) -> int:
    name, value = _set(t, namep, valuep, size, flags)
    xattr.vfs_setxattr(t, _file_inode(t, fd, True), name, value, flags)
    return 0


# -- get ---------------------------------------------------------------------------------
def _get_out(t: Task, inode: Inode, name: bytes, valuep: int, size: int) -> int:
    value = xattr.getxattr_sized(t, inode, name, size)
    if size:
        copy_to_user(mm_of(t), valuep, value)
    return len(value)


def sys_getxattr(t: Task, pathp: int, namep: int, valuep: int, size: int) -> int:
    name = import_xattr_name(t, namep)
    return _get_out(t, _path(t, pathp, True, False), name, valuep, size)


def sys_lgetxattr(t: Task, pathp: int, namep: int, valuep: int, size: int) -> int:
    name = import_xattr_name(t, namep)
    return _get_out(t, _path(t, pathp, False, False), name, valuep, size)


def sys_fgetxattr(t: Task, fd: int, namep: int, valuep: int, size: int) -> int:
    name = import_xattr_name(t, namep)
    return _get_out(t, _file_inode(t, fd, False), name, valuep, size)


# -- list --------------------------------------------------------------------------------
def _list_out(t: Task, inode: Inode, listp: int, size: int) -> int:
    names = xattr.listxattr_sized(t, inode, size)
    if size and names:
        copy_to_user(mm_of(t), listp, names)
    return len(names)


def sys_listxattr(t: Task, pathp: int, listp: int, size: int) -> int:
    return _list_out(t, _path(t, pathp, True, False), listp, size)


def sys_llistxattr(t: Task, pathp: int, listp: int, size: int) -> int:
    return _list_out(t, _path(t, pathp, False, False), listp, size)


def sys_flistxattr(t: Task, fd: int, listp: int, size: int) -> int:
    return _list_out(t, _file_inode(t, fd, False), listp, size)


# -- remove ------------------------------------------------------------------------------
def sys_removexattr(t: Task, pathp: int, namep: int) -> int:
    name = import_xattr_name(t, namep)
    xattr.vfs_removexattr(t, _path(t, pathp, True, True), name)
    return 0


def sys_lremovexattr(t: Task, pathp: int, namep: int) -> int:
    name = import_xattr_name(t, namep)
    xattr.vfs_removexattr(t, _path(t, pathp, False, True), name)
    return 0


def sys_fremovexattr(t: Task, fd: int, namep: int) -> int:
    name = import_xattr_name(t, namep)
    xattr.vfs_removexattr(t, _file_inode(t, fd, True), name)
    return 0


# -- the *xattrat calls: struct xattr_args for the value ----------------------------------
def _xattr_args(t: Task, uargs: int, usize: int) -> tuple[int, int, int]:
    """copy_struct_from_user of struct xattr_args: shorter than version 0 is EINVAL,
    unknown trailing bytes must be zero (E2BIG), more than a page is E2BIG."""
    if usize < X.XATTR_ARGS.size:
        raise KernelError(E.EINVAL)
    if usize > 4096:
        raise KernelError(E.E2BIG)
    raw = copy_from_user(mm_of(t), uargs, usize)
    if any(raw[X.XATTR_ARGS.size:]):
        raise KernelError(E.E2BIG)
    return X.XATTR_ARGS.unpack_from(raw)


def sys_setxattrat(t: Task, dirfd: int, pathp: int, at_flags: int, namep: int, uargs: int,
                   usize: int) -> int:
    valuep, size, flags = _xattr_args(t, uargs, usize)
    name, value = _set(t, namep, valuep, size, flags)
    xattr.vfs_setxattr(t, _target(t, s32(dirfd), pathp, at_flags, True), name, value, flags)
    return 0


def sys_getxattrat(t: Task, dirfd: int, pathp: int, at_flags: int, namep: int, uargs: int,
                   usize: int) -> int:
    valuep, size, flags = _xattr_args(t, uargs, usize)
    if flags:
        raise KernelError(E.EINVAL)
    name = import_xattr_name(t, namep)
    return _get_out(t, _target(t, s32(dirfd), pathp, at_flags, False), name, valuep, size)


def sys_listxattrat(t: Task, dirfd: int, pathp: int, at_flags: int, listp: int, size: int) -> int:
    return _list_out(t, _target(t, s32(dirfd), pathp, at_flags, False), listp, size)


def sys_removexattrat(t: Task, dirfd: int, pathp: int, at_flags: int, namep: int) -> int:
    name = import_xattr_name(t, namep)
    xattr.vfs_removexattr(t, _target(t, s32(dirfd), pathp, at_flags, True), name)
    return 0
