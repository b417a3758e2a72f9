"""Unit tests of fs/eventpoll.py and fs/eventfd.py over real pipe files: the ready list fed
by wake-ups, level- versus edge-triggered reporting, EPOLLONESHOT, wake-up keys, and items
dropped when their file is closed."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import event as V
from pynix.base.errors import KernelError
from pynix.base.wait import WaitCallback, WaitQueue
from pynix.fs.eventfd import EventFdFile, eventfd_create
from pynix.fs.eventpoll import EventPoll, ep_ctl
from pynix.fs.pipe import make_pipe
from pynix.fs.vfs.file import WouldBlock


def test_level_and_edge_triggered() -> None:
    r, w = make_pipe(0)
    ep = EventPoll(0)
    ep_ctl(ep, V.EPOLL_CTL_ADD, 3, r, V.EPOLLIN, 11)
    assert ep.ep_send_events(8) == []
    w.write(b"abc")
    assert ep.ep_send_events(8) == [(V.EPOLLIN, 11)]
    assert ep.ep_send_events(8) == [(V.EPOLLIN, 11)]        # level: again while data is there
    ep_ctl(ep, V.EPOLL_CTL_MOD, 3, r, V.EPOLLIN | V.EPOLLET, 12)
    assert ep.ep_send_events(8) == [(V.EPOLLIN, 12)]
    assert ep.ep_send_events(8) == []                        # edge: once per wake-up
    r.read(1)                                                # wakes writers only: ignored
    assert ep.ep_send_events(8) == []
    w.write(b"d")
    assert ep.ep_send_events(8) == [(V.EPOLLIN, 12)]


def test_oneshot_and_closed_files() -> None:
    r, w = make_pipe(0)
    ep = EventPoll(0)
    ep_ctl(ep, V.EPOLL_CTL_ADD, 3, r, V.EPOLLIN | V.EPOLLONESHOT, 1)
    w.write(b"x")
    assert len(ep.ep_send_events(8)) == 1
    w.write(b"y")
    assert ep.ep_send_events(8) == []
    ep_ctl(ep, V.EPOLL_CTL_MOD, 3, r, V.EPOLLIN, 1)
    assert len(ep.ep_send_events(8)) == 1
    r.put()
    assert ep.ep_send_events(8) == [] and not ep.items
    with pytest.raises(KernelError):
        ep_ctl(ep, V.EPOLL_CTL_DEL, 3, r, 0, 0)


def test_eventfd_counter_and_semaphore() -> None:
    f = eventfd_create(2, V.EFD_SEMAPHORE)
    assert isinstance(f, EventFdFile)
    assert f.read(8) == V.U64.pack(1) and f.read(8) == V.U64.pack(1)
    with pytest.raises(WouldBlock):
        f.read(8)
    f.write(V.U64.pack(V.EFD_MAX))
    with pytest.raises(WouldBlock):
        f.write(V.U64.pack(1))
    with pytest.raises(KernelError):
        f.write(V.U64.pack(0xFFFF_FFFF_FFFF_FFFF))


def test_exclusive_entries_wake_one_at_a_time() -> None:
    """__wake_up_common: non-exclusive entries all, exclusive ones until one accepts."""
    log: list[str] = []
    wq = WaitQueue()
    plain = WaitCallback(lambda: log.append("plain"))
    excl = []
    for name, accepts in (("x1", False), ("x2", True), ("x3", True)):
        e = WaitCallback(lambda name=name, accepts=accepts: log.append(name) or accepts)
        e.exclusive = True
        excl.append(e)
        wq.add(e)
    wq.add(plain)  # type: ignore[arg-type]
    wq.wake_up()
    assert log == ["plain", "x1", "x2"]
    assert wq.waiters == [excl[2]] and wq.nr_exclusive == 1
