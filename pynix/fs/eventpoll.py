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
epoll_wait is interrupted by signals with EINTR and is never restarted. Adding an epoll to an
epoll is refused with ELOOP when it closes a cycle or nests more than EPOLL_MAX_NESTS deep
(``ep_loop_check``).

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
        self.exclusive = bool(item.events & V.EPOLLEXCLUSIVE)


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
        self.parents: list[EventPoll] = []   # epolls watching this one (its epitems' ep)

    def ep_poll_callback(self, item: EpItem, entry: EpEntry) -> bool:
        """Queue the item and wake the epoll's waiters; True when an EPOLLEXCLUSIVE item
        woke a waiter (or any other item fired), which ends an exclusive wake-up."""
        if not item.events & ~V.EP_PRIVATE_BITS:
            return False                                # a fired EPOLLONESHOT item
        if not entry.key & item.events:
            return False    # not our kind of event (the entry is re-armed with the others)
        if not item.ready:
            item.ready = True
            self.rdllist.append(item)
        ewake = bool(self.wq.waiters) or not item.events & V.EPOLLEXCLUSIVE
        self.wq.wake_up()
        self.poll_wait.wake_up()
        return ewake

    def _reap_closed(self) -> None:
        for k, item in list(self.items.items()):
            if item.file.refs <= 0:
                self._remove(k)

    def _remove(self, k: tuple[int, int]) -> None:
        item = self.items.pop(k)
        item.disarm()
        if isinstance(item.file, EventPoll) and self in item.file.parents:
            item.file.parents.remove(self)
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
        if isinstance(f, EventPoll):
            ep_loop_check(ep, f)
            f.parents.append(ep)
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


EPOLL_MAX_NESTS = 4


def ep_loop_check_proc(ep: EventPoll, inserting_into: EventPoll, depth: int) -> int:
    """How deep the epolls under ``ep`` nest (0 for none); past EPOLL_MAX_NESTS when one of
    them is ``inserting_into`` (the new item would close a loop) or the nesting is too deep."""
    if depth > EPOLL_MAX_NESTS:
        return EPOLL_MAX_NESTS + 1
    ep._reap_closed()
    result = 0
    for item in ep.items.values():
        if isinstance(item.file, EventPoll):
            if item.file is inserting_into:
                return EPOLL_MAX_NESTS + 1
            result = max(result, ep_loop_check_proc(item.file, inserting_into, depth + 1) + 1)
    return result


def ep_get_upwards_depth(ep: EventPoll, depth: int = 0) -> int:
    """How many epolls nest above ``ep`` (the longest chain of epolls watching it)."""
    if depth > EPOLL_MAX_NESTS:
        return EPOLL_MAX_NESTS + 1
    return max((ep_get_upwards_depth(p, depth + 1) + 1 for p in ep.parents), default=0)


def ep_loop_check(ep: EventPoll, to: EventPoll) -> None:
    """EPOLL_CTL_ADD of the epoll ``to`` into ``ep`` (Linux's ep_loop_check): ELOOP if that
    closes a cycle or nests epolls more than EPOLL_MAX_NESTS deep, counting those above ``ep``."""
    depth = ep_loop_check_proc(to, ep, 0)
    if depth > EPOLL_MAX_NESTS or depth + 1 + ep_get_upwards_depth(ep) > EPOLL_MAX_NESTS:
        raise KernelError(E.ELOOP)


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
