"""tmpfs: a filesystem that lives in kernel memory (Linux mm/shmem.c, without swap).

Provides ``TmpfsSuperBlock(size_limit)`` whose inodes keep file data in 4 KiB pages (only
the pages written are allocated: files are sparse, as shmem's page cache is) and directory
entries in a dict. Used for /tmp, /dev/shm, /dev and as the base of pseudo filesystems. All
directory semantics (EEXIST, ENOTEMPTY, rename over an existing target, nlink of directories)
follow Linux's simple_* helpers; as in shmem, a directory's size is 20 bytes per entry plus
40, and readdir lists the newest entry first (stable across entries added or removed meanwhile).
Extended attributes in the user, trusted and security name spaces live with the inode
(fs/xattr.SimpleXattrs), as shmem's do since Linux 6.6.

Owns: the inodes, their pages and their attributes.
"""
from __future__ import annotations

import itertools
import stat
from typing import Iterator

from pynix.arch.x86_64.fileattr import FS_APPEND_FL, FS_IMMUTABLE_FL, FS_NOATIME_FL, FS_NODUMP_FL
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import xattr as X
from pynix.arch.x86_64.limits import NAME_MAX
from pynix.base.errors import KernelError
from pynix.fs.vfs.inode import DT_DIR, Inode, StatFs, SuperBlock, dtype_of, now_ns
from pynix.fs.xattr import SimpleXattrs
from pynix.machine.physmem import PAGE_SIZE

TMPFS_MAGIC = 0x01021994
BOGO_DIRENT_SIZE = 20  # shmem's make-believe size of one directory entry
DOT_ENTRIES = 2        # readdir positions 0 and 1 are "." and ".."
NO_MORE = 1 << 62      # readdir cookie: past the oldest entry


