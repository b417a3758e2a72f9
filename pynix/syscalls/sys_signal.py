"""Signal syscalls: rt_sigaction, rt_sigprocmask, rt_sigreturn, kill, tkill, tgkill,
rt_sigpending, rt_sigsuspend, sigaltstack, pause, rt_sigtimedwait, rt_sigqueueinfo,
rt_tgsigqueueinfo (Linux kernel/signal.c).
"""
from __future__ import annotations

import struct
from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD
from pynix.base.timer import monotonic_ns
from pynix.base.wait import wait_event
from pynix.kernel.signal import (
    UNBLOCKABLE,
    dequeue_signal,
    pending_mask,
    restore_sigframe,
    send_signal,
    siginfo_bytes,
)
from pynix.kernel.task import SigInfo, Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, get_u64, put_u64
from pynix.syscalls.util import mm_of, s32

SIGACTION = struct.Struct("<QQQQ")      # handler, flags, restorer, mask (kernel_sigaction)
STACK_T = struct.Struct("<QiiQ")


def sys_rt_sigaction(t: Task, sig: int, act: int, oact: int, sigsetsize: int) -> int:
    if sigsetsize != 8 or not 1 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)
    assert t.sighand is not None
    cur = t.sighand.action[sig]
    mm = mm_of(t)
    new = SIGACTION.unpack(copy_from_user(mm, act, SIGACTION.size)) if act else None
    if oact:
        copy_to_user(mm, oact, SIGACTION.pack(cur.handler, cur.flags, cur.restorer, cur.mask))
    if new is not None:
        if sig in (A.SIGKILL, A.SIGSTOP):
            raise KernelError(E.EINVAL)
        cur.handler, cur.flags, cur.restorer, cur.mask = new[0], new[1] & 0xFFFFFFFF, new[2], new[3] & ~UNBLOCKABLE
        from pynix.kernel.signal import is_ignored
        if is_ignored(t, sig):       # a newly ignored signal is discarded from pending sets
            for th in t.thread_group:
                th.pending = [i for i in th.pending if i.signo != sig]
            t.signal.shared_pending = [i for i in t.signal.shared_pending if i.signo != sig]
    return 0


def sys_rt_sigprocmask(t: Task, how: int, nset: int, oset: int, sigsetsize: int) -> int:
    if sigsetsize != 8:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    old = t.blocked
    if nset:
        new = get_u64(mm, nset)
        if how == A.SIG_BLOCK:
            t.blocked |= new
        elif how == A.SIG_UNBLOCK:
            t.blocked &= ~new
        elif how == A.SIG_SETMASK:
            t.blocked = new
        else:
            raise KernelError(E.EINVAL)
        t.blocked &= ~UNBLOCKABLE
    if oset:
        put_u64(mm, oset, old)
    return 0


def sys_rt_sigreturn(t: Task) -> int:
    return restore_sigframe(t.kernel, t)


def sys_rt_sigpending(t: Task, setp: int, size: int) -> int:
    if size > 8:
        raise KernelError(E.EINVAL)
    put_u64(mm_of(t), setp, pending_mask(t) & t.blocked)
    return 0


def sys_rt_sigsuspend(t: Task, setp: int, size: int) -> Generator[None, None, int]:
    if size != 8:
        raise KernelError(E.EINVAL)
    mask = get_u64(mm_of(t), setp)
    t.saved_sigmask = t.blocked
    t.blocked = mask & ~UNBLOCKABLE
    yield from wait_event(t, [], lambda: False, restart=E.ERESTARTNOHAND)
    return 0


def sys_pause(t: Task) -> Generator[None, None, int]:
    yield from wait_event(t, [], lambda: False, restart=E.ERESTARTNOHAND)
    return 0


