"""Calls that reach into another process: process_vm_readv, process_vm_writev (Linux
mm/process_vm_access.c), kcmp (kernel/kcmp.c) and pidfd_getfd (kernel/pid.c).

Thin handlers: decode, find the target, ask kernel/ptrace_access.py whether the caller may
(PTRACE_MODE_ATTACH_REALCREDS to copy memory or take a descriptor, PTRACE_MODE_READ_REALCREDS
to compare), and call mm/process_vm.py, kernel/kcmp.py or the descriptor table.
"""
from __future__ import annotations

from pynix.kernel.pid import find_task_by_vpid
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD
from pynix.fs.pidfd import pidfd_task
from pynix.kernel.kcmp import kcmp
from pynix.kernel.ptrace_access import PTRACE_MODE_ATTACH_REALCREDS, ptrace_may_access
from pynix.kernel.task import Task
from pynix.mm.process_vm import process_vm_rw
from pynix.mm.uaccess import copy_from_user, import_iovec, iovec_from_user
from pynix.syscalls.util import fget, install_new_file, mm_of, s32


def _process_vm_rw(t: Task, pid: int, lvec: int, liovcnt: int, rvec: int, riovcnt: int,
                   flags: int, write: bool) -> int:
    """process_vm_rw: flags first, then the local vectors (a zero total moves nothing, even
    for a bad pid), the remote ones, the target (ESRCH) and the right to attach (EPERM)."""
    if flags:
        raise KernelError(E.EINVAL)
    lvecs = import_iovec(mm_of(t), lvec, liovcnt if liovcnt < 1 << 63 else -1)
    if sum(n for _, n in lvecs) == 0:
        return 0
    rvecs = iovec_from_user(mm_of(t), rvec, riovcnt if riovcnt < 1 << 63 else -1)
    p = _find(t, pid)
    if not ptrace_may_access(t, p, PTRACE_MODE_ATTACH_REALCREDS):
        raise KernelError(E.EPERM)
    if p.mm is None or p.is_kthread:
        raise KernelError(E.EINVAL)
    return process_vm_rw(mm_of(t), lvecs, p.mm, rvecs, write)


def sys_process_vm_readv(t: Task, pid: int, lvec: int, liovcnt: int, rvec: int, riovcnt: int,
                         flags: int) -> int:
    return _process_vm_rw(t, pid, lvec, liovcnt, rvec, riovcnt, flags, False)


def sys_process_vm_writev(t: Task, pid: int, lvec: int, liovcnt: int, rvec: int, riovcnt: int,
                          flags: int) -> int:
    return _process_vm_rw(t, pid, lvec, liovcnt, rvec, riovcnt, flags, True)


def _find(t: Task, pid: int) -> Task:
    """find_task_by_vpid: ESRCH for no such task (pid 0 names none)."""
    p = find_task_by_vpid(t, s32(pid)) if s32(pid) > 0 else None
    if p is None:
        raise KernelError(E.ESRCH)
    return p


def sys_kcmp(t: Task, pid1: int, pid2: int, kind: int, idx1: int, idx2: int) -> int:
    p1, p2 = _find(t, pid1), _find(t, pid2)
    return kcmp(t, p1, p2, s32(kind), idx1 & 0xFFFFFFFF, idx2 & 0xFFFFFFFF,
                lambda n: copy_from_user(mm_of(t), idx2, n))


def sys_pidfd_getfd(t: Task, pidfd: int, fd: int, flags: int) -> int:
    """pidfd_getfd: a duplicate, close-on-exec, of descriptor ``fd`` of the process the
    pidfd names. EINVAL for flags, EBADF for a non-pidfd or a descriptor not open there (or a
    process that has exited), ESRCH once it is reaped, EPERM without the right to attach."""
    if flags & 0xFFFFFFFF:
        raise KernelError(E.EINVAL)
    p = pidfd_task(fget(t, pidfd))
    if p.state == TASK_DEAD:
        raise KernelError(E.ESRCH)
    if not ptrace_may_access(t, p, PTRACE_MODE_ATTACH_REALCREDS):
        raise KernelError(E.EPERM)
    f = p.files.fds.get(s32(fd)) if p.files is not None else None
    if f is None:
        raise KernelError(E.EBADF)
    return install_new_file(t, f.get(), True)
