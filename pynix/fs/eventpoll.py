"""epoll: an interest list of files with a ready list fed by wake-ups (Linux fs/eventpoll.c).

Provides ``EventPoll`` (the epoll file: struct eventpoll), ``ep_ctl(ep, op, fd, file, events,
data)`` for EPOLL_CTL_ADD/MOD/DEL, and ``ep_poll(task, ep, maxevents, deadline)``, the
generator behind epoll_wait/epoll_pwait that returns ``[(revents, data)]``.

Any File with ``poll()`` and ``wait_queues()`` can be watched (pipes, FIFOs, the console,
sockets, eventfds, other epolls); regular files and directories are refused with EPERM as on
Linux. Each watched file gets an ``EpItem`` (struct epitem) whose ``EpEntry`` (a
base/wait.WaitCallback) sits on the file's wait queues (``poll_keys_of(file)``) like a sleeping
task does; a wake-up there calls ``ep_poll_callback``, which puts
the item on the ready list and wakes the epoll's waiters. When the file says which events a
queue signals (``poll_keys()``: [(wq, mask)], Linux's wake-up key), a wake-up of a queue whose
key shares nothing with the item's events is ignored, as Linux does.
- level-triggered items are reported while ``poll()`` says so;
- EPOLLET items only after a new wake-up;
- EPOLLONESHOT items once, until EPOLL_CTL_MOD re-arms them.
An item goes away with EPOLL_CTL_DEL or when its file's last reference is closed.
epoll_wait is interrupted by signals with EINTR and is never restarted.

Owns the interest and ready lists; holds no reference on the watched files.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.arch.x86_64.poll import POLLIN, POLLRDNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitCallback, WaitQueue, wait_event
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import File

if TYPE_CHECKING:
    from pynix.kernel.task import Task

ALWAYS = V.EPOLLERR | V.EPOLLHUP


class EpEntry(WaitCallback):
    """A wait-queue entry whose wake-up runs ep_poll_callback instead of waking a task."""

    def __init__(self, item: EpItem, key: int) -> None:
        super().__init__(lambda: item.ep.ep_poll_callback(item, self))
        self.item = item
        self.key = key


class EpItem:
    def __init__(self, ep: EventPoll, fd: int, file: File, events: int, data: int) -> None:
        self.ep = ep
        self.fd = fd
        self.file = file
        self.events = events
        self.data = data
        self.ready = False
        self.entries = [EpEntry(self, key) for _, key in poll_keys_of(file)]

    def arm(self) -> None:
        """Put the entries back on the file's queues (a wake-up takes them off)."""
        for (wq, _), entry in zip(poll_keys_of(self.file), self.entries):
            wq.add(entry)  # type: ignore[arg-type]

    def disarm(self) -> None:
        for (wq, _), entry in zip(poll_keys_of(self.file), self.entries):
            wq.remove(entry)  # type: ignore[arg-type]

    def revents(self) -> int:
        return self.file.poll() & (self.events | ALWAYS)


def poll_keys_of(f: File) -> list[tuple[WaitQueue, int]]:
    """The queues a poller of ``f`` waits on, each with the events its wake-ups signal."""
    keys = getattr(f, "poll_keys", None)
    if keys is not None:
        return keys()
    return [(wq, 0xFFFFFFFF) for wq in f.wait_queues()]


