"""File locks: POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW) and BSD flock
(Linux fs/locks.c).

- POSIX locks belong to a descriptor table (Linux's fl_owner = current->files, so the threads
  of a process share them) and an inode, cover byte ranges, merge and split as ranges change,
  and all of an owner's locks on an inode vanish when it closes *any* descriptor of that
  inode or exits. A blocking request that would close a cycle of waiters
  fails with EDEADLK (posix_locks_deadlock).
- Open file description locks (F_OFD_*) are POSIX locks owned by the open file description
  (Linux's fl_owner = filp, FL_OFDLCK): same ranges and conflicts as POSIX locks (an OFD lock
  and a process lock of the same process conflict), pid -1 in F_OFD_GETLK/F_GETLK, no deadlock
  detection (posix_locks_deadlock skips them); they go with the last close of the description.
- flock locks belong to an open file description (shared by dup and fork) and cover the
  whole file; they go with the last close of that description.

``posix_lock(task, inode, type, start, end, wait, ofd)`` (``ofd`` the File for an OFD lock) and ``flock(task, file, inode, op)`` are
generators (they may sleep on the inode's lock wait queue); ``posix_test`` answers F_GETLK.
An inode's ``InodeLocks`` releases on close: ``remove_posix(owner)`` (any close, exit) and
``remove_flock(file)`` (the last close of a description: its flock and OFD locks);
fs/vfs/file.py calls them.
Owns: the per-inode lock lists (``inode.i_flock``) and the blocked-on map for deadlock checks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generator

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue, wait_event
from pynix.fs.vfs.inode import Inode
from pynix.kernel.task import Task

F_RDLCK, F_WRLCK, F_UNLCK = 0, 1, 2
LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN = 1, 2, 4, 8
OFFSET_MAX = (1 << 63) - 1


@dataclass
class Lock:
    owner: object          # the FdTable (POSIX) or the File (flock)
    type: int
    start: int
    end: int               # inclusive
    pid: int
    posix: bool


class InodeLocks:
    """The locks of one inode (Linux's struct file_lock_context, inode->i_flctx), made on the
    first lock and kept in ``inode.i_flock``. The file layer calls its two release steps
    through the inode, so struct file's code needs nothing else from this module."""

    def __init__(self) -> None:
        self.locks: list[Lock] = []
        self.wait = WaitQueue()

    def remove_posix(self, owner: object) -> None:
        """close(2) of any descriptor of the inode, or exit: the owner's POSIX locks go
        (Linux's locks_remove_posix)."""
        if any(lk.posix and lk.owner is owner for lk in self.locks):
            _apply_posix(self, owner, 0, F_UNLCK, 0, OFFSET_MAX)

    def remove_flock(self, f: object, ofd: bool = True) -> None:
        """The last close of an open file description: its flock and OFD locks go (Linux's
        locks_remove_file); LOCK_UN passes ``ofd=False`` to drop the flock lock only."""
        before = len(self.locks)
        self.locks = [lk for lk in self.locks
                      if lk.owner is not f or lk.posix and not ofd]
        if len(self.locks) != before:
            self.wait.wake_up()


_blocked_on: dict[int, object] = {}     # id(waiting owner) -> the owner it waits for


def _locks(inode: Inode) -> InodeLocks:
    il = getattr(inode, "i_flock", None)
    if il is None:
        il = InodeLocks()
        inode.i_flock = il  # type: ignore[attr-defined]
    return il


def _conflict(a: Lock, b: Lock) -> bool:
    if a.owner == b.owner or a.posix != b.posix:
        return False
    if a.type != F_WRLCK and b.type != F_WRLCK:
        return False
    return a.start <= b.end and b.start <= a.end


def posix_test(t: Task, inode: Inode, ltype: int, start: int, end: int,
               ofd: object = None) -> Lock | None:
    """The first lock that conflicts with ``ltype`` over [start, end] for the task's process
    (or the open file ``ofd``), or None (posix_test_lock)."""
    want = Lock(t.files if ofd is None else ofd, ltype, start, end, t.tgid, True)
    for lk in _locks(inode).locks:
        if _conflict(want, lk):
            return lk
    return None


def _deadlock(waiter: object, owner: object) -> bool:
    seen: set[int] = set()
    while id(owner) in _blocked_on and id(owner) not in seen:
        seen.add(id(owner))
        owner = _blocked_on[id(owner)]
        if owner is waiter:
            return True
    return owner is waiter


def _apply_posix(il: InodeLocks, owner: object, pid: int, ltype: int, start: int, end: int) -> None:
    """Replace the owner's coverage of [start, end] by ``ltype`` (or nothing for F_UNLCK),
    splitting and merging its existing locks (posix_lock_inode)."""
    keep: list[Lock] = []
    for lk in il.locks:
        if not lk.posix or lk.owner != owner or lk.end < start or lk.start > end:
            keep.append(lk)
            continue
        if lk.start < start:
            keep.append(Lock(owner, lk.type, lk.start, start - 1, pid, True))
        if lk.end > end:
            keep.append(Lock(owner, lk.type, end + 1, lk.end, pid, True))
    if ltype != F_UNLCK:
        new = Lock(owner, ltype, start, end, pid, True)
        merged: list[Lock] = []
        for lk in keep:                          # coalesce adjacent same-type ranges
            if lk.posix and lk.owner == owner and lk.type == ltype and \
                    lk.start <= new.end + 1 and new.start <= lk.end + 1:
                new.start, new.end = min(new.start, lk.start), max(new.end, lk.end)
            else:
                merged.append(lk)
        keep = merged + [new]
    il.locks = sorted(keep, key=lambda lk: (lk.start, lk.end))
    il.wait.wake_up()


def posix_lock(t: Task, inode: Inode, ltype: int, start: int, end: int,
               wait: bool, ofd: object = None) -> Generator[None, None, int]:
    """Set, change or remove (F_UNLCK) the lock of the task's process, or of the open file
    ``ofd``, over [start, end], sleeping for conflicts when ``wait`` (posix_lock_inode_wait)."""
    il = _locks(inode)
    me = t.files if ofd is None else ofd
    if ltype != F_UNLCK:
        while (c := posix_test(t, inode, ltype, start, end, ofd)) is not None:
            if not wait:
                raise KernelError(E.EAGAIN)
            if ofd is None and _deadlock(me, c.owner):
                raise KernelError(E.EDEADLK)
            if ofd is None:                  # OFD waiters are not in the deadlock graph
                _blocked_on[id(me)] = c.owner
            try:
                il.wait.add(t)
                yield from wait_event(t, il.wait, lambda: t not in il.wait.waiters)
            finally:
                _blocked_on.pop(id(me), None)
    _apply_posix(il, me, t.tgid if ofd is None else -1, ltype, start, end)
    return 0


def flock(t: Task, f: object, inode: Inode, op: int) -> Generator[None, None, int]:
    il = _locks(inode)
    kind = op & ~LOCK_NB
    mine = [lk for lk in il.locks if not lk.posix and lk.owner is f]
    if kind == LOCK_UN:
        il.remove_flock(f, ofd=False)
        return 0
    if kind not in (LOCK_SH, LOCK_EX):
        raise KernelError(E.EINVAL)
    ltype = F_WRLCK if kind == LOCK_EX else F_RDLCK
    for lk in mine:                          # a conversion drops the old lock first, as Linux
        il.locks.remove(lk)
    want = Lock(f, ltype, 0, OFFSET_MAX, t.tgid, False)
    while any(_conflict(want, lk) for lk in il.locks):
        if op & LOCK_NB:
            raise KernelError(E.EWOULDBLOCK)
        il.wait.add(t)
        yield from wait_event(t, il.wait, lambda: t not in il.wait.waiters)
    il.locks.append(want)
    if mine:
        il.wait.wake_up()
    return 0
