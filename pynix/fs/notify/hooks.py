"""The VFS's calls into fsnotify (Linux include/linux/fsnotify.h): which events each file
operation makes, in Linux's order.

Called from fs/vfs/: ``fsnotify_open``/``fsnotify_access``/``fsnotify_modify``/
``fsnotify_close`` with the File (its path's dentry names the child for the parent's marks);
``fsnotify_change`` from notify_change with what changed; ``fsnotify_create``,
``fsnotify_link``, ``fsnotify_delete``, ``fsnotify_move`` from the directory operations;
``fsnotify_link_count`` when an inode loses or gains a name; ``fsnotify_inoderemove`` when
an unlinked inode is freed; ``fsnotify_unmount_inodes`` at umount. O_PATH files make none.

Owns nothing: the state is fsnotify.py's.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import inotify as I
from pynix.fs.notify.fsnotify import (
    fsnotify,
    fsnotify_get_cookie,
    fsnotify_inode_delete,
    fsnotify_parent,
    fsnotify_sb_inodes,
    inode_marks,
)


def _unlinked(d: Any) -> bool:
    """d_unlinked: the dentry no longer names its inode in its parent."""
    parent = getattr(d, "parent", None)
    return parent is not None and parent is not d and parent.children.get(d.name) is not d


def _file_event(f: Any, mask: int) -> None:
    """fsnotify_file: an event about an open file, for its parent's and its own marks."""
    inode = f.inode
    if inode is None or f.flags & A.O_PATH:
        return
    d = getattr(f.path, "dentry", None)
    if d is None:
        fsnotify(inode, mask | (I.IN_ISDIR if inode.is_dir() else 0))
        return
    if not inode_marks(inode) and not (d.parent is not None and inode_marks(d.parent.inode)):
        return
    fsnotify_parent(d, inode, mask, _unlinked(d))


def fsnotify_open(f: Any) -> None:
    _file_event(f, I.IN_OPEN)


def fsnotify_access(f: Any) -> None:
    _file_event(f, I.IN_ACCESS)


def fsnotify_modify(f: Any) -> None:
    _file_event(f, I.IN_MODIFY)


def fsnotify_close(f: Any) -> None:
    acc = f.flags & A.O_ACCMODE
    _file_event(f, I.IN_CLOSE_WRITE if acc in (A.O_WRONLY, A.O_RDWR) else I.IN_CLOSE_NOWRITE)


def fsnotify_inode_event(dentry: Any, inode: Any, mask: int) -> None:
    """An event about an inode reached by a path (attribute changes): parent and self."""
    if dentry is None:
        fsnotify(inode, mask | (I.IN_ISDIR if inode.is_dir() else 0))
    else:
        fsnotify_parent(dentry, inode, mask, _unlinked(dentry))


def fsnotify_change(dentry: Any, inode: Any, *, size: bool = False, owner: bool = False,
                    mode: bool = False, atime: bool = False, mtime: bool = False) -> None:
    """fsnotify_change: a truncate is IN_MODIFY, owner or mode or both times IN_ATTRIB, the
    access time alone IN_ACCESS, the modification time alone IN_MODIFY."""
    mask = 0
    if owner or mode:
        mask |= I.IN_ATTRIB
    if size:
        mask |= I.IN_MODIFY
    if atime and mtime:
        mask |= I.IN_ATTRIB
    elif atime:
        mask |= I.IN_ACCESS
    elif mtime:
        mask |= I.IN_MODIFY
    if mask:
        fsnotify_inode_event(dentry, inode, mask)


def fsnotify_xattr(dentry: Any, inode: Any) -> None:
    fsnotify_inode_event(dentry, inode, I.IN_ATTRIB)


def fsnotify_link_count(inode: Any) -> None:
    """The inode's link count changed: IN_ATTRIB to its own marks."""
    fsnotify(inode, I.IN_ATTRIB | (I.IN_ISDIR if inode.is_dir() else 0))


def fsnotify_create(dir: Any, name: bytes, inode: Any) -> None:
    fsnotify(dir, I.IN_CREATE | (I.IN_ISDIR if inode.is_dir() else 0), name)


def fsnotify_link(dir: Any, name: bytes, inode: Any) -> None:
    fsnotify_link_count(inode)
    fsnotify(dir, I.IN_CREATE, name)


def fsnotify_delete(dir: Any, name: bytes, inode: Any) -> None:
    fsnotify(dir, I.IN_DELETE | (I.IN_ISDIR if inode.is_dir() else 0), name)


def fsnotify_move(old_dir: Any, old_name: bytes, new_dir: Any, new_name: bytes, source: Any,
                  target: Any | None) -> None:
    """fsnotify_move: FS_DN_RENAME when the directory stays, IN_MOVED_FROM and
    IN_MOVED_TO with one cookie, IN_ATTRIB on a replaced target, then IN_MOVE_SELF on the
    moved inode."""
    isdir = I.IN_ISDIR if source.is_dir() else 0
    cookie = fsnotify_get_cookie()
    if old_dir is new_dir:                      # dnotify's DN_RENAME: a rename in one directory
        fsnotify(old_dir, I.FS_DN_RENAME | isdir, old_name)
    fsnotify(old_dir, I.IN_MOVED_FROM | isdir, old_name, cookie)
    fsnotify(new_dir, I.IN_MOVED_TO | isdir, new_name, cookie)
    if target is not None:
        fsnotify_link_count(target)
    fsnotify(source, I.IN_MOVE_SELF)


def fsnotify_inoderemove(inode: Any) -> None:
    """The last name and the last user of the inode are gone: IN_DELETE_SELF, then its
    marks go (each backend reports IN_IGNORED)."""
    if not inode_marks(inode):
        return
    fsnotify(inode, I.IN_DELETE_SELF)
    fsnotify_inode_delete(inode)


def fsnotify_unmount_inodes(sb: Any) -> None:
    """umount: every marked inode of the filesystem reports IN_UNMOUNT, and its marks go."""
    for inode in fsnotify_sb_inodes(sb):
        fsnotify(inode, I.IN_UNMOUNT)
        fsnotify_inode_delete(inode)
