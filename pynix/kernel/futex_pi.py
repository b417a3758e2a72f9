"""Priority-inheritance futexes (Linux kernel/futex/pi.c): FUTEX_LOCK_PI, FUTEX_LOCK_PI2,
FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI, behind PTHREAD_PRIO_INHERIT mutexes.

pynix has no real-time priorities, so there is nothing to boost; what a program can see is
the ownership protocol, kept as Linux keeps it:
- the word holds the owner's tid, | FUTEX_WAITERS once someone sleeps on it, | FUTEX_OWNER_DIED
  after a robust owner died;
- ``futex_lock_pi`` takes a free word, else marks it FUTEX_WAITERS and sleeps (FIFO) until the
  lock is *handed* to it; EDEADLK if the caller owns it, ESRCH if the tid names no live task,
  EAGAIN for a trylock, ETIMEDOUT at the deadline, ERESTARTNOINTR on a signal (always restarted);
- ``futex_unlock_pi`` (EPERM unless the caller owns it) and the death of an owner
  (``exit_pi_state_list``, called by kernel/futex_exit.py) give the lock to the oldest
  waiter: word = its tid | FUTEX_WAITERS (wake_futex_pi), or 0 when nobody waits.

Waiters are FutexQ entries with ``pi`` set in kernel/futex.py's hash, queued and woken with its
primitives; kernel/futex.py imports nothing from here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator, Hashable

from pynix.kernel.pid import find_task_by_vpid
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import thread as X
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_ZOMBIE
from pynix.base.wait import wait_event
from pynix.kernel.futex import (
    FutexQ,
    futex_hash,
    futex_queue,
    futex_unqueue,
    futex_wake_mark,
    get_futex_key,
)
from pynix.mm.uaccess import get_u32, put_u32

if TYPE_CHECKING:
    from pynix.kernel.task import Task
    from pynix.mm.mm import MM


def _top_waiter(t: Task, key: Hashable) -> FutexQ | None:
    for q in futex_hash(t).get(key, ()):
        if q.pi and not q.task.flags & PF_EXITING:
            return q
    return None


def futex_lock_pi(t: Task, mm: MM, uaddr: int, deadline: int | None, private: bool,
                  trylock: bool = False) -> Generator[None, None, int]:
    """Linux's futex_lock_pi (FUTEX_LOCK_PI, LOCK_PI2, and TRYLOCK_PI with ``trylock``)."""
    key = get_futex_key(mm, uaddr, private)
    val = get_u32(mm, uaddr)
    owner = val & X.FUTEX_TID_MASK
    if owner == t.pid:
        raise KernelError(E.EDEADLK)
    if not owner:                                   # free (perhaps OWNER_DIED): take it
        waiters = X.FUTEX_WAITERS if _top_waiter(t, key) is not None else 0
        put_u32(mm, uaddr, (val & X.FUTEX_OWNER_DIED) | t.pid | waiters)
        return 0
    if trylock:
        raise KernelError(E.EAGAIN)
    holder = find_task_by_vpid(t, owner)
    if holder is None or holder.flags & PF_EXITING or holder.state == TASK_ZOMBIE:
        raise KernelError(E.ESRCH)
    put_u32(mm, uaddr, val | X.FUTEX_WAITERS)
    q = FutexQ(t, key, X.FUTEX_BITSET_MATCH_ANY, pi=True, uaddr=uaddr)
    futex_queue(t, q)
    try:
        done = yield from wait_event(t, [], lambda: q.woken, deadline, restart=E.ERESTARTNOINTR)
    finally:
        if not q.woken:
            futex_unqueue(t, q)
    if not done:
        raise KernelError(E.ETIMEDOUT)
    return 0                                        # handed over: the word holds our tid


def wake_futex_pi(t: Task, mm: MM, uaddr: int, key: Hashable, keep: int = 0) -> bool:
    """Linux's wake_futex_pi: give the lock to the oldest waiter (word = its tid | WAITERS | ``keep``); False if
    nobody waits."""
    q = _top_waiter(t, key)
    if q is None:
        return False
    put_u32(mm, uaddr, q.task.pid | X.FUTEX_WAITERS | keep)
    futex_wake_mark(t, q)
    return True


def futex_unlock_pi(t: Task, mm: MM, uaddr: int, private: bool) -> int:
    """Linux's futex_unlock_pi: EPERM unless the caller owns the word; else hand it on."""
    key = get_futex_key(mm, uaddr, private)
    if get_u32(mm, uaddr) & X.FUTEX_TID_MASK != t.pid:
        raise KernelError(E.EPERM)
    if not wake_futex_pi(t, mm, uaddr, key):
        put_u32(mm, uaddr, 0)
    return 0


def exit_pi_state_list(t: Task) -> None:
    """Linux's exit_pi_state_list: the dying task's PI locks that others wait for pass to their oldest waiters."""
    for key, queue in list(futex_hash(t).items()):
        q = next((q for q in queue if q.pi and q.task.mm is not None), None)
        if q is None:
            continue
        mm = q.task.mm
        assert mm is not None
        try:
            val = get_u32(mm, q.uaddr)
            if val & X.FUTEX_TID_MASK == t.pid:
                wake_futex_pi(t, mm, q.uaddr, key, val & X.FUTEX_OWNER_DIED)
        except KernelError:
            pass