def sys_sigaltstack(t: Task, ss: int, oss: int) -> int:
    from pynix.machine.cpu import X
    mm = mm_of(t)
    sp = t.kernel.cpu.reg(X.UC_X86_REG_RSP)
    on = t.sas_ss_size and t.sas_ss_sp < sp <= t.sas_ss_sp + t.sas_ss_size
    if oss:
        flags = A.SS_ONSTACK if on else (t.sas_ss_flags & A.SS_DISABLE)
        copy_to_user(mm, oss, STACK_T.pack(t.sas_ss_sp, flags, 0, t.sas_ss_size))
    if ss:
        sp_, flags, _, size = STACK_T.unpack(copy_from_user(mm, ss, STACK_T.size))
        if on:
            raise KernelError(E.EPERM)
        if flags & ~(A.SS_DISABLE | (1 << 31)):
            raise KernelError(E.EINVAL)
        if flags & A.SS_DISABLE:
            t.sas_ss_sp, t.sas_ss_size, t.sas_ss_flags = 0, 0, A.SS_DISABLE
        else:
            if size < A.MINSIGSTKSZ:
                raise KernelError(E.ENOMEM)
            t.sas_ss_sp, t.sas_ss_size, t.sas_ss_flags = sp_, size, 0
    return 0


def _may_signal(t: Task, p: Task, sig: int) -> None:
    c, pc = t.cred, p.cred
    if c.euid == 0 or c.euid in (pc.uid, pc.suid) or c.uid in (pc.uid, pc.suid):
        return
    if sig == A.SIGCONT and p.signal.session == t.signal.session:
        return
    raise KernelError(E.EPERM)


def kill_info(t: Task, sig: int) -> SigInfo:
    return SigInfo(sig, A.SI_USER, pid=t.tgid, uid=t.cred.uid)


def sys_kill(t: Task, pid: int, sig: int) -> int:
    pid = s32(pid)
    if not 0 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)
    k = t.kernel
    if pid > 0:
        p = k.find_task(pid)
        if p is None:
            raise KernelError(E.ESRCH)
        p = p.group_leader
        _may_signal(t, p, sig)
        if sig:
            send_signal(p, kill_info(t, sig))
        return 0
    if pid == -1:
        targets = [p for p in k.tasks.values() if p.is_group_leader and p.tgid > 1
                   and p.tgid != t.tgid and not p.is_kthread]
    else:
        pgrp = t.signal.pgrp if pid == 0 else -pid
        targets = [p for p in k.tasks.values() if p.is_group_leader and p.signal.pgrp == pgrp
                   and not p.is_kthread]
    sent = False
    err = E.ESRCH
    for p in targets:
        try:
            _may_signal(t, p, sig)
        except KernelError as e:
            err = e.errno
            continue
        sent = True
        if sig:
            send_signal(p, kill_info(t, sig))
    if not sent:
        raise KernelError(err)
    return 0


def sys_tgkill(t: Task, tgid: int, tid: int, sig: int) -> int:
    tgid, tid = s32(tgid), s32(tid)
    if tid <= 0 or (tgid <= 0 and tgid != -1) or not 0 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)
    p = t.kernel.find_task(tid)
    if p is None or (tgid != -1 and p.tgid != tgid):     # a zombie is found: 0, nothing delivered
        raise KernelError(E.ESRCH)
    _may_signal(t, p, sig)
    if sig:
        send_signal(p, SigInfo(sig, A.SI_TKILL, pid=t.tgid, uid=t.cred.uid), group=False)
    return 0


def sys_tkill(t: Task, tid: int, sig: int) -> int:
    return sys_tgkill(t, -1 & 0xFFFFFFFF, tid, sig)



