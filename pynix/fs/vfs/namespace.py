"""mount(2) and umount2(2) semantics over the mount table (Linux fs/namespace.c path_mount,
do_new_mount, do_loopback, do_remount, do_move_mount, do_change_type, path_umount/do_umount).

Provides ``path_mount(task, source, at, fstype, flags, data)`` and ``path_umount(task, at,
flags)``; both take byte strings from the syscall layer and raise KernelError as Linux does:
EPERM without root, ENODEV for an unknown type, EINVAL for a target that is not a mount point
(umount, remount, move) or bad flags, EBUSY for the root or a mount still in use (a task's cwd
or root, an open file, a mapped file or a mount below it) unless MNT_DETACH.

Mounts go into the namespace of the mount they land on, with the copies propagation gives
(fs/vfs/pnode.py, grafted by fs/vfs/mnt_ns.py); MS_SHARED/MS_PRIVATE/MS_SLAVE/MS_UNBINDABLE
(with MS_REC, the whole subtree) change a mount's propagation type.

Owns: nothing; the mount tree is fs/vfs/dcache.MountTable, superblocks fs/vfs/mount.VFS.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.fs.filesystems import get_fs_type
from pynix.fs.vfs.dcache import (
    MS_BIND,
    MS_MOVE,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    Mount,
    MountTable,
    Path,
)
from pynix.fs.vfs.mnt_ns import graft_tree, umount_tree
from pynix.fs.vfs.namei import follow_mount, namei
from pynix.fs.vfs.pnode import change_mnt_propagation, clone_mnt, copy_tree
from pynix.kernel.cred import capable

if TYPE_CHECKING:
    from pynix.kernel.task import Task

MNT_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
PROPAGATION = MS_PRIVATE | A.MS_SLAVE | A.MS_UNBINDABLE | A.MS_SHARED


def may_mount(t: Task) -> None:
    if not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)


def path_mount(t: Task, source: bytes | None, at: Path, fstype: bytes | None, flags: int,
               data: bytes) -> None:
    may_mount(t)
    if flags & A.MS_MGC_MSK == A.MS_MGC_VAL:
        flags &= ~A.MS_MGC_MSK
    if flags & MS_REMOUNT:
        do_remount(at, flags)
    elif flags & MS_BIND:
        do_loopback(t, source, at, flags)
    elif flags & PROPAGATION:
        do_change_type(at, flags)
    elif flags & MS_MOVE:
        do_move_mount(t, source, at)
    else:
        do_new_mount(t, source, at, fstype, flags, data)


def do_new_mount(t: Task, source: bytes | None, at: Path, fstype: bytes | None, flags: int,
                 data: bytes) -> Mount:
    if not fstype:
        raise KernelError(E.EINVAL)
    fst = get_fs_type(fstype.decode(errors="replace"))
    dev: Path | None = None
    if fst.requires_dev:
        if not source:
            raise KernelError(E.ENOENT)
        dev = namei(t.fs, source)
    sb = fst.mount(t.kernel, dev, flags, data)
    mnt = t.kernel.vfs.vfs_create_mount(sb, at.dentry.name,
                                        (source or b"none").decode(errors="replace"),
                                        flags & MNT_FLAGS)
    return do_add_mount(mnt, at)


def do_add_mount(mnt: Mount, at: Path) -> Mount:
    """Put a new mount (in no namespace) at ``at``: onto the topmost mount there, with
    propagation to ``at``'s peers and slaves."""
    if at.inode.is_dir() != mnt.root.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    if at.mnt.ns is None or at.mnt.ns.anon:
        raise KernelError(E.EINVAL)
    return graft_tree(MountTable(mnt, anon=True), at)


def do_change_type(at: Path, flags: int) -> None:
    """MS_SHARED / MS_PRIVATE / MS_SLAVE / MS_UNBINDABLE on the mount at ``at`` (MS_REC: and
    every mount below it); exactly one type, and only at a mount's root (EINVAL)."""
    kind = flags & PROPAGATION
    if at.dentry is not at.mnt.root or kind & (kind - 1) \
            or flags & ~(PROPAGATION | MS_REC | A.MS_SILENT):
        raise KernelError(E.EINVAL)
    mnts = [at.mnt]
    ns = at.mnt.ns
    if flags & MS_REC and ns is not None:
        i = 0
        while i < len(mnts):
            mnts += ns.children_of(mnts[i])
            i += 1
    for m in mnts:
        change_mnt_propagation(m, kind)


def do_loopback(t: Task, source: bytes | None, at: Path, flags: int) -> Mount:
    """A bind mount: the subtree at ``source`` appears at ``at`` too (MS_REC: with the mounts
    inside it)."""
    if not source:
        raise KernelError(E.EINVAL)
    src = namei(t.fs, source)
    if src.inode.is_dir() != at.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    if at.mnt.ns is None or at.mnt.ns.anon:
        raise KernelError(E.EINVAL)
    return graft_tree(clone_tree(src, bool(flags & MS_REC)), at)


