"""File lock syscalls: fcntl record locks (F_GETLK/F_SETLK/F_SETLKW) and flock, decoding
struct flock into byte ranges for fs/locks.py."""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs import locks
from pynix.fs.vfs.file import File
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.syscalls.util import fget, mm_of


def _lock_range(f: File, whence: int, start: int, length: int) -> tuple[int, int]:
    """struct flock's (whence, start, len) as an inclusive byte range (flock_to_posix_lock)."""
    if whence == A.SEEK_CUR:
        start += f.pos
    elif whence == A.SEEK_END:
        start += f.inode.size if f.inode is not None else 0
    elif whence != A.SEEK_SET:
        raise KernelError(E.EINVAL)
    if length < 0:
        start, length = start + length, -length
    if start < 0:
        raise KernelError(E.EINVAL)
    end = locks.OFFSET_MAX if length == 0 else start + length - 1
    return start, end


def do_record_lock(t: Task, f: File, cmd: int, arg: int) -> Generator[None, None, int]:
    """fcntl F_GETLK / F_SETLK / F_SETLKW and F_OFD_GETLK / F_OFD_SETLK / F_OFD_SETLKW on a
    struct flock (fcntl_getlk / fcntl_setlk: the struct is checked before the file's mode)."""
    mm = mm_of(t)
    raw = copy_from_user(mm, arg, A.FLOCK.size)
    ltype, whence, start, length, pid = A.FLOCK.unpack(raw)
    ofd = cmd in (A.F_OFD_GETLK, A.F_OFD_SETLK, A.F_OFD_SETLKW)
    if ltype not in (A.F_RDLCK, A.F_WRLCK, A.F_UNLCK) or ofd and pid != 0:
        raise KernelError(E.EINVAL)
    lo, hi = _lock_range(f, whence, start, length)
    if f.inode is None:
        raise KernelError(E.EBADF)
    owner = f if ofd else None
    if cmd in (A.F_GETLK, A.F_OFD_GETLK):
        if ltype == A.F_UNLCK:
            raise KernelError(E.EINVAL)
        c = locks.posix_test(t, f.inode, ltype, lo, hi, owner)
        if c is None:                           # only l_type changes (fcntl_getlk)
            out = A.FLOCK.pack(A.F_UNLCK, whence, start, length, pid)
        else:
            out = A.FLOCK.pack(c.type, A.SEEK_SET, c.start,
                               0 if c.end == locks.OFFSET_MAX else c.end - c.start + 1, c.pid)
        copy_to_user(mm, arg, out)
        return 0
    if ltype == A.F_RDLCK and not f.readable or ltype == A.F_WRLCK and not f.writable:
        raise KernelError(E.EBADF)
    wait = cmd in (A.F_SETLKW, A.F_OFD_SETLKW)
    return (yield from locks.posix_lock(t, f.inode, ltype, lo, hi, wait, owner))


def sys_flock(t: Task, fd: int, op: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    if f.inode is None:
        raise KernelError(E.EINVAL)
    return (yield from locks.flock(t, f, f.inode, op))
