"""In-core inode references: iget/iput (Bach ch. 4.1-4.2).

Filesystems keep their own table of in-core inodes (ino -> Inode) and return the same object
for the same ino while it is in use; this module counts the kernel's users of an inode (open
files, cwd/root of tasks, mappings) in ``inode.i_count``. When the last user goes and no
directory entry names the inode any more (nlink == 0), ``iput`` calls ``evict`` so the
filesystem frees its blocks: this is how an unlinked file stays readable while open.
"""
from __future__ import annotations

from pynix.fs.vfs.inode import Inode


def iget(inode: Inode) -> Inode:
    inode.i_count += 1
    return inode


def iput(inode: Inode) -> None:
    inode.i_count -= 1
    if inode.i_count <= 0:
        inode.i_count = 0
        maybe_evict(inode)


def maybe_evict(inode: Inode) -> None:
    """Called after unlink/rmdir/rename dropped a link, and at the last iput."""
    if inode.nlink == 0 and inode.i_count == 0:
        mapping = getattr(inode, "mapping", None)
        if mapping is not None:
            mapping.drop()
            inode.mapping = None  # type: ignore[attr-defined]
        inode.evict()
