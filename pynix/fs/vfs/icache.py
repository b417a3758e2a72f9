"""In-core inode references: iget/iput (Bach ch. 4.1-4.2; Linux's ihold/iput, fs/inode.c).

Bach's iget finds the in-core inode or reads it from disk, then takes a reference. The first
half is each filesystem's, because each keeps its own table of in-core inodes and returns the
same object for the same number while it is in use (ext2's ``Ext2SuperBlock.ext2_iget``,
hostfs's ``hostfs_iget``; tmpfs's inodes live in its tree); a lookup takes no reference.
The second half is here: ``iget(inode)`` takes a reference for a user that keeps the inode
(an open file, a FIFO end, a loop device's backing file) and ``iput(inode)`` drops it. These
two are the only code that changes ``inode.i_count``.

When the last user goes and no directory entry names the inode any more (nlink == 0),
``iput`` calls ``evict`` so the filesystem frees its blocks: this is how an unlinked file
stays readable while open. ``maybe_evict`` is the same check after unlink, rmdir or rename
dropped a link.
"""
from __future__ import annotations

from pynix.fs.notify.hooks import fsnotify_inoderemove
from pynix.fs.vfs.inode import Inode


def iget(inode: Inode) -> Inode:
    """Take a reference on ``inode`` (Bach's iget once the inode is found; Linux's ihold)."""
    inode.i_count += 1
    return inode


def iput(inode: Inode) -> None:
    """Drop a reference; the last one evicts an inode no directory names (Bach's iput)."""
    inode.i_count -= 1
    if inode.i_count <= 0:
        inode.i_count = 0
        maybe_evict(inode)


def maybe_evict(inode: Inode) -> None:
    """Called after unlink/rmdir/rename dropped a link, and at the last iput."""
    if inode.nlink == 0 and inode.i_count == 0:
        fsnotify_inoderemove(inode)
        mapping = getattr(inode, "mapping", None)
        if mapping is not None:
            mapping.drop()
            inode.mapping = None  # type: ignore[attr-defined]
        inode.evict()
