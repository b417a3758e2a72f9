"""Mount propagation: shared peer groups, slaves and their masters (Linux fs/pnode.c and the
propagation half of fs/namespace.c: clone_mnt's CL_* flags, copy_tree, change_mnt_propagation,
propagate_mnt, propagate_umount, get_dominating_id).

A mount is private (``peers`` None, no ``master``), shared (it and its peers are one list,
numbered ``group_id``: an event on one happens on all), a slave (``master`` is a mount of the
group it receives from, and it is in that mount's ``slaves``) or both, or unbindable.

Provides:
- ``clone_mnt(old, root, flag)``: a new struct mount of ``old``'s superblock seen from
  ``root``, with the propagation ``flag`` asks (CL_SLAVE, CL_PRIVATE, CL_MAKE_SHARED,
  CL_SHARED_TO_SLAVE); ``copy_tree(mnt, dentry, flag, into)`` copies a mount with the mounts
  below ``dentry`` into the table ``into`` (CL_COPY_UNBINDABLE keeps unbindable ones).
- ``change_mnt_propagation(mnt, type)``: MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE.
- ``propagate_mnt(dest, dentry, source)``: the copies of ``source`` that the peers and slaves
  of ``dest`` receive, as (mount, copy) pairs the caller attaches.
- ``propagate_umount(mnt)``: the mounts that leave with ``mnt`` from the peers and slaves of
  its parent.
- ``get_dominating_id(mnt, root)``: the peer group a slave receives from that is visible
  from ``root`` (mountinfo's propagate_from, statmount's propagate_from).
- ``propagation_fields(mnt, root)``: mountinfo's optional fields; ``is_path_reachable``.

Owns: the peer-group id allocator (lowest free id from 1, as Linux's mnt_group_ida).
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.fs.vfs.dcache import MS_PRIVATE, MS_RDONLY, Dentry, Mount, MountTable, Path

CL_EXPIRE, CL_SLAVE, CL_COPY_UNBINDABLE, CL_MAKE_SHARED = 0x01, 0x02, 0x04, 0x08
CL_PRIVATE, CL_SHARED_TO_SLAVE, CL_COPY_MNT_NS_FILE = 0x10, 0x20, 0x40
CL_COPY_ALL = CL_COPY_UNBINDABLE | CL_COPY_MNT_NS_FILE
MNT_FLAGS = MS_RDONLY | 2 | 4 | 8               # MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC

_groups: dict[int, list[Mount]] = {}


def mnt_alloc_group_id(mnt: Mount) -> None:
    """Make ``mnt`` the first member of a new peer group (mnt_alloc_group_id + set_mnt_shared)."""
    gid = 1
    while gid in _groups and _groups[gid]:
        gid += 1
    mnt.peers = _groups[gid] = [mnt]
    mnt.group_id = gid


def is_subdir(d: Dentry, top: Dentry) -> bool:
    """Is ``d`` at or below ``top`` in the dentry tree (is_subdir)?"""
    while True:
        if d is top:
            return True
        if d.parent is d:
            return False
        d = d.parent


def is_path_reachable(p: Path, top: Path) -> bool:
    """is_path_reachable: is ``p`` at or under ``top`` through the mount tree?"""
    mnt, d = p.mnt, p.dentry
    while mnt is not top.mnt:
        if mnt.parent is mnt:
            return False
        d, mnt = mnt.mountpoint, mnt.parent
    return is_subdir(d, top.dentry)


def _join_peers(mnt: Mount, old: Mount) -> None:
    assert old.peers is not None
    old.peers.append(mnt)
    mnt.peers, mnt.group_id = old.peers, old.group_id


def _set_master(mnt: Mount, master: Mount | None) -> None:
    if mnt.master is not None and mnt in mnt.master.slaves:
        mnt.master.slaves.remove(mnt)
    mnt.master = master
    if master is not None:
        master.slaves.append(mnt)


def clone_mnt(old: Mount, root: Dentry, flag: int) -> Mount:
    """clone_mnt: a new mount of ``old``'s superblock at ``root``, in no namespace."""
    mnt = Mount(old.sb, root, old.source, old.flags & MNT_FLAGS)
    mnt.attr_flags = old.attr_flags
    if flag & CL_SLAVE or (flag & CL_SHARED_TO_SLAVE and old.peers is not None):
        _set_master(mnt, old)
    elif not flag & CL_PRIVATE:
        if old.peers is not None:
            _join_peers(mnt, old)
        if old.master is not None:
            _set_master(mnt, old.master)
    if flag & CL_MAKE_SHARED and mnt.peers is None:
        mnt_alloc_group_id(mnt)
    return mnt


def copy_tree(mnt: Mount, dentry: Dentry, flag: int, into: MountTable | None = None,
              mapping: dict[int, Mount] | None = None) -> MountTable:
    """copy_tree: a copy of ``mnt`` seen from ``dentry`` and, recursively, of the mounts below
    it (unbindable ones only with CL_COPY_UNBINDABLE), in a table of their own (an anonymous
    namespace) unless ``into`` is given. The copy's root is the table's root; ``mapping``
    collects id(original) -> copy."""
    if mapping is None:
        mapping = {}
    top = clone_mnt(mnt, dentry, flag)
    mapping[id(mnt)] = top
    table = into if into is not None else MountTable(top, anon=True)
    if into is not None:
        table.root = top
        table.mounts.append(top)
        top.ns = table
    src = mnt.ns
    if src is None:
        return table
    pending = [(mnt, top)]
    while pending:
        old, new = pending.pop(0)
        for child in [m for m in src.mounts if m.parent is old and m is not old]:
            if old is mnt and not is_subdir(child.mountpoint, dentry):
                continue
            if child.unbindable and not flag & CL_COPY_UNBINDABLE:
                continue
            c = clone_mnt(child, child.root, flag)
            table.attach(c, Path(new, child.mountpoint))
            mapping[id(child)] = c
            pending.append((child, c))
    return table


