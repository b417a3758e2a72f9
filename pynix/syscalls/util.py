"""Argument decoding shared by the syscall handlers: register values to signed ints, user
strings and paths, dirfd bases for the *at calls, and the current task's objects.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.fs.vfs.dcache import Path
from pynix.fs.vfs.file import File
from pynix.kernel.errors import KernelError
from pynix.mm.mm import MM
from pynix.mm.uaccess import strncpy_from_user

if TYPE_CHECKING:
    from pynix.kernel.task import FsStruct, Task

PATH_MAX = 4096


def s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def s64(v: int) -> int:
    return v - (1 << 64) if v & (1 << 63) else v


def mm_of(t: Task) -> MM:
    if t.mm is None:
        raise KernelError(E.EFAULT)
    return t.mm


def fs_of(t: Task) -> FsStruct:
    assert t.fs is not None
    return t.fs


def fget(t: Task, fd: int) -> File:
    assert t.files is not None
    return t.files.get(s32(fd))


def get_path(t: Task, addr: int) -> bytes:
    p = strncpy_from_user(mm_of(t), addr, PATH_MAX)
    return p


def at_base(t: Task, dirfd: int, path: bytes, flags: int = 0) -> Path | None:
    """The starting point for a relative path of an *at call (None: the cwd)."""
    fd = s32(dirfd)
    if fd == A.AT_FDCWD or (path.startswith(b"/") and path):
        return None
    f = fget(t, fd)
    if not isinstance(f.path, Path):
        raise KernelError(E.ENOTDIR)
    if not f.path.inode.is_dir() and not (not path and flags & A.AT_EMPTY_PATH):
        raise KernelError(E.ENOTDIR)
    return f.path
