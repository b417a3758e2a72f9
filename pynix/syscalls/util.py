"""Argument decoding shared by the syscall handlers: register values to signed ints, user
strings and paths, dirfd bases for the *at calls, and the current task's objects.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.kernel.pid import find_task_by_vpid
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.limits import PATH_MAX
from pynix.base.errors import KernelError
from pynix.fs.vfs.dcache import Path
from pynix.fs.vfs.file import File
from pynix.mm.mm import MM
from pynix.mm.uaccess import copy_from_user, put_i32, strncpy_from_user

if TYPE_CHECKING:
    from pynix.kernel.task import FsStruct, Task

def s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def id_arg(v: int) -> int:
    """A uid_t or gid_t argument: its low 32 bits, with (uid_t)-1 as -1 (INVALID_UID: "no
    change" for chown and setres*id, EINVAL where an id is required). Every id a syscall
    takes goes through here, so the kernel only ever stores 0..2**32-2."""
    v &= 0xFFFF_FFFF
    return -1 if v == 0xFFFF_FFFF else v


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
    """fdget: the caller's file at ``fd``; EBADF if none or O_PATH."""
    assert t.files is not None
    return t.files.get(s32(fd))


def fget_raw(t: Task, fd: int) -> File:
    """fdget_raw: the caller's file at ``fd``, O_PATH files included; EBADF if none."""
    assert t.files is not None
    return t.files.get_raw(s32(fd))


def get_path(t: Task, addr: int) -> bytes:
    p = strncpy_from_user(mm_of(t), addr, PATH_MAX)
    return p


def task_or_self(t: Task, pid: int) -> Task:
    """The task a pid argument names, 0 meaning the caller (find_get_task); ESRCH if none."""
    pid = s32(pid)
    p = t if pid == 0 else find_task_by_vpid(t, pid)
    if p is None:
        raise KernelError(E.ESRCH)
    return p


def get_timespec(t: Task, addr: int) -> int:
    """A struct timespec from user memory, in nanoseconds; EINVAL if malformed."""
    sec, nsec = A.TIMESPEC.unpack(copy_from_user(mm_of(t), addr, A.TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < 10**9:
        raise KernelError(E.EINVAL)
    return sec * 10**9 + nsec


def at_base(t: Task, dirfd: int, path: bytes, flags: int = 0) -> Path | None:
    """The starting point for a relative path of an *at call (None: the cwd)."""
    fd = s32(dirfd)
    if fd == A.AT_FDCWD or (path.startswith(b"/") and path):
        return None
    f = fget_raw(t, fd)
    if not isinstance(f.path, Path):
        raise KernelError(E.ENOTDIR)
    if not f.path.inode.is_dir() and not (not path and flags & A.AT_EMPTY_PATH):
        raise KernelError(E.ENOTDIR)
    return f.path


def install_new_file(t: Task, f: File, cloexec: bool) -> int:
    """Give a freshly made file (eventfd, epoll, socket) a descriptor; drop it on failure."""
    assert t.files is not None
    return t.files.install_new(f, cloexec)


def install_file_pair(t: Task, a: File, b: File, cloexec: bool, addr: int) -> None:
    """pipe2 and socketpair: two new descriptors, stored as int[2] at ``addr``; all or none."""
    assert t.files is not None
    fa = install_new_file(t, a, cloexec)
    try:
        fb = install_new_file(t, b, cloexec)
    except KernelError:
        t.files.close(fa)
        raise
    try:
        put_i32(mm_of(t), addr, fa)
        put_i32(mm_of(t), addr + 4, fb)
    except KernelError:
        t.files.close(fa)
        t.files.close(fb)
        raise
