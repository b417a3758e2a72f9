"""tmpfs: a filesystem that lives in kernel memory (Linux mm/shmem.c, without swap).

Provides ``TmpfsSuperBlock(size_limit)`` whose inodes keep file data in a bytearray and
directory entries in a dict. Used for /tmp, /dev/shm, /dev and as the base of pseudo
filesystems. All directory semantics (EEXIST, ENOTEMPTY, rename over an existing target, nlink
of directories) follow Linux's simple_* helpers.

Owns: the inodes and their data.
"""
from __future__ import annotations

import itertools
import stat
from typing import Iterator

from pynix.arch.x86_64 import errno as E
from pynix.fs.vfs.inode import DT_DIR, Inode, StatFs, SuperBlock, dtype_of, now_ns
from pynix.kernel.errors import KernelError

TMPFS_MAGIC = 0x01021994
NAME_MAX = 255


PAGE = 4096

class TmpfsSuperBlock(SuperBlock):
    fs_name = "tmpfs"
    magic = TMPFS_MAGIC

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
        blocks = self.size_limit // 4096
        free = max(blocks - (self.used + 4095) // 4096, 0)
        return StatFs(self.magic, 4096, blocks, free, free, 1 << 20, (1 << 20) - self.nr_inodes)


class TmpInode(Inode):
    tmpfile = True
    sb: TmpfsSuperBlock

    def __init__(self, sb: TmpfsSuperBlock, mode: int, uid: int, gid: int, rdev: int = 0) -> None:
        super().__init__(sb, sb.next_ino(), mode, uid, gid, 1, 0, rdev)
        sb.nr_inodes += 1
        self.data = bytearray()
        self.pages: set[int] = set()    # page indexes ever written: the rest are holes
        self.entries: dict[bytes, TmpInode] = {}
        self.parent: TmpInode = self
        self.target = b""

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
        self.mtime = self.ctime = now_ns()
        return child

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
        del self.entries[name]
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
        del self.entries[name]
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
        del self.entries[old]
        newdir.entries[new] = child
        if child.is_dir() and newdir is not self:
            child.parent = newdir
            self.nlink -= 1
            newdir.nlink += 1
        t = now_ns()
        self.mtime = self.ctime = newdir.mtime = newdir.ctime = child.ctime = t

    def readdir(self, pos: int) -> Iterator[tuple[int, bytes, int, int]]:
        if not self.is_dir():
            raise KernelError(E.ENOTDIR)
        names = [(b".", self), (b"..", self.parent)] + list(self.entries.items())
        for i in range(pos, len(names)):
            name, ino = names[i]
            yield i + 1, name, ino.ino, DT_DIR if ino.is_dir() else dtype_of(ino.mode)

    # -- data ------------------------------------------------------------------------------------
    def read(self, off: int, n: int) -> bytes:
        if self.is_dir():
            raise KernelError(E.EISDIR)
        return bytes(self.data[off:off + n])

    def write(self, off: int, data: bytes) -> int:
        if self.is_dir():
            raise KernelError(E.EISDIR)
        end = off + len(data)
        grow = max(0, end - len(self.data))
        if grow and self.sb.used + grow > self.sb.size_limit:
            raise KernelError(E.ENOSPC)
        if off > len(self.data):
            self.data.extend(bytes(off - len(self.data)))
        self.data[off:end] = data
        if data:
            self.pages.update(range(off // PAGE, (end - 1) // PAGE + 1))
        self.sb.used += grow
        self.size = len(self.data)
        self.mtime = self.ctime = now_ns()
        return len(data)

    def truncate(self, size: int) -> None:
        if self.is_dir():
            raise KernelError(E.EISDIR)
        old = len(self.data)
        if size < old:
            del self.data[size:]
            keep = (size + PAGE - 1) // PAGE
            self.pages = {p for p in self.pages if p < keep}
        else:
            if self.sb.used + size - old > self.sb.size_limit:
                raise KernelError(E.ENOSPC)
            self.data.extend(bytes(size - old))
        self.sb.used += size - old
        self.size = size
        self.mtime = self.ctime = now_ns()

    def readlink(self) -> bytes:
        if not self.is_lnk():
            raise KernelError(E.EINVAL)
        return self.target

    @property
    def blocks(self) -> int:
        """Only pages written are allocated: a file grown by truncate or a seek is sparse."""
        return len(self.pages) * (PAGE // 512)

    def page_allocated(self, pgoff: int) -> None:
        """A fault on a mapping of this file brought page ``pgoff`` into memory."""
        if pgoff * PAGE < self.size:
            self.pages.add(pgoff)

    def seek_data_hole(self, off: int, hole: bool) -> int:
        """SEEK_DATA / SEEK_HOLE over the written pages (shmem_file_llseek)."""
        if off >= self.size:
            raise KernelError(E.ENXIO)
        page = off // PAGE
        last = (self.size - 1) // PAGE
        while page <= last and (page in self.pages) == hole:
            page += 1
        if page > last:
            if not hole:
                raise KernelError(E.ENXIO)
            return self.size
        return max(off, page * PAGE)

    def evict(self) -> None:
        self.pages = set()
        self.sb.used -= len(self.data)
        self.sb.nr_inodes -= 1
        self.data = bytearray()
