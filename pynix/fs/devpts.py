"""devpts: the filesystem of pseudo-terminal slaves (Linux fs/devpts/inode.c).

Each mount is its own instance (Linux's "newinstance", the default since 4.7) with its own
index space. Its root holds ``ptmx`` (character device 5:2, mode ``ptmxmode``, 0000 unless the
mount says otherwise) and one node ``N`` per live pty, character device 136:N, created by
the pty driver (drivers/pty.py) when ``/dev/ptmx`` is opened and removed when the master is
closed (devpts_pty_new / devpts_pty_kill). Users cannot create, remove or rename anything in
it (EPERM); they may chmod and chown the nodes (grantpt did).

Provides ``DevptsSuperBlock(options)`` (the mount options ``uid=``, ``gid=``, ``mode=``,
``ptmxmode=``, ``max=``, ``newinstance``; EINVAL for others), ``sb.new_index()`` /
``sb.pty_new(index, uid, gid)`` / ``sb.pty_kill(index)`` for the driver, and
``devpts_fill_super`` for fs/filesystems.py.

Owns: the index map and the slave nodes of its instance; the ptys themselves belong to the
driver.
"""
from __future__ import annotations

import stat
from typing import Any, Iterator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import termbits as T
from pynix.base.errors import KernelError
from pynix.fs.vfs.inode import Inode, StatFs, SuperBlock, dtype_of

PTMX_INO = 2
ROOT_INO = 1


class DevptsSuperBlock(SuperBlock):
    fs_name = "devpts"
    magic = T.DEVPTS_SUPER_MAGIC

    def __init__(self, options: bytes = b"") -> None:
        super().__init__()
        self.uid: int | None = None          # setuid / setgid: the owner of new nodes
        self.gid: int | None = None
        self.mode = 0o600
        self.ptmxmode = 0
        self.max = T.NR_UNIX98_PTY_MAX
        self.parse(options)
        self.root = DevptsRoot(self)
        self.ptmx = Inode(self, PTMX_INO, stat.S_IFCHR | self.ptmxmode, 0, 0,
                          rdev=A.makedev(*T.DEV_PTMX))
        self.nodes: dict[int, Inode] = {}

    def parse(self, options: bytes) -> None:
        """parse_mount_options: octal modes, decimal ids; EINVAL for anything else."""
        for opt in filter(None, options.split(b",")):
            key, _, val = opt.partition(b"=")
            try:
                if key == b"uid":
                    self.uid = int(val)
                elif key == b"gid":
                    self.gid = int(val)
                elif key == b"mode":
                    self.mode = int(val, 8) & 0o777
                elif key == b"ptmxmode":
                    self.ptmxmode = int(val, 8) & 0o777
                elif key == b"max":
                    self.max = min(int(val), T.NR_UNIX98_PTY_MAX)
                elif key != b"newinstance":
                    raise KernelError(E.EINVAL)
            except ValueError:
                raise KernelError(E.EINVAL) from None

    def statfs(self) -> StatFs:
        return StatFs(self.magic, 4096, 0, 0, 0, 0, 0)

    # -- the driver's side (devpts_new_index, devpts_pty_new, devpts_pty_kill) ----------------
    def new_index(self) -> int:
        """The lowest free index (ida_alloc_max); ENOSPC past ``max``."""
        i = 0
        while i in self.nodes:
            i += 1
        if i >= self.max:
            raise KernelError(E.ENOSPC)
        return i

    def pty_new(self, index: int, uid: int, gid: int) -> Inode:
        node = Inode(self, index + 3, stat.S_IFCHR | self.mode,
                     self.uid if self.uid is not None else uid,
                     self.gid if self.gid is not None else gid,
                     rdev=A.makedev(T.UNIX98_PTY_SLAVE_MAJOR, index))
        self.nodes[index] = node
        self.root.mtime = self.root.ctime = node.ctime
        return node

    def pty_kill(self, index: int) -> None:
        node = self.nodes.pop(index, None)
        if node is not None:
            node.nlink = 0


class DevptsRoot(Inode):
    """The root directory: ptmx and the live slaves, in index order."""

    volatile = True          # entries come and go with the ptys: the dcache re-asks

    def __init__(self, sb: DevptsSuperBlock) -> None:
        super().__init__(sb, ROOT_INO, stat.S_IFDIR | 0o755, nlink=2)
        self.dsb = sb

    def lookup(self, name: bytes) -> Inode | None:
        found = self.lookup_dots(name)
        if found is not None:
            return found
        if name == b"ptmx":
            return self.dsb.ptmx
        if name.isdigit() and (name == b"0" or not name.startswith(b"0")):
            return self.dsb.nodes.get(int(name))
        return None

    def entries(self) -> list[tuple[bytes, Inode]]:
        out: list[tuple[bytes, Inode]] = [(b".", self), (b"..", self), (b"ptmx", self.dsb.ptmx)]
        out += [(b"%d" % i, n) for i, n in sorted(self.dsb.nodes.items())]
        return out

    def readdir(self, pos: int) -> Iterator[tuple[int, bytes, int, int]]:
        for i, (name, inode) in enumerate(self.entries()):
            if i >= pos:
                yield i + 1, name, inode.ino, dtype_of(inode.mode)


def devpts_fill_super(k: Any, source: Any, flags: int, data: bytes) -> SuperBlock:
    return DevptsSuperBlock(data)
