"""The in-core inode and superblock: the interface every filesystem implements.

Analogous to Linux's struct inode / inode_operations / file_operations and struct super_block
(Bach ch. 4: the in-core inode). A filesystem (tmpfs, hostfs, ext2, procfs, devfs) subclasses
``Inode`` and ``SuperBlock``; the VFS (namei, file, fdtable, mount) only calls the methods here.

Contract:
- Names are ``bytes`` (one path component, never containing b"/"), as in Linux.
- Times are integer nanoseconds since the epoch.
- Errors are raised as ``KernelError(errno)``; the defaults below raise the errno Linux gives when
  a filesystem lacks the operation.
- Directory operations are called on the directory inode with permission checks already done by
  the VFS (namei/may_*); the filesystem checks only what depends on its own state (EEXIST,
  ENOTEMPTY, ENOSPC, EMLINK).
- Reference counting (iget/iput) lives in fs/vfs/icache.py: ``i_count`` counts in-core users
  that keep the inode (open files, FIFO ends, loop devices); ``nlink`` counts directory entries. When both reach zero the VFS
  calls ``evict()``, which frees the inode's storage (Bach's iput -> ifree).
- Extended attributes: a filesystem lists the name-space prefixes it stores in
  ``SuperBlock.xattr_prefixes`` and implements ``get_xattr``/``set_xattr``/``list_xattr``
  with whole names ("user.foo"); fs/xattr.py makes every permission check before.
- ``i_writecount``: > 0 counts opens for writing, < 0 counts executions that deny writing
  (Linux's get_write_access / put_write_access / deny_write_access / allow_write_access);
  either side meeting the other gets ETXTBSY.
- ``seals``: the F_SEAL_* set of a file that can be sealed (tmpfs and memfd, fs/memfd.py adds
  them), None where sealing does not exist; ``seal_check_write`` / ``seal_check_size`` are
  the write and resize paths' checks.
"""
from __future__ import annotations

import stat
import time
from dataclasses import dataclass
from typing import Iterator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError

S_IFMT = stat.S_IFMT(0o177777)
MAX_LFS_FILESIZE = (1 << 63) - 1     # the largest offset and file size (loff_t)
DT_UNKNOWN, DT_FIFO, DT_CHR, DT_DIR, DT_BLK, DT_REG, DT_LNK, DT_SOCK = 0, 1, 2, 4, 6, 8, 10, 12


def now_ns() -> int:
    return time.time_ns()


RELATIME_WINDOW_NS = 24 * 3600 * 10**9


def touch_atime(inode: Inode) -> None:
    """The file was read (or listed, or its link followed by readlink): update its access time
    under relatime, Linux's default (touch_atime, relatime_need_update): only when the access
    time is not newer than the modification or change time, or is a day old."""
    if inode.sb.readonly:
        return
    now = now_ns()
    a = inode.atime
    if a <= inode.mtime or a <= inode.ctime or now - a >= RELATIME_WINDOW_NS:
        inode.atime = now
        inode.mark_dirty()


def get_write_access(inode: Inode) -> None:
    """An open for writing (do_dentry_open): ETXTBSY while the file is being executed."""
    if inode.i_writecount < 0:
        raise KernelError(E.ETXTBSY)
    inode.i_writecount += 1


def put_write_access(inode: Inode) -> None:
    inode.i_writecount -= 1


def seal_check_write(inode: Inode, off: int, count: int) -> None:
    """A write(2)-family write of ``count`` bytes at ``off`` into a sealed file (Linux's
    shmem_write_begin): EPERM under F_SEAL_WRITE / F_SEAL_FUTURE_WRITE, or F_SEAL_GROW past
    the end."""
    seals = inode.seals or 0
    if seals & (A.F_SEAL_WRITE | A.F_SEAL_FUTURE_WRITE) or \
            seals & A.F_SEAL_GROW and off + count > inode.size:
        raise KernelError(E.EPERM)


def seal_check_size(inode: Inode, size: int) -> None:
    """truncate or fallocate to ``size`` (shmem_setattr, shmem_fallocate): EPERM if a seal
    forbids shrinking or growing."""
    seals = inode.seals or 0
    if size < inode.size and seals & A.F_SEAL_SHRINK or size > inode.size and seals & A.F_SEAL_GROW:
        raise KernelError(E.EPERM)


