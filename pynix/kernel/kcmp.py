"""kcmp: do two tasks share a kernel resource (Linux kernel/kcmp.c).

Provides ``kcmp(t, p1, p2, type, idx1, idx2, read_slot)``: 0 if the two resources are the
same object, else 1 or 2 by an order of the objects that is stable while they live but says
nothing about where they are (Linux orders kptr_obfuscate'd pointers; pynix orders the
objects' identities mixed with a per-type cookie chosen at boot). Types: KCMP_FILE (open
files at descriptors idx1 and idx2), KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND, KCMP_IO,
KCMP_SYSVSEM (the semaphore undo list, shared under CLONE_SYSVSEM) and KCMP_EPOLL_TFD (file
idx1 of p1 against a target registered in an epoll of p2, described by the struct
kcmp_epoll_slot at idx2, read with ``read_slot``). Errors as Linux: EPERM unless the caller
may ptrace-read both (PTRACE_MODE_READ_REALCREDS), EINVAL for an unknown type, EBADF for a
descriptor that is not open. pynix has no io_context: as for Linux tasks that never had one,
KCMP_IO compares two absent contexts, equal. Owns the cookies.
"""
from __future__ import annotations

import secrets
from typing import Callable

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.sched import (
    KCMP_EPOLL_SLOT,
    KCMP_EPOLL_TFD,
    KCMP_FILE,
    KCMP_FILES,
    KCMP_FS,
    KCMP_IO,
    KCMP_SIGHAND,
    KCMP_SYSVSEM,
    KCMP_TYPES,
    KCMP_VM,
)
from pynix.base.errors import KernelError
from pynix.fs.eventpoll import get_epoll_tfile_raw_ptr
from pynix.fs.vfs.file import File
from pynix.kernel.ptrace_access import PTRACE_MODE_READ_REALCREDS, ptrace_may_access
from pynix.kernel.task import Task

_MASK = (1 << 64) - 1
# kcmp_cookies: per type a value to mix in and an odd multiplier (kernel/kcmp.c kcmp_cookies_init)
_COOKIES = [(secrets.randbits(64), secrets.randbits(64) | 1) for _ in range(KCMP_TYPES)]


def kptr_obfuscate(obj: object, kind: int) -> int:
    """An order key for ``obj``: its identity xor'ed and multiplied by the type's cookies."""
    if obj is None:
        return 0
    x, m = _COOKIES[kind]
    return ((id(obj) ^ x) * m) & _MASK


def kcmp_ptr(a: object, b: object, kind: int) -> int:
    """0 for the same object, 1 if the first orders first, 2 if the second does."""
    t1, t2 = kptr_obfuscate(a, kind), kptr_obfuscate(b, kind)
    return int(t1 < t2) | int(t1 > t2) << 1


def _file_at(p: Task, fd: int) -> File:
    f = p.files.fds.get(fd) if p.files is not None else None
    if f is None:
        raise KernelError(E.EBADF)
    return f


_SHARED: dict[int, Callable[[Task], object]] = {
    KCMP_VM: lambda p: p.mm,
    KCMP_FILES: lambda p: p.files,
    KCMP_FS: lambda p: p.fs,
    KCMP_SIGHAND: lambda p: p.sighand,
    KCMP_IO: lambda p: None,                    # no io_context in pynix (see above)
    KCMP_SYSVSEM: lambda p: p.sysvsem,
}


def kcmp(t: Task, p1: Task, p2: Task, kind: int, idx1: int, idx2: int,
         read_slot: Callable[[int], bytes]) -> int:
    """sys_kcmp once the tasks are found."""
    if not (ptrace_may_access(t, p1, PTRACE_MODE_READ_REALCREDS)
            and ptrace_may_access(t, p2, PTRACE_MODE_READ_REALCREDS)):
        raise KernelError(E.EPERM)
    if kind == KCMP_FILE:
        return kcmp_ptr(_file_at(p1, idx1), _file_at(p2, idx2), KCMP_FILE)
    if kind == KCMP_EPOLL_TFD:
        efd, tfd, toff = KCMP_EPOLL_SLOT.unpack(read_slot(KCMP_EPOLL_SLOT.size))
        f = _file_at(p1, idx1)
        target = get_epoll_tfile_raw_ptr(_file_at(p2, efd), tfd, toff)
        return kcmp_ptr(f, target, KCMP_FILE)
    get = _SHARED.get(kind)
    if get is None:
        raise KernelError(E.EINVAL)
    return kcmp_ptr(get(p1), get(p2), kind)