class TmpfsSuperBlock(SuperBlock):
    fs_name = "tmpfs"
    magic = TMPFS_MAGIC
    xattr_prefixes = (X.XATTR_USER_PREFIX, X.XATTR_TRUSTED_PREFIX, X.XATTR_SECURITY_PREFIX)

    def __init__(self, size_limit: int = 1 << 30) -> None:
        super().__init__()
        self.size_limit = size_limit
        self.used = 0
        self._ino = itertools.count(1)
        self.nr_inodes = 0
        self.root = TmpInode(self, stat.S_IFDIR | 0o1777, 0, 0)
        self.root.parent = self.root
        self.root.nlink = 2

    def next_ino(self) -> int:
        return next(self._ino)

    def statfs(self) -> StatFs:
        blocks = self.size_limit // PAGE_SIZE
        free = max(blocks - self.used // PAGE_SIZE, 0)
        return StatFs(self.magic, 4096, blocks, free, free, 1 << 20, (1 << 20) - self.nr_inodes)


class TmpInode(Inode):
    tmpfile = True                  # O_TMPFILE: unnamed files can be made here
    # the inode flags shmem keeps (SHMEM_FL_USER_MODIFIABLE); others are EOPNOTSUPP
    fileattr_mask = FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL | FS_NOATIME_FL
    fileattr_strict = True
    i_flags = 0
    sb: TmpfsSuperBlock

    def __init__(self, sb: TmpfsSuperBlock, mode: int, uid: int, gid: int, rdev: int = 0) -> None:
        super().__init__(sb, sb.next_ino(), mode, uid, gid, 1, 0, rdev)
        sb.nr_inodes += 1
        self.pages: dict[int, bytearray] = {}
        self.entries: dict[bytes, TmpInode] = {}     # insertion order = age, oldest first
        self.serial: dict[bytes, int] = {}           # name -> when it was added (readdir cookie)
        self._serials = itertools.count(1)
        self.parent: TmpInode = self
        self.target = b""
        self.xattrs: SimpleXattrs | None = None     # made on the first setxattr
        self.seals: int | None = A.F_SEAL_SEAL       # tmpfs files are sealed against sealing
        if stat.S_ISDIR(mode):
            self.size = DOT_ENTRIES * BOGO_DIRENT_SIZE

    # -- directories ---------------------------------------------------------------------------
    def _check_new(self, name: bytes) -> None:
        if not self.is_dir():
            raise KernelError(E.ENOTDIR)
        if len(name) > NAME_MAX:
            raise KernelError(E.ENAMETOOLONG)
        if name in self.entries:
            raise KernelError(E.EEXIST)

    def _add(self, name: bytes, child: TmpInode) -> TmpInode:
        self.entries[name] = child
        self.serial[name] = next(self._serials)
        self.size += BOGO_DIRENT_SIZE
        self.mtime = self.ctime = now_ns()
        return child

    def _remove(self, name: bytes) -> None:
        del self.entries[name]
        del self.serial[name]
        self.size -= BOGO_DIRENT_SIZE

    def lookup(self, name: bytes) -> Inode | None:
        dot = self.lookup_dots(name)
        if dot is not None:
            return dot
        return self.entries.get(name)

    def create(self, name: bytes, mode: int, uid: int, gid: int, rdev: int = 0) -> Inode:
        self._check_new(name)
        return self._add(name, TmpInode(self.sb, mode, uid, gid, rdev))

    def mkdir(self, name: bytes, mode: int, uid: int, gid: int) -> Inode:
        self._check_new(name)
        d = TmpInode(self.sb, stat.S_IFDIR | (mode & 0o7777), uid, gid)
        d.parent = self
        d.nlink = 2
        self.nlink += 1
        return self._add(name, d)

    def symlink(self, name: bytes, target: bytes, uid: int, gid: int) -> Inode:
        self._check_new(name)
        s = TmpInode(self.sb, stat.S_IFLNK | 0o777, uid, gid)
        s.target = target
        s.size = len(target)
        return self._add(name, s)

    def link(self, name: bytes, inode: Inode) -> None:
        self._check_new(name)
        inode.nlink += 1
        inode.ctime = now_ns()
        self._add(name, inode)  # type: ignore[arg-type]

    def unlink(self, name: bytes) -> None:
        child = self.entries.get(name)
        if child is None:
            raise KernelError(E.ENOENT)
        if child.is_dir():
            raise KernelError(E.EISDIR)
        self._remove(name)
        child.nlink -= 1
        child.ctime = self.mtime = self.ctime = now_ns()

    def rmdir(self, name: bytes) -> None:
        child = self.entries.get(name)
        if child is None:
            raise KernelError(E.ENOENT)
        if not child.is_dir():
            raise KernelError(E.ENOTDIR)
        if child.entries:
            raise KernelError(E.ENOTEMPTY)
        self._remove(name)
        child.nlink = 0
        self.nlink -= 1
        self.mtime = self.ctime = now_ns()

    def rename(self, old: bytes, newdir: Inode, new: bytes) -> None:
        assert isinstance(newdir, TmpInode)
        child = self.entries.get(old)
        if child is None:
            raise KernelError(E.ENOENT)
        target = newdir.entries.get(new)
        if target is child:
            return
        if target is not None:
            if child.is_dir() and not target.is_dir():
                raise KernelError(E.ENOTDIR)
            if not child.is_dir() and target.is_dir():
                raise KernelError(E.EISDIR)
            if target.is_dir():
                if target.entries:
                    raise KernelError(E.ENOTEMPTY)
                newdir.nlink -= 1
                target.nlink = 0
            else:
                target.nlink -= 1
            newdir._remove(new)
        self._remove(old)
        newdir._add(new, child)
        if child.is_dir() and newdir is not self:
            child.parent = newdir
            self.nlink -= 1
            newdir.nlink += 1
        t = now_ns()
        self.mtime = self.ctime = newdir.mtime = newdir.ctime = child.ctime = t

    def readdir(self, pos: int) -> Iterator[tuple[int, bytes, int, int]]:
        if not self.is_dir():
            raise KernelError(E.ENOTDIR)
        for i, (name, ino) in enumerate(((b".", self), (b"..", self.parent))):
            if pos <= i:
                yield i + 1, name, ino.ino, DT_DIR
        # past the dots, a position is NO_MORE - (serial of the last entry returned)
        below = NO_MORE if pos <= DOT_ENTRIES else NO_MORE - pos
        for name, child in reversed(list(self.entries.items())):
            serial = self.serial.get(name)
            if serial is None or serial >= below:
                continue
            yield NO_MORE - serial, name, child.ino, DT_DIR if child.is_dir() else dtype_of(child.mode)

    # -- data ------------------------------------------------------------------------------------
    def read(self, off: int, n: int) -> bytes:
        if self.is_dir():
            raise KernelError(E.EISDIR)
        end = min(off + n, self.size)
        out = bytearray()
        while off < end:
            idx, o = divmod(off, PAGE_SIZE)
            take = min(end - off, PAGE_SIZE - o)
            page = self.pages.get(idx)
            out += page[o:o + take] if page is not None else bytes(take)   # a hole reads as zeros
            off += take
        return bytes(out)

    def write(self, off: int, data: bytes) -> int:
        if self.is_dir():
            raise KernelError(E.EISDIR)
        end = off + len(data)
        if not data:
            return 0
        new = sum(1 for idx in range(off // PAGE_SIZE, (end - 1) // PAGE_SIZE + 1) if idx not in self.pages)
        if new and self.sb.used + new * PAGE_SIZE > self.sb.size_limit:
            raise KernelError(E.ENOSPC)
        src = memoryview(data)
        pos = off
        while pos < end:
            idx, o = divmod(pos, PAGE_SIZE)
            take = min(end - pos, PAGE_SIZE - o)
            page = self.pages.get(idx)
            if page is None:
                page = self.pages[idx] = bytearray(PAGE_SIZE)
            page[o:o + take] = src[pos - off:pos - off + take]
            pos += take
        self.sb.used += new * PAGE_SIZE
        self.size = max(self.size, end)
        self.mtime = self.ctime = now_ns()
        return len(data)

    def truncate(self, size: int) -> None:
        """Shrinking frees the pages past the end and zeroes the tail of the last one; growing
        allocates nothing (the new bytes are a hole)."""
        if self.is_dir():
            raise KernelError(E.EISDIR)
        if size < self.size:
            keep = (size + PAGE_SIZE - 1) // PAGE_SIZE
            gone = [idx for idx in self.pages if idx >= keep]
            for idx in gone:
                del self.pages[idx]
            self.sb.used -= len(gone) * PAGE_SIZE
            page = self.pages.get(size // PAGE_SIZE)
            if page is not None:
                page[size % PAGE_SIZE:] = bytes(PAGE_SIZE - size % PAGE_SIZE)
        self.size = size
        self.mtime = self.ctime = now_ns()

    def punch_hole(self, off: int, length: int) -> None:
        """Whole pages in the range go back to the pool; partial ones are zeroed."""
        end = off + length
        for idx in [i for i in self.pages if i * PAGE_SIZE < end and (i + 1) * PAGE_SIZE > off]:
            lo, hi = max(off, idx * PAGE_SIZE), min(end, (idx + 1) * PAGE_SIZE)
            if hi - lo == PAGE_SIZE:
                del self.pages[idx]
                self.sb.used -= PAGE_SIZE
            else:
                self.pages[idx][lo % PAGE_SIZE:lo % PAGE_SIZE + hi - lo] = bytes(hi - lo)
        self.mtime = self.ctime = now_ns()

    def readlink(self) -> bytes:
        if not self.is_lnk():
            raise KernelError(E.EINVAL)
        return self.target

    @property
    def blocks(self) -> int:
        return len(self.pages) * (PAGE_SIZE // 512)

    def page_allocated(self, pgoff: int) -> None:
        """A fault on a mapping of this file brought page ``pgoff`` into memory: a hole
        within the file fills, as shmem allocates the page."""
        if pgoff * PAGE_SIZE < self.size and pgoff not in self.pages:
            self.pages[pgoff] = bytearray(PAGE_SIZE)
            self.sb.used += PAGE_SIZE

    def seek_data_hole(self, off: int, hole: bool) -> int:
        """SEEK_DATA / SEEK_HOLE over the allocated pages (shmem_file_llseek)."""
        if off >= self.size:
            raise KernelError(E.ENXIO)
        page = off // PAGE_SIZE
        last = (self.size - 1) // PAGE_SIZE
        while page <= last and (page in self.pages) == hole:
            page += 1
        if page > last:
            if not hole:
                raise KernelError(E.ENXIO)
            return self.size
        return max(off, page * PAGE_SIZE)

    def evict(self) -> None:
        self.sb.used -= len(self.pages) * PAGE_SIZE
        self.sb.nr_inodes -= 1
        self.pages = {}
        self.xattrs = None

    # -- extended attributes (shmem_xattr_handler: simple_xattrs) --------------------------------
    def get_xattr(self, name: bytes) -> bytes:
        if self.xattrs is None:
            raise KernelError(E.ENODATA)
        return self.xattrs.get(name)

    def set_xattr(self, name: bytes, value: bytes | None, flags: int) -> None:
        if self.xattrs is None:
            self.xattrs = SimpleXattrs()
        self.xattrs.set(name, value, flags)

    def list_xattr(self) -> list[bytes]:
        return self.xattrs.names() if self.xattrs is not None else []