def deny_write_access(inode: Inode) -> None:
    """exec of the file (do_open_execat, exe_file_deny_write_access): ETXTBSY while someone
    has it open for writing; afterwards opens for writing get ETXTBSY."""
    if inode.i_writecount > 0:
        raise KernelError(E.ETXTBSY)
    inode.i_writecount -= 1


def allow_write_access(inode: Inode) -> None:
    inode.i_writecount += 1


def dtype_of(mode: int) -> int:
    """d_type for getdents64 from an inode mode (Linux: fs_umode_to_dtype)."""
    return (mode & 0o170000) >> 12


@dataclass
class StatFs:
    """Figures for statfs(2), in units of ``bsize``."""

    fs_type: int          # f_type magic (EXT2_SUPER_MAGIC 0xEF53, TMPFS_MAGIC 0x01021994 ...)
    bsize: int
    blocks: int
    bfree: int
    bavail: int
    files: int
    ffree: int
    namelen: int = 255
    frsize: int = 0
    flags: int = 0


class SuperBlock:
    """A mounted filesystem instance (struct super_block)."""

    fs_name: str = "none"        # as in /proc/filesystems and /proc/mounts
    magic: int = 0
    dev: int = 0                 # st_dev for its inodes, assigned by the VFS at mount
    readonly: bool = False
    xattr_prefixes: tuple[bytes, ...] = ()   # the xattr name spaces it stores (b"user.", ...)
    s_maxbytes: int = MAX_LFS_FILESIZE       # the largest file it can hold (s_maxbytes)

    def __init__(self) -> None:
        self.root: Inode

    def statfs(self) -> StatFs:
        return StatFs(self.magic, 4096, 0, 0, 0, 0, 0)

    def sync(self) -> None:
        """Write every dirty inode and buffer of this filesystem back (sync/syncfs/umount)."""

    def put_super(self) -> None:
        """Called at umount after sync."""


