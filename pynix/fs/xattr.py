"""Extended attributes, the VFS half (Linux fs/xattr.c, security/commoncap.c; xattr(7)).

Provides:
- ``vfs_getxattr(t, inode, name)``, ``vfs_setxattr(t, inode, name, value, flags)``,
  ``vfs_removexattr(t, inode, name)`` and ``vfs_listxattr(t, inode)``: the checks Linux makes
  before a filesystem sees the request, in Linux's order: ``xattr_permission`` (user.* only on
  regular files and directories and with the mode bits, and not in someone else's sticky
  directory; trusted.* only with CAP_SYS_ADMIN, hidden otherwise), the capability checks of
  commoncap (writing security.* needs CAP_SYS_ADMIN, security.capability CAP_SETFCAP and a
  valid header), then the name-space lookup (``xattr_resolve_name``: a prefix the filesystem
  has no handler for is EOPNOTSUPP, a bare prefix EINVAL).
- ``getxattr_sized`` and ``listxattr_sized``: getxattr(2)'s and listxattr(2)'s size rules
  (0 asks for the length; too small is ERANGE, or E2BIG at the limit).
- ``SimpleXattrs``: the in-memory store of tmpfs and other in-core filesystems (Linux
  fs/xattr.c simple_xattr_*), names kept in byte order as Linux's rbtree lists them.

A filesystem supports extended attributes by listing its prefixes in
``SuperBlock.xattr_prefixes`` and implementing ``Inode.get_xattr``, ``set_xattr`` and
``list_xattr`` (fs/vfs/inode.py); names reach it whole ("user.foo").
Read-only mounts (EROFS) are the caller's check, as mnt_want_write is in Linux.
"""
from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import xattr as X
from pynix.arch.x86_64.capability import CAP_SETFCAP, CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.fs.notify.hooks import fsnotify_xattr
from pynix.fs.vfs.fileattr import check_no_change
from pynix.fs.vfs.inode import Inode, now_ns
from pynix.fs.vfs.namei import MAY_READ, MAY_WRITE, inode_owner_or_capable, permission
from pynix.kernel.cred import capable, capable_fs

if TYPE_CHECKING:
    from pynix.kernel.task import Task

PREFIXES = (X.XATTR_USER_PREFIX, X.XATTR_TRUSTED_PREFIX, X.XATTR_SECURITY_PREFIX,
            X.XATTR_SYSTEM_PREFIX)


def xattr_permission(t: Task, inode: Inode, name: bytes, mask: int) -> None:
    """xattr_permission: may ``t`` read (MAY_READ) or write (MAY_WRITE) attribute ``name``?
    Nothing is written to an immutable or append-only inode (EPERM)."""
    if mask & MAY_WRITE:
        check_no_change(inode)
    if name.startswith((X.XATTR_SECURITY_PREFIX, X.XATTR_SYSTEM_PREFIX)):
        return                                   # left to the security module / filesystem
    if name.startswith(X.XATTR_TRUSTED_PREFIX):
        if not capable(t, CAP_SYS_ADMIN):
            raise KernelError(E.EPERM if mask & MAY_WRITE else E.ENODATA)
        return
    if name.startswith(X.XATTR_USER_PREFIX):
        if not (inode.is_reg() or inode.is_dir()):
            raise KernelError(E.EPERM if mask & MAY_WRITE else E.ENODATA)
        if (inode.is_dir() and inode.mode & stat.S_ISVTX and mask & MAY_WRITE
                and not inode_owner_or_capable(t.cred, inode)):
            raise KernelError(E.EPERM)
    permission(t.cred, inode, mask)


def xattr_resolve_name(inode: Inode, name: bytes) -> None:
    """xattr_resolve_name: the filesystem must have a handler for the name's prefix."""
    for prefix in inode.sb.xattr_prefixes:
        if name.startswith(prefix):
            if name == prefix:
                raise KernelError(E.EINVAL)
            return
    raise KernelError(E.EOPNOTSUPP)


def cap_convert_nscap(t: Task, value: bytes) -> None:
    """security.capability may only be set with CAP_SETFCAP and a v2 or v3 header."""
    rev = int.from_bytes(value[:4], "little") & X.VFS_CAP_REVISION_MASK
    if (rev, len(value)) not in ((X.VFS_CAP_REVISION_2, X.XATTR_CAPS_SZ_2),
                                 (X.VFS_CAP_REVISION_3, X.XATTR_CAPS_SZ_3)):
        raise KernelError(E.EINVAL)
    if not capable_fs(t.cred, CAP_SETFCAP):
        raise KernelError(E.EPERM)


