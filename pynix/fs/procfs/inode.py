"""procfs inodes: generated files, computed links and computed directories (Linux
fs/proc/inode.c, generic.c's proc_dir_entry, base.c proc_pident_lookup; seq_file).

Provides:
- ``ProcFile``: a file whose text is made by ``show()`` at the first read (``SeqFile`` keeps that
  snapshot for the open, as seq_file does); ``store(data)`` makes it writable; with ``opener``
  the show function is chosen at open (what /proc/pid/{maps,environ} use to read the address
  space that was the task's when the file was opened, as proc_mem_open pins it).
- ``ProcLink``: a symlink whose target is computed; with ``get_link`` it is a "magic link" that
  namei follows to the object itself (nd_jump_link), as /proc/pid/{exe,cwd,root,fd/N} are.
- ``ProcDir``: a directory whose entries are computed on each lookup/readdir; it is
  ``volatile`` so the dentry cache re-asks it (pid_revalidate), which makes dead pids vanish.
- ``Entry``: how a directory lists a name: a maker ``(sb, ino) -> Inode``; ``file_entry(show)``
  makes one for a read-only file; ``proc_ino(*key)`` the stable inode number of a name.

The superblock (fs/procfs/super.py) and the directories' contents (pid.py, registry.py) build
on these. Owns: nothing; every inode's content is computed when asked.
"""
from __future__ import annotations

import stat
import zlib
from typing import TYPE_CHECKING, Callable, Iterator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.vfs.file import File, InodeFile
from pynix.fs.vfs.inode import DT_DIR, Inode, dtype_of

if TYPE_CHECKING:
    from pynix.fs.procfs.super import ProcSuperBlock
    from pynix.fs.vfs.dcache import Path

Show = Callable[[], bytes]
Store = Callable[[bytes], None]
Entry = Callable[["ProcSuperBlock", int], Inode]     # (sb, ino) -> inode


def proc_ino(*key: object) -> int:
    """A stable inode number for a proc entry (Linux hands out dynamic ones; stable numbers
    keep `ls -i` and find(1) coherent across lookups)."""
    return 0x1000 + (zlib.crc32(repr(key).encode()) & 0x7FFFFFFF)


class SeqFile(InodeFile):
    """An open proc file: the text made at open, read with offsets (seq_read). It has no
    mmap (ENODEV) and, without a store, no write (EINVAL), as a seq_file on Linux."""

    mmap_ok = False

    def __init__(self, flags: int, path: object, inode: ProcFile) -> None:
        super().__init__(flags, path, inode)
        self.text: bytes | None = None
        self.show = inode.opener() if inode.opener is not None else inode.show

    def pread(self, n: int, off: int) -> bytes:
        if self.text is None:
            self.text = self.show()
        return self.text[off:off + n]

    def pwrite(self, data: bytes, off: int) -> int:
        store = self.proc_inode.store
        if store is None:
            raise KernelError(E.EINVAL)
        store(data)
        return len(data)

    def lseek(self, off: int, whence: int) -> int:
        if whence == A.SEEK_END:
            raise KernelError(E.EINVAL)
        return super().lseek(off, whence)

    @property
    def proc_inode(self) -> ProcFile:
        assert isinstance(self.inode, ProcFile)
        return self.inode


class ProcFile(Inode):
    def __init__(self, sb: ProcSuperBlock, ino: int, show: Show, store: Store | None = None,
                 mode: int = 0o444, uid: int = 0, gid: int = 0,
                 opener: Callable[[], Show] | None = None) -> None:
        super().__init__(sb, ino, stat.S_IFREG | mode, uid, gid)
        self.show = show
        self.store = store
        self.opener = opener

    def open_file(self, flags: int, path: Path) -> File:
        return SeqFile(flags, path, self)

    def read(self, off: int, n: int) -> bytes:
        return self.show()[off:off + n]

    def write(self, off: int, data: bytes) -> int:
        if self.store is None:
            raise KernelError(E.EINVAL)
        self.store(data)
        return len(data)

    def truncate(self, size: int) -> None:
        """O_TRUNC on a proc file is ignored, as on Linux."""


class ProcLink(Inode):
    def __init__(self, sb: ProcSuperBlock, ino: int, target: Callable[[], bytes],
                 jump: Callable[[], Path] | None = None, mode: int = 0o777, uid: int = 0,
                 gid: int = 0) -> None:
        super().__init__(sb, ino, stat.S_IFLNK | mode, uid, gid)
        self.target = target
        if jump is not None:
            self.get_link = jump          # namei jumps here instead of walking the text

    def readlink(self) -> bytes:
        return self.target()


class ProcDir(Inode):
    volatile = True

    def __init__(self, sb: ProcSuperBlock, ino: int, mode: int,
                 entries: Callable[[], dict[bytes, Entry]], uid: int = 0, gid: int = 0,
                 nlink: int = 2, parent: Inode | None = None,
                 find: Callable[[bytes], Entry | None] | None = None) -> None:
        super().__init__(sb, ino, stat.S_IFDIR | mode, uid, gid, nlink)
        self.entries = entries
        self.find = find or (lambda name: self.entries().get(name))   # one name, no listing
        self.parent = parent if parent is not None else self

    def lookup(self, name: bytes) -> Inode | None:
        if name == b".":
            return self
        if name == b"..":
            return self.parent
        make = self.find(name)
        return make(self.sb, proc_ino(self.ino, name)) if make is not None else None  # type: ignore[arg-type]

    def _no_create(self, *args: object) -> Inode:
        """proc_root_lookup answers ENOENT for unknown names, so nothing can be created."""
        raise KernelError(E.ENOENT)

    create = mkdir = symlink = _no_create  # type: ignore[assignment]

    def link(self, name: bytes, inode: Inode) -> None:
        raise KernelError(E.ENOENT)

    def readdir(self, pos: int) -> Iterator[tuple[int, bytes, int, int]]:
        names: list[tuple[bytes, int, int]] = [(b".", self.ino, DT_DIR),
                                               (b"..", self.parent.ino, DT_DIR)]
        for name, make in self.entries().items():
            inode = make(self.sb, proc_ino(self.ino, name))  # type: ignore[arg-type]
            names.append((name, inode.ino, dtype_of(inode.mode)))
        for i in range(pos, len(names)):
            name, ino, dt = names[i]
            yield i + 1, name, ino, dt


def file_entry(show: Show | Callable[[], bytes], mode: int = 0o444, uid: int = 0,
               gid: int = 0) -> Entry:
    return lambda sb, ino: ProcFile(sb, ino, show, None, mode, uid, gid)
