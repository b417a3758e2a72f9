"""Futexes at thread death and exec (Linux kernel/futex/core.c: futex_exit_release,
futex_exec_release, exit_robust_list, handle_futex_death; kernel/fork.c mm_release).

``futex_exit_release(task)`` is called by do_exit (kernel/exit.py) and by exec
(kernel/exec.py): it walks the task's robust list (each lock the task held gets
FUTEX_OWNER_DIED and one waiter is woken; a PI lock is handed to its oldest waiter), passes the
PI locks others wait for on (kernel/futex_pi.exit_pi_state_list), and does the
CLONE_CHILD_CLEARTID write and wake that pthread_join waits for.

Above kernel/futex.py (the hash and wakes) and kernel/futex_pi.py (the PI hand-over), which
import nothing from here. Owns nothing: the task's robust_list and clear_child_tid words.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import thread as X
from pynix.base.errors import KernelError
from pynix.kernel.futex import futex_wake_key, get_futex_key
from pynix.kernel.futex_pi import exit_pi_state_list, wake_futex_pi
from pynix.mm.uaccess import copy_from_user, get_u32, get_u64, put_u32

if TYPE_CHECKING:
    from pynix.kernel.task import Task
    from pynix.mm.mm import MM


def handle_futex_death(t: Task, mm: MM, uaddr: int, pending_op: bool = False, pi: bool = False) -> None:
    """Linux's handle_futex_death: a lock word the dead task owned: set OWNER_DIED, keep WAITERS, wake one waiter (a PI
    lock goes to its oldest waiter instead). The lock the task was taking when it died
    (``pending_op``), still 0, gets a wake only."""
    try:
        val = get_u32(mm, uaddr)
        if pending_op and not pi and val == 0:
            futex_wake_key(t, get_futex_key(mm, uaddr, False), 1)
            return
        if val & X.FUTEX_TID_MASK != t.pid:
            return
        put_u32(mm, uaddr, (val & X.FUTEX_WAITERS) | X.FUTEX_OWNER_DIED)
        if pi:
            wake_futex_pi(t, mm, uaddr, get_futex_key(mm, uaddr, False), X.FUTEX_OWNER_DIED)
        elif val & X.FUTEX_WAITERS:
            futex_wake_key(t, get_futex_key(mm, uaddr, False), 1)
    except KernelError:
        pass


def exit_robust_list(t: Task, mm: MM) -> None:
    """Linux's exit_robust_list: walk the list registered with set_robust_list (at most ROBUST_LIST_LIMIT entries)."""
    head = t.robust_list
    try:
        nxt, offset, pending = X.ROBUST_LIST_HEAD.unpack(
            copy_from_user(mm, head, X.ROBUST_LIST_HEAD.size))
    except KernelError:
        return
    pending_pi, pending = pending & 1, pending & ~1
    entry, pi = nxt & ~1, nxt & 1                     # bit 0 of a link: the lock is a PI one
    for _ in range(X.ROBUST_LIST_LIMIT):
        if entry == head:
            break
        try:
            following = get_u64(mm, entry)
        except KernelError:
            return
        if entry != pending:
            handle_futex_death(t, mm, (entry + offset) & 0xFFFF_FFFF_FFFF_FFFF, pi=bool(pi))
        entry, pi = following & ~1, following & 1
    if pending:
        handle_futex_death(t, mm, (pending + offset) & 0xFFFF_FFFF_FFFF_FFFF, pending_op=True,
                           pi=bool(pending_pi))


def clear_child_tid(t: Task) -> None:
    """CLONE_CHILD_CLEARTID / set_tid_address: ``*tid = 0`` and wake one waiter (mm_release)."""
    addr, t.clear_child_tid = t.clear_child_tid, 0
    mm = t.mm
    if not addr or mm is None:
        return
    try:
        put_u32(mm, addr, 0)
        futex_wake_key(t, get_futex_key(mm, addr, False), 1)
    except KernelError:
        pass


def futex_exit_release(t: Task) -> None:
    """Linux's futex_exit_release / futex_exec_release (futex_cleanup): the robust list first,
    then the PI locks still held (exit_pi_state_list), then the tid word if others share the memory."""
    mm = t.mm
    if mm is None:
        return
    if t.robust_list:
        exit_robust_list(t, mm)
        t.robust_list = 0
    exit_pi_state_list(t)
    if t.clear_child_tid and mm.users > 1:
        clear_child_tid(t)
    t.clear_child_tid = 0
