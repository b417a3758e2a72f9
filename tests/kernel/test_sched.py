"""The run queue: real-time tasks first, by priority; preemption at a tick; RT throttling."""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.base.runqueue import RR_TIMESLICE_NS, RT_RUNTIME_NS, TIMESLICE_NS, RunQueue
from pynix.base.timer import monotonic_ns


class T:
    """Just what the run queue looks at."""

    def __init__(self, name: str, policy: int = A.SCHED_NORMAL, prio: int = 0) -> None:
        self.name, self.policy, self.rt_priority = name, policy, prio
        self.on_rq = False
        self.state = "R"

    def __repr__(self) -> str:
        return self.name


def drain(rq: RunQueue) -> list[str]:
    out = []
    while (t := rq.pick_next()) is not None:
        out.append(t.name)
    return out


def test_real_time_first_by_priority_then_fifo_order() -> None:
    rq = RunQueue()
    for t in (T("n1"), T("f10", A.SCHED_FIFO, 10), T("n2"), T("r50", A.SCHED_RR, 50),
              T("f10b", A.SCHED_FIFO, 10)):
        rq.enqueue(t)  # type: ignore[arg-type]
    assert drain(rq) == ["r50", "f10", "f10b", "n1", "n2"]


def test_requeue_after_a_priority_change() -> None:
    rq = RunQueue()
    a, b = T("a"), T("b")
    rq.enqueue(a)  # type: ignore[arg-type]
    rq.enqueue(b)  # type: ignore[arg-type]
    b.policy, b.rt_priority = A.SCHED_FIFO, 1
    rq.requeue(b)  # type: ignore[arg-type]
    assert drain(rq) == ["b", "a"]


def test_preemption_rules() -> None:
    rq = RunQueue()
    normal, fifo, rr = T("n"), T("f", A.SCHED_FIFO, 10), T("r", A.SCHED_RR, 10)
    # a normal task: at the end of its slice if anyone waits; at once for a real-time task
    assert not rq.should_preempt(normal, TIMESLICE_NS)  # type: ignore[arg-type]
    rq.enqueue(T("other"))  # type: ignore[arg-type]
    assert not rq.should_preempt(normal, TIMESLICE_NS - 1)  # type: ignore[arg-type]
    assert rq.should_preempt(normal, TIMESLICE_NS)  # type: ignore[arg-type]
    rq.enqueue(T("rt", A.SCHED_FIFO, 1))  # type: ignore[arg-type]
    assert rq.should_preempt(normal, 0)  # type: ignore[arg-type]
    # FIFO keeps the CPU against equal priority; RR gives it up after its quantum
    rq = RunQueue()
    rq.enqueue(T("f2", A.SCHED_FIFO, 10))  # type: ignore[arg-type]
    assert not rq.should_preempt(fifo, 10 * RR_TIMESLICE_NS)  # type: ignore[arg-type]
    assert not rq.should_preempt(rr, RR_TIMESLICE_NS - 1)  # type: ignore[arg-type]
    assert rq.should_preempt(rr, RR_TIMESLICE_NS)  # type: ignore[arg-type]
    rq.enqueue(T("f99", A.SCHED_FIFO, 99))  # type: ignore[arg-type]
    assert rq.should_preempt(fifo, 0)  # type: ignore[arg-type]


def test_real_time_throttling_lets_others_run() -> None:
    rq = RunQueue()
    fifo = T("f", A.SCHED_FIFO, 10)
    rq.enqueue(T("n"))  # type: ignore[arg-type]
    rq.rt_period_start = monotonic_ns()
    rq.account_rt(RT_RUNTIME_NS - 1)
    assert not rq.should_preempt(fifo, 0)  # type: ignore[arg-type]
    rq.account_rt(1)
    assert rq.should_preempt(fifo, 0)  # type: ignore[arg-type]
    rq.enqueue(fifo)  # type: ignore[arg-type]
    assert rq.pick_next().name == "n"  # type: ignore[union-attr]
