"""CPU-time clocks and timers (Linux kernel/time/posix-cpu-timers.c).

A CPU clockid is ``~pid << 3 | perthread | which`` (clock_getcpuclockid,
pthread_getcpuclockid; CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID are pid 0,
the caller): ``which`` is CPUCLOCK_PROF (user + system), CPUCLOCK_VIRT (user) or
CPUCLOCK_SCHED (the runtime; pynix's user + system add up to it, cputime.py).

Provides:
- ``cpu_clock_task(t, clock, gettime)``: the task a clockid names (pid_for_clock), EINVAL
  when there is none: a reaped pid, a thread of another process, a pid that is no process;
- ``posix_cpu_clock_get`` / ``posix_cpu_clock_getres`` for clock_gettime / clock_getres;
- ``CpuTimer``: the CPU half of a POSIX timer (posix_timers.py): ``arm`` (relative or
  TIMER_ABSTIME, in the clock's ns), ``remaining``, ``cancel``; on expiry it calls
  ``fire(n)`` with the number of periods that passed, as a KTimer does;
- ``posix_cpu_nsleep`` for clock_nanosleep on a process CPU clock;
- the CPU interval timers ITIMER_VIRTUAL / ITIMER_PROF (``get_cpu_itimer``,
  ``set_cpu_itimer``, used by itimer.py; Linux's set_process_cpu_timer);
- ``run_posix_cpu_timers(t)``: the one check, which the scheduler makes each time ``t``
  comes back from user mode with its CPU time charged. Linux runs it from the tick; here a
  timer expires at the first return after its clock passed it. ``t.cpu_expires`` and
  ``t.signal.cpu_expires`` (earliest expiry per ``which``, NEVER when nothing is armed)
  are the expiry cache that keeps the check a comparison when no timer is due.

Owns ``Task.cpu_timers``, ``SignalStruct.cpu_timers`` (the armed CpuTimers on a thread or
group clock), both ``cpu_expires`` caches, and ``SignalStruct.cpu_itimers``
(ITIMER_* -> [expiry in group CPU ns, interval]).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Generator

from pynix.kernel.pid import find_task_by_vpid
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.time import (CPUCLOCK_CLOCK_MASK, CPUCLOCK_MAX, CPUCLOCK_PERTHREAD_MASK,
                                    CPUCLOCK_PROF, CPUCLOCK_SCHED, CPUCLOCK_VIRT, ITIMER_PROF,
                                    ITIMER_VIRTUAL)
from pynix.base.errors import KernelError
from pynix.base.kconfig import HZ
from pynix.base.runqueue import TASK_DEAD, TASK_ZOMBIE
from pynix.base.wait import WaitQueue, wait_event
from pynix.kernel.cputime import thread_group_cputime
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo

if TYPE_CHECKING:
    from pynix.kernel.task import Task

NEVER = 1 << 64
TICK_NSEC = 10**9 // HZ
ITIMER_CLOCK = {ITIMER_VIRTUAL: CPUCLOCK_VIRT, ITIMER_PROF: CPUCLOCK_PROF}
ITIMER_SIGNAL = {ITIMER_VIRTUAL: A.SIGVTALRM, ITIMER_PROF: A.SIGPROF}


def cpuclock_pid(clock: int) -> int:
    """CPUCLOCK_PID: the pid a clockid encodes (0: the caller)."""
    return ~(clock >> 3)


def is_cpu_clock(clock: int) -> bool:
    """A clockid served here: the two CPUTIME_IDs or a negative, non-fd clockid."""
    return clock in (A.CLOCK_PROCESS_CPUTIME_ID, A.CLOCK_THREAD_CPUTIME_ID) or \
        (clock < 0 and clock & CPUCLOCK_CLOCK_MASK != CPUCLOCK_MAX)


def _canonical(clock: int) -> int:
    """MAKE_PROCESS_CPUCLOCK(0, SCHED) / MAKE_THREAD_CPUCLOCK(0, SCHED) for the two ids."""
    if clock == A.CLOCK_PROCESS_CPUTIME_ID:
        return (~0 << 3) | CPUCLOCK_SCHED
    if clock == A.CLOCK_THREAD_CPUTIME_ID:
        return (~0 << 3) | CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_SCHED
    return clock


def _exited(t: Task) -> bool:
    return t.state in (TASK_ZOMBIE, TASK_DEAD)


def cpu_clock_task(t: Task, clock: int, gettime: bool) -> Task:
    """pid_for_clock + pid_task: the thread (per-thread clock) or a task of the process
    whose CPU time ``clock`` reads; EINVAL if there is none."""
    clock = _canonical(clock)
    thread = bool(clock & CPUCLOCK_PERTHREAD_MASK)
    if clock & CPUCLOCK_CLOCK_MASK >= CPUCLOCK_MAX:
        raise KernelError(E.EINVAL)
    pid = cpuclock_pid(clock)
    if pid == 0:
        return t if thread else t.group_leader
    p = find_task_by_vpid(t, pid)
    if p is None:
        raise KernelError(E.EINVAL)
    if thread:
        if p.signal is not t.signal:
            raise KernelError(E.EINVAL)
        return p
    if gettime and p is t:
        return t.group_leader
    if p.group_leader is not p:              # a pid that names a process
        raise KernelError(E.EINVAL)
    return p


def _samples(user: int, system: int) -> tuple[int, int, int]:
    """The three clocks, indexed by CPUCLOCK_*."""
    return user + system, user, user + system


def cpu_clock_sample(which: int, p: Task, thread: bool) -> int:
    """cpu_clock_sample / cpu_clock_sample_group."""
    return _samples(*(p.utime, p.stime) if thread else thread_group_cputime(p))[which]


def posix_cpu_clock_get(t: Task, clock: int) -> int:
    p = cpu_clock_task(t, clock, True)
    clock = _canonical(clock)
    return cpu_clock_sample(clock & CPUCLOCK_CLOCK_MASK, p, bool(clock & CPUCLOCK_PERTHREAD_MASK))


def posix_cpu_clock_getres(t: Task, clock: int) -> int:
    cpu_clock_task(t, clock, False)
    return 1 if _canonical(clock) & CPUCLOCK_CLOCK_MASK == CPUCLOCK_SCHED else \
        (10**9 + HZ - 1) // HZ


# -- the expiry cache -------------------------------------------------------------------
def _update_cache(owner: Task, thread: bool) -> None:
    """Recompute the earliest expiry per clock of a thread's or its group's timers."""
    holder = owner if thread else owner.signal
    cache = [NEVER, NEVER, NEVER]
    for timer in holder.cpu_timers:
        cache[timer.which] = min(cache[timer.which], timer.expires)
    if not thread:
        for which, it in holder.cpu_itimers.items():
            c = ITIMER_CLOCK[which]
            cache[c] = min(cache[c], it[0])
    holder.cpu_expires = cache if min(cache) != NEVER else None


class CpuTimer:
    """A POSIX timer on a CPU clock (struct cpu_timer and posix_cpu_timer_set/get/del)."""

    def __init__(self, t: Task, clock: int, fire: Callable[[int], None], sigev_none: bool) -> None:
        self.owner = cpu_clock_task(t, clock, False)
        clock = _canonical(clock)
        self.thread = bool(clock & CPUCLOCK_PERTHREAD_MASK)
        self.which = clock & CPUCLOCK_CLOCK_MASK
        self.fire = fire
        self.sigev_none = sigev_none
        self.expires = 0                     # 0: disarmed
        self.interval = 0

    def _holder(self) -> Task:
        return self.owner if self.thread else self.owner.signal   # type: ignore[return-value]

    def _dead(self) -> bool:
        if self.thread:
            return _exited(self.owner)
        return all(_exited(th) for th in self.owner.thread_group)

    def sample(self) -> int:
        return cpu_clock_sample(self.which, self.owner, self.thread)

    def remaining(self) -> tuple[int, int]:
        """posix_cpu_timer_get: (time left, interval); an expired timer whose signal is on
        its way shows 1 ns; a timer whose clock's task is gone, 0."""
        if not self.expires or self._dead():
            return 0, self.interval
        left = self.expires - self.sample()
        if left > 0:
            return left, self.interval
        return (0 if self.sigev_none and not self.interval else 1), self.interval

    def cancel(self) -> None:
        holder = self._holder()
        if self in holder.cpu_timers:
            holder.cpu_timers.remove(self)
            _update_cache(self.owner, self.thread)
        self.expires = 0

    def arm(self, value: int, interval: int, abstime: bool) -> None:
        """posix_cpu_timer_set: a deadline already passed fires at once."""
        self.cancel()
        self.interval = interval
        if not value or self._dead():
            return
        now = self.sample()
        self.expires = value if abstime else now + value
        if self.expires > now:
            self._holder().cpu_timers.append(self)
            _update_cache(self.owner, self.thread)
        else:
            self._expire(now)

    def _expire(self, now: int) -> None:
        """cpu_timer_fire + bump_cpu_timer: re-arm past ``now`` by whole periods."""
        n = 1
        if self.interval:
            n += (now - self.expires) // self.interval
            self.expires += n * self.interval
            holder = self._holder()
            if self not in holder.cpu_timers:
                holder.cpu_timers.append(self)
        else:
            self.expires = 0
        self.fire(n)


