"""Time syscalls: clock_gettime/getres, gettimeofday, time, nanosleep, clock_nanosleep, alarm,
setitimer/getitimer (kernel/itimer.py), times (Linux kernel/time/). POSIX timers: syscalls/sys_timer.py.

Clocks come from the host: CLOCK_REALTIME is wall time, CLOCK_MONOTONIC and CLOCK_BOOTTIME
count from boot of this kernel; CPU-time clocks (any process's or thread's,
kernel/posix_cpu_timers.py) report accounted CPU time.
"""
from __future__ import annotations

import struct
import time
from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.time import ITIMERVAL
from pynix.base.errors import KernelError
from pynix.base.kconfig import HZ
from pynix.base.timer import monotonic_ns
from pynix.base.wait import sleep_until
from pynix.kernel.cputime import thread_group_cputime
from pynix.kernel.itimer import alarm_setitimer, do_getitimer, do_setitimer
from pynix.kernel.posix_cpu_timers import (is_cpu_clock, posix_cpu_clock_get, posix_cpu_clock_getres,
                                           posix_cpu_nsleep)
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.syscalls.util import get_timespec, mm_of, s32


def clock_ns(t: Task, clk: int) -> int:
    clk = s32(clk)
    if clk in (A.CLOCK_REALTIME, A.CLOCK_REALTIME_COARSE, 8):
        return time.time_ns()
    if clk in (A.CLOCK_MONOTONIC, A.CLOCK_MONOTONIC_RAW, A.CLOCK_MONOTONIC_COARSE, A.CLOCK_BOOTTIME, 9):
        return monotonic_ns() - t.kernel.boot_ns + 10**9
    if is_cpu_clock(clk):
        return posix_cpu_clock_get(t, clk)
    raise KernelError(E.EINVAL)


TICK_NSEC = 10**9 // HZ          # the coarse clocks advance once a jiffy


def _ts(ns: int) -> bytes:
    return A.TIMESPEC.pack(ns // 10**9, ns % 10**9)


def sys_clock_gettime(t: Task, clk: int, tp: int) -> int:
    copy_to_user(mm_of(t), tp, _ts(clock_ns(t, clk)))
    return 0


def sys_clock_getres(t: Task, clk: int, tp: int) -> int:
    clk = s32(clk)
    if is_cpu_clock(clk):
        res = posix_cpu_clock_getres(t, clk)
    else:
        clock_ns(t, clk)
        res = TICK_NSEC if clk in (A.CLOCK_REALTIME_COARSE, A.CLOCK_MONOTONIC_COARSE) else 1
    if tp:
        copy_to_user(mm_of(t), tp, _ts(res))
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
    clk = s32(clk)
    if clk == A.CLOCK_THREAD_CPUTIME_ID:
        raise KernelError(E.EOPNOTSUPP)      # the thread clock has no nsleep (glibc says EINVAL)
    value, absolute = get_timespec(t, req), bool(flags & A.TIMER_ABSTIME)
    if not is_cpu_clock(clk):
        return (yield from _sleep(t, clk, value, absolute, rem))
    left = yield from posix_cpu_nsleep(t, clk, value, absolute)
    if left:
        if rem and not absolute:
            copy_to_user(mm_of(t), rem, _ts(left))
        raise KernelError(E.ERESTARTNOHAND)
    return 0


def sys_alarm(t: Task, seconds: int) -> int:
    return alarm_setitimer(t, seconds & 0xFFFFFFFF)


def _tv_ns(sec: int, usec: int) -> int:
    if sec < 0 or not 0 <= usec < 10**6:
        raise KernelError(E.EINVAL)
    return sec * 10**9 + usec * 1000


def _put_itimerval(t: Task, addr: int, value: int, interval: int) -> None:
    copy_to_user(mm_of(t), addr, ITIMERVAL.pack(interval // 10**9, interval % 10**9 // 1000,
                                                value // 10**9, value % 10**9 // 1000))


def sys_setitimer(t: Task, which: int, new: int, old: int) -> int:
    isec, iusec, vsec, vusec = ITIMERVAL.unpack(copy_from_user(mm_of(t), new, ITIMERVAL.size)) \
        if new else (0, 0, 0, 0)
    value, interval = do_setitimer(t, s32(which), _tv_ns(vsec, vusec), _tv_ns(isec, iusec))
    if old:
        _put_itimerval(t, old, value, interval)
    return 0


def sys_getitimer(t: Task, which: int, cur: int) -> int:
    value, interval = do_getitimer(t, s32(which))
    _put_itimerval(t, cur, value, interval)
    return 0


def sys_times(t: Task, buf: int) -> int:
    tick = 10**9 // A.USER_HZ
    u, s = (ns // tick for ns in thread_group_cputime(t))
    if buf:
        copy_to_user(mm_of(t), buf, A.TMS.pack(u, s, t.signal.cutime // tick, t.signal.cstime // tick))
    return (monotonic_ns() - t.kernel.boot_ns) // tick + 100
