"""POSIX timers and timerfd: timer_create, timer_settime, timer_gettime, timer_getoverrun,
timer_delete, timerfd_create, timerfd_settime, timerfd_gettime (Linux
kernel/time/posix-timers.c, fs/timerfd.c).

Thin: decode struct sigevent and struct itimerspec, then kernel/posix_timers.py and
fs/timerfd.py do the work.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.base.errors import KernelError
from pynix.fs.timerfd import TimerFdFile, timerfd_create
from pynix.kernel import posix_timers as P
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, put_i32
from pynix.syscalls.sys_time import clock_ns
from pynix.syscalls.util import fget, install_new_file, mm_of, s32


def _get_itimerspec(t: Task, addr: int) -> tuple[int, int]:
    """(value, interval) in ns; EINVAL for a malformed timespec."""
    isec, insec, vsec, vnsec = V.ITIMERSPEC.unpack(copy_from_user(mm_of(t), addr, V.ITIMERSPEC.size))
    for sec, nsec in ((isec, insec), (vsec, vnsec)):
        if sec < 0 or not 0 <= nsec < 10**9:
            raise KernelError(E.EINVAL)
    return vsec * 10**9 + vnsec, isec * 10**9 + insec


def _put_itimerspec(t: Task, addr: int, value: int, interval: int) -> None:
    copy_to_user(mm_of(t), addr, V.ITIMERSPEC.pack(interval // 10**9, interval % 10**9,
                                                   value // 10**9, value % 10**9))


def _arm(t: Task, ktimer: P.KTimer, clock: int, value: int, interval: int, abstime: bool) -> None:
    if not value:
        ktimer.arm(None, interval)
        return
    ktimer.arm(P.host_deadline(clock_ns(t, clock), value, abstime), interval)


# -- POSIX timers -----------------------------------------------------------------------------

def sys_timer_create(t: Task, clock: int, sevp: int, idp: int) -> int:
    if sevp:
        raw = copy_from_user(mm_of(t), sevp, V.SIGEVENT_SIZE)
        value, signo, notify, tid = V.SIGEVENT.unpack_from(raw)
    else:                                   # NULL: SIGALRM carrying the timer id
        value, signo, notify, tid = -1, A.SIGALRM, P.SIGEV_SIGNAL, 0
    timer_id = P.timer_create(t, s32(clock), notify, signo, value, tid)
    try:
        put_i32(mm_of(t), idp, timer_id)
    except KernelError:
        P.timer_delete(t, timer_id)
        raise
    if not sevp:
        P.find_timer(t, timer_id).value = timer_id
    return 0


def sys_timer_settime(t: Task, timer_id: int, flags: int, new: int, old: int) -> int:
    if not new:                             # Linux: EINVAL, before any copy
        raise KernelError(E.EINVAL)
    value, interval = _get_itimerspec(t, new)
    timer = P.find_timer(t, s32(timer_id))
    abstime = bool(flags & A.TIMER_ABSTIME)
    deadline = 0 if timer.cpu is not None or not value else \
        P.host_deadline(clock_ns(t, timer.clock), value, abstime)
    before = P.timer_settime(timer, value, interval, abstime, deadline)
    if old:
        _put_itimerspec(t, old, *before)
    return 0


def sys_timer_gettime(t: Task, timer_id: int, cur: int) -> int:
    _put_itimerspec(t, cur, *P.timer_gettime(P.find_timer(t, s32(timer_id))))
    return 0


def sys_timer_getoverrun(t: Task, timer_id: int) -> int:
    return P.find_timer(t, s32(timer_id)).overrun_last


def sys_timer_delete(t: Task, timer_id: int) -> int:
    P.timer_delete(t, s32(timer_id))
    return 0


# -- timerfd ----------------------------------------------------------------------------------

def _timerfd(t: Task, fd: int) -> TimerFdFile:
    f = fget(t, fd)
    if not isinstance(f, TimerFdFile):
        raise KernelError(E.EINVAL)
    return f


def sys_timerfd_create(t: Task, clock: int, flags: int) -> int:
    f = timerfd_create(t.kernel.timers, s32(clock), s32(flags))
    return install_new_file(t, f, bool(flags & V.TFD_CLOEXEC))


def sys_timerfd_settime(t: Task, fd: int, flags: int, new: int, old: int) -> int:
    f = _timerfd(t, fd)
    if flags & ~(V.TFD_TIMER_ABSTIME | V.TFD_TIMER_CANCEL_ON_SET):
        raise KernelError(E.EINVAL)
    value, interval = _get_itimerspec(t, new)
    before = f.timer.remaining()
    f.ticks = 0
    _arm(t, f.timer, f.clock, value, interval, bool(flags & V.TFD_TIMER_ABSTIME))
    if old:
        _put_itimerspec(t, old, *before)
    return 0


def sys_timerfd_gettime(t: Task, fd: int, cur: int) -> int:
    f = _timerfd(t, fd)
    _put_itimerspec(t, cur, *f.timer.remaining())
    return 0