class EventPoll(File):
    def __init__(self, flags: int) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.items: dict[tuple[int, int], EpItem] = {}     # (id(file), fd) -> item
        self.rdllist: list[EpItem] = []
        self.wq = WaitQueue()          # epoll_wait sleepers
        self.poll_wait = WaitQueue()   # those polling the epoll file itself
        self.anon = anon_inode("anon_inodefs", 0o600)

    def ep_poll_callback(self, item: EpItem, entry: EpEntry) -> None:
        if not item.events & ~V.EP_PRIVATE_BITS:
            return                                      # a fired EPOLLONESHOT item
        if not entry.key & item.events:
            return          # not our kind of event (the entry is re-armed with the others)
        if not item.ready:
            item.ready = True
            self.rdllist.append(item)
        self.wq.wake_up()
        self.poll_wait.wake_up()

    def _reap_closed(self) -> None:
        for k, item in list(self.items.items()):
            if item.file.refs <= 0:
                self._remove(k)

    def _remove(self, k: tuple[int, int]) -> None:
        item = self.items.pop(k)
        item.disarm()
        if item.ready:
            self.rdllist.remove(item)

    def ep_send_events(self, maxevents: int) -> list[tuple[int, int]]:
        """Report ready items (ep_send_events): re-arm, poll, and re-queue level-triggered."""
        self._reap_closed()
        out: list[tuple[int, int]] = []
        requeue: list[EpItem] = []
        while self.rdllist and len(out) < maxevents:
            item = self.rdllist.pop(0)
            item.ready = False
            item.arm()
            mask = item.revents()
            if not mask:
                continue
            out.append((mask, item.data))
            if item.events & V.EPOLLONESHOT:
                item.events &= V.EP_PRIVATE_BITS
            elif not item.events & V.EPOLLET:
                requeue.append(item)
        for item in requeue:
            item.ready = True
            self.rdllist.append(item)
        return out

    # -- the epoll file itself can be polled (nested epoll, poll/select on an epfd) -------------
    def poll(self) -> int:
        self._reap_closed()
        return POLLIN | POLLRDNORM if any(i.revents() for i in self.rdllist) else 0

    def wait_queues(self) -> list[WaitQueue]:
        return [self.poll_wait]

    def release(self) -> None:
        for k in list(self.items):
            self._remove(k)


def get_epoll_tfile_raw_ptr(f: File, tfd: int, toff: int) -> File:
    """The file of the ``toff``-th item registered under descriptor ``tfd`` in the epoll
    ``f`` (kcmp's KCMP_EPOLL_TFD; items in the interest list's order): EINVAL if ``f`` is not
    an epoll, ENOENT if there is no such item."""
    if not isinstance(f, EventPoll):
        raise KernelError(E.EINVAL)
    f._reap_closed()
    found = [f.items[k].file for k in sorted(f.items) if k[1] == tfd]
    if toff >= len(found):
        raise KernelError(E.ENOENT)
    return found[toff]


def ep_ctl(ep: EventPoll, op: int, fd: int, f: File, events: int, data: int) -> None:
    if f is ep:
        raise KernelError(E.EINVAL)
    if not f.can_poll():
        raise KernelError(E.EPERM)                      # regular files, directories, /dev/zero
    ep._reap_closed()
    k = (id(f), fd)
    item = ep.items.get(k)
    if op == V.EPOLL_CTL_ADD:
        if item is not None:
            raise KernelError(E.EEXIST)
        item = ep.items[k] = EpItem(ep, fd, f, events | ALWAYS, data)
        _requeue(ep, item)
    elif op == V.EPOLL_CTL_MOD:
        if item is None:
            raise KernelError(E.ENOENT)
        item.events, item.data = events | ALWAYS, data
        _requeue(ep, item)
    elif op == V.EPOLL_CTL_DEL:
        if item is None:
            raise KernelError(E.ENOENT)
        ep._remove(k)
    else:
        raise KernelError(E.EINVAL)


def _requeue(ep: EventPoll, item: EpItem) -> None:
    """ADD and MOD: arm the item and queue it if its file is ready now (ep_insert)."""
    item.arm()
    if item.revents() and not item.ready:
        item.ready = True
        ep.rdllist.append(item)
        ep.wq.wake_up()
        ep.poll_wait.wake_up()


def ep_poll(task: Task, ep: EventPoll, maxevents: int, deadline: int | None) -> Generator[None, None, list[tuple[int, int]]]:
    while True:
        events = ep.ep_send_events(maxevents)
        if events:
            return events
        ok = yield from wait_event(task, ep.wq, lambda: bool(ep.rdllist), deadline, restart=E.EINTR)
        if not ok:
            return []
