"""mount(2) and umount2(2) semantics over the mount table (Linux fs/namespace.c path_mount,
do_new_mount, do_loopback, do_remount, do_move_mount, do_change_type, path_umount/do_umount).

Provides ``path_mount(task, source, at, fstype, flags, data)`` and ``path_umount(task, at,
flags)``; both take byte strings from the syscall layer and raise KernelError as Linux does:
EPERM without root, ENODEV for an unknown type, EINVAL for a target that is not a mount point
(umount, remount, move) or bad flags, EBUSY for the root or a mount still in use (a task's cwd
or root, an open file, a mapped file or a mount below it) unless MNT_DETACH.

There is no mount propagation: every mount is private, so MS_PRIVATE/MS_SLAVE/MS_UNBINDABLE
change nothing and succeed, while MS_SHARED (which would need propagation) is EINVAL.

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
    Dentry,
    Mount,
    Path,
)
from pynix.fs.vfs.namei import namei
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
        if flags & A.MS_SHARED:
            raise KernelError(E.EINVAL)
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
    return t.kernel.vfs.mount(sb, at, (source or b"none").decode(errors="replace"),
                              flags & MNT_FLAGS)


def _under(d: Dentry, top: Dentry, root: Dentry) -> bool:
    """Is ``d`` at or below ``top`` inside one mount whose root dentry is ``root``?"""
    while True:
        if d is top:
            return True
        if d is root or d.parent is d:
            return False
        d = d.parent


def do_loopback(t: Task, source: bytes | None, at: Path, flags: int) -> Mount:
    """A bind mount: the subtree at ``source`` appears at ``at`` too (MS_REC: with the mounts
    inside it)."""
    if not source:
        raise KernelError(E.EINVAL)
    src = namei(t.fs, source)
    if src.inode.is_dir() != at.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    vfs = t.kernel.vfs
    mnt = clone_mnt(vfs, src, at)
    if flags & MS_REC:
        _bind_children(vfs, src, mnt)
    return mnt


def clone_mnt(vfs: Any, src: Path, at: Path) -> Mount:
    mnt = Mount(src.mnt.sb, src.dentry, src.mnt.source, src.mnt.flags & MNT_FLAGS)
    vfs.mounts.attach(mnt, at)
    return mnt


def _bind_children(vfs: Any, src: Path, copy: Mount) -> None:
    for child in vfs.mounts.children_of(src.mnt):
        if _under(child.mountpoint, src.dentry, src.mnt.root):
            sub = clone_mnt(vfs, Path(child, child.root), Path(copy, child.mountpoint))
            _bind_children(vfs, Path(child, child.root), sub)


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
    table = t.kernel.vfs.mounts
    table.detach(mnt)
    table.attach(mnt, at)


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
    mnt = p.mnt
    if p.dentry is not mnt.root:
        raise KernelError(E.EINVAL)
    if mnt.parent is mnt:
        raise KernelError(E.EBUSY)
    k = t.kernel
    if flags & A.MNT_EXPIRE and not getattr(mnt, "expired", False):
        mnt.expired = True                   # type: ignore[attr-defined]
        raise KernelError(E.EAGAIN)          # the first call only marks it; the next unmounts
    busy = bool(k.vfs.mounts.children_of(mnt)) or mount_busy(k, mnt)
    if busy and not flags & A.MNT_DETACH:
        raise KernelError(E.EBUSY)
    umount_tree(k, mnt)


def umount_tree(k: Any, mnt: Mount) -> None:
    """Unmount ``mnt`` and everything below it. A mount still in use (MNT_DETACH) only leaves
    the tree: its superblock lives on for the open files and cwds inside it, and is put at
    power-off (Linux frees it with the last reference)."""
    vfs = k.vfs
    for child in vfs.mounts.children_of(mnt):
        umount_tree(k, child)
    if mount_busy(k, mnt):
        mnt.sb.sync()
        vfs.mounts.detach(mnt)
    else:
        vfs.umount(mnt)
