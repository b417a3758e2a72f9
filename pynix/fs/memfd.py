"""memfd_create and file seals: an anonymous regular file in memory (Linux mm/memfd.c over
shmem).

Provides ``memfd_file(kernel, name, uid, gid, flags)``: a read-write InodeFile on a new tmpfs
inode that no directory names. It lives on an internal tmpfs instance (one per kernel, never
mounted), so it has tmpfs's sparse pages, mmap and truncate; /proc/PID/fd shows it as
``/memfd:NAME (deleted)``, as on Linux. Without MFD_ALLOW_SEALING it is sealed with
F_SEAL_SEAL, as every tmpfs file; MFD_NOEXEC_SEAL makes it mode 0666 with F_SEAL_EXEC.

``memfd_add_seals(task, file, seals)`` / ``memfd_get_seals(file)`` are fcntl's F_ADD_SEALS /
F_GET_SEALS (EINVAL on a file that cannot be sealed). The seals live in ``inode.seals``; the
write, truncate and fallocate paths check them (vfs/inode.seal_check_write / seal_check_size)
and mmap refuses a shared writable mapping under F_SEAL_WRITE / F_SEAL_FUTURE_WRITE
(``seal_check_mmap``).
"""
from __future__ import annotations

import stat
from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.limits import NAME_MAX
from pynix.base.errors import KernelError
from pynix.fs.tmpfs import TmpfsSuperBlock, TmpInode
from pynix.fs.vfs.dcache import Dentry, Mount, Path
from pynix.fs.vfs.file import InodeFile
from pynix.fs.vfs.inode import Inode

MEMFD_NAME_MAX = NAME_MAX - len("memfd:")
F_ALL_SEALS = (A.F_SEAL_SEAL | A.F_SEAL_SHRINK | A.F_SEAL_GROW | A.F_SEAL_WRITE
               | A.F_SEAL_FUTURE_WRITE | A.F_SEAL_EXEC)


def _memfd_mount(k: Any) -> Mount:
    mnt = getattr(k, "memfd_mnt", None)
    if mnt is None:
        sb = TmpfsSuperBlock(1 << 30)
        mnt = k.memfd_mnt = Mount(sb, Dentry(b"/", None, sb.root), "memfd")
    return mnt


def memfd_file(k: Any, name: bytes, uid: int, gid: int, flags: int = 0) -> InodeFile:
    mnt = _memfd_mount(k)
    mode = 0o666 if flags & A.MFD_NOEXEC_SEAL else 0o777
    inode = TmpInode(mnt.sb, stat.S_IFREG | mode, uid, gid)    # type: ignore[arg-type]
    inode.nlink = 0                                             # freed with its last file
    if flags & A.MFD_NOEXEC_SEAL:
        inode.seals = A.F_SEAL_EXEC
    elif flags & A.MFD_ALLOW_SEALING:
        inode.seals = 0
    d = Dentry(b"memfd:" + name, mnt.root, inode)               # in no directory: "(deleted)"
    return InodeFile(A.O_RDWR | A.O_LARGEFILE, Path(mnt, d), inode)


def _sealable(f: Any) -> Inode:
    inode = f.inode
    if inode is None or inode.seals is None or not inode.is_reg():
        raise KernelError(E.EINVAL)
    return inode


def memfd_get_seals(f: Any) -> int:
    return _sealable(f).seals


def _writably_mapped(k: Any, inode: Inode) -> bool:
    """Does a shared writable mapping of the inode exist (mapping_writably_mapped)?"""
    for t in list(k.tasks.values()):
        mm = getattr(t, "mm", None)
        if mm is None:
            continue
        for v in mm.vmas.overlapping(0, 1 << 64):
            if v.shared and v.prot & A.PROT_WRITE and v.file is not None and \
                    v.file.inode is inode:
                return True
    return False


def memfd_add_seals(t: Any, f: Any, seals: int) -> None:
    """F_ADD_SEALS (memfd_add_seals): EPERM without write access or once F_SEAL_SEAL is set,
    EINVAL for unknown bits, EBUSY for F_SEAL_WRITE while a shared writable mapping exists.
    F_SEAL_EXEC on an executable file also seals writing and resizing."""
    inode = _sealable(f)
    if not f.writable:
        raise KernelError(E.EPERM)
    if seals & ~F_ALL_SEALS:
        raise KernelError(E.EINVAL)
    if inode.seals & A.F_SEAL_SEAL:
        raise KernelError(E.EPERM)
    if seals & A.F_SEAL_EXEC and inode.mode & 0o111:
        seals |= A.F_SEAL_SHRINK | A.F_SEAL_GROW | A.F_SEAL_WRITE | A.F_SEAL_FUTURE_WRITE
    if seals & A.F_SEAL_WRITE and not inode.seals & A.F_SEAL_WRITE and \
            _writably_mapped(t.kernel, inode):
        raise KernelError(E.EBUSY)
    inode.seals |= seals


def seal_check_mmap(inode: Inode, shared: bool, prot: int) -> bool:
    """mmap of a sealed file (seal_check_write): no shared writable mapping under F_SEAL_WRITE
    or F_SEAL_FUTURE_WRITE (EPERM); a read-only shared one may never become writable (the
    answer is False: Linux clears VM_MAYWRITE)."""
    if not shared or not (inode.seals or 0) & (A.F_SEAL_WRITE | A.F_SEAL_FUTURE_WRITE):
        return True
    if prot & A.PROT_WRITE:
        raise KernelError(E.EPERM)
    return False
