"""notify_change (Linux fs/attr.c): change an inode's attributes through a path and tell
fsnotify what changed.

Called by chmod, chown and utimensat after their permission checks, with the keyword
arguments of ``Inode.setattr``. Owns nothing.
"""
from __future__ import annotations

from pynix.fs.notify.hooks import fsnotify_change
from pynix.fs.vfs.dcache import Path


def notify_change(p: Path, *, mode: int | None = None, uid: int | None = None,
                  gid: int | None = None, atime: int | None = None,
                  mtime: int | None = None) -> None:
    p.inode.setattr(mode=mode, uid=uid, gid=gid, atime=atime, mtime=mtime)
    fsnotify_change(p.dentry, p.inode, owner=uid is not None or gid is not None,
                    mode=mode is not None, atime=atime is not None, mtime=mtime is not None)
