"""Interval timers on the kernel's timer heap, and POSIX per-process timers (Linux
kernel/time/hrtimer.c's role for these users, and kernel/time/posix-timers.c).

Interval timers, timerfd (fs/timerfd.py) and the POSIX timers below are built on
``base.timer.KTimer``; expiry runs in the kernel loop, so a busy CPU sees it at the next
clock tick.

POSIX timers (timer_create & co.) belong to the thread group (``signal.posix_timers``, ids
from 0). On expiry a timer queues its signal (SIGEV_SIGNAL to the process, SIGEV_THREAD_ID
to one thread; SIGEV_NONE nothing; SIGEV_THREAD, which the C library builds on a
signal, is SIGEV_SIGNAL to the kernel) with si_code SI_TIMER, si_timerid, si_value; while that
signal is still pending further expirations only count as overruns (si_overrun,
timer_getoverrun). exec and the group's exit delete them (exit_itimers). Clocks: REALTIME,
MONOTONIC, BOOTTIME on a KTimer, and the CPU-time clocks on a CpuTimer
(kernel/posix_cpu_timers.py); ``timer_settime``/``timer_gettime`` here serve both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.time import CLOCKFD, CLOCKFD_MASK
from pynix.base.errors import KernelError
from pynix.base.timer import KTimer, monotonic_ns
from pynix.kernel.posix_cpu_timers import CpuTimer, is_cpu_clock
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo

if TYPE_CHECKING:
    from pynix.kernel.task import Task

TIMER_CLOCKS = (A.CLOCK_REALTIME, A.CLOCK_MONOTONIC, A.CLOCK_BOOTTIME)
NO_TIMER_CLOCKS = (A.CLOCK_MONOTONIC_RAW, A.CLOCK_REALTIME_COARSE, A.CLOCK_MONOTONIC_COARSE)
SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID = (A.SIGEV_SIGNAL, A.SIGEV_NONE, A.SIGEV_THREAD,
                                                   A.SIGEV_THREAD_ID)
TIMER_MAX_PER_PROCESS = 1 << 16


def host_deadline(now_in_clock: int, value: int, abstime: bool) -> int:
    """A timer value (relative, or absolute on a clock that reads ``now_in_clock``) as a
    host monotonic deadline."""
    return monotonic_ns() + (value - now_in_clock if abstime else value)


@dataclass
class PosixTimer:
    """struct k_itimer."""
    id: int
    clock: int
    notify: int
    signo: int
    value: int                      # sigev_value, delivered as si_value
    target: Task                    # the process (SIGEV_SIGNAL) or thread (SIGEV_THREAD_ID)
    ktimer: KTimer | None = None
    cpu: CpuTimer | None = None     # on a CPU-time clock instead of ktimer
    overrun: int = 0                # expirations while the signal was still pending
    overrun_last: int = 0           # what timer_getoverrun reports
    info: SigInfo | None = None     # the queued signal, while queued


def _timers_of(t: Task) -> dict[int, PosixTimer]:
    timers = getattr(t.signal, "posix_timers", None)
    if timers is None:
        timers = t.signal.posix_timers = {}
    return timers


def timer_create(t: Task, clock: int, notify: int, signo: int, value: int, tid: int) -> int:
    if clock in NO_TIMER_CLOCKS or (clock < 0 and clock & CLOCKFD_MASK == CLOCKFD):
        raise KernelError(E.EOPNOTSUPP)     # a clock without timers (a dynamic fd clock too)
    if clock not in TIMER_CLOCKS and not is_cpu_clock(clock):
        raise KernelError(E.EINVAL)
    if notify not in (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID):
        raise KernelError(E.EINVAL)
    if notify != SIGEV_NONE and not 1 <= signo < A.NSIG:
        raise KernelError(E.EINVAL)
    target = t.group_leader
    if notify == SIGEV_THREAD_ID:
        target = next((th for th in t.thread_group if th.pid == tid), None)  # type: ignore[assignment]
        if target is None:
            raise KernelError(E.EINVAL)
    timers = _timers_of(t)
    if len(timers) >= TIMER_MAX_PER_PROCESS:
        raise KernelError(E.EAGAIN)
    tid_ = next(i for i in range(len(timers) + 1) if i not in timers)
    timer = PosixTimer(tid_, clock, notify, signo, value, target)
    if is_cpu_clock(clock):
        timer.cpu = CpuTimer(t, clock, lambda n: _posix_timer_fire(timer, n), notify == SIGEV_NONE)
    else:
        timer.ktimer = KTimer(t.kernel.timers, lambda n: _posix_timer_fire(timer, n))
    timers[tid_] = timer
    return tid_


def _posix_timer_fire(timer: PosixTimer, n: int) -> None:
    """``n`` expirations: a new signal counts n - 1 overruns; while the last one is still
    pending, all ``n`` add to its overrun count (Linux's it_overrun, capped at INT_MAX)."""
    if timer.notify == SIGEV_NONE:
        timer.overrun += n - 1
        return
    target = timer.target
    info = timer.info
    queued = info is not None and any(i is info for i in (*target.pending, *target.signal.shared_pending))
    if queued:
        timer.overrun += n                  # still pending: overruns, no new signal
        info.uid = timer.overrun_last = min(timer.overrun, 0x7FFFFFFF)  # type: ignore[union-attr]
        return
    timer.overrun = n - 1
    timer.overrun_last = min(timer.overrun, 0x7FFFFFFF)
    timer.info = SigInfo(timer.signo, A.SI_TIMER, pid=timer.id, uid=timer.overrun_last,
                         value=timer.value)
    send_signal(target, timer.info, group=timer.notify != SIGEV_THREAD_ID)


def find_timer(t: Task, timer_id: int) -> PosixTimer:
    timer = _timers_of(t).get(timer_id)
    if timer is None:
        raise KernelError(E.EINVAL)
    return timer


def timer_gettime(timer: PosixTimer) -> tuple[int, int]:
    """(time left, interval) in ns."""
    clock = timer.cpu or timer.ktimer
    assert clock is not None
    return clock.remaining()


def timer_settime(timer: PosixTimer, value: int, interval: int, abstime: bool,
                  host_deadline: int) -> tuple[int, int]:
    """Arm (value 0: disarm); a clock timer expires at the host monotonic
    ``host_deadline`` (the caller converts from its clock), a CPU timer at ``value`` on
    its clock (or ``value`` from now). Returns the old (time left, interval)."""
    old = timer_gettime(timer)
    if timer.cpu is not None:
        timer.cpu.arm(value, interval, abstime)
    else:
        assert timer.ktimer is not None
        timer.ktimer.arm(host_deadline if value else None, interval)
    return old


def _cancel(timer: PosixTimer) -> None:
    clock = timer.cpu or timer.ktimer
    if clock is not None:
        clock.cancel()


def timer_delete(t: Task, timer_id: int) -> None:
    _cancel(find_timer(t, timer_id))
    del _timers_of(t)[timer_id]


def exit_itimers(t: Task) -> None:
    """exec, or the last thread of the group exits: every POSIX timer goes."""
    for timer in _timers_of(t).values():
        _cancel(timer)
    t.signal.posix_timers = {}
