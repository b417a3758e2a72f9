"""Thread syscalls: futex, get_robust_list, restart_syscall (Linux kernel/futex/syscalls.c,
kernel/signal.c restart_syscall). Threads themselves are made by syscalls/sys_clone.py.

Thin: decode the arguments, call kernel/futex.py (kernel/futex_pi.py for the PI operations).
A futex wait with a timeout that a signal interrupts leaves a restart block, so a restart
(no handler ran, or SA_RESTART) continues with the same absolute deadline, as Linux's
futex_wait_restart.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import thread as X
from pynix.arch.x86_64.capability import CAP_SYS_PTRACE
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.kernel import futex as F
from pynix.kernel import futex_pi as PI
from pynix.kernel.cred import capable
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, put_u64
from pynix.syscalls.sys_time import clock_ns
from pynix.syscalls.util import get_timespec, mm_of, s32, task_or_self

CLOCKED_CMDS = (X.FUTEX_WAIT, X.FUTEX_WAIT_BITSET, X.FUTEX_WAIT_REQUEUE_PI, X.FUTEX_LOCK_PI2)


def _wait_deadline(t: Task, cmd: int, op: int, utime: int) -> int | None:
    """The host monotonic deadline of a wait: FUTEX_WAIT's timeout is relative, the
    WAIT_BITSET and LOCK_PI2 ones absolute on CLOCK_MONOTONIC (CLOCK_REALTIME with
    FUTEX_CLOCK_REALTIME), LOCK_PI's absolute on CLOCK_REALTIME."""
    if not utime:
        return None
    ns = get_timespec(t, utime)
    if cmd == X.FUTEX_WAIT:
        return monotonic_ns() + ns
    realtime = op & X.FUTEX_CLOCK_REALTIME or cmd == X.FUTEX_LOCK_PI   # LOCK_PI: always realtime
    clk = A.CLOCK_REALTIME if realtime else A.CLOCK_MONOTONIC
    return monotonic_ns() + (ns - clock_ns(t, clk))


def sys_futex(t: Task, uaddr: int, op: int, val: int, utime: int, uaddr2: int,
              val3: int) -> Generator[None, None, int]:
    op &= 0xFFFF_FFFF
    cmd = op & X.FUTEX_CMD_MASK
    private = bool(op & X.FUTEX_PRIVATE_FLAG)
    if op & X.FUTEX_CLOCK_REALTIME and cmd not in CLOCKED_CMDS:
        raise KernelError(E.ENOSYS)
    mm = mm_of(t)
    val2 = s32(utime)                         # REQUEUE, CMP_REQUEUE, WAKE_OP: a count
    if cmd in (X.FUTEX_WAIT, X.FUTEX_WAIT_BITSET):
        bitset = X.FUTEX_BITSET_MATCH_ANY if cmd == X.FUTEX_WAIT else val3 & 0xFFFF_FFFF
        deadline = _wait_deadline(t, cmd, op, utime)
        return (yield from _futex_wait(t, uaddr, val, bitset, deadline, private))
    if cmd in (X.FUTEX_WAKE, X.FUTEX_WAKE_BITSET):
        bitset = X.FUTEX_BITSET_MATCH_ANY if cmd == X.FUTEX_WAKE else val3 & 0xFFFF_FFFF
        return _preempt_on_wake(t, F.futex_wake(t, mm, uaddr, s32(val), bitset, private))
    if cmd == X.FUTEX_REQUEUE:
        return _preempt_on_wake(t, F.futex_requeue(t, mm, uaddr, uaddr2, s32(val), val2, None, private))
    if cmd == X.FUTEX_CMP_REQUEUE:
        return _preempt_on_wake(t, F.futex_requeue(t, mm, uaddr, uaddr2, s32(val), val2, val3, private))
    if cmd == X.FUTEX_WAKE_OP:
        return _preempt_on_wake(t, F.futex_wake_op(t, mm, uaddr, uaddr2, s32(val), val2,
                                                   val3 & 0xFFFF_FFFF, private))
    if cmd in (X.FUTEX_LOCK_PI, X.FUTEX_LOCK_PI2, X.FUTEX_TRYLOCK_PI):
        deadline = None if cmd == X.FUTEX_TRYLOCK_PI else _wait_deadline(t, cmd, op, utime)
        return (yield from PI.futex_lock_pi(t, mm, uaddr, deadline, private, cmd == X.FUTEX_TRYLOCK_PI))
    if cmd == X.FUTEX_UNLOCK_PI:
        return PI.futex_unlock_pi(t, mm, uaddr, private)
    raise KernelError(E.ENOSYS)              # FUTEX_FD, requeue-PI: not implemented