class Inode:
    """An in-core inode. Filesystems override the operations they support."""

    volatile = False      # a directory whose names the dentry cache must re-ask (d_revalidate)
    tmpfile = False       # a directory of this fs can hold O_TMPFILE files (i_op->tmpfile)
    linkable = False      # an O_TMPFILE inode that linkat may still name (I_LINKABLE)
    seals: int | None = None   # F_SEAL_* of a file that can be sealed (tmpfs, memfd), else None

    def __init__(self, sb: SuperBlock, ino: int, mode: int, uid: int = 0, gid: int = 0,
                 nlink: int = 1, size: int = 0, rdev: int = 0) -> None:
        t = now_ns()
        self.sb = sb
        self.ino = ino
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.nlink = nlink
        self.size = size
        self.rdev = rdev
        self.atime = self.mtime = self.ctime = t
        self.i_count = 0          # in-core references (icache.iget/iput)
        self.i_writecount = 0     # writers (> 0) or executions denying them (< 0)
        self.i_readcount = 0      # opens for reading only (leases' conflicting-open test)
        self.pipe: object | None = None   # FIFO state, attached by fs/pipe.py on first open

    # -- attributes -----------------------------------------------------------------------
    @property
    def blocks(self) -> int:
        """st_blocks: 512-byte units allocated."""
        return (self.size + 511) // 512

    @property
    def blksize(self) -> int:
        return 4096

    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    def is_reg(self) -> bool:
        return stat.S_ISREG(self.mode)

    def is_lnk(self) -> bool:
        return stat.S_ISLNK(self.mode)

    def setattr(self, *, mode: int | None = None, uid: int | None = None, gid: int | None = None,
                atime: int | None = None, mtime: int | None = None, ctime: int | None = None) -> None:
        """chmod/chown/utimensat. ``mode`` holds permission bits only (07777)."""
        if mode is not None:
            self.mode = (self.mode & S_IFMT) | (mode & 0o7777)
        if uid is not None:
            self.uid = uid
        if gid is not None:
            self.gid = gid
        if atime is not None:
            self.atime = atime
        if mtime is not None:
            self.mtime = mtime
        self.ctime = ctime if ctime is not None else now_ns()
        self.mark_dirty()

    def mark_dirty(self) -> None:
        """The in-core inode changed; a disk filesystem writes it back later (write_inode)."""

    # -- directory operations (inode_operations) --------------------------------------------
    def lookup_dots(self, name: bytes) -> Inode | None:
        """For an in-core tree that knows its parent (tmpfs, hostfs): ENOTDIR for a
        non-directory, the inode itself for ".", its ``parent`` for "..", else None."""
        if not self.is_dir():
            raise KernelError(E.ENOTDIR)
        if name == b".":
            return self
        if name == b"..":
            return getattr(self, "parent", self)
        return None

    def lookup(self, name: bytes) -> Inode | None:
        raise KernelError(E.ENOTDIR)

    def create(self, name: bytes, mode: int, uid: int, gid: int, rdev: int = 0) -> Inode:
        """Make a regular file, FIFO, socket or device node (mode carries S_IFMT)."""
        raise KernelError(E.ENOTDIR if not self.is_dir() else E.EPERM)

    def mkdir(self, name: bytes, mode: int, uid: int, gid: int) -> Inode:
        raise KernelError(E.ENOTDIR if not self.is_dir() else E.EPERM)

    def symlink(self, name: bytes, target: bytes, uid: int, gid: int) -> Inode:
        raise KernelError(E.ENOTDIR if not self.is_dir() else E.EPERM)

    def link(self, name: bytes, inode: Inode) -> None:
        raise KernelError(E.ENOTDIR if not self.is_dir() else E.EPERM)

    def unlink(self, name: bytes) -> None:
        """Remove a non-directory entry; decrements the target's nlink."""
        raise KernelError(E.ENOTDIR if not self.is_dir() else E.EPERM)

    def rmdir(self, name: bytes) -> None:
        raise KernelError(E.ENOTDIR if not self.is_dir() else E.EPERM)

    def rename(self, old: bytes, newdir: Inode, new: bytes) -> None:
        """Move entry ``old`` of self to ``new`` in ``newdir`` (same filesystem), replacing a
        compatible existing target as rename(2) does."""
        raise KernelError(E.EPERM)

    def readdir(self, pos: int) -> Iterator[tuple[int, bytes, int, int]]:
        """Yield ``(next_pos, name, ino, d_type)`` from directory position ``pos``, including
        b"." and b"..". ``next_pos`` is what lseek/getdents64 resume from."""
        raise KernelError(E.ENOTDIR)

    # -- data (file_operations / address_space) ---------------------------------------------
    def read(self, off: int, n: int) -> bytes:
        raise KernelError(E.EISDIR if self.is_dir() else E.EINVAL)

    def write(self, off: int, data: bytes) -> int:
        raise KernelError(E.EISDIR if self.is_dir() else E.EINVAL)

    def truncate(self, size: int) -> None:
        raise KernelError(E.EISDIR if self.is_dir() else E.EINVAL)

    def punch_hole(self, off: int, length: int) -> None:
        """fallocate(FALLOC_FL_PUNCH_HOLE) of [off, off+length) inside the file: the bytes read
        as zeros after; filesystems that cannot punch say EOPNOTSUPP."""
        raise KernelError(E.EOPNOTSUPP)

    def readlink(self) -> bytes:
        raise KernelError(E.EINVAL)

    def fsync(self) -> None:
        """Write this inode's dirty data and metadata to the device."""

    def evict(self) -> None:
        """Last in-core reference gone and nlink == 0: free the inode's storage."""

    # -- extended attributes (the xattr handlers of the sb's prefixes) ---------------------
    def get_xattr(self, name: bytes) -> bytes:
        """The value of attribute ``name``; ENODATA if it has none."""
        raise KernelError(E.EOPNOTSUPP)

    def set_xattr(self, name: bytes, value: bytes | None, flags: int) -> None:
        """Store ``value`` (None: remove), honouring XATTR_CREATE / XATTR_REPLACE."""
        raise KernelError(E.EOPNOTSUPP)

    def list_xattr(self) -> list[bytes]:
        """The names of the inode's attributes, in the filesystem's order."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.sb.fs_name}:{self.ino} mode={self.mode:o}>"
