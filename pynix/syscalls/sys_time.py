"""Time syscalls: clock_gettime/getres, gettimeofday, time, nanosleep, clock_nanosleep, alarm,
setitimer/getitimer, times (Linux kernel/time/). POSIX timers: syscalls/sys_timer.py.

Clocks come from the host: CLOCK_REALTIME is wall time, CLOCK_MONOTONIC and CLOCK_BOOTTIME
count from boot of this kernel; CPU-time clocks report the task's accounted user time.
"""
from __future__ import annotations

import struct
import time
from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.kconfig import HZ
from pynix.base.timer import Timers, monotonic_ns
from pynix.base.wait import sleep_until
from pynix.kernel.exit import thread_group_cputime
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.syscalls.util import get_timespec, mm_of, s32

ITIMERVAL = struct.Struct("<qqqq")
ITIMER_REAL = 0


def clock_ns(t: Task, clk: int) -> int:
    clk = s32(clk)
    if clk in (A.CLOCK_REALTIME, A.CLOCK_REALTIME_COARSE, 8):
        return time.time_ns()
    if clk in (A.CLOCK_MONOTONIC, A.CLOCK_MONOTONIC_RAW, A.CLOCK_MONOTONIC_COARSE, A.CLOCK_BOOTTIME, 9):
        return monotonic_ns() - t.kernel.boot_ns + 10**9
    if clk == A.CLOCK_PROCESS_CPUTIME_ID:
        return sum(thread_group_cputime(t))
    if clk == A.CLOCK_THREAD_CPUTIME_ID:
        return t.utime + t.stime
    raise KernelError(E.EINVAL)


TICK_NSEC = 10**9 // HZ          # the coarse clocks advance once a jiffy


def _ts(ns: int) -> bytes:
    return A.TIMESPEC.pack(ns // 10**9, ns % 10**9)


def sys_clock_gettime(t: Task, clk: int, tp: int) -> int:
    copy_to_user(mm_of(t), tp, _ts(clock_ns(t, clk)))
    return 0


def sys_clock_getres(t: Task, clk: int, tp: int) -> int:
    clock_ns(t, clk)
    if tp:
        coarse = clk in (A.CLOCK_REALTIME_COARSE, A.CLOCK_MONOTONIC_COARSE)
        copy_to_user(mm_of(t), tp, _ts(TICK_NSEC if coarse else 1))
    return 0


def sys_gettimeofday(t: Task, tv: int, tz: int) -> int:
    ns = time.time_ns()
    if tv:
        copy_to_user(mm_of(t), tv, A.TIMEVAL.pack(ns // 10**9, (ns % 10**9) // 1000))
    if tz:
        copy_to_user(mm_of(t), tz, bytes(8))
    return 0


def sys_time(t: Task, tloc: int) -> int:
    now = time.time_ns() // 10**9
    if tloc:
        copy_to_user(mm_of(t), tloc, struct.pack("<q", now))
    return now


def _sleep(t: Task, clk: int, req_ns: int, absolute: bool, rem: int) -> Generator[None, None, int]:
    now_clock = clock_ns(t, clk)
    delta = req_ns - now_clock if absolute else req_ns
    deadline = monotonic_ns() + max(delta, 0)
    try:
        yield from sleep_until(t, deadline, restart=E.ERESTARTNOHAND)
    except KernelError:
        if rem and not absolute:
            copy_to_user(mm_of(t), rem, _ts(max(deadline - monotonic_ns(), 0)))
        raise
    return 0


def sys_nanosleep(t: Task, req: int, rem: int) -> Generator[None, None, int]:
    return (yield from _sleep(t, A.CLOCK_MONOTONIC, get_timespec(t, req), False, rem))


def sys_clock_nanosleep(t: Task, clk: int, flags: int, req: int, rem: int) -> Generator[None, None, int]:
    if s32(clk) in (A.CLOCK_THREAD_CPUTIME_ID,):
        raise KernelError(E.EINVAL)
    return (yield from _sleep(t, clk, get_timespec(t, req), bool(flags & A.TIMER_ABSTIME), rem))


def _itimer_fire(t: Task) -> None:
    sig = t.signal
    it = sig.itimer_real
    if it is None:
        return
    send_signal(t.group_leader, SigInfo(A.SIGALRM, 0x80))
    interval = it[1]
    if interval:
        deadline = it[2] + interval
        sig.itimer_real = [t.kernel.timers.add(deadline, lambda: _itimer_fire(t)), interval, deadline]
    else:
        sig.itimer_real = None


def set_itimer_real(t: Task, value_ns: int, interval_ns: int) -> tuple[int, int]:
    """Arm ITIMER_REAL; returns the old (remaining, interval)."""
    sig = t.signal
    old = (0, 0)
    if sig.itimer_real is not None:
        entry, ival, deadline = sig.itimer_real
        old = (max(deadline - monotonic_ns(), 1), ival)
        Timers.cancel(entry)
        sig.itimer_real = None
    if value_ns:
        deadline = monotonic_ns() + value_ns
        sig.itimer_real = [t.kernel.timers.add(deadline, lambda: _itimer_fire(t)), interval_ns, deadline]
    return old


def sys_alarm(t: Task, seconds: int) -> int:
    rem, _ = set_itimer_real(t, (seconds & 0xFFFFFFFF) * 10**9, 0)
    return (rem + 999_999_999) // 10**9 if rem else 0


def _tv_ns(sec: int, usec: int) -> int:
    if sec < 0 or not 0 <= usec < 10**6:
        raise KernelError(E.EINVAL)
    return sec * 10**9 + usec * 1000


def sys_setitimer(t: Task, which: int, new: int, old: int) -> int:
    if which != ITIMER_REAL:
        raise KernelError(E.EINVAL if which > 2 else E.ENOSYS)
    isec, iusec, vsec, vusec = ITIMERVAL.unpack(copy_from_user(mm_of(t), new, 32)) if new else (0, 0, 0, 0)
    rem, ival = set_itimer_real(t, _tv_ns(vsec, vusec), _tv_ns(isec, iusec))
    if old:
        copy_to_user(mm_of(t), old, ITIMERVAL.pack(ival // 10**9, ival % 10**9 // 1000,
                                                   rem // 10**9, rem % 10**9 // 1000))
    return 0


def sys_getitimer(t: Task, which: int, cur: int) -> int:
    if which != ITIMER_REAL:
        raise KernelError(E.EINVAL if which > 2 else E.ENOSYS)
    it = t.signal.itimer_real
    rem, ival = (max(it[2] - monotonic_ns(), 1), it[1]) if it else (0, 0)
    copy_to_user(mm_of(t), cur, ITIMERVAL.pack(ival // 10**9, ival % 10**9 // 1000,
                                               rem // 10**9, rem % 10**9 // 1000))
    return 0


def sys_times(t: Task, buf: int) -> int:
    tick = 10**9 // A.USER_HZ
    u, s = (ns // tick for ns in thread_group_cputime(t))
    if buf:
        copy_to_user(mm_of(t), buf, A.TMS.pack(u, s, t.signal.cutime // tick, t.signal.cstime // tick))
    return (monotonic_ns() - t.kernel.boot_ns) // tick + 100
