"""Process and thread creation syscalls: fork, vfork, clone, clone3, unshare (Linux kernel/fork.c:
the clone and clone3 entry points, copy_clone_args_from_user).

Thin: decode the arguments and check struct clone_args as Linux does, then call
kernel/fork.kernel_clone (copy_process, the tid words, the CLONE_PIDFD descriptor and the
CLONE_VFORK wait), or kernel/nsproxy.ksys_unshare.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import thread as X
from pynix.base.errors import KernelError
from pynix.kernel.fork import check_clone_flags, kernel_clone
from pynix.kernel.nsproxy import ksys_unshare
from pynix.kernel.task import Task
from pynix.mm.mm import TASK_SIZE
from pynix.mm.uaccess import copy_from_user
from pynix.syscalls.util import mm_of


def sys_fork(t: Task) -> Generator[None, None, int]:
    return (yield from kernel_clone(t, A.SIGCHLD, 0, 0, 0, 0))


def sys_vfork(t: Task) -> Generator[None, None, int]:
    return (yield from kernel_clone(t, A.CLONE_VFORK | A.CLONE_VM | A.SIGCHLD, 0, 0, 0, 0))


def sys_clone(t: Task, flags: int, stack: int, ptid: int, ctid: int, tls: int) -> Generator[None, None, int]:
    flags &= 0xFFFFFFFF
    if flags & A.CLONE_PIDFD:
        check_clone_flags(flags)                 # Linux's EINVAL checks come first
        if flags & A.CLONE_PARENT_SETTID:        # clone() returns the pidfd through ptid
            raise KernelError(E.EINVAL)
        return (yield from kernel_clone(t, flags, stack, ptid, ctid, tls, pidfd_at=ptid))
    return (yield from kernel_clone(t, flags, stack, ptid, ctid, tls))


def copy_clone_args_from_user(t: Task, uargs: int, size: int) -> tuple[int, ...]:
    """copy_clone_args_from_user + clone3_args_valid: the struct, checked as Linux does."""
    if size > 4096:
        raise KernelError(E.E2BIG)
    if size < X.CLONE_ARGS_SIZE_VER0:
        raise KernelError(E.EINVAL)
    raw = copy_from_user(mm_of(t), uargs, size)
    if any(raw[X.CLONE_ARGS.size:]):
        raise KernelError(E.E2BIG)
    args = X.CLONE_ARGS.unpack(raw[:X.CLONE_ARGS.size].ljust(X.CLONE_ARGS.size, b"\0"))
    flags, _pidfd, _ctid, _ptid, exit_signal, stack, stack_size, _tls, set_tid, set_tid_size, cg = args
    if exit_signal & ~A.CSIGNAL or exit_signal >= A.NSIG:
        raise KernelError(E.EINVAL)
    if set_tid_size > X.MAX_PID_NS_LEVEL or (not set_tid and set_tid_size) or (set_tid and not set_tid_size):
        raise KernelError(E.EINVAL)
    if flags & X.CLONE_INTO_CGROUP and (cg > 0x7FFF_FFFF or size < X.CLONE_ARGS_SIZE_VER2):
        raise KernelError(E.EINVAL)
    if flags & ~(0xFFFF_FFFF | X.CLONE_CLEAR_SIGHAND | X.CLONE_INTO_CGROUP):
        raise KernelError(E.EINVAL)
    if flags & (A.CLONE_DETACHED | (A.CSIGNAL & ~X.CLONE_NEWTIME)):
        raise KernelError(E.EINVAL)
    if flags & A.CLONE_SIGHAND and flags & X.CLONE_CLEAR_SIGHAND:
        raise KernelError(E.EINVAL)
    if flags & (A.CLONE_THREAD | A.CLONE_PARENT) and exit_signal:
        raise KernelError(E.EINVAL)
    if bool(stack) != bool(stack_size) or stack + stack_size > TASK_SIZE:     # clone3_stack_valid
        raise KernelError(E.EINVAL)
    return args


def sys_clone3(t: Task, uargs: int, size: int) -> Generator[None, None, int]:
    flags, pidfd, ctid, ptid, exit_signal, stack, stack_size, tls, set_tid, _n, _cg = \
        copy_clone_args_from_user(t, uargs, size)
    if set_tid or flags & (X.CLONE_INTO_CGROUP | X.CLONE_NEWTIME):
        raise KernelError(E.ENOSYS)          # pid choice, cgroups, time namespaces: not yet
    return (yield from kernel_clone(t, flags | exit_signal, stack + stack_size if stack else 0,
                                    ptid, ctid, tls, pidfd_at=pidfd))



def sys_unshare(t: Task, flags: int) -> int:
    ksys_unshare(t, flags & 0xFFFF_FFFF)
    return 0