def clone_tree(src: Path, recursive: bool) -> MountTable:
    """The detached copy a bind mount or open_tree(OPEN_TREE_CLONE) makes of ``src`` (with
    ``recursive``, of the mounts below it, unbindable ones left out); EINVAL for an
    unbindable source, a source in no namespace."""
    if src.mnt.unbindable or src.mnt.ns is None:
        raise KernelError(E.EINVAL)
    if recursive:
        return copy_tree(src.mnt, src.dentry, 0)
    return MountTable(clone_mnt(src.mnt, src.dentry, 0), anon=True)


def do_remount(at: Path, flags: int) -> None:
    """Change a mount's flags; without MS_BIND a read-only switch reaches the superblock too."""
    mnt = at.mnt
    if at.dentry is not mnt.root:
        raise KernelError(E.EINVAL)
    ro = bool(flags & MS_RDONLY)
    sb = mnt.sb
    if not flags & MS_BIND and hasattr(sb, "bdev"):
        if not ro and sb.bdev.readonly:
            raise KernelError(E.EACCES)
        if ro:
            sb.sync()
        sb.readonly = ro
    mnt.flags = (mnt.flags & ~MNT_FLAGS) | (flags & MNT_FLAGS)


def do_move_mount(t: Task, source: bytes | None, at: Path) -> None:
    if not source:
        raise KernelError(E.EINVAL)
    old = namei(t.fs, source)
    mnt = old.mnt
    if old.dentry is not mnt.root or mnt.parent is mnt:
        raise KernelError(E.EINVAL)
    p = at
    while True:                      # not below itself
        if p.mnt is mnt:
            raise KernelError(E.ELOOP)
        if p.mnt.parent is p.mnt:
            break
        p = Path(p.mnt.parent, p.mnt.mountpoint)
    attach_moved(mnt, at)


def attach_moved(mnt: Mount, at: Path) -> None:
    """do_move_mount's end: ``mnt`` with the mounts below it goes to ``at`` (a mount of a
    namespace); EINVAL from or to a shared mount's parent, as Linux forbids."""
    ns = mnt.ns
    if ns is None or at.mnt.ns is None or at.mnt.ns.anon:
        raise KernelError(E.EINVAL)
    if mnt.parent is not mnt and mnt.parent.peers is not None:
        raise KernelError(E.EINVAL)
    below = [mnt]
    i = 0
    while i < len(below):
        below += ns.children_of(below[i])
        i += 1
    tree = MountTable(mnt, anon=True) if not ns.anon else ns
    if not ns.anon:
        tree.mounts.clear()
        for m in below:
            ns.detach(m)
        mnt.parent, mnt.mountpoint = mnt, mnt.root
        tree.mounts.append(mnt)
        mnt.ns = tree
        for m in below[1:]:
            tree.attach(m, Path(m.parent, m.mountpoint))
    elif ns.root is not mnt:
        raise KernelError(E.EINVAL)
    graft_tree(tree, at)


# -- umount -----------------------------------------------------------------------------------------
def mount_busy(k: Any, mnt: Mount) -> bool:
    """Does anything hold a reference into ``mnt`` (the mnt_count test of do_umount)?"""
    def held(p: object) -> bool:
        return isinstance(p, Path) and p.mnt is mnt
    for t in k.tasks.values():
        fs = t.fs
        if fs is not None and (held(fs.cwd) or held(fs.root)):
            return True
        if t.files is not None and any(held(f.path) for f in t.files.fds.values()):
            return True
        mm = t.mm
        if mm is not None and (held(mm.exe) or
                               any(held(getattr(v.file, "path", None)) for v in mm.vmas)):
            return True
    return False


def path_umount(t: Task, target: bytes, flags: int) -> None:
    may_mount(t)
    if flags & ~(A.MNT_FORCE | A.MNT_DETACH | A.MNT_EXPIRE | A.UMOUNT_NOFOLLOW):
        raise KernelError(E.EINVAL)
    if flags & A.MNT_EXPIRE and flags & (A.MNT_FORCE | A.MNT_DETACH):
        raise KernelError(E.EINVAL)
    p = namei(t.fs, target, follow=not flags & A.UMOUNT_NOFOLLOW)
    p = follow_mount(t.fs.mounts, p)             # LOOKUP_MOUNTPOINT: the topmost mount there
    mnt = p.mnt
    if p.dentry is not mnt.root:
        raise KernelError(E.EINVAL)
    if mnt.parent is mnt:
        raise KernelError(E.EBUSY)
    k = t.kernel
    if flags & A.MNT_EXPIRE and not getattr(mnt, "expired", False):
        mnt.expired = True                   # type: ignore[attr-defined]
        raise KernelError(E.EAGAIN)          # the first call only marks it; the next unmounts
    ns = mnt.ns
    if ns is None or ns is not t.fs.mounts:
        raise KernelError(E.EINVAL)
    busy = bool(ns.children_of(mnt)) or mount_busy(k, mnt)
    if busy and not flags & A.MNT_DETACH:
        raise KernelError(E.EBUSY)
    umount_tree(k, mnt, True, mount_busy)
