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
    """fcntl F_GETLK / F_SETLK / F_SETLKW on a struct flock."""
    mm = mm_of(t)
    ltype, whence, start, length, _ = A.FLOCK.unpack(copy_from_user(mm, arg, A.FLOCK.size))
    if f.inode is None or ltype not in (A.F_RDLCK, A.F_WRLCK, A.F_UNLCK):
        raise KernelError(E.EINVAL if f.inode is not None else E.EBADF)
    lo, hi = _lock_range(f, whence, start, length)
    if cmd == A.F_GETLK:
        c = locks.posix_test(t, f.inode, ltype, lo, hi)
        if c is None:
            out = A.FLOCK.pack(A.F_UNLCK, whence, start, length, 0)
        else:
            out = A.FLOCK.pack(c.type, A.SEEK_SET, c.start,
                               0 if c.end == locks.OFFSET_MAX else c.end - c.start + 1, c.pid)
        copy_to_user(mm, arg, out)
        return 0
    if ltype == A.F_RDLCK and not f.readable or ltype == A.F_WRLCK and not f.writable:
        raise KernelError(E.EBADF)
    return (yield from locks.posix_lock(t, f.inode, ltype, lo, hi, cmd == A.F_SETLKW))


def sys_flock(t: Task, fd: int, op: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    if f.inode is None:
        raise KernelError(E.EINVAL)
    return (yield from locks.flock(t, f, f.inode, op))
