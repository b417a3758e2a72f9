"""memfd_create: an anonymous regular file in memory (Linux mm/memfd.c over shmem).

Provides ``memfd_file(kernel, name, uid, gid)``: a read-write InodeFile on a new tmpfs inode
that no directory names. It lives on an internal tmpfs instance (one per kernel, never
mounted), so it has tmpfs's sparse pages, mmap and truncate; /proc/PID/fd shows it as
``/memfd:NAME (deleted)``, as on Linux. Sealing (MFD_ALLOW_SEALING, F_ADD_SEALS) is not kept.
"""
from __future__ import annotations

import stat
from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64.limits import NAME_MAX
from pynix.fs.tmpfs import TmpfsSuperBlock, TmpInode
from pynix.fs.vfs.dcache import Dentry, Mount, Path
from pynix.fs.vfs.file import InodeFile

MEMFD_NAME_MAX = NAME_MAX - len("memfd:")


def _memfd_mount(k: Any) -> Mount:
    mnt = getattr(k, "memfd_mnt", None)
    if mnt is None:
        sb = TmpfsSuperBlock(1 << 30)
        mnt = k.memfd_mnt = Mount(sb, Dentry(b"/", None, sb.root), "memfd")
    return mnt


def memfd_file(k: Any, name: bytes, uid: int, gid: int) -> InodeFile:
    mnt = _memfd_mount(k)
    inode = TmpInode(mnt.sb, stat.S_IFREG | 0o777, uid, gid)   # type: ignore[arg-type]
    inode.nlink = 0                                             # freed with its last file
    d = Dentry(b"memfd:" + name, mnt.root, inode)               # in no directory: "(deleted)"
    return InodeFile(A.O_RDWR | A.O_LARGEFILE, Path(mnt, d), inode)
