"""eventfd, eventfd2, epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait(2),
signalfd, signalfd4: thin handlers around fs/eventfd.py, fs/eventpoll.py and fs/signalfd.py
(Linux fs/eventfd.c, fs/eventpoll.c, fs/signalfd.c). timerfd: syscalls/sys_timer.py.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.arch.x86_64.signal import SFD_CLOEXEC, SFD_NONBLOCK
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.fs.eventfd import eventfd_create
from pynix.fs.eventpoll import EventPoll, ep_ctl, ep_poll
from pynix.fs.signalfd import SignalFdFile
from pynix.kernel.sigqueue import UNBLOCKABLE
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, get_u64
from pynix.syscalls.sys_poll import _restore_mask, _with_mask
from pynix.syscalls.util import fget, get_timespec, install_new_file, mm_of, s32


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


def _wait(t: Task, epfd: int, events: int, maxevents: int, timeout: int,
          timeout_ns: int | None = None) -> Generator[None, None, int]:
    """epoll_wait: ``timeout`` in ms (< 0: forever), or ``timeout_ns`` (epoll_pwait2)."""
    maxevents, timeout = s32(maxevents), s32(timeout)
    if not 0 < maxevents <= V.EP_MAX_EVENTS:
        raise KernelError(E.EINVAL)
    ep = _epoll(t, epfd)
    if timeout_ns is not None:
        deadline: int | None = monotonic_ns() + timeout_ns
    else:
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


def sys_epoll_pwait2(t: Task, epfd: int, events: int, maxevents: int, timeout: int, sigmask: int,
                     size: int) -> Generator[None, None, int]:
    """epoll_pwait with a struct timespec timeout (NULL: forever)."""
    if sigmask and size != 8:
        raise KernelError(E.EINVAL)
    timeout_ns = get_timespec(t, timeout) if timeout else None
    _with_mask(t, sigmask)
    try:
        if timeout_ns is None:
            return (yield from _wait(t, epfd, events, maxevents, -1))
        return (yield from _wait(t, epfd, events, maxevents, 0, timeout_ns))
    finally:
        _restore_mask(t)


def sys_signalfd4(t: Task, fd: int, maskp: int, sizemask: int, flags: int) -> int:
    """A new signalfd for the signals in the mask, or (fd != -1) a new mask for one."""
    if sizemask != 8 or flags & ~(SFD_CLOEXEC | SFD_NONBLOCK):
        raise KernelError(E.EINVAL)
    mask = get_u64(mm_of(t), maskp) & ~UNBLOCKABLE
    if s32(fd) != -1:
        f = fget(t, fd)
        if not isinstance(f, SignalFdFile):
            raise KernelError(E.EINVAL)
        f.mask = mask
        return s32(fd)
    return install_new_file(t, SignalFdFile(t.kernel, mask, flags), bool(flags & SFD_CLOEXEC))


def sys_signalfd(t: Task, fd: int, maskp: int, sizemask: int) -> int:
    return sys_signalfd4(t, fd, maskp, sizemask, 0)
