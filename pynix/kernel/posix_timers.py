"""POSIX per-process timers: timer_create, timer_settime, timer_gettime, timer_getoverrun,
timer_delete (Linux kernel/time/posix-timers.c).

A process (thread group) owns its timers, numbered from 0 in ``SignalStruct.posix_timers``.
A timer runs on CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME (the CPU-time clocks are
not supported: ENOTSUP) and on expiry queues its signal with si_code SI_TIMER, the timer id,
the overrun count and the sigevent's value, to the process or, for SIGEV_THREAD_ID, to one
thread; SIGEV_NONE only counts. While the previous signal of a timer is still pending, an
expiry only adds to the overrun. A periodic timer is re-armed from its last deadline.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.kernel.errors import KernelError
from pynix.kernel.sched import Timers, monotonic_ns
from pynix.kernel.task import SigInfo, Task

CLOCKS = (A.CLOCK_REALTIME, A.CLOCK_MONOTONIC, A.CLOCK_BOOTTIME)
CPU_CLOCKS = (A.CLOCK_PROCESS_CPUTIME_ID, A.CLOCK_THREAD_CPUTIME_ID)
MAX_TIMERS = 1 << 15


@dataclass
class PosixTimer:
    tid: int
    owner: Task                     # the process (group leader) or, SIGEV_THREAD_ID, a thread
    notify: int
    signo: int
    value: int
    clock_now: Callable[[], int]
    interval: int = 0
    deadline: int | None = None     # host monotonic ns of the next expiry
    entry: list | None = None
    overrun: int = 0                # expiries folded into the pending signal
    last_overrun: int = 0           # the overrun of the signal delivered before the pending one
    info: SigInfo | None = field(default=None)


def _pending(p: PosixTimer) -> bool:
    t = p.owner
    queues = t.pending if p.notify == A.SIGEV_THREAD_ID else t.signal.shared_pending
    return p.info is not None and any(i is p.info for i in queues)


def _fire(p: PosixTimer) -> None:
    from pynix.kernel.signal import send_signal
    now = monotonic_ns()
    assert p.deadline is not None
    missed = (now - p.deadline) // p.interval if p.interval else 0
    if p.interval:
        p.deadline += (missed + 1) * p.interval
        p.entry = p.owner.kernel.timers.add(p.deadline, lambda: _fire(p))
    else:
        p.deadline = p.entry = None
    if p.notify == A.SIGEV_NONE:
        return
    if _pending(p):
        p.overrun += 1 + missed
        assert p.info is not None
        p.info.uid = p.overrun
        return
    p.last_overrun = p.overrun          # the previous signal was delivered with this count
    p.overrun = missed
    p.info = SigInfo(p.signo, A.SI_TIMER, pid=p.tid, uid=missed, value=p.value)
    send_signal(p.owner, p.info, group=p.notify != A.SIGEV_THREAD_ID)


def timer_create(t: Task, clockid: int, clock_now: Callable[[], int],
                 event: tuple[int, int, int, int] | None) -> int:
    """``event`` is the sigevent (value, signo, notify, thread id), or None for SIGALRM."""
    if clockid in CPU_CLOCKS:
        raise KernelError(E.ENOTSUP)
    if clockid not in CLOCKS:
        raise KernelError(E.EINVAL)
    timers = t.signal.posix_timers
    tid = 0
    while tid in timers:
        tid += 1
    if tid >= MAX_TIMERS:
        raise KernelError(E.EAGAIN)
    owner = t.group_leader
    if event is None:
        value, signo, notify = tid, A.SIGALRM, A.SIGEV_SIGNAL
    else:
        value, signo, notify, thread = event
        if notify not in (A.SIGEV_SIGNAL, A.SIGEV_NONE, A.SIGEV_THREAD_ID):
            raise KernelError(E.EINVAL)
        if notify != A.SIGEV_NONE and not 1 <= signo < A.NSIG:
            raise KernelError(E.EINVAL)
        if notify == A.SIGEV_THREAD_ID:
            target = next((th for th in t.thread_group if th.pid == thread), None)
            if target is None:
                raise KernelError(E.EINVAL)
            owner = target
    timers[tid] = PosixTimer(tid, owner, notify, signo, value, clock_now)
    return tid


def find_timer(t: Task, tid: int) -> PosixTimer:
    p = t.signal.posix_timers.get(tid)
    if p is None:
        raise KernelError(E.EINVAL)
    return p


def timer_getoverrun(p: PosixTimer) -> int:
    """The overrun count of the last signal delivered (it_overrun_last)."""
    return p.last_overrun if _pending(p) else p.overrun


def timer_gettime(p: PosixTimer) -> tuple[int, int]:
    """(interval, time to the next expiry) in ns; 0 when disarmed."""
    left = 0 if p.deadline is None else max(p.deadline - monotonic_ns(), 1)
    return p.interval, left


def timer_settime(p: PosixTimer, value: int, interval: int, absolute: bool) -> tuple[int, int]:
    old = timer_gettime(p)
    if p.entry is not None:
        Timers.cancel(p.entry)
    p.entry = p.deadline = None
    p.interval = interval
    if value:
        delay = value - p.clock_now() if absolute else value
        p.deadline = monotonic_ns() + max(delay, 0)
        p.entry = p.owner.kernel.timers.add(p.deadline, lambda: _fire(p))
    return old


def timer_delete(t: Task, tid: int) -> None:
    p = t.signal.posix_timers.pop(tid, None)
    if p is None:
        raise KernelError(E.EINVAL)
    if p.entry is not None:
        Timers.cancel(p.entry)


def exit_itimers(t: Task) -> None:
    """exec and the death of the process delete its timers."""
    for tid in list(t.signal.posix_timers):
        timer_delete(t, tid)
