"""hostfs: a host directory seen as a filesystem (for ``--root DIR`` and ``--bind``).

Provides ``HostSuperBlock(host_dir)``. Every operation is done relative to ``host_dir`` with
lstat/openat-style calls that never follow a host symlink: the VFS resolves symlinks itself
(namei), so a guest can reach nothing outside the bound directory. Inodes are cached by host
inode number so the page cache and open files of one file stay one object.

Owns: the host file descriptors it opens for reading and writing.
"""
from __future__ import annotations

import errno as host_errno
import os
import stat
from typing import Iterator

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.vfs.inode import DT_DIR, Inode, StatFs, SuperBlock, dtype_of


def _host(call, *args):  # type: ignore[no-untyped-def]
    """Run a host call and turn its OSError into the same errno for the guest."""
    try:
        return call(*args)
    except OSError as e:
        raise KernelError(e.errno or host_errno.EIO) from None


class HostSuperBlock(SuperBlock):
    fs_name = "hostfs"
    magic = 0x00C0FFEE

    def __init__(self, host_dir: str, readonly: bool = False) -> None:
        super().__init__()
        self.host_dir = os.path.realpath(host_dir)
        self.readonly = readonly
        self.icache: dict[int, HostInode] = {}
        st = _host(os.lstat, self.host_dir)
        if stat.S_ISDIR(st.st_mode):
            self.root = self.hostfs_iget(self.host_dir, st)
        else:                          # a single bound file
            self.root = self.hostfs_iget(self.host_dir, st)
        self.root.parent = self.root  # type: ignore[attr-defined]

    def hostfs_iget(self, path: str, st: os.stat_result) -> HostInode:
        """The in-core inode of a host file, one per host inode number (Linux's hostfs_iget):
        the find-or-read half of Bach's iget; references are fs/vfs/icache's."""
        ino = self.icache.get(st.st_ino)
        if ino is None or ino.path != path:
            ino = HostInode(self, path, st)
            self.icache[st.st_ino] = ino
        else:
            ino.refresh(st)
        return ino

    def statfs(self) -> StatFs:
        s = os.statvfs(self.host_dir)
        return StatFs(self.magic, s.f_bsize, s.f_blocks, s.f_bfree, s.f_bavail, s.f_files,
                      s.f_ffree, s.f_namemax)