def do_make_slave(mnt: Mount) -> None:
    """Leave the peer group; receive from a former peer (or the old master) from now on."""
    peers = mnt.peers
    new_master = mnt.master
    if peers is not None:
        peers.remove(mnt)
        if peers:
            same_root = [p for p in peers if p.root is mnt.root]
            new_master = (same_root or peers)[0]
        mnt.peers, mnt.group_id = None, 0
    for s in list(mnt.slaves):
        _set_master(s, new_master)
    if new_master is not None and peers is not None:
        _set_master(mnt, new_master)


def change_mnt_propagation(mnt: Mount, kind: int) -> None:
    """change_mnt_propagation: make ``mnt`` shared, a slave, private or unbindable."""
    if kind == A.MS_SHARED:
        if mnt.peers is None:
            mnt_alloc_group_id(mnt)
        mnt.unbindable = False
        return
    if kind != A.MS_SLAVE or mnt.peers is not None or mnt.master is None:
        do_make_slave(mnt)
    if kind != A.MS_SLAVE:
        _set_master(mnt, None)
    mnt.unbindable = kind == A.MS_UNBINDABLE


PROPAGATION_TYPES = (A.MS_SHARED, A.MS_SLAVE, MS_PRIVATE, A.MS_UNBINDABLE)


def _live(m: Mount) -> bool:
    """Is ``m`` attached in a real namespace (not new, not in an anonymous one)?"""
    return m.ns is not None and not m.ns.anon


def _group(m: Mount) -> list[Mount]:
    return list(m.peers) if m.peers is not None else [m]


def propagate_mnt(dest: Mount, dentry: Dentry, source: Mount) -> list[tuple[Mount, Mount]]:
    """propagate_mnt: ``source`` is being mounted at ``dentry`` of ``dest``; every other live
    member of ``dest``'s peer group gets a copy that is a peer of ``source``, and every slave
    (recursively, with its own peers) a copy that is a slave of the copy its master got. A
    mount that cannot see ``dentry`` gets nothing."""
    out: list[tuple[Mount, Mount]] = []

    def spread(members: list[Mount], src: Mount, skip: Mount) -> None:
        for p in members:
            if p is skip or not _live(p) or not is_subdir(dentry, p.root):
                continue
            out.append((p, copy_tree(src, src.root, CL_MAKE_SHARED).root))
        for p in members:
            if not _live(p):
                continue
            for s in list(p.slaves):
                if not _live(s) or not is_subdir(dentry, s.root):
                    continue
                flag = CL_SLAVE | (CL_MAKE_SHARED if s.peers is not None else 0)
                c = copy_tree(src, src.root, flag).root
                out.append((s, c))
                spread(_group(s), c, s)

    spread(_group(dest), source, dest)
    return out


def propagate_umount(mnt: Mount) -> list[tuple[Mount, Mount | None]]:
    """propagate_umount: for each peer and slave of ``mnt``'s parent, the mount at the same
    mountpoint, if nothing but (at most) one mount on its root sits on it; paired with that
    topper, which then takes its place."""
    parent, d = mnt.parent, mnt.mountpoint
    ns = mnt.ns
    out: list[tuple[Mount, Mount | None]] = []
    if ns is None or parent is mnt:
        return out
    seen: set[int] = {id(parent)}
    ancestors: set[int] = set()             # the mounts mnt sits on stay
    a = mnt
    while a.parent is not a:
        a = a.parent
        ancestors.add(id(a))
    todo = [m for m in _group(parent) if m is not parent]
    todo += list(parent.slaves)
    while todo:
        m = todo.pop(0)
        if id(m) in seen:
            continue
        seen.add(id(m))
        todo += [p for p in _group(m) if id(p) not in seen] + list(m.slaves)
        if m.ns is not ns:
            continue
        child = ns.lookup_mnt(Path(m, d))
        if child is None or child is mnt or id(child) in ancestors:
            continue
        kids = ns.children_of(child)
        if not kids:
            out.append((child, None))
        elif len(kids) == 1 and kids[0].mountpoint is child.root:
            out.append((child, kids[0]))
    return out


def get_dominating_id(mnt: Mount, root: Path) -> int:
    """The group of the nearest master (up the chain) that has a peer visible from ``root``."""
    m = mnt.master
    while m is not None:
        for p in _group(m):
            if p.ns is mnt.ns and is_path_reachable(Path(p, p.root), root) and p.group_id:
                return p.group_id
        m = m.master
    return 0


def propagation_fields(mnt: Mount, root: Path) -> bytes:
    """mountinfo's optional fields: ``shared:N master:N propagate_from:N unbindable``."""
    out = []
    if mnt.peers is not None:
        out.append(b" shared:%d" % mnt.group_id)
    if mnt.master is not None:
        out.append(b" master:%d" % mnt.master.group_id)
        dom = get_dominating_id(mnt, root)
        if dom and dom != mnt.master.group_id:
            out.append(b" propagate_from:%d" % dom)
    if mnt.unbindable:
        out.append(b" unbindable")
    return b"".join(out)


def mnt_release_group(mnt: Mount) -> None:
    """A mount leaves the tree for good: out of its peer group and its master's slaves."""
    if mnt.peers is not None:
        if mnt in mnt.peers:
            mnt.peers.remove(mnt)
        mnt.peers, mnt.group_id = None, 0
    for s in list(mnt.slaves):
        _set_master(s, mnt.master)
    _set_master(mnt, None)