def _preempt_on_wake(t: Task, woken: int) -> int:
    """Wakeup preemption (CFS's check_preempt_wakeup): a waiter just woken has slept, so it runs
    before the waker goes on. On one CPU this hands a lock over at once, instead of the waker
    paying a futex wake on every unlock until its time slice ends."""
    if woken:
        t.kernel.need_resched = True
        t.kernel.cpu.stop()
    return woken


def _futex_wait(t: Task, uaddr: int, val: int, bitset: int, deadline: int | None,
                private: bool) -> Generator[None, None, int]:
    restart = E.ERESTARTSYS if deadline is None else E.ERESTART_RESTARTBLOCK
    try:
        return (yield from F.futex_wait(t, mm_of(t), uaddr, val, bitset, deadline, private, restart))
    except KernelError as err:
        if err.errno == E.ERESTART_RESTARTBLOCK:
            t.restart_block = lambda task: _futex_wait(task, uaddr, val, bitset, deadline, private)
        raise


def sys_restart_syscall(t: Task) -> Generator[None, None, int]:
    """Continue a call interrupted with ERESTART_RESTARTBLOCK; EINTR if there is none."""
    fn, t.restart_block = t.restart_block, None
    if fn is None:
        raise KernelError(E.EINTR)
    return (yield from fn(t))


def sys_get_robust_list(t: Task, pid: int, head_ptr: int, len_ptr: int) -> int:
    p = task_or_self(t, pid)
    if p is not t and p.cred.uid != t.cred.euid and not capable(t, CAP_SYS_PTRACE):
        raise KernelError(E.EPERM)
    mm = mm_of(t)
    put_u64(mm, len_ptr, X.ROBUST_LIST_HEAD.size)
    put_u64(mm, head_ptr, p.robust_list)
    return 0


def sys_futex_waitv(t: Task, waiters: int, nr_futexes: int, flags: int, timeout: int,
                    clockid: int) -> Generator[None, None, int]:
    """Decode the futex_waitv array (each: FUTEX2_SIZE_U32, optional FUTEX2_PRIVATE, the value
    fitting 32 bits, no reserved bits) and the absolute timeout on CLOCK_MONOTONIC or
    CLOCK_REALTIME; EINVAL for anything else."""
    if flags or not waiters or not 0 < nr_futexes <= X.FUTEX_WAITV_MAX:
        raise KernelError(E.EINVAL)
    deadline = None
    if timeout:
        if clockid not in (A.CLOCK_REALTIME, A.CLOCK_MONOTONIC):
            raise KernelError(E.EINVAL)
        deadline = monotonic_ns() + (get_timespec(t, timeout) - clock_ns(t, clockid))
    mm = mm_of(t)
    raw = copy_from_user(mm, waiters, X.FUTEX_WAITV.size * nr_futexes)
    vs = []
    for val, uaddr, fl, reserved in X.FUTEX_WAITV.iter_unpack(raw):
        if reserved or fl & ~(X.FUTEX2_SIZE_MASK | X.FUTEX2_PRIVATE) \
                or fl & X.FUTEX2_SIZE_MASK != X.FUTEX2_SIZE_U32 or val >> 32:
            raise KernelError(E.EINVAL)
        vs.append((uaddr, val, fl))
    return (yield from F.futex_wait_multiple(t, mm, vs, deadline))
