"""Mount namespaces and grafting trees into them (Linux fs/namespace.c copy_mnt_ns,
attach_recursive_mnt/graft_tree, umount_tree with propagation, mntns_install, pivot_root).

A mount namespace is a ``dcache.MountTable``: the task reaches its own through
``task.fs.mounts`` (CLONE_NEWNS always gives the task its own fs_struct, so the two change
together). Provides:
- ``copy_mnt_ns(fs, vfs)``: clone/unshare(CLONE_NEWNS): every mount copied (a new struct mount,
  peers of the shared originals, slaves of the same masters), the fs_struct's root and cwd
  moved to the copies.
- ``graft_tree(tree, at)``: attach a detached tree (anonymous table) at ``at``, with the
  copies propagation gives the peers and slaves of ``at``'s mount (attach_recursive_mnt).
- ``umount_tree(k, mnt, propagate)``: unmount ``mnt`` and the mounts below it, and what
  propagation takes with it.
- ``mntns_install(fs, ns)``: setns(2) to a mount namespace: root and cwd at its root.
- ``do_pivot_root(fs, new_root, put_old)``: pivot_root(2).

Owns: nothing; the mounts live in their tables, propagation state in fs/vfs/pnode.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.vfs.dcache import Mount, MountTable, Path
from pynix.fs.vfs.namei import follow_mount
from pynix.fs.vfs.pnode import (
    CL_COPY_ALL,
    CL_EXPIRE,
    copy_tree,
    is_path_reachable,
    mnt_alloc_group_id,
    mnt_release_group,
    propagate_mnt,
    propagate_umount,
)
from pynix.kernel.ns_common import alloc_inum

if TYPE_CHECKING:
    from pynix.fs.vfs.mount import VFS
    from pynix.kernel.task import FsStruct


def copy_mnt_ns(fs: FsStruct, vfs: VFS) -> MountTable:
    """A copy of ``fs``'s mount namespace, which ``fs`` (unshared by the caller) moves to."""
    old = fs.mounts
    mapping: dict[int, Mount] = {}
    new = copy_tree(old.root, old.root.root, CL_COPY_ALL | CL_EXPIRE, mapping=mapping)
    new.anon = False
    new.inum = alloc_inum()
    vfs.namespaces.add(new)
    fs.mounts = new
    fs.root = _moved(fs.root, mapping)
    fs.cwd = _moved(fs.cwd, mapping)
    return new


def _moved(p: Path, mapping: dict[int, Mount]) -> Path:
    m = mapping.get(id(p.mnt))
    return Path(m, p.dentry) if m is not None else p


def _move_into(ns: MountTable, tree: MountTable, at: Path, tuck: bool) -> None:
    """Move every mount of ``tree`` into ``ns``; its root goes to ``at``."""
    order = list(tree.mounts)
    for m in reversed(order):
        if m is not tree.root:
            tree.detach(m)
    tree.mounts.clear()
    tree.root.ns = None
    if tuck:
        ns.attach_under(tree.root, at)
    else:
        ns.attach(tree.root, at)
    for m in order:
        if m is not tree.root:
            ns.attach(m, Path(m.parent, m.mountpoint))


def graft_tree(tree: MountTable, at: Path) -> Mount:
    """attach_recursive_mnt: mount the tree ``tree`` at ``at`` (on top of what is there)."""
    ns = at.mnt.ns
    if ns is None:
        raise KernelError(E.EINVAL)
    while (top := ns.lookup_mnt(at)) is not None:      # lock_mount: onto the topmost
        at = Path(top, top.root)
    dest, dentry = at.mnt, at.dentry
    if dest.peers is not None:               # invent_group_ids: a tree on a shared mount
        for m in tree.mounts:                # is shared
            if m.peers is None:
                mnt_alloc_group_id(m)
    copies = propagate_mnt(dest, dentry, tree.root)
    root = tree.root
    _move_into(ns, tree, Path(dest, dentry), tuck=False)
    for m, c in copies:
        assert c.ns is not None and m.ns is not None
        _move_into(m.ns, c.ns, Path(m, dentry), tuck=True)
    return root


