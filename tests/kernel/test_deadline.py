"""SCHED_DEADLINE: parameter validity, earliest deadline first, the CBS budget and its
replenishment, and the bandwidth admission test of sched_setattr (one CPU: 95%)."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.deadline import DLEntity, checkparam_dl
from pynix.base.errors import KernelError
from pynix.base.runqueue import RunQueue
from pynix.base.timer import monotonic_ns
from pynix.kernel.sched_policy import SchedAttr, sched_setattr
from pynix.kernel.task import Task
from .threads_fixture import kernel_and_task

MS = 1_000_000


class T:
    """Just what the run queue looks at."""

    def __init__(self, name: str, deadline_in: int) -> None:
        self.name, self.policy, self.rt_priority = name, A.SCHED_DEADLINE, 0
        self.on_rq, self.state = False, "R"
        self.dl = DLEntity(10 * MS, 30 * MS, 30 * MS)
        self.dl.setup_new(monotonic_ns())
        self.dl.abs_deadline += deadline_in


def test_checkparam_dl() -> None:
    assert checkparam_dl(10 * MS, 30 * MS, 30 * MS)
    assert checkparam_dl(10 * MS, 30 * MS, 0)                  # period = deadline
    assert not checkparam_dl(10 * MS, 0, 30 * MS)              # no deadline
    assert not checkparam_dl(1000, 30 * MS, 30 * MS)           # under 2^10 ns
    assert not checkparam_dl(20 * MS, 10 * MS, 30 * MS)        # runtime > deadline
    assert not checkparam_dl(10 * MS, 30 * MS, 20 * MS)        # deadline > period
    assert not checkparam_dl(10_000, 50_000, 50_000)           # period under 100 us
    assert not checkparam_dl(10 * MS, 30 * MS, 5000 * MS)      # period over 4.19 s


def test_earliest_deadline_first_and_before_real_time() -> None:
    rq = RunQueue()
    late, early = T("late", 20 * MS), T("early", 0)
    fifo = T("fifo", 0)
    fifo.policy, fifo.rt_priority = A.SCHED_FIFO, 99
    for t in (fifo, late, early):
        rq.enqueue(t)  # type: ignore[arg-type]
    assert [rq.pick_next().name for _ in range(3)] == ["early", "late", "fifo"]  # type: ignore[union-attr]


def test_exhausted_budget_throttles_until_replenished() -> None:
    rq = RunQueue()
    a, b = T("a", 0), T("b", 5 * MS)
    rq.enqueue(b)  # type: ignore[arg-type]
    assert not rq.should_preempt(a, 0)  # type: ignore[arg-type]
    rq.account_dl(a, 10 * MS)  # type: ignore[arg-type]
    assert a.dl.throttled and rq.should_preempt(a, 0)  # type: ignore[arg-type]
    old = a.dl.abs_deadline
    rq.enqueue(a)  # type: ignore[arg-type]
    assert rq.pick_next() is b and rq.pick_next() is None       # a waits for its deadline
    rq.timers.expire(old)                                        # the replenishment timer
    assert not a.dl.throttled and a.dl.budget == 10 * MS and a.dl.abs_deadline >= old
    assert rq.pick_next() is a


def test_cbs_wakeup_rule() -> None:
    dl = DLEntity(10 * MS, 30 * MS, 30 * MS)
    dl.setup_new(0)
    dl.budget = 5 * MS
    dl.update_on_wakeup(15 * MS)         # 5 ms left in 15 ms: within 1/3, kept
    assert (dl.budget, dl.abs_deadline) == (5 * MS, 30 * MS)
    dl.update_on_wakeup(25 * MS)         # 5 ms left in 5 ms: over the bandwidth, new server
    assert (dl.budget, dl.abs_deadline) == (10 * MS, 55 * MS)


def _deadline(runtime: int, period: int) -> SchedAttr:
    return SchedAttr(policy=A.SCHED_DEADLINE, runtime=runtime, deadline=period, period=period)


def test_admission_control_on_one_cpu() -> None:
    k, t = kernel_and_task()
    other = Task(k, k.pids.alloc(), b"o")
    other.cred = t.cred
    k.add_task(other)
    sched_setattr(t, t, _deadline(900 * MS, 1000 * MS))
    with pytest.raises(KernelError) as e:
        sched_setattr(t, other, _deadline(100 * MS, 1000 * MS))
    assert e.value.errno == E.EBUSY
    sched_setattr(t, t, _deadline(500 * MS, 1000 * MS))          # its own share may change
    sched_setattr(t, other, _deadline(400 * MS, 1000 * MS))
    sched_setattr(t, t, SchedAttr(policy=A.SCHED_NORMAL))
    assert t.dl is None and t.policy == A.SCHED_NORMAL
