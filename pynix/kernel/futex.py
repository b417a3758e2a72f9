"""Fast user-space mutexes (Linux kernel/futex/: waitwake.c, requeue.c, core.c).

A futex is a 32-bit word in user memory; the kernel only keeps the queues of tasks waiting on
one. Provides:
- ``get_futex_key(mm, uaddr, private)``: the identity of a futex word. FUTEX_PRIVATE_FLAG
  futexes are keyed by (mm, address); a shared one in a private mapping by (mm, address) too but
  as a different kind (a private wait is not woken by a shared wake, as on Linux); a word in a
  MAP_SHARED area by the area's backing object, page offset and byte offset, so processes
  mapping the same file or shared memory at different addresses meet on one queue.
- ``futex_wait`` (a generator: ``yield from``), ``futex_wake``, ``futex_requeue`` (REQUEUE and
  CMP_REQUEUE), ``futex_wake_op``: the operations of futex(2). Waiters queue in FIFO order and
  carry a bitset (WAIT_BITSET/WAKE_BITSET; plain WAIT/WAKE use the match-any set).
- ``futex_queue``, ``futex_unqueue``, ``futex_wake_mark``, ``futex_wake_key``: the queue
  primitives kernel/futex_pi.py (PI locks) and kernel/futex_exit.py (robust lists and
  clear_child_tid at thread death) build on; neither is imported here.

Owns: the futex hash (``kernel.futex_hash``: key -> list of FutexQ).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Generator, Hashable

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import thread as X
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.base.errors import KernelError
from pynix.base.wait import wait_event
from pynix.mm.uaccess import get_u32, put_u32

if TYPE_CHECKING:
    from pynix.kernel.task import Task
    from pynix.mm.mm import MM


class FutexQ:
    """One waiter (Linux's struct futex_q); ``pi``: waiting for a PI lock at ``uaddr``
    (kernel/futex_pi.py), which the plain operations refuse to touch."""
    __slots__ = ("task", "key", "bitset", "woken", "pi", "uaddr")

    def __init__(self, task: Task, key: Hashable, bitset: int, pi: bool = False, uaddr: int = 0) -> None:
        self.task = task
        self.key = key
        self.bitset = bitset
        self.woken = False
        self.pi = pi
        self.uaddr = uaddr


def futex_hash(task: Task) -> dict[Hashable, list[FutexQ]]:
    return task.kernel.futex_hash


def get_futex_key(mm: MM, uaddr: int, private: bool) -> Hashable:
    """get_futex_key: EINVAL if misaligned; a shared key needs the word's page to be
    readable (EFAULT otherwise: unmapped, PROT_NONE, a file page past EOF); a private key
    is only the address, as on Linux."""
    if uaddr & 3:
        raise KernelError(E.EINVAL)
    if not private:
        vma = mm.vmas.find(uaddr)
        if vma is None:
            raise KernelError(E.EFAULT)
        get_u32(mm, uaddr)   # get_user_pages_fast: the page must fault in (EFAULT: PROT_NONE, past EOF)
        if vma.shared and vma.mapping is not None:
            pgoff = vma.pgoff + ((uaddr - vma.start) >> 12)
            return ("shared", vma.mapping, pgoff, uaddr & 0xFFF)
        return ("mm-shared", mm, uaddr)           # Linux's FUT_OFF_MMSHARED: not a private key
    return ("private", mm, uaddr)


def futex_queue(task: Task, q: FutexQ) -> None:
    """Linux's futex_queue: ``q`` joins the tail of its key's queue."""
    futex_hash(task).setdefault(q.key, []).append(q)


def futex_unqueue(task: Task, q: FutexQ) -> None:
    """Linux's futex_unqueue: ``q`` leaves its queue (an empty queue is dropped)."""
    hb = futex_hash(task).get(q.key)
    if hb is not None:
        if q in hb:
            hb.remove(q)
        if not hb:
            del futex_hash(task)[q.key]


def futex_wake_mark(task: Task, q: FutexQ) -> None:
    """Linux's futex_wake_mark: unqueue ``q``, mark it woken and wake its task."""
    futex_unqueue(task, q)
    q.woken = True
    task.kernel.rq.wake_up_process(q.task)


def futex_wait(t: Task, mm: MM, uaddr: int, val: int, bitset: int, deadline: int | None,
               private: bool, restart: int = E.ERESTARTSYS) -> Generator[None, None, int]:
    """Sleep while ``*uaddr == val`` until a wake whose bitset meets ours (futex_wait).
    EAGAIN if the word already differs, ETIMEDOUT at ``deadline`` (host monotonic ns),
    ``restart`` when a signal interrupts."""
    if not bitset:
        raise KernelError(E.EINVAL)
    key = get_futex_key(mm, uaddr, private)
    if get_u32(mm, uaddr) != val & 0xFFFF_FFFF:
        raise KernelError(E.EAGAIN)
    q = FutexQ(t, key, bitset)
    futex_queue(t, q)
    try:
        done = yield from wait_event(t, [], lambda: q.woken, deadline, restart=restart)
    finally:
        if not q.woken:
            futex_unqueue(t, q)
    if not done:
        raise KernelError(E.ETIMEDOUT)
    return 0


def futex_wake_key(t: Task, key: Hashable, nr: int, bitset: int = X.FUTEX_BITSET_MATCH_ANY) -> int:
    """The loop of Linux's futex_wake: wake matching waiters, oldest first, stopping once ``nr`` are woken; as Linux, the
    check comes after a wake, so ``nr <= 0`` still wakes one."""
    woken = 0
    for q in list(futex_hash(t).get(key, ())):
        if q.task.flags & PF_EXITING:          # a waiter that died asleep
            futex_unqueue(t, q)
            continue
        if q.pi:                               # FUTEX_WAKE on a PI futex
            raise KernelError(E.EINVAL)
        if not q.bitset & bitset:
            continue
        futex_wake_mark(t, q)
        woken += 1
        if woken >= nr:
            break
    return woken


def futex_wake(t: Task, mm: MM, uaddr: int, nr: int, bitset: int, private: bool) -> int:
    """Wake up to ``nr`` waiters whose bitset meets ``bitset``, oldest first (futex_wake)."""
    if not bitset:
        raise KernelError(E.EINVAL)
    return futex_wake_key(t, get_futex_key(mm, uaddr, private), nr, bitset)


def futex_requeue(t: Task, mm: MM, uaddr1: int, uaddr2: int, nr_wake: int, nr_requeue: int,
                  cmpval: int | None, private: bool) -> int:
    """Wake ``nr_wake`` waiters of uaddr1 and move up to ``nr_requeue`` more to uaddr2
    (futex_requeue); with ``cmpval`` (CMP_REQUEUE) EAGAIN unless ``*uaddr1 == cmpval``.
    Returns woken + requeued (the loop of Linux's futex_requeue)."""
    if nr_wake < 0 or nr_requeue < 0:
        raise KernelError(E.EINVAL)
    key1 = get_futex_key(mm, uaddr1, private)
    key2 = get_futex_key(mm, uaddr2, private)
    if cmpval is not None and get_u32(mm, uaddr1) != cmpval & 0xFFFF_FFFF:
        raise KernelError(E.EAGAIN)
    count = 0
    for q in list(futex_hash(t).get(key1, ())):
        if count - nr_wake >= nr_requeue:
            break
        if q.task.flags & PF_EXITING:
            futex_unqueue(t, q)
            continue
        if q.pi:
            raise KernelError(E.EINVAL)
        count += 1
        if count <= nr_wake:
            futex_wake_mark(t, q)
            continue
        if key1 != key2:                       # requeue: to the tail of the second queue
            futex_unqueue(t, q)
            q.key = key2
            futex_queue(t, q)
    return count


_WAKE_OPS: dict[int, Callable[[int, int], int]] = {
    X.FUTEX_OP_SET: lambda old, arg: arg, X.FUTEX_OP_ADD: lambda old, arg: old + arg,
    X.FUTEX_OP_OR: lambda old, arg: old | arg, X.FUTEX_OP_ANDN: lambda old, arg: old & ~arg,
    X.FUTEX_OP_XOR: lambda old, arg: old ^ arg,
}
_WAKE_CMPS: dict[int, Callable[[int, int], bool]] = {
    X.FUTEX_OP_CMP_EQ: lambda a, b: a == b, X.FUTEX_OP_CMP_NE: lambda a, b: a != b,
    X.FUTEX_OP_CMP_LT: lambda a, b: a < b, X.FUTEX_OP_CMP_LE: lambda a, b: a <= b,
    X.FUTEX_OP_CMP_GT: lambda a, b: a > b, X.FUTEX_OP_CMP_GE: lambda a, b: a >= b,
}


def _sext12(v: int) -> int:
    return v - 0x1000 if v & 0x800 else v


def _s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def futex_wake_op(t: Task, mm: MM, uaddr1: int, uaddr2: int, nr_wake: int, nr_wake2: int,
                  encoded: int, private: bool) -> int:
    """``*uaddr2 = op(*uaddr2, oparg)``, wake ``nr_wake`` on uaddr1, and ``nr_wake2`` on uaddr2
    if the old value compares true with cmparg (futex_wake_op + arch_futex_atomic_op_inuser)."""
    op, cmp = (encoded >> 28) & 7, (encoded >> 24) & 0xF
    oparg, cmparg = _sext12((encoded >> 12) & 0xFFF), _sext12(encoded & 0xFFF)
    if encoded & (X.FUTEX_OP_OPARG_SHIFT << 28):
        oparg = _s32(1 << (oparg & 31))
    key1 = get_futex_key(mm, uaddr1, private)
    key2 = get_futex_key(mm, uaddr2, private)
    if op not in _WAKE_OPS:
        raise KernelError(E.ENOSYS)
    old = _s32(get_u32(mm, uaddr2))
    put_u32(mm, uaddr2, _WAKE_OPS[op](old, oparg) & 0xFFFF_FFFF)
    if cmp not in _WAKE_CMPS:
        raise KernelError(E.ENOSYS)
    woken = futex_wake_key(t, key1, nr_wake)
    if _WAKE_CMPS[cmp](old, cmparg):
        woken += futex_wake_key(t, key2, nr_wake2)
    return woken


def futex_wait_multiple(t: Task, mm: MM, waiters: list[tuple[int, int, int]],
                        deadline: int | None) -> Generator[None, None, int]:
    """futex_waitv: sleep on every (uaddr, val, flags) futex at once (futex_wait_multiple_setup
    queues them all, then checks the values); the index of the one woken, EAGAIN when a word
    already differs and none was woken, ETIMEDOUT at ``deadline``, ERESTARTSYS on a signal.
    The flags were validated by the caller (FUTEX2_SIZE_U32, FUTEX2_PRIVATE)."""
    keys = [get_futex_key(mm, uaddr, bool(flags & X.FUTEX2_PRIVATE)) for uaddr, _, flags in waiters]
    qs = [FutexQ(t, key, X.FUTEX_BITSET_MATCH_ANY) for key in keys]
    for q in qs:
        futex_queue(t, q)

    def woken() -> int:
        """futex_unqueue_multiple: everyone off the queues; the first woken index or -1."""
        first = -1
        for i, q in enumerate(qs):
            if q.woken:
                first = i if first < 0 else first
            else:
                futex_unqueue(t, q)
        return first
    try:
        for (uaddr, val, _), q in zip(waiters, qs):
            if get_u32(mm, uaddr) != val:
                idx = woken()
                if idx >= 0:
                    return idx
                raise KernelError(E.EAGAIN)
        done = yield from wait_event(t, [], lambda: any(q.woken for q in qs), deadline)
    finally:
        idx = woken()
    if idx >= 0:
        return idx
    if not done:
        raise KernelError(E.ETIMEDOUT)
    return idx
