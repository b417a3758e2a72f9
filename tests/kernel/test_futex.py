"""kernel/futex.py, futex_pi.py, futex_exit.py: keys, wait/wake order, bitsets, requeue,
wake_op, timeouts, signals, and the clear_child_tid / robust-list work at thread death. Waits
are driven by hand: a wait is a generator that yields when it sleeps and returns (or raises)
when resumed."""
from __future__ import annotations

from typing import Generator

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import thread as X
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_INTERRUPTIBLE, TASK_RUNNING
from pynix.base.timer import monotonic_ns
from pynix.kernel import futex as F
from pynix.kernel.fork import copy_process
from pynix.kernel.futex_exit import futex_exit_release
from pynix.kernel.task import SigInfo, Task
from pynix.mm.uaccess import get_u32, put_u32

from .threads_fixture import kernel_and_task, regs

ANY = X.FUTEX_BITSET_MATCH_ANY
THREAD = A.CLONE_VM | A.CLONE_FS | A.CLONE_FILES | A.CLONE_SIGHAND | A.CLONE_THREAD


def threads(n: int) -> tuple[Task, list[Task]]:
    k, t = kernel_and_task()
    return t, [copy_process(t, THREAD, 0, 0, regs(), None) for _ in range(n)]


def sleep(t: Task, addr: int, val: int = 0, bitset: int = ANY, deadline: int | None = None,
          private: bool = True) -> Generator[None, None, int]:
    assert t.mm is not None
    g = F.futex_wait(t, t.mm, addr, val, bitset, deadline, private)
    next(g)                                   # queued and asleep
    assert t.state == TASK_INTERRUPTIBLE
    return g


def finish(g: Generator[None, None, int]) -> int:
    with pytest.raises(StopIteration) as stop:
        next(g)
    return stop.value.value


def test_wait_on_a_changed_value_is_eagain() -> None:
    t, _ = threads(0)
    put_u32(t.mm, t.private_page, 5)
    g = F.futex_wait(t, t.mm, t.private_page, 4, ANY, None, True)
    with pytest.raises(KernelError) as e:
        next(g)
    assert e.value.errno == E.EAGAIN


def test_wake_is_fifo_one_at_a_time() -> None:
    leader, ths = threads(3)
    addr = leader.private_page
    gens = [sleep(th, addr) for th in ths]
    for i, th in enumerate(ths):
        assert F.futex_wake(leader, leader.mm, addr, 1, ANY, True) == 1
        assert [x.state for x in ths] == [TASK_RUNNING] * (i + 1) + [TASK_INTERRUPTIBLE] * (2 - i)
        assert finish(gens[i]) == 0
    assert F.futex_wake(leader, leader.mm, addr, 1, ANY, True) == 0
    assert not leader.kernel.futex_hash           # no empty queues left behind


def test_wake_zero_still_wakes_one_as_linux() -> None:
    leader, ths = threads(2)
    gens = [sleep(th, leader.private_page) for th in ths]     # a dropped wait unqueues itself
    assert F.futex_wake(leader, leader.mm, leader.private_page, 0, ANY, True) == 1
    assert [th.state for th in ths] == [TASK_RUNNING, TASK_INTERRUPTIBLE] and gens


def test_bitsets_select_waiters() -> None:
    leader, (a, b) = threads(2)
    addr = leader.private_page
    ga, gb = sleep(a, addr, bitset=1), sleep(b, addr, bitset=2)
    assert F.futex_wake(leader, leader.mm, addr, 10, 2, True) == 1
    assert (a.state, b.state) == (TASK_INTERRUPTIBLE, TASK_RUNNING)
    assert finish(gb) == 0 and ga
    with pytest.raises(KernelError):
        F.futex_wake(leader, leader.mm, addr, 1, 0, True)


