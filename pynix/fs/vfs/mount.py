"""Mounting: the VFS object that owns the superblocks and the root mount namespace
(Linux fs/namespace.c, fs/super.c).

Provides ``VFS``: ``mount_root(sb)``, ``mount(sb, at_path, source, flags)``, ``umount(mnt)``,
``vfs_create_mount(sb, ...)`` (a mount in no namespace, for fsmount),
``sync_all()``, ``user_get_super(dev)`` (the mounted superblock on a device), and device numbers for superblocks (st_dev). The syscalls mount/umount2 and
/proc/mounts are built on it.

Owns: the list of superblocks, the initial mount table and the set of live mount
namespaces (a superblock is shut down when no namespace mounts it any more).
"""
from __future__ import annotations

import weakref

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.nsfs import PROC_MNT_INIT_INO
from pynix.arch.x86_64.kdev_t import makedev
from pynix.base.errors import KernelError
from pynix.fs.notify.hooks import fsnotify_unmount_inodes
from pynix.fs.vfs.dcache import Dentry, Mount, MountTable, Path
from pynix.fs.vfs.inode import SuperBlock

ANON_MAJOR = 0


class VFS:
    def __init__(self) -> None:
        self.supers: list[SuperBlock] = []
        self.mounts: MountTable | None = None
        self._next_minor = 1
        self.namespaces: weakref.WeakSet[MountTable] = weakref.WeakSet()

    def register_sb(self, sb: SuperBlock) -> None:
        if sb not in self.supers:
            if not sb.dev:
                sb.dev = makedev(ANON_MAJOR, self._next_minor)
                self._next_minor += 1
            self.supers.append(sb)

    def user_get_super(self, dev: int) -> SuperBlock:
        """The mounted superblock whose device number is ``dev`` (fs/super.c user_get_super,
        as ustat(2) asks); EINVAL if none."""
        for sb in self.supers:
            if sb.dev == dev:
                return sb
        raise KernelError(E.EINVAL)

    def mount_root(self, sb: SuperBlock, source: str) -> Path:
        self.register_sb(sb)
        root = Dentry(b"/", None, sb.root)
        mnt = Mount(sb, root, source)
        self.mounts = MountTable(mnt, PROC_MNT_INIT_INO)
        self.namespaces.add(self.mounts)
        return Path(mnt, root)

    def vfs_create_mount(self, sb: SuperBlock, name: bytes, source: str, flags: int = 0) -> Mount:
        """A new mount of ``sb``, in no namespace yet (vfs_create_mount)."""
        self.register_sb(sb)
        return Mount(sb, Dentry(name, None, sb.root), source, flags)

    def mount(self, sb: SuperBlock, at: Path, source: str, flags: int = 0) -> Mount:
        """Mount ``sb`` on ``at``, in the namespace of ``at``'s mount."""
        if at.inode.is_dir() != sb.root.is_dir():
            raise KernelError(E.ENOTDIR)
        ns = at.mnt.ns or self.mounts
        assert ns is not None
        mnt = self.vfs_create_mount(sb, at.dentry.name, source, flags)
        ns.attach(mnt, at)
        return mnt

    def sb_in_use(self, sb: SuperBlock) -> bool:
        """Is ``sb`` mounted in any namespace still (its s_active)?"""
        return any(m.sb is sb for ns in self.namespaces for m in ns.mounts)

    def umount(self, mnt: Mount) -> None:
        ns = mnt.ns
        assert ns is not None
        if ns.children_of(mnt):
            raise KernelError(E.EBUSY)
        mnt.sb.sync()
        ns.detach(mnt)
        self.put_super_unused(mnt.sb)

    def put_super_unused(self, sb: SuperBlock) -> None:
        """The last mount of ``sb`` went: shut the superblock down (deactivate_super)."""
        if sb in self.supers and not self.sb_in_use(sb) and sb is not self.root_sb():
            fsnotify_unmount_inodes(sb)     # generic_shutdown_super: IN_UNMOUNT, IN_IGNORED
            sb.put_super()
            self.supers.remove(sb)

    def root_sb(self) -> SuperBlock | None:
        return self.mounts.root.sb if self.mounts is not None else None

    def sync_all(self) -> None:
        for sb in list(self.supers):
            sb.sync()

    def shutdown(self) -> None:
        """Unmount everything at power-off: sync, then put_super (a disk is left clean)."""
        for sb in reversed(list(self.supers)):
            sb.sync()
            sb.put_super()
        self.supers.clear()