class HostInode(Inode):
    sb: HostSuperBlock

    def __init__(self, sb: HostSuperBlock, path: str, st: os.stat_result) -> None:
        super().__init__(sb, st.st_ino, st.st_mode)
        self.path = path
        self.parent: HostInode = self
        self._fd: int | None = None
        self._fd_writable = False
        self.refresh(st)

    def refresh(self, st: os.stat_result) -> None:
        self.mode, self.nlink, self.size = st.st_mode, st.st_nlink, st.st_size
        self.uid, self.gid, self.rdev = st.st_uid, st.st_gid, st.st_rdev
        self.atime, self.mtime, self.ctime = st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns
        self._blocks = st.st_blocks

    def _restat(self) -> None:
        try:
            self.refresh(os.lstat(self.path))
        except OSError:
            pass

    @property
    def blocks(self) -> int:
        return self._blocks

    def _ro(self) -> None:
        if self.sb.readonly:
            raise KernelError(E.EROFS)

    def _child(self, name: bytes) -> str:
        return os.path.join(self.path, os.fsdecode(name))

    # -- directories -----------------------------------------------------------------------------
    def lookup(self, name: bytes) -> Inode | None:
        dot = self.lookup_dots(name)
        if dot is not None:
            return dot
        p = self._child(name)
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise KernelError(e.errno or E.EIO) from None
        ino = self.sb.hostfs_iget(p, st)
        ino.parent = self
        return ino

    def _made(self, name: bytes) -> Inode:
        ino = self.lookup(name)
        assert ino is not None
        self._restat()
        return ino

    def create(self, name: bytes, mode: int, uid: int, gid: int, rdev: int = 0) -> Inode:
        self._ro()
        p = self._child(name)
        if stat.S_ISREG(mode):
            fd = _host(os.open, p, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, mode & 0o7777)
            os.close(fd)
            _host(os.chmod, p, mode & 0o7777)
        else:
            _host(os.mknod, p, mode, rdev)
        return self._made(name)

    def mkdir(self, name: bytes, mode: int, uid: int, gid: int) -> Inode:
        self._ro()
        _host(os.mkdir, self._child(name), mode & 0o7777)
        _host(os.chmod, self._child(name), mode & 0o7777)
        return self._made(name)

    def symlink(self, name: bytes, target: bytes, uid: int, gid: int) -> Inode:
        self._ro()
        _host(os.symlink, target, self._child(name))
        return self._made(name)

    def link(self, name: bytes, inode: Inode) -> None:
        self._ro()
        assert isinstance(inode, HostInode)
        _host(os.link, inode.path, self._child(name), follow_symlinks=False)
        inode._restat()
        self._restat()

    def unlink(self, name: bytes) -> None:
        self._ro()
        child = self.lookup(name)
        if child is None:
            raise KernelError(E.ENOENT)
        if child.is_dir():
            raise KernelError(E.EISDIR)
        _host(os.unlink, self._child(name))
        child.nlink -= 1
        self._restat()

    def rmdir(self, name: bytes) -> None:
        self._ro()
        child = self.lookup(name)
        _host(os.rmdir, self._child(name))
        if child is not None:
            child.nlink = 0
        self._restat()

    def rename(self, old: bytes, newdir: Inode, new: bytes) -> None:
        self._ro()
        assert isinstance(newdir, HostInode)
        child = self.lookup(old)
        target = newdir.lookup(new)
        _host(os.rename, self._child(old), newdir._child(new))
        if target is not None and target is not child:
            target.nlink = 0 if target.is_dir() else target.nlink - 1
        if child is not None and isinstance(child, HostInode):
            child.path = newdir._child(new)
            child.parent = newdir
        self._restat()
        newdir._restat()

    def readdir(self, pos: int) -> Iterator[tuple[int, bytes, int, int]]:
        if not self.is_dir():
            raise KernelError(E.ENOTDIR)
        entries: list[tuple[bytes, int, int]] = [(b".", self.ino, DT_DIR),
                                                 (b"..", self.parent.ino, DT_DIR)]
        with os.scandir(self.path) as it:
            for de in it:
                st = de.stat(follow_symlinks=False)
                entries.append((os.fsencode(de.name), st.st_ino, dtype_of(st.st_mode)))
        for i in range(pos, len(entries)):
            name, ino, dt = entries[i]
            yield i + 1, name, ino, dt

    # -- data ------------------------------------------------------------------------------------
    def _open(self, write: bool) -> int:
        if self._fd is None or (write and not self._fd_writable):
            if self._fd is not None:
                os.close(self._fd)
            flags = (os.O_RDWR if write else os.O_RDONLY) | os.O_NOFOLLOW
            self._fd = _host(os.open, self.path, flags)
            self._fd_writable = write
        return self._fd

    def read(self, off: int, n: int) -> bytes:
        if self.is_dir():
            raise KernelError(E.EISDIR)
        if off < 0 or n < 0:
            raise KernelError(E.EINVAL)
        fd = self._open(False)
        size = _host(os.fstat, fd).st_size
        if off >= size or not n:            # past the end: nothing, as any filesystem reads
            return b""
        return _host(os.pread, fd, min(n, size - off), off)   # never a buffer past EOF

    def write(self, off: int, data: bytes) -> int:
        if self.is_dir():
            raise KernelError(E.EISDIR)
        self._ro()
        n = _host(os.pwrite, self._open(True), data, off)
        self.size = max(self.size, off + n)
        self._restat()
        return n

    def truncate(self, size: int) -> None:
        self._ro()
        _host(os.truncate, self._open(True), size)
        self._restat()

    def readlink(self) -> bytes:
        if not self.is_lnk():
            raise KernelError(E.EINVAL)
        return os.fsencode(_host(os.readlink, self.path))

    def setattr(self, *, mode: int | None = None, uid: int | None = None, gid: int | None = None,
                atime: int | None = None, mtime: int | None = None, ctime: int | None = None) -> None:
        self._ro()
        if mode is not None and not self.is_lnk():
            _host(os.chmod, self.path, mode & 0o7777)
        if uid is not None or gid is not None:
            try:
                os.lchown(self.path, -1 if uid is None else uid, -1 if gid is None else gid)
            except PermissionError:
                raise KernelError(E.EPERM) from None
        if atime is not None or mtime is not None:
            self._restat()
            _host(os.utime, self.path, None,
                  ns=(self.atime if atime is None else atime, self.mtime if mtime is None else mtime),
                  follow_symlinks=False)
        self._restat()

    def fsync(self) -> None:
        if self._fd is not None and self._fd_writable:
            os.fsync(self._fd)

    def evict(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