def test_private_and_shared_keys() -> None:
    k, t = kernel_and_task()
    child = copy_process(t, A.SIGCHLD, 0, 0, regs(), None)         # a separate address space
    assert F.get_futex_key(t.mm, t.private_page, True) != F.get_futex_key(child.mm, t.private_page, True)
    # a MAP_SHARED page is one futex in both processes, and only when not FUTEX_PRIVATE
    assert F.get_futex_key(t.mm, t.shared_page + 8, False) == F.get_futex_key(child.mm, t.shared_page + 8, False)
    assert F.get_futex_key(t.mm, t.shared_page, True) != F.get_futex_key(child.mm, t.shared_page, True)
    # a private wait is not woken by a shared wake on the same word (FUT_OFF_MMSHARED)
    assert F.get_futex_key(t.mm, t.private_page, True) != F.get_futex_key(t.mm, t.private_page, False)
    with pytest.raises(KernelError) as e:
        F.get_futex_key(t.mm, t.private_page + 2, True)
    assert e.value.errno == E.EINVAL


def test_shared_futex_between_processes() -> None:
    k, t = kernel_and_task()
    child = copy_process(t, A.SIGCHLD, 0, 0, regs(), None)
    g = sleep(child, t.shared_page, private=False)
    assert F.futex_wake(t, t.mm, t.shared_page, 1, ANY, False) == 1
    assert finish(g) == 0


def test_timeout_and_signal() -> None:
    leader, (a, b) = threads(2)
    deadline = monotonic_ns() + 20_000_000
    g = sleep(a, leader.private_page, deadline=deadline)
    while monotonic_ns() < deadline:
        pass
    with pytest.raises(KernelError) as e:
        next(g)
    assert e.value.errno == E.ETIMEDOUT
    g = sleep(b, leader.private_page)
    b.pending.append(SigInfo(A.SIGUSR1))
    with pytest.raises(KernelError) as e:
        next(g)
    assert e.value.errno == E.ERESTARTSYS
    assert not leader.kernel.futex_hash


def test_cmp_requeue_wakes_then_moves_in_order() -> None:
    leader, ths = threads(3)
    a1, a2 = leader.private_page, leader.private_page + 4
    gens = [sleep(th, a1) for th in ths]
    with pytest.raises(KernelError):
        F.futex_requeue(leader, leader.mm, a1, a2, 1, 5, 9, True)          # *a1 != 9
    assert F.futex_requeue(leader, leader.mm, a1, a2, 1, 5, 0, True) == 3
    assert ths[0].state == TASK_RUNNING and finish(gens[0]) == 0
    assert F.futex_wake(leader, leader.mm, a1, 5, ANY, True) == 0
    assert F.futex_wake(leader, leader.mm, a2, 1, ANY, True) == 1
    assert ths[1].state == TASK_RUNNING and ths[2].state == TASK_INTERRUPTIBLE


def test_wake_op() -> None:
    leader, (a, b) = threads(2)
    a1, a2 = leader.private_page, leader.private_page + 4
    put_u32(leader.mm, a2, 3)
    ga, gb = sleep(a, a1), sleep(b, a2, val=3)
    # *a2 += 4; wake one on a1; wake one on a2 if the old value was > 2
    op = (X.FUTEX_OP_ADD << 28) | (X.FUTEX_OP_CMP_GT << 24) | (4 << 12) | 2
    assert F.futex_wake_op(leader, leader.mm, a1, a2, 1, 1, op, True) == 2
    assert get_u32(leader.mm, a2) == 7
    assert finish(ga) == 0 and finish(gb) == 0


def test_clear_child_tid_writes_zero_and_wakes_a_joiner() -> None:
    leader, (th,) = threads(1)
    tid_addr = leader.private_page + 64
    put_u32(leader.mm, tid_addr, th.pid)
    th.clear_child_tid = tid_addr
    g = sleep(leader, tid_addr, val=th.pid, private=False)    # glibc's pthread_join
    futex_exit_release(th)
    assert get_u32(leader.mm, tid_addr) == 0 and th.clear_child_tid == 0
    assert finish(g) == 0