def posix_cpu_nsleep(t: Task, clock: int, value: int, abstime: bool) -> Generator[None, None, int]:
    """clock_nanosleep on a CPU clock (do_cpu_nanosleep): sleep until the clock reaches
    ``value`` (or ``value`` from now). Returns 0, or on a signal the clock time still left
    (the caller reports it and restarts); EINVAL on the caller's own thread clock."""
    if _canonical(clock) & CPUCLOCK_PERTHREAD_MASK and \
            cpuclock_pid(_canonical(clock)) in (0, t.pid):
        raise KernelError(E.EINVAL)
    wq = WaitQueue()
    fired: list[int] = []
    timer = CpuTimer(t, clock, lambda n: (fired.append(n), wq.wake_up()), True)
    timer.arm(value, 0, abstime)
    try:
        yield from wait_event(t, wq, lambda: bool(fired))
    except KernelError:
        return max(timer.remaining()[0], 1)
    finally:
        timer.cancel()
    return 0


# -- ITIMER_VIRTUAL / ITIMER_PROF ---------------------------------------------------------
def get_cpu_itimer(t: Task, which: int) -> tuple[int, int]:
    """get_cpu_itimer: the time left (a tick if it is due but not yet checked)."""
    it = t.signal.cpu_itimers.get(which)
    if it is None:
        return 0, 0
    left = it[0] - cpu_clock_sample(ITIMER_CLOCK[which], t, False)
    return (left if left > 0 else TICK_NSEC), it[1]


