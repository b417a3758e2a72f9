"""Directory entries, mounts and paths (Linux's dentry, vfsmount and struct path).

Provides:
- ``Dentry``: a name bound to an inode under a parent, with a cache of looked-up children
  (d_lookup / d_alloc). Dentries are how the kernel remembers the names it has walked, so it
  can answer getcwd, /proc/pid/cwd and /proc/mounts.
- ``Mount``: a mounted superblock: its root dentry, where it is mounted (parent mount and
  mountpoint dentry), flags (MS_RDONLY ...), the mount source string.
- ``Path``: the pair (mount, dentry) that names a place in the tree, and ``d_path`` to print it.
- ``MountTable``: which mount covers a mountpoint (lookup_mnt), mount/umount bookkeeping.

Owns: the dentry tree and the mount tree. Inodes are owned by their filesystem.
"""
from __future__ import annotations

from dataclasses import dataclass

from pynix.fs.vfs.inode import Inode, SuperBlock

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18


class Dentry:
    __slots__ = ("name", "parent", "inode", "children", "mounted")

    def __init__(self, name: bytes, parent: Dentry | None, inode: Inode) -> None:
        self.name = name
        self.parent = parent if parent is not None else self
        self.inode = inode
        self.children: dict[bytes, Dentry] = {}
        self.mounted = 0            # how many mounts sit on this dentry (d_mountpoint)

    def child(self, name: bytes) -> Dentry | None:
        """d_lookup then the filesystem's lookup (d_alloc on a miss)."""
        d = self.children.get(name)
        if d is not None and (not self.inode.volatile or d.mounted):
            return d
        inode = self.inode.lookup(name)
        if inode is None:
            return None
        if d is not None and d.inode is inode:
            return d
        d = Dentry(name, self, inode)
        self.children[name] = d
        return d

    def add(self, name: bytes, inode: Inode) -> Dentry:
        d = Dentry(name, self, inode)
        self.children[name] = d
        return d

    def drop(self, name: bytes) -> None:
        """d_delete: forget a child (after unlink, rmdir, rename)."""
        self.children.pop(name, None)

    def __repr__(self) -> str:
        return f"Dentry({self.name!r})"


class Mount:
    def __init__(self, sb: SuperBlock, root: Dentry, source: str, flags: int = 0) -> None:
        self.sb = sb
        self.root = root
        self.source = source
        self.flags = flags
        self.parent: Mount = self
        self.mountpoint: Dentry = root

    @property
    def readonly(self) -> bool:
        return bool(self.flags & MS_RDONLY) or self.sb.readonly


@dataclass(frozen=True)
class Path:
    mnt: Mount
    dentry: Dentry

    @property
    def inode(self) -> Inode:
        return self.dentry.inode


class MountTable:
    """All mounts of one mount namespace."""

    def __init__(self, root: Mount) -> None:
        self.root = root
        self.mounts: list[Mount] = [root]
        self.covering: dict[tuple[int, int], Mount] = {}

    def lookup_mnt(self, path: Path) -> Mount | None:
        """The mount sitting on ``path`` (the last one mounted there), or None."""
        return self.covering.get((id(path.mnt), id(path.dentry)))

    def attach(self, mnt: Mount, at: Path) -> None:
        below = self.covering.get((id(at.mnt), id(at.dentry)))
        if below is not None:       # stack on top of whatever is mounted there already
            at = Path(below, below.root)
            while (m := self.covering.get((id(at.mnt), id(at.dentry)))) is not None:
                at = Path(m, m.root)
        mnt.parent = at.mnt
        mnt.mountpoint = at.dentry
        at.dentry.mounted += 1
        self.covering[(id(at.mnt), id(at.dentry))] = mnt
        self.mounts.append(mnt)

    def detach(self, mnt: Mount) -> None:
        self.covering.pop((id(mnt.parent), id(mnt.mountpoint)), None)
        mnt.mountpoint.mounted -= 1
        self.mounts.remove(mnt)

    def children_of(self, mnt: Mount) -> list[Mount]:
        return [m for m in self.mounts if m.parent is mnt and m is not mnt]


def d_unlinked(d: Dentry) -> bool:
    """Was the name removed (unlink, rmdir, renamed over) while this dentry was in use?
    Names under volatile directories (procfs) are re-made on lookup, never unlinked."""
    parent = d.parent
    return parent is not d and not parent.inode.volatile and parent.children.get(d.name) is not d


def d_path(path: Path, root: Path) -> bytes:
    """The absolute name of ``path`` as seen from ``root`` (Linux's d_path), with
    " (deleted)" after the name of something unlinked since it was opened."""
    if d_unlinked(path.dentry):
        return _d_path(path, root) + b" (deleted)"
    return _d_path(path, root)


def _d_path(path: Path, root: Path) -> bytes:
    return prepend_path(path, root)[0]


def prepend_path(path: Path, root: Path) -> tuple[bytes, bool]:
    """Linux's prepend_path: the name of ``path`` walking up to ``root``, and False when the
    walk reached the top of the tree without passing ``root`` (outside a chroot: the name is
    then from the tree's top, and getcwd calls it "(unreachable)")."""
    parts: list[bytes] = []
    mnt, d = path.mnt, path.dentry
    reached = True
    while True:
        if mnt is root.mnt and d is root.dentry:
            break
        if d is mnt.root:
            if mnt.parent is mnt:
                reached = False     # reached the top of a tree root cannot see
                break
            d, mnt = mnt.mountpoint, mnt.parent
            continue
        parts.append(d.name)
        d = d.parent
    return b"/" + b"/".join(reversed(parts)), reached
