"""File leases: fcntl F_SETLEASE / F_GETLEASE and the lease break (Linux fs/locks.c:
generic_setlease, check_conflicting_open, __break_lease, time_out_leases, lease_modify).

A lease belongs to an open file description on a regular file. A read lease (F_RDLCK) needs
the file open for writing nowhere; a write lease (F_WRLCK) needs no other open at all (the
holder's own open aside), otherwise EAGAIN; both need the caller to own the file or hold
CAP_LEASE (EACCES). Setting a lease makes the caller's process the file's owner (F_SETOWN),
as Linux's do_fcntl_add_lease does.

An open that conflicts (any open against a write lease, a write open or truncate against a
read lease) breaks the lease: the holder gets its F_SETSIG signal or SIGIO (fs/fasync.py,
POLL_MSG), and the opener sleeps until the holder removes the lease (F_UNLCK) or downgrades
it to what the opener allows, or until ``lease-break-time`` seconds pass and the kernel does
it (time_out_leases). A non-blocking opener gets EWOULDBLOCK. While breaking, F_GETLEASE
reports the type the lease is being broken to.

Provides ``setlease(task, file, arg)``, ``getlease(file)``, ``break_lease(task, inode,
flags)`` (a generator, called by open and truncate) and ``InodeLeases.remove(file)`` (the
last close of the description, through ``inode.i_leases``). ``SETTINGS`` holds /proc/sys/fs/lease-break-time and
leases-enable. Owns ``inode.i_leases`` and its wait queue.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_LEASE
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.base.wait import WaitQueue, wait_event
from pynix.fs.fasync import f_setown, send_sigio
from pynix.fs.vfs.inode import Inode
from pynix.kernel.cred import capable
from pynix.kernel.task import Task

SETTINGS = {"lease-break-time": 45, "leases-enable": 1}


@dataclass
class Lease:
    file: Any
    type: int                    # F_RDLCK or F_WRLCK
    target: int | None = None    # while breaking: what the lease must become
    deadline: int = 0            # monotonic ns when the kernel breaks it itself


class InodeLeases:
    """An inode's leases (the lease list of Linux's file_lock_context), in ``inode.i_leases``;
    the last close of a description calls ``remove(file)`` through the inode."""

    def __init__(self) -> None:
        self.leases: list[Lease] = []
        self.wait = WaitQueue()

    def remove(self, f: object) -> None:
        """The last close of ``f``: its lease goes (locks_remove_lease)."""
        for lease in [lk for lk in self.leases if lk.file is f]:
            _drop(self, lease)


def _leases(inode: Inode) -> InodeLeases:
    il = getattr(inode, "i_leases", None)
    if il is None:
        il = inode.i_leases = InodeLeases()  # type: ignore[attr-defined]
    return il


def _conflicting_open(f: Any, arg: int) -> bool:
    """check_conflicting_open: other opens a lease of type ``arg`` cannot coexist with."""
    inode = f.inode
    if arg == A.F_RDLCK:
        return inode.i_writecount > 0
    self_w = 1 if f.writable else 0
    self_r = 1 if not f.writable and f.readable else 0
    return inode.i_writecount != self_w or inode.i_readcount != self_r


def getlease(f: Any) -> int:
    il = getattr(f.inode, "i_leases", None)
    for lease in il.leases if il is not None else []:
        if lease.file is f:
            return lease.type if lease.target is None else lease.target
    return A.F_UNLCK


def _drop(il: InodeLeases, lease: Lease) -> None:
    il.leases.remove(lease)
    il.wait.wake_up()


def setlease(t: Task, f: Any, arg: int) -> None:
    inode = f.inode
    if inode is None or not inode.is_reg() or not SETTINGS["leases-enable"]:
        raise KernelError(E.EINVAL)
    if t.cred.fsuid != inode.uid and not capable(t, CAP_LEASE):
        raise KernelError(E.EACCES)
    if arg not in (A.F_RDLCK, A.F_WRLCK, A.F_UNLCK):
        raise KernelError(E.EINVAL)
    il = _leases(inode)
    mine = next((lk for lk in il.leases if lk.file is f), None)
    if arg == A.F_UNLCK:
        if mine is None:
            raise KernelError(E.EAGAIN)          # generic_delete_lease found none
        _drop(il, mine)
        return
    if _conflicting_open(f, arg):
        raise KernelError(E.EAGAIN)
    for other in il.leases:
        if other is not mine and (arg == A.F_WRLCK or other.target is not None
                                  or other.type == A.F_WRLCK):
            raise KernelError(E.EAGAIN)
    if mine is not None and mine.target is not None and arg == A.F_WRLCK:
        raise KernelError(E.EAGAIN)              # no upgrade while being broken
    if mine is None:
        il.leases.append(Lease(f, arg))
    else:
        mine.type = arg
        if mine.target is not None and arg == mine.target:
            mine.target = None                   # downgraded as asked: the break is done
        il.wait.wake_up()
    f_setown(t, f, A.F_OWNER_PID, t.tgid)


def _conflicts(lease: Lease, want_write: bool) -> bool:
    return want_write or lease.type == A.F_WRLCK


def _time_out(il: InodeLeases) -> None:
    """time_out_leases: breaks the holders did not finish in time, done by the kernel."""
    now = monotonic_ns()
    for lease in list(il.leases):
        if lease.target is not None and now >= lease.deadline:
            if lease.target == A.F_UNLCK:
                _drop(il, lease)
            else:
                lease.type, lease.target = lease.target, None
                il.wait.wake_up()


def break_lease(t: Task, inode: Inode, flags: int, opener: Any = None) -> Generator[None, None, None]:
    """An open with ``flags`` (or a truncate, O_WRONLY) of ``inode`` by a file other than
    ``opener``'s: break the leases it conflicts with and wait for them (__break_lease)."""
    il = getattr(inode, "i_leases", None)
    if il is None or not il.leases:
        return
    want_write = flags & A.O_ACCMODE != A.O_RDONLY
    _time_out(il)
    hit = [lk for lk in il.leases if lk.file is not opener and _conflicts(lk, want_write)]
    if not hit:
        return
    deadline = monotonic_ns() + SETTINGS["lease-break-time"] * 1_000_000_000
    for lease in hit:
        if lease.target is None:
            lease.target = A.F_UNLCK if want_write else A.F_RDLCK
            lease.deadline = deadline
            send_sigio(lease.file, A.POLL_MSG)
    if flags & A.O_NONBLOCK:
        raise KernelError(E.EWOULDBLOCK)

    def done() -> bool:
        _time_out(il)
        return not any(lk.file is not opener and _conflicts(lk, want_write) for lk in il.leases)

    while not done():
        soonest = min((lk.deadline for lk in il.leases if lk.target is not None), default=None)
        yield from wait_event(t, il.wait, done, soonest)
