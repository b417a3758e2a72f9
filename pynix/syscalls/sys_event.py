"""eventfd, eventfd2, epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
timerfd_create, timerfd_settime, timerfd_gettime: thin handlers around fs/eventfd.py,
fs/eventpoll.py and fs/timerfd.py (Linux fs/eventfd.c, fs/eventpoll.c, fs/timerfd.c).
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.fs.eventfd import eventfd_create
from pynix.fs.eventpoll import EventPoll, ep_ctl, ep_poll
from pynix.kernel.errors import KernelError
from pynix.kernel.sched import monotonic_ns
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.syscalls.sys_poll import _restore_mask, _with_mask
from pynix.syscalls.util import fget, install_new_file, mm_of, s32


def sys_eventfd2(t: Task, initval: int, flags: int) -> int:
    f = eventfd_create(initval, s32(flags))
    return install_new_file(t, f, bool(flags & V.EFD_CLOEXEC))


def sys_eventfd(t: Task, initval: int) -> int:
    return sys_eventfd2(t, initval, 0)


def sys_epoll_create1(t: Task, flags: int) -> int:
    if flags & ~V.EPOLL_CLOEXEC:
        raise KernelError(E.EINVAL)
    return install_new_file(t, EventPoll(0), bool(flags & V.EPOLL_CLOEXEC))


def sys_epoll_create(t: Task, size: int) -> int:
    if s32(size) <= 0:
        raise KernelError(E.EINVAL)
    return sys_epoll_create1(t, 0)


def _epoll(t: Task, epfd: int) -> EventPoll:
    ep = fget(t, epfd)
    if not isinstance(ep, EventPoll):
        raise KernelError(E.EINVAL)
    return ep


def sys_epoll_ctl(t: Task, epfd: int, op: int, fd: int, event: int) -> int:
    events = data = 0
    if op != V.EPOLL_CTL_DEL:
        events, data = V.EPOLL_EVENT.unpack(copy_from_user(mm_of(t), event, V.EPOLL_EVENT.size))
    ep_file = fget(t, epfd)
    f = fget(t, fd)
    if not isinstance(ep_file, EventPoll):
        raise KernelError(E.EINVAL)
    ep_ctl(ep_file, op, s32(fd), f, events, data)
    return 0


def _wait(t: Task, epfd: int, events: int, maxevents: int, timeout: int) -> Generator[None, None, int]:
    maxevents, timeout = s32(maxevents), s32(timeout)
    if not 0 < maxevents <= V.EP_MAX_EVENTS:
        raise KernelError(E.EINVAL)
    ep = _epoll(t, epfd)
    deadline = None if timeout < 0 else monotonic_ns() + timeout * 1_000_000
    ready = yield from ep_poll(t, ep, maxevents, deadline)
    copy_to_user(mm_of(t), events, b"".join(V.EPOLL_EVENT.pack(m, d) for m, d in ready))
    return len(ready)


def sys_epoll_wait(t: Task, epfd: int, events: int, maxevents: int, timeout: int) -> Generator[None, None, int]:
    return (yield from _wait(t, epfd, events, maxevents, timeout))


def sys_epoll_pwait(t: Task, epfd: int, events: int, maxevents: int, timeout: int, sigmask: int,
                    size: int) -> Generator[None, None, int]:
    if sigmask and size != 8:
        raise KernelError(E.EINVAL)
    _with_mask(t, sigmask)
    try:
        return (yield from _wait(t, epfd, events, maxevents, timeout))
    finally:
        _restore_mask(t)


def sys_timerfd_create(t: Task, clockid: int, flags: int) -> int:
    from pynix.fs.timerfd import CLOCKS, TimerFdFile
    if s32(clockid) not in CLOCKS or flags & ~(A.O_CLOEXEC | A.O_NONBLOCK):
        raise KernelError(E.EINVAL)
    return install_new_file(t, TimerFdFile(t.kernel, s32(clockid), flags), bool(flags & A.O_CLOEXEC))


def _timerfd(t: Task, fd: int):  # type: ignore[no-untyped-def]
    from pynix.fs.timerfd import TimerFdFile
    f = fget(t, fd)
    if not isinstance(f, TimerFdFile):
        raise KernelError(E.EINVAL)
    return f


def _itimerspec(left: int, interval: int) -> bytes:
    return A.ITIMERSPEC.pack(interval // 10**9, interval % 10**9, left // 10**9, left % 10**9)


def sys_timerfd_settime(t: Task, fd: int, flags: int, new: int, old: int) -> int:
    if flags & ~(A.TFD_TIMER_ABSTIME | A.TFD_TIMER_CANCEL_ON_SET):
        raise KernelError(E.EINVAL)
    isec, insec, vsec, vnsec = A.ITIMERSPEC.unpack(copy_from_user(mm_of(t), new, A.ITIMERSPEC.size))
    if not (0 <= insec < 10**9 and 0 <= vnsec < 10**9 and isec >= 0 and vsec >= 0):
        raise KernelError(E.EINVAL)
    f = _timerfd(t, fd)
    if old:
        copy_to_user(mm_of(t), old, _itimerspec(*f.gettime()))
    f.settime(vsec * 10**9 + vnsec, isec * 10**9 + insec, bool(flags & A.TFD_TIMER_ABSTIME))
    return 0


def sys_timerfd_gettime(t: Task, fd: int, cur: int) -> int:
    copy_to_user(mm_of(t), cur, _itimerspec(*_timerfd(t, fd).gettime()))
    return 0
