"""Setting a file's access and modification times (Linux fs/utimes.c vfs_utimes, with the
ownership rules of setattr_prepare).

Provides ``vfs_utimes(cred, p, atime, mtime, explicit)`` for utimensat, utimes, futimesat
and utime (syscalls/sys_utimes.py decodes their three time formats into nanoseconds):
``atime`` / ``mtime`` are ns since the epoch or None to leave that time alone (UTIME_OMIT),
``explicit`` says whether a caller-chosen time (not "now") is being set.

The checks, in Linux's order: a read-only mount is EROFS; explicit times need the owner or
CAP_FOWNER (EPERM); "now" needs the owner, CAP_FOWNER, or write access (EACCES). Changing
neither time changes nothing, not even ctime. Owns nothing.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.vfs.attr import notify_change
from pynix.fs.vfs.dcache import Path
from pynix.fs.vfs.namei import MAY_WRITE, Cred, inode_owner_or_capable, permission
from pynix.fs.vfs.ops import check_writable_mount


def vfs_utimes(cred: Cred, p: Path, atime: int | None, mtime: int | None,
               explicit: bool) -> None:
    """Set the times of the inode at ``p`` (Linux's vfs_utimes)."""
    check_writable_mount(p)
    if atime is None and mtime is None:
        return
    if not inode_owner_or_capable(cred, p.inode):
        if explicit:
            raise KernelError(E.EPERM)
        permission(cred, p.inode, MAY_WRITE)
    notify_change(p, atime=atime, mtime=mtime, explicit_times=explicit)
