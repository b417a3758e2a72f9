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

import itertools
from dataclasses import dataclass

from pynix.fs.vfs.inode import Inode, SuperBlock

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
MNT_UNIQUE_ID_OFFSET = 1 << 31


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


# mnt_id as /proc/PID/mountinfo shows it, and the 64-bit id statmount/listmount use, which
# Linux starts above 2^31 so that the two never collide (MNT_UNIQUE_ID_OFFSET)
_mnt_ids = itertools.count(21)
_mnt_unique_ids = itertools.count(MNT_UNIQUE_ID_OFFSET + 1)


class Mount:
    """struct mount: the superblock seen from ``root``, attached at ``mountpoint`` of
    ``parent``; ``ns`` is the namespace's table it belongs to (None when it is in none: a
    detached clone from open_tree or fsmount). Propagation (fs/vfs/pnode.py): ``peers`` is
    the shared peer group (a list all its members hold, None when private), ``group_id``
    its number, ``master`` the mount this one receives from as a slave, ``slaves`` those
    that receive from it, ``unbindable`` MS_UNBINDABLE."""

    def __init__(self, sb: SuperBlock, root: Dentry, source: str, flags: int = 0) -> None:
        self.sb = sb
        self.root = root
        self.source = source
        self.flags = flags
        self.parent: Mount = self
        self.mountpoint: Dentry = root
        self.mnt_id = next(_mnt_ids)
        self.mnt_id_unique = next(_mnt_unique_ids)
        self.ns: MountTable | None = None
        self.peers: list[Mount] | None = None
        self.group_id = 0
        self.master: Mount | None = None
        self.slaves: list[Mount] = []
        self.unbindable = False
        self.attr_flags = 0          # MOUNT_ATTR_* that have no MS_ twin (atime, nosymfollow)

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


_mnt_ns_seq = itertools.count(1)


class MountTable:
    """All mounts of one mount namespace (struct mnt_namespace): ``inum`` names it in
    /proc/PID/ns/mnt, ``seq`` is its 64-bit id (NS_GET_MNTNS_ID, statmount's mnt_ns_id)."""

    kind = "mnt"

    def __init__(self, root: Mount, inum: int = 0, owner_uid: int = 0, anon: bool = False
                 ) -> None:
        self.root = root
        self.anon = anon            # a detached tree (open_tree, fsmount, a copy on its way)
        self.mounts: list[Mount] = [root]
        self.covering: dict[tuple[int, int], Mount] = {}
        self.inum = inum
        self.seq = next(_mnt_ns_seq)
        self.owner_uid = owner_uid
        root.ns = self

    def mount_by_id(self, mnt_id: int) -> Mount | None:
        """The mount of this namespace with that unique (or, below 2^31, old) id."""
        for m in self.mounts:
            if m.mnt_id_unique == mnt_id or m.mnt_id == mnt_id:
                return m
        return None

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
        mnt.ns = self

    def attach_under(self, mnt: Mount, at: Path) -> None:
        """Put ``mnt`` at ``at`` below whatever is mounted there already, which moves on top
        of ``mnt``'s root (Linux's tucked mounts, for a propagated copy)."""
        above = self.covering.get((id(at.mnt), id(at.dentry)))
        if above is None:
            self.attach(mnt, at)
            return
        self.detach(above)
        self.attach(mnt, at)
        self.attach(above, Path(mnt, mnt.root))

    def detach(self, mnt: Mount) -> None:
        key = (id(mnt.parent), id(mnt.mountpoint))
        if self.covering.get(key) is mnt:
            del self.covering[key]
        mnt.mountpoint.mounted -= 1
        self.mounts.remove(mnt)
        mnt.ns = None

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