def test_robust_list_marks_owner_died_and_wakes_one() -> None:
    leader, (owner, waiter) = threads(2)
    mm = leader.mm
    head, entry = leader.private_page + 256, leader.private_page + 512
    lock = entry + 16                                          # futex_offset 16
    # head -> entry -> head
    put_u32(mm, head, entry & 0xFFFFFFFF); put_u32(mm, head + 4, entry >> 32)
    put_u32(mm, head + 8, 16); put_u32(mm, head + 12, 0)
    put_u32(mm, head + 16, 0); put_u32(mm, head + 20, 0)
    put_u32(mm, entry, head & 0xFFFFFFFF); put_u32(mm, entry + 4, head >> 32)
    put_u32(mm, lock, owner.pid | X.FUTEX_WAITERS)
    owner.robust_list = head
    g = sleep(waiter, lock, val=owner.pid | X.FUTEX_WAITERS, private=False)
    futex_exit_release(owner)
    assert get_u32(mm, lock) == X.FUTEX_WAITERS | X.FUTEX_OWNER_DIED
    assert finish(g) == 0


def test_pi_lock_handover_and_errors() -> None:
    from pynix.kernel import futex_pi as PI
    leader, (a, b) = threads(2)
    mm, addr = leader.mm, leader.private_page + 128

    def lock(t: Task) -> Generator[None, None, int]:
        return PI.futex_lock_pi(t, mm, addr, None, True)

    assert finish(lock(a)) == 0 and get_u32(mm, addr) == a.pid
    with pytest.raises(KernelError) as e:
        next(lock(a))
    assert e.value.errno == E.EDEADLK
    gb = lock(b)
    next(gb)                                          # b sleeps; the word says so
    assert get_u32(mm, addr) == a.pid | X.FUTEX_WAITERS
    with pytest.raises(KernelError) as e:
        F.futex_wake(leader, mm, addr, 1, ANY, True)  # a plain wake on a PI futex
    assert e.value.errno == E.EINVAL
    with pytest.raises(KernelError) as e:
        PI.futex_unlock_pi(b, mm, addr, True)         # not the owner
    assert e.value.errno == E.EPERM
    assert PI.futex_unlock_pi(a, mm, addr, True) == 0
    assert get_u32(mm, addr) == b.pid | X.FUTEX_WAITERS and finish(gb) == 0
    assert PI.futex_unlock_pi(b, mm, addr, True) == 0 and get_u32(mm, addr) == 0
    put_u32(mm, addr, 4000)                           # no such task
    with pytest.raises(KernelError) as e:
        next(lock(a))
    assert e.value.errno == E.ESRCH


def test_pi_lock_passes_on_when_its_owner_dies() -> None:
    from pynix.kernel import futex_pi as PI
    leader, (a, b) = threads(2)
    mm, addr = leader.mm, leader.private_page + 128
    put_u32(mm, addr, a.pid)
    gb = PI.futex_lock_pi(b, mm, addr, None, True)
    next(gb)
    futex_exit_release(a)
    assert get_u32(mm, addr) == b.pid | X.FUTEX_WAITERS and finish(gb) == 0


def test_waitv_returns_the_woken_index_and_leaves_no_queue() -> None:
    leader, (th,) = threads(1)
    a, b = leader.private_page, leader.private_page + 64
    P = X.FUTEX2_SIZE_U32 | X.FUTEX2_PRIVATE
    g = F.futex_wait_multiple(th, th.mm, [(a, 0, P), (b, 0, P)], None)
    next(g)
    assert th.state == TASK_INTERRUPTIBLE and len(leader.kernel.futex_hash) == 2
    assert F.futex_wake(leader, leader.mm, b, 1, ANY, True) == 1
    assert finish(g) == 1
    assert not leader.kernel.futex_hash
    put_u32(leader.mm, b, 7)                          # a word that differs: EAGAIN at once
    g = F.futex_wait_multiple(th, th.mm, [(a, 0, P), (b, 0, P)], None)
    with pytest.raises(KernelError) as e:
        next(g)
    assert e.value.errno == E.EAGAIN and not leader.kernel.futex_hash
