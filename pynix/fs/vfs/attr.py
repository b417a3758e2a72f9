"""Changing an inode's attributes through a path (Linux fs/attr.c and fs/open.c:
notify_change, chown_common, setattr_prepare's chown_ok/chgrp_ok, setattr_should_drop_sgid).

Provides:
- ``notify_change(path, mode=, uid=, gid=, atime=, mtime=)``: set the attributes given (the
  keyword arguments of ``Inode.setattr``) and tell fsnotify what changed; chmod, chown and
  the utimes family call it after their permission checks.
- ``chown_common(cred, path, uid, gid)``: what chown, fchown, lchown and fchownat do once
  they have the path (uid or gid -1: unchanged); ``in_group_or_capable``.

chown's checks come in Linux's order: a read-only mount first (EROFS, mnt_want_write), then
the permission to change (EPERM): the owner may keep the uid and move the group to one of
its own groups (or keep it), CAP_CHOWN may do anything. Any chown of a non-directory (even
one that changes neither id) clears set-user-ID always and set-group-ID when the file is
group-executable or the caller is neither in the file's group nor holds CAP_FSETID; a
set-group-ID file that is not group-executable is System V's mandatory-locking mark, kept
otherwise. Owns nothing.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_CHOWN, CAP_FSETID
from pynix.base.errors import KernelError
from pynix.fs.notify.hooks import fsnotify_change
from pynix.fs.vfs.dcache import Path
from pynix.fs.vfs.fileattr import check_no_change, is_immutable
from pynix.fs.vfs.inode import Inode
from pynix.fs.vfs.namei import Cred
from pynix.fs.vfs.ops import check_writable_mount
from pynix.kernel.cred import capable_fs


def notify_change(p: Path, *, mode: int | None = None, uid: int | None = None,
                  gid: int | None = None, atime: int | None = None,
                  mtime: int | None = None, explicit_times: bool = True) -> None:
    """Linux's notify_change: the change (EPERM on an immutable or append-only inode, as
    may_setattr, except that an append-only file's times may be set to now), then its
    fsnotify event (IN_ATTRIB)."""
    if mode is not None or uid is not None or gid is not None or explicit_times:
        check_no_change(p.inode)
    elif is_immutable(p.inode):
        raise KernelError(E.EPERM)
    p.inode.setattr(mode=mode, uid=uid, gid=gid, atime=atime, mtime=mtime)
    fsnotify_change(p.dentry, p.inode, owner=uid is not None or gid is not None,
                    mode=mode is not None, atime=atime is not None, mtime=mtime is not None)


def in_group_or_capable(cred: Cred, gid: int, cap: int = CAP_FSETID) -> bool:
    """in_group_or_capable: ``gid`` is the caller's fsgid or a supplementary group, or the
    caller holds ``cap``."""
    return gid == cred.fsgid or gid in cred.groups or capable_fs(cred, cap)


def chown_ok(cred: Cred, inode: Inode, uid: int) -> bool:
    return uid == -1 or (cred.fsuid == inode.uid and uid == inode.uid) or capable_fs(cred, CAP_CHOWN)


def chgrp_ok(cred: Cred, inode: Inode, uid: int, gid: int) -> bool:
    if gid == -1:
        return True
    owner = cred.fsuid == inode.uid and (uid == -1 or uid == inode.uid)
    if owner and (gid == inode.gid or gid == cred.fsgid or gid in cred.groups):
        return True
    return capable_fs(cred, CAP_CHOWN)


def setattr_should_drop_sgid(cred: Cred, mode: int, gid: int) -> bool:
    """Does a change of owner clear S_ISGID of a file with ``mode`` in group ``gid`` (its
    group before the change, setattr_should_drop_sgid)?"""
    if not mode & A.S_ISGID:
        return False
    if mode & A.S_IXGRP:
        return True
    return not in_group_or_capable(cred, gid)


def chown_common(cred: Cred, p: Path, uid: int, gid: int) -> None:
    """chown(2) and friends on ``p`` (chown_common + notify_change)."""
    check_writable_mount(p)
    inode = p.inode
    if not chown_ok(cred, inode, uid) or not chgrp_ok(cred, inode, uid, gid):
        raise KernelError(E.EPERM)
    mode = None
    if not inode.is_dir():                      # ATTR_KILL_SUID/SGID, even for -1, -1
        kill = A.S_ISUID if inode.mode & A.S_ISUID else 0
        if setattr_should_drop_sgid(cred, inode.mode, inode.gid):
            kill |= A.S_ISGID
        if kill:
            mode = inode.mode & ~kill & 0o7777
    notify_change(p, uid=None if uid == -1 else uid, gid=None if gid == -1 else gid, mode=mode)
