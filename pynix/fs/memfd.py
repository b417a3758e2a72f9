"""memfd_create: an anonymous regular file in memory (Linux mm/memfd.c over shmem).

``memfd_create(k, cred, name, flags)`` returns an open read-write file on a tmpfs inode that
no directory names (nlink 0: it lives while a descriptor or a mapping holds it). It behaves
as any tmpfs file: read/write/lseek/ftruncate, mmap MAP_SHARED shared through the page
cache, fstat a regular file of mode 0777. /proc/PID/fd shows ``/memfd:NAME``. The inodes
come from one kernel-internal tmpfs (Linux's shm_mnt), made on first use.
Sealing (MFD_ALLOW_SEALING, F_ADD_SEALS) is not implemented: that flag is EINVAL.
"""
from __future__ import annotations

import stat
from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.fs.tmpfs import TmpfsSuperBlock, TmpInode
from pynix.fs.vfs.dcache import Dentry, Mount, Path
from pynix.fs.vfs.file import File, InodeFile
from pynix.kernel.errors import KernelError

MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, MFD_NOEXEC_SEAL, MFD_EXEC = 1, 2, 4, 8, 0x10
MFD_NAME_MAX = 249                     # NAME_MAX - strlen("memfd:")


def _shm_mount(k: Any) -> Mount:
    mnt = getattr(k, "shm_mnt", None)
    if mnt is None:
        sb = TmpfsSuperBlock(1 << 40)
        mnt = k.shm_mnt = Mount(sb, Dentry(b"/", None, sb.root), "tmpfs")
    return mnt


def memfd_create(k: Any, uid: int, gid: int, name: bytes, flags: int) -> File:
    if flags & ~(MFD_CLOEXEC | MFD_NOEXEC_SEAL | MFD_EXEC) or flags & MFD_NOEXEC_SEAL and flags & MFD_EXEC:
        raise KernelError(E.EINVAL)    # (sealing and huge pages are not implemented)
    if len(name) > MFD_NAME_MAX:
        raise KernelError(E.EINVAL)
    mnt = _shm_mount(k)
    mode = 0o666 if flags & MFD_NOEXEC_SEAL else 0o777
    inode = TmpInode(mnt.sb, stat.S_IFREG | mode, uid, gid)  # type: ignore[arg-type]
    inode.nlink = 0
    d = Dentry(b"memfd:" + name, mnt.root, inode)
    return InodeFile(A.O_RDWR | A.O_LARGEFILE, Path(mnt, d), inode)
