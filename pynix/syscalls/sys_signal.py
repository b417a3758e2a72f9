"""Signal syscalls: rt_sigaction, rt_sigprocmask, rt_sigreturn, kill, tkill, tgkill,
rt_sigpending, rt_sigsuspend, sigaltstack, pause, rt_sigtimedwait, rt_sigqueueinfo,
rt_tgsigqueueinfo, pidfd_open, pidfd_send_signal (Linux kernel/signal.c, kernel/pid.c).

Thin: decode the arguments and struct kernel_sigaction / stack_t, then kernel/signal.py
(delivery, actions, masks) or kernel/sigqueue.py (sending) does the work.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.sigframe import STACK_T
from pynix.arch.x86_64.signal import SIGACTION, SIGSET_SIZE
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.base.wait import wait_event
from pynix.fs.pidfd import pidfd_create, pidfd_to_task
from pynix.kernel.signal import (
    do_sigaction,
    do_sigaltstack,
    do_sigtimedwait,
    restore_sigframe,
    sigaction_of,
    sigaltstack_of,
    siginfo_bytes,
    sigprocmask,
    sigsuspend,
)
from pynix.kernel.sigqueue import (
    do_rt_sigqueueinfo,
    do_rt_tgsigqueueinfo,
    do_tkill,
    kill_something_info,
    pending_mask,
    pidfd_send_signal,
)
from pynix.kernel.task import SigAction, Task
from pynix.machine.cpu import X
from pynix.mm.uaccess import copy_from_user, copy_to_user, get_u64, put_u64
from pynix.syscalls.util import fget, get_timespec, install_new_file, mm_of, s32


def sys_rt_sigaction(t: Task, sig: int, act: int, oact: int, sigsetsize: int) -> int:
    if sigsetsize != SIGSET_SIZE or not 1 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    new = SIGACTION.unpack(copy_from_user(mm, act, SIGACTION.size)) if act else None
    if oact:
        cur = sigaction_of(t, sig)
        copy_to_user(mm, oact, SIGACTION.pack(cur.handler, cur.flags, cur.restorer, cur.mask))
    if new is not None:
        do_sigaction(t, sig, SigAction(new[0], new[1] & 0xFFFFFFFF, new[2], new[3]))
    return 0


def sys_rt_sigprocmask(t: Task, how: int, nset: int, oset: int, sigsetsize: int) -> int:
    if sigsetsize != SIGSET_SIZE:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    old = t.blocked
    if nset:
        sigprocmask(t, how, get_u64(mm, nset))
    if oset:
        put_u64(mm, oset, old)
    return 0


def sys_rt_sigreturn(t: Task) -> int:
    return restore_sigframe(t.kernel, t)


def sys_rt_sigpending(t: Task, setp: int, size: int) -> int:
    if size > SIGSET_SIZE:
        raise KernelError(E.EINVAL)
    put_u64(mm_of(t), setp, pending_mask(t) & t.blocked)
    return 0


def sys_rt_sigsuspend(t: Task, setp: int, size: int) -> Generator[None, None, int]:
    if size != SIGSET_SIZE:
        raise KernelError(E.EINVAL)
    return (yield from sigsuspend(t, get_u64(mm_of(t), setp)))


def sys_pause(t: Task) -> Generator[None, None, int]:
    yield from wait_event(t, [], lambda: False, restart=E.ERESTARTNOHAND)
    return 0


def sys_sigaltstack(t: Task, ss: int, oss: int) -> int:
    mm = mm_of(t)
    sp = t.kernel.cpu.reg(X.UC_X86_REG_RSP)
    if oss:
        ss_sp, flags, size = sigaltstack_of(t, sp)
        copy_to_user(mm, oss, STACK_T.pack(ss_sp, flags, 0, size))
    if ss:
        ss_sp, flags, _, size = STACK_T.unpack(copy_from_user(mm, ss, STACK_T.size))
        do_sigaltstack(t, ss_sp, flags, size, sp)
    return 0


def sys_kill(t: Task, pid: int, sig: int) -> int:
    kill_something_info(t, s32(pid), sig)
    return 0


def sys_tgkill(t: Task, tgid: int, tid: int, sig: int) -> int:
    do_tkill(t, s32(tgid), s32(tid), sig)
    return 0


def sys_tkill(t: Task, tid: int, sig: int) -> int:
    do_tkill(t, None, s32(tid), sig)
    return 0


def sys_rt_sigtimedwait(t: Task, setp: int, infop: int, tsp: int,
                        sigsetsize: int) -> Generator[None, None, int]:
    """sigwaitinfo/sigtimedwait (kernel/signal.do_sigtimedwait)."""
    if sigsetsize != SIGSET_SIZE:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    mask = get_u64(mm, setp)
    deadline = monotonic_ns() + get_timespec(t, tsp) if tsp else None
    info = yield from do_sigtimedwait(t, mask, deadline)
    if infop:
        copy_to_user(mm, infop, siginfo_bytes(info))
    return info.signo


def sys_rt_sigqueueinfo(t: Task, tgid: int, sig: int, uinfo: int) -> int:
    do_rt_sigqueueinfo(t, s32(tgid), sig, uinfo)
    return 0


def sys_rt_tgsigqueueinfo(t: Task, tgid: int, tid: int, sig: int, uinfo: int) -> int:
    do_rt_tgsigqueueinfo(t, s32(tgid), s32(tid), sig, uinfo)
    return 0


def sys_pidfd_open(t: Task, pid: int, flags: int) -> int:
    return install_new_file(t, pidfd_create(t, s32(pid), flags & 0xFFFFFFFF), True)


def sys_pidfd_send_signal(t: Task, pidfd: int, sig: int, infop: int, flags: int) -> int:
    if flags:
        raise KernelError(E.EINVAL)
    pidfd_send_signal(t, pidfd_to_task(fget(t, pidfd)), sig, infop)
    return 0