def detach_mnt(vfs: VFS, mnt: Mount) -> None:
    """Take one mount (with nothing below it) out of its namespace, and release it."""
    ns = mnt.ns
    if ns is None:
        return
    mnt.sb.sync()
    ns.detach(mnt)
    mnt_release_group(mnt)


def umount_tree(k: Any, mnt: Mount, propagate: bool, busy: Any) -> None:
    """Unmount ``mnt`` and everything below it, and (``propagate``) the copies at the same
    place on the peers and slaves of its parent. A mount still in use (``busy(k, mnt)``:
    MNT_DETACH) only leaves the tree: its superblock lives on for the open files and cwds
    inside it, and is put at power-off (Linux frees it with the last reference)."""
    extra = propagate_umount(mnt) if propagate else []
    _umount_one(k, mnt, busy)
    for child, topper in extra:
        if child.ns is None:
            continue
        ns = child.ns
        parent, d = child.parent, child.mountpoint
        if topper is not None and topper.ns is ns and topper.parent is child:
            ns.detach(topper)                # it takes the place of the mount it sat on
        else:
            topper = None
        if ns.children_of(child):
            if topper is not None:
                ns.attach(topper, Path(child, child.root))
            continue
        _umount_one(k, child, busy)
        if topper is not None:
            ns.attach(topper, Path(parent, d))


def _umount_one(k: Any, mnt: Mount, busy: Any) -> None:
    ns = mnt.ns
    if ns is None:
        return
    for child in ns.children_of(mnt):
        _umount_one(k, child, busy)
    held = busy(k, mnt)
    detach_mnt(k.vfs, mnt)
    if not held:
        k.vfs.put_super_unused(mnt.sb)


def mntns_install(fs: FsStruct, ns: MountTable) -> None:
    """setns(fd, CLONE_NEWNS): the caller's (unshared) fs_struct moves to ``ns``, root and cwd
    at its root, as Linux's mntns_install; the caller checks CAP_SYS_ADMIN and CLONE_FS."""
    fs.mounts = ns
    root = follow_mount(ns, Path(ns.root, ns.root.root))
    fs.root = root
    fs.cwd = root


def do_pivot_root(fs: FsStruct, new: Path, old: Path) -> None:
    """pivot_root(2): the mount at ``new`` (its root) becomes the root of the namespace, the
    old root goes to ``old`` (which must be at or under ``new``)."""
    ns = fs.mounts
    root = fs.root
    if new.mnt.ns is not ns or old.mnt.ns is not ns or root.mnt.ns is not ns:
        raise KernelError(E.EINVAL)
    if not new.inode.is_dir() or not old.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    if new.mnt is root.mnt or old.mnt is root.mnt and old.dentry is root.dentry:
        raise KernelError(E.EBUSY)
    if new.dentry is not new.mnt.root or new.mnt.parent is new.mnt:
        raise KernelError(E.EINVAL)           # new_root must be a mount point
    if root.dentry is not root.mnt.root:
        raise KernelError(E.EINVAL)
    if not is_path_reachable(old, new) or not is_path_reachable(new, root):
        raise KernelError(E.EINVAL)
    for m in (new.mnt, root.mnt, new.mnt.parent):
        if m.peers is not None:
            raise KernelError(E.EINVAL)       # shared mounts cannot be moved
    new_mnt, root_mnt = new.mnt, root.mnt
    ns.detach(new_mnt)
    under = root_mnt.parent if root_mnt.parent is not root_mnt else None
    if under is not None:                     # the root itself is mounted on something
        rp, rd = root_mnt.parent, root_mnt.mountpoint
        ns.detach(root_mnt)
        ns.attach(new_mnt, Path(rp, rd))
    else:
        new_mnt.parent, new_mnt.mountpoint = new_mnt, new_mnt.root
        ns.mounts.remove(root_mnt)
        ns.mounts.insert(0, new_mnt)
        new_mnt.ns = ns
        ns.root = new_mnt
    ns.attach(root_mnt, old)
    if fs.root.mnt is root_mnt:
        fs.root = Path(new_mnt, new_mnt.root)
    if fs.cwd.mnt is root_mnt and fs.cwd.dentry is root_mnt.root:
        fs.cwd = Path(new_mnt, new_mnt.root)
