"""Time-setting syscalls: utimensat and the older utimes, futimesat and utime (Linux
fs/utimes.c). Each decodes its own time format (timespec pairs with UTIME_NOW/UTIME_OMIT,
timeval pairs, struct utimbuf) into nanoseconds and calls fs/vfs/utimes.py's vfs_utimes
through one ``do_utimes``, which names the file as Linux's do_utimes does: a NULL path
with a real dirfd is that open file, with AT_FDCWD EFAULT.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.vfs.inode import now_ns
from pynix.fs.vfs.utimes import vfs_utimes
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user
from pynix.syscalls.sys_fs import lookup_at
from pynix.syscalls.util import mm_of, s32

Times = tuple[int | None, int | None, bool]      # atime, mtime (ns or None), explicit


def do_utimes(t: Task, dirfd: int, pathp: int, times: Times | None, flags: int) -> int:
    """Linux's do_utimes: ``times`` None means both "now"; a NULL path is the file
    ``dirfd`` names (EFAULT with AT_FDCWD: getname(NULL))."""
    if not pathp and s32(dirfd) == A.AT_FDCWD:
        raise KernelError(E.EFAULT)
    p = lookup_at(t, dirfd, pathp, flags | (A.AT_EMPTY_PATH if not pathp else 0))
    if times is None:
        now = now_ns()
        times = (now, now, False)
    vfs_utimes(t.cred, p, *times)
    return 0


def _timespecs(t: Task, addr: int) -> Times:
    """utimensat's two timespecs: UTIME_OMIT leaves a time, UTIME_NOW takes the clock."""
    raw = copy_from_user(mm_of(t), addr, 2 * A.TIMESPEC.size)
    now = now_ns()
    out: list[int | None] = []
    explicit = False
    for k in range(2):
        sec, nsec = A.TIMESPEC.unpack_from(raw, k * A.TIMESPEC.size)
        if nsec == A.UTIME_OMIT:
            out.append(None)
        elif nsec == A.UTIME_NOW:
            out.append(now)
        elif not 0 <= nsec < 10**9:
            raise KernelError(E.EINVAL)
        else:
            out.append(sec * 10**9 + nsec)
            explicit = True
    return out[0], out[1], explicit


def _timevals(t: Task, addr: int) -> Times:
    """utimes/futimesat's two timevals (microseconds 0..999999, else EINVAL)."""
    raw = copy_from_user(mm_of(t), addr, 2 * A.TIMEVAL.size)
    ns = []
    for k in range(2):
        sec, usec = A.TIMEVAL.unpack_from(raw, k * A.TIMEVAL.size)
        if not 0 <= usec < 10**6:
            raise KernelError(E.EINVAL)
        ns.append(sec * 10**9 + usec * 1000)
    return ns[0], ns[1], True


def sys_utimensat(t: Task, dirfd: int, pathp: int, times: int, flags: int) -> int:
    if flags & ~(A.AT_SYMLINK_NOFOLLOW | A.AT_EMPTY_PATH):
        raise KernelError(E.EINVAL)
    return do_utimes(t, dirfd, pathp, _timespecs(t, times) if times else None, flags)


def sys_futimesat(t: Task, dirfd: int, pathp: int, times: int) -> int:
    return do_utimes(t, dirfd, pathp, _timevals(t, times) if times else None, 0)


def sys_utimes(t: Task, pathp: int, times: int) -> int:
    return sys_futimesat(t, A.AT_FDCWD, pathp, times)


def sys_utime(t: Task, pathp: int, times: int) -> int:
    """utime(2): a struct utimbuf of whole seconds, or NULL for now."""
    tv: Times | None = None
    if times:
        actime, modtime = A.UTIMBUF.unpack(copy_from_user(mm_of(t), times, A.UTIMBUF.size))
        tv = (actime * 10**9, modtime * 10**9, True)
    return do_utimes(t, A.AT_FDCWD, pathp, tv, 0)