def cap_inode_setxattr(t: Task, name: bytes) -> None:
    """commoncap: writing or removing security.* needs CAP_SYS_ADMIN (the file-capability
    attribute is checked by cap_convert_nscap / cap_inode_removexattr instead)."""
    if name == X.XATTR_NAME_CAPS:
        return
    if name.startswith(X.XATTR_SECURITY_PREFIX) and not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)


def vfs_getxattr(t: Task, inode: Inode, name: bytes) -> bytes:
    xattr_permission(t, inode, name, MAY_READ)
    xattr_resolve_name(inode, name)
    return inode.get_xattr(name)


def vfs_setxattr(t: Task, inode: Inode, name: bytes, value: bytes, flags: int) -> None:
    """vfs_setxattr: check, then store; the filesystem raises EEXIST / ENODATA for
    XATTR_CREATE / XATTR_REPLACE and ENOSPC / ERANGE for what it cannot hold."""
    if name == X.XATTR_NAME_CAPS and value:
        cap_convert_nscap(t, value)
    xattr_permission(t, inode, name, MAY_WRITE)
    cap_inode_setxattr(t, name)
    xattr_resolve_name(inode, name)
    inode.set_xattr(name, value, flags)
    inode.ctime = now_ns()
    inode.mark_dirty()
    fsnotify_xattr(None, inode)


def vfs_removexattr(t: Task, inode: Inode, name: bytes) -> None:
    xattr_permission(t, inode, name, MAY_WRITE)
    cap_inode_setxattr(t, name)
    if name == X.XATTR_NAME_CAPS and not capable_fs(t.cred, CAP_SETFCAP):
        raise KernelError(E.EPERM)               # cap_inode_removexattr
    xattr_resolve_name(inode, name)
    inode.set_xattr(name, None, X.XATTR_REPLACE)
    inode.ctime = now_ns()
    inode.mark_dirty()
    fsnotify_xattr(None, inode)


def vfs_listxattr(t: Task, inode: Inode) -> bytes:
    """The names, each NUL-terminated; trusted.* only for CAP_SYS_ADMIN."""
    names = inode.list_xattr() if inode.sb.xattr_prefixes else []
    trusted = capable(t, CAP_SYS_ADMIN)
    return b"".join(n + b"\0" for n in names
                    if trusted or not n.startswith(X.XATTR_TRUSTED_PREFIX))


def _fit(data: bytes, size: int, limit: int) -> bytes:
    """A user buffer of ``size`` bytes (0: only the length is wanted) receives ``data``."""
    if size and len(data) > min(size, limit):
        raise KernelError(E.E2BIG if size >= limit else E.ERANGE)
    return data


def getxattr_sized(t: Task, inode: Inode, name: bytes, size: int) -> bytes:
    """getxattr(2): the value, checked against the caller's buffer of ``size`` bytes."""
    return _fit(vfs_getxattr(t, inode, name), size, X.XATTR_SIZE_MAX)


def listxattr_sized(t: Task, inode: Inode, size: int) -> bytes:
    return _fit(vfs_listxattr(t, inode), size, X.XATTR_LIST_MAX)


class SimpleXattrs:
    """simple_xattrs: attributes of an in-core inode, by full name."""

    def __init__(self) -> None:
        self.attrs: dict[bytes, bytes] = {}

    def get(self, name: bytes) -> bytes:
        value = self.attrs.get(name)
        if value is None:
            raise KernelError(E.ENODATA)
        return value

    def set(self, name: bytes, value: bytes | None, flags: int) -> None:
        """simple_xattr_set: store, replace or (value None) remove."""
        exists = name in self.attrs
        if flags & X.XATTR_CREATE and exists:
            raise KernelError(E.EEXIST)
        if (flags & X.XATTR_REPLACE or value is None) and not exists:
            raise KernelError(E.ENODATA)
        if value is None:
            del self.attrs[name]
        else:
            self.attrs[name] = value

    def names(self) -> list[bytes]:
        return sorted(self.attrs)
