"""Anonymous inodes: the inodes behind pipes, sockets, eventfds and the console streams that
have no name in any directory (Linux's pipefs, sockfs and anon_inodefs).

They exist so that fstat, /proc/pid/fd and the AT_EMPTY_PATH calls see the same kind of object
as on Linux: ``anon_inode(kind, mode, rdev)`` returns a fresh inode of the named pseudo
filesystem, e.g. a pipe's S_IFIFO inode in "pipefs".
"""
from __future__ import annotations

import itertools

from pynix.fs.vfs.inode import Inode, SuperBlock

PIPEFS_MAGIC = 0x50495045
SOCKFS_MAGIC = 0x534F434B
ANON_INODE_FS_MAGIC = 0x09041934


class AnonSuperBlock(SuperBlock):
    def __init__(self, name: str, magic: int, dev: int) -> None:
        super().__init__()
        self.fs_name = name
        self.magic = magic
        self.dev = dev
        self._ino = itertools.count(1000)
        self.root = Inode(self, 1, 0o40700)

    def new_inode(self, mode: int, rdev: int = 0) -> Inode:
        return Inode(self, next(self._ino), mode, rdev=rdev)


_supers: dict[str, AnonSuperBlock] = {}
_MAGIC = {"pipefs": PIPEFS_MAGIC, "sockfs": SOCKFS_MAGIC, "anon_inodefs": ANON_INODE_FS_MAGIC,
          "devpts": 0x1CD1, "nsfs": 0x6E736673}


def anon_inode(kind: str, mode: int, rdev: int = 0, ino: int | None = None) -> Inode:
    """A fresh inode of pseudo filesystem ``kind``; ``ino`` when the number means something
    (an nsfs inode is numbered by its namespace)."""
    sb = _supers.get(kind)
    if sb is None:
        sb = _supers[kind] = AnonSuperBlock(kind, _MAGIC.get(kind, 0), 0x0C + len(_supers))
    return sb.new_inode(mode, rdev) if ino is None else Inode(sb, ino, mode, rdev=rdev)