def sys_rt_sigtimedwait(t: Task, setp: int, infop: int, tsp: int,
                        sigsetsize: int) -> Generator[None, None, int]:
    """sigwaitinfo/sigtimedwait (do_sigtimedwait): take a pending signal of the set, waiting with
    the set unblocked; EAGAIN at the timeout, EINTR when another signal comes first."""
    if sigsetsize != 8:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    mask = get_u64(mm, setp) & ~UNBLOCKABLE
    deadline = None
    if tsp:
        from pynix.syscalls.util import get_timespec
        deadline = monotonic_ns() + get_timespec(t, tsp)
    info = dequeue_signal(t, mask)
    if info is None:
        saved = t.blocked
        t.blocked &= ~mask                      # real_blocked: let the set wake us
        t.real_blocked = saved                  # still "blocked" for sig_ignored (init)
        try:
            yield from wait_event(t, [], lambda: bool(pending_mask(t) & mask), deadline, restart=E.EINTR)
        finally:
            t.blocked = saved
            t.real_blocked = 0
        info = dequeue_signal(t, mask)
        if info is None:
            raise KernelError(E.EAGAIN)
    if infop:
        copy_to_user(mm, infop, siginfo_bytes(info))
    return info.signo


def _user_siginfo(t: Task, sig: int, uinfo: int, tgid: int) -> SigInfo:
    """The siginfo a sigqueue caller supplies; only the kernel may claim SI_USER/SI_KERNEL or
    SI_TKILL for another process (EPERM)."""
    raw = copy_from_user(mm_of(t), uinfo, 128)
    errno, code = struct.unpack_from("<ii", raw, 4)
    pid, uid, value = struct.unpack_from("<iIQ", raw, 16)
    if (code >= 0 or code == A.SI_TKILL) and tgid != t.tgid:
        raise KernelError(E.EPERM)
    return SigInfo(sig, code, pid=pid, uid=uid, value=value, errno=errno)


def sys_rt_sigqueueinfo(t: Task, tgid: int, sig: int, uinfo: int) -> int:
    tgid = s32(tgid)
    if not 0 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)
    info = _user_siginfo(t, sig, uinfo, tgid)
    p = t.kernel.find_task(tgid) if tgid > 0 else None
    if p is None:
        raise KernelError(E.ESRCH)
    p = p.group_leader
    _may_signal(t, p, sig)
    if sig:
        send_signal(p, info)
    return 0


def sys_rt_tgsigqueueinfo(t: Task, tgid: int, tid: int, sig: int, uinfo: int) -> int:
    tgid, tid = s32(tgid), s32(tid)
    if tgid <= 0 or tid <= 0 or not 0 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)
    info = _user_siginfo(t, sig, uinfo, tgid)
    p = t.kernel.find_task(tid)
    if p is None or p.tgid != tgid:
        raise KernelError(E.ESRCH)
    _may_signal(t, p, sig)
    if sig:
        send_signal(p, info, group=False)
    return 0


def sys_pidfd_open(t: Task, pid: int, flags: int) -> int:
    from pynix.fs.pidfd import pidfd_create
    from pynix.syscalls.util import install_new_file
    return install_new_file(t, pidfd_create(t.kernel, s32(pid), flags & 0xFFFFFFFF), True)


def sys_pidfd_send_signal(t: Task, pidfd: int, sig: int, infop: int, flags: int) -> int:
    """kill(2) through a pidfd: the process it names, even if its pid was reused since."""
    from pynix.fs.pidfd import pidfd_task
    from pynix.syscalls.util import fget
    if flags:
        raise KernelError(E.EINVAL)
    p = pidfd_task(fget(t, pidfd))
    if not 0 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)
    if p.state == TASK_DEAD:
        raise KernelError(E.ESRCH)
    _may_signal(t, p, sig)
    info = kill_info(t, sig)
    if infop:
        from pynix.mm.uaccess import copy_from_user
        signo, _errno, code = struct.unpack("<iii", copy_from_user(mm_of(t), infop, 12))
        value = struct.unpack("<Q", copy_from_user(mm_of(t), infop + 24, 8))[0]
        if signo != sig:
            raise KernelError(E.EINVAL)
        if p.tgid != t.tgid and (code >= 0 or code == A.SI_TKILL):
            raise KernelError(E.EPERM)           # only the kernel may claim those codes
        info = SigInfo(sig, code, pid=t.tgid, uid=t.cred.uid, value=value)
    if sig:
        send_signal(p, info)
    return 0