def set_cpu_itimer(t: Task, which: int, value_ns: int, interval_ns: int) -> None:
    """set_process_cpu_timer: arm (value 0: disarm) ITIMER_VIRTUAL or ITIMER_PROF."""
    timers = t.signal.cpu_itimers
    if value_ns:
        timers[which] = [cpu_clock_sample(ITIMER_CLOCK[which], t, False) + value_ns, interval_ns]
    else:
        timers.pop(which, None)
    _update_cache(t, False)


def _check_cpu_itimers(t: Task, samples: tuple[int, int, int]) -> None:
    """check_cpu_itimer for both interval timers of ``t``'s group."""
    sig = t.signal
    for which in (ITIMER_PROF, ITIMER_VIRTUAL):
        it = sig.cpu_itimers.get(which)
        if it is None or samples[ITIMER_CLOCK[which]] < it[0]:
            continue
        now = samples[ITIMER_CLOCK[which]]
        if it[1]:
            while it[0] <= now:
                it[0] += it[1]
        else:
            del sig.cpu_itimers[which]
        send_signal(t.group_leader, SigInfo(ITIMER_SIGNAL[which], A.SI_KERNEL))


# -- the check after user mode ----------------------------------------------------------
def _due(cache: list[int] | None, samples: tuple[int, int, int]) -> bool:
    """fastpath_timer_check: has any clock passed its earliest expiry?"""
    return cache is not None and any(s >= c for s, c in zip(samples, cache))


def _check_timers(owner: Task, thread: bool, samples: tuple[int, int, int]) -> None:
    """check_thread_timers / check_process_timers: fire whatever is due, refresh the cache."""
    holder = owner if thread else owner.signal
    for timer in [tm for tm in holder.cpu_timers if samples[tm.which] >= tm.expires]:
        if not timer.interval:
            holder.cpu_timers.remove(timer)
        timer._expire(samples[timer.which])
    if not thread:
        _check_cpu_itimers(owner, samples)
    _update_cache(owner, thread)


def run_posix_cpu_timers(t: Task) -> None:
    """After ``t`` ran in user mode: expire its thread's and its group's CPU timers."""
    if t.cpu_expires is not None:
        samples = _samples(t.utime, t.stime)
        if _due(t.cpu_expires, samples):
            _check_timers(t, True, samples)
    if t.signal.cpu_expires is not None:
        samples = _samples(*thread_group_cputime(t))
        if _due(t.signal.cpu_expires, samples):
            _check_timers(t, False, samples)
