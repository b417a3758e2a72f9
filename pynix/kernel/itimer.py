"""Interval timers: setitimer, getitimer and alarm (Linux kernel/time/itimer.c), with the
process CPU-time timers of kernel/time/posix-cpu-timers.c.

Each thread group (``SignalStruct``) has three:
- ITIMER_REAL counts wall-clock time on a kernel timer (base/timer.py) and sends SIGALRM;
- ITIMER_VIRTUAL counts the group's user time and sends SIGVTALRM;
- ITIMER_PROF counts its user and system time and sends SIGPROF.
A timer with an interval is re-armed from its previous expiry, not from when the signal
went out, so it keeps its period.

Provides ``do_setitimer(t, which, value_ns, interval_ns) -> (old value, old interval)``,
``do_getitimer(t, which)`` and ``alarm_setitimer(t, seconds)``. The two CPU timers live
in kernel/posix_cpu_timers.py with the POSIX CPU timers, checked in the same place
(run_posix_cpu_timers) each time a task comes back from user mode.

Owns ``SignalStruct.itimer_real`` ([timer entry, interval, deadline] or None).
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.time import ITIMER_REAL
from pynix.base.errors import KernelError
from pynix.base.timer import Timers, monotonic_ns
from pynix.kernel.posix_cpu_timers import ITIMER_SIGNAL, get_cpu_itimer, set_cpu_itimer
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task


# -- ITIMER_REAL --------------------------------------------------------------------------
def it_real_fn(t: Task) -> None:
    """The real timer expired (Linux's it_real_fn): SIGALRM, re-armed by its interval."""
    sig = t.signal
    it = sig.itimer_real
    if it is None:
        return
    send_signal(t.group_leader, SigInfo(A.SIGALRM, A.SI_KERNEL))
    interval = it[1]
    if interval:
        deadline = it[2] + interval
        sig.itimer_real = [t.kernel.timers.add(deadline, lambda: it_real_fn(t)), interval, deadline]
    else:
        sig.itimer_real = None


def _get_real(t: Task) -> tuple[int, int]:
    it = t.signal.itimer_real
    return (max(it[2] - monotonic_ns(), 1), it[1]) if it else (0, 0)


def _set_real(t: Task, value_ns: int, interval_ns: int) -> None:
    sig = t.signal
    if sig.itimer_real is not None:
        Timers.cancel(sig.itimer_real[0])
        sig.itimer_real = None
    if value_ns:
        deadline = monotonic_ns() + value_ns
        sig.itimer_real = [t.kernel.timers.add(deadline, lambda: it_real_fn(t)), interval_ns,
                           deadline]


# -- the calls ---------------------------------------------------------------------------
def do_getitimer(t: Task, which: int) -> tuple[int, int]:
    """(value, interval) in ns."""
    if which == ITIMER_REAL:
        return _get_real(t)
    if which in ITIMER_SIGNAL:
        return get_cpu_itimer(t, which)
    raise KernelError(E.EINVAL)


def do_setitimer(t: Task, which: int, value_ns: int, interval_ns: int) -> tuple[int, int]:
    """Arm (value 0: disarm) timer ``which``; returns the old (value, interval)."""
    old = do_getitimer(t, which)
    if which == ITIMER_REAL:
        _set_real(t, value_ns, interval_ns)
    else:
        set_cpu_itimer(t, which, value_ns, interval_ns)
    return old


def alarm_setitimer(t: Task, seconds: int) -> int:
    """alarm(2): ITIMER_REAL without interval; the old value rounded to whole seconds (up
    from half a second, as Linux rounds, and never 0 for a pending alarm)."""
    old, _ = do_setitimer(t, ITIMER_REAL, seconds * 10**9, 0)
    if not old:
        return 0
    secs, rest = divmod(old, 10**9)
    return max(secs + (rest >= 5 * 10**8), 1)
