"""Mounting: the VFS object that owns the superblocks and the root mount namespace
(Linux fs/namespace.c, fs/super.c).

Provides ``VFS``: ``mount_root(sb)``, ``mount(sb, at_path, source, flags)``, ``umount(mnt)``,
``sync_all()``, ``user_get_super(dev)`` (the mounted superblock on a device), and device numbers for superblocks (st_dev). The syscalls mount/umount2 and
/proc/mounts are built on it.

Owns: the list of superblocks and the initial mount table.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
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
        self.mounts = MountTable(mnt)
        return Path(mnt, root)

    def mount(self, sb: SuperBlock, at: Path, source: str, flags: int = 0) -> Mount:
        if at.inode.is_dir() != sb.root.is_dir():
            raise KernelError(E.ENOTDIR)
        assert self.mounts is not None
        self.register_sb(sb)
        mnt = Mount(sb, Dentry(at.dentry.name, None, sb.root), source, flags)
        self.mounts.attach(mnt, at)
        return mnt

    def umount(self, mnt: Mount) -> None:
        assert self.mounts is not None
        if self.mounts.children_of(mnt):
            raise KernelError(E.EBUSY)
        mnt.sb.sync()
        self.mounts.detach(mnt)
        if not any(m.sb is mnt.sb for m in self.mounts.mounts):
            fsnotify_unmount_inodes(mnt.sb)     # generic_shutdown_super: IN_UNMOUNT, IN_IGNORED
            mnt.sb.put_super()
            self.supers.remove(mnt.sb)

    def sync_all(self) -> None:
        for sb in list(self.supers):
            sb.sync()

    def shutdown(self) -> None:
        """Unmount everything at power-off: sync, then put_super (a disk is left clean)."""
        for sb in reversed(list(self.supers)):
            sb.sync()
            sb.put_super()
        self.supers.clear()
