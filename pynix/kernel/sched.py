"""The scheduler: run queue, wait queues, sleep and wakeup, timers (Bach ch. 6.6 sleep/wakeup,
ch. 8 process scheduling; Love ch. 4).

Provides:
- ``RunQueue``: runnable tasks, real-time (FIFO/RR by priority) before round robin;
  ``pick_next``; ``wake_up_process``; ``should_preempt`` at a clock tick.
- ``WaitQueue``: tasks sleeping on an event; ``wake_up()`` makes them all runnable (they
  re-check their condition, as Bach's sleep/wakeup loop does).
- ``wait_event(task, wq, cond, deadline)``: the generator a blocking syscall ``yield from``s.
  It returns when ``cond()`` holds, returns False at ``deadline`` (a monotonic ns time), and
  raises ``KernelError(ERESTARTSYS)`` when a signal is pending (interruptible sleep).
- ``Timers``: deadlines (nanosleep, timeouts, alarm) kept in a heap; ``expire(now)`` runs the
  callbacks that are due.

A blocked syscall's kernel stack is the generator itself: the dispatcher stores it in
``task.kstack`` and resumes it when the task runs again. Owns the run queue and timer heap.
"""
from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from typing import TYPE_CHECKING, Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.kernel.errors import KernelError

if TYPE_CHECKING:
    from pynix.kernel.task import Task

TASK_RUNNING = "R"
TASK_INTERRUPTIBLE = "S"
TASK_UNINTERRUPTIBLE = "D"
TASK_STOPPED = "T"
TASK_ZOMBIE = "Z"
TASK_DEAD = "X"

TIMESLICE_NS = 10_000_000          # 10 ms: one clock tick of preemption
RR_TIMESLICE_NS = 100_000_000      # SCHED_RR's quantum (sched_rr_timeslice_ms)
RT_PERIOD_NS, RT_RUNTIME_NS = 1_000_000_000, 950_000_000   # sched_rt_{period,runtime}_us


def monotonic_ns() -> int:
    return time.monotonic_ns()


class RunQueue:
    """Runnable tasks: real-time ones (SCHED_FIFO / SCHED_RR, rt_priority 1-99) first, highest
    priority first, then everyone else round robin (Linux's rt and fair classes; pynix does
    not weigh nice values). Real-time tasks may use 95% of each second (sched_rt_runtime_us):
    past that, others run first, so a spinning SCHED_FIFO task cannot lock the machine."""

    def __init__(self) -> None:
        self.queue: deque[Task] = deque()
        self.rt: dict[int, deque[Task]] = {}          # rt_priority -> runnable FIFO/RR tasks
        self.nr_switches = 0
        self.rt_period_start = 0
        self.rt_time = 0

    def __len__(self) -> int:
        return len(self.queue) + sum(len(q) for q in self.rt.values())

    def enqueue(self, t: Task) -> None:
        if not t.on_rq:
            t.on_rq = True
            if t.rt_priority:
                self.rt.setdefault(t.rt_priority, deque()).append(t)
            else:
                self.queue.append(t)

    def requeue(self, t: Task) -> None:
        """After a policy or priority change: move ``t`` to the queue it now belongs to."""
        if t.on_rq:
            for q in (self.queue, *self.rt.values()):
                if t in q:
                    q.remove(t)
            t.on_rq = False
            self.enqueue(t)

    def pick_next(self) -> Task | None:
        if self.rt and not (self.rt_throttled() and self.queue):
            for prio in sorted(self.rt, reverse=True):
                t = self._pop(self.rt[prio])
                if t is not None:
                    return t
            self.rt.clear()
        return self._pop(self.queue)

    @staticmethod
    def _pop(q: deque[Task]) -> Task | None:
        while q:
            t = q.popleft()
            t.on_rq = False
            if t.state == TASK_RUNNING:
                return t
        return None

    def wake_up_process(self, t: Task) -> None:
        if t.state in (TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE):
            t.state = TASK_RUNNING
            self.enqueue(t)

    # -- preemption ----------------------------------------------------------------------------
    def account_rt(self, ns: int) -> None:
        self.rt_throttled()
        self.rt_time += ns

    def rt_throttled(self) -> bool:
        now = monotonic_ns()
        if now - self.rt_period_start >= RT_PERIOD_NS:
            self.rt_period_start, self.rt_time = now, 0
        return self.rt_time >= RT_RUNTIME_NS

    def _rt_waiting(self, above: int) -> bool:
        return any(q for prio, q in self.rt.items() if prio > above)

    def should_preempt(self, t: Task, ran: int) -> bool:
        """At a clock tick, ``t`` having run ``ran`` ns of its slice: does it give way?"""
        if t.rt_priority:
            if self.queue and self.rt_throttled():
                return True
            if self._rt_waiting(t.rt_priority):
                return True                                  # a higher priority is runnable
            return t.policy == A.SCHED_RR and ran >= RR_TIMESLICE_NS \
                and bool(self.rt.get(t.rt_priority))         # RR: the next of the same priority
        if self.rt and self._rt_waiting(0) and not self.rt_throttled():
            return True                                      # real time before everyone else
        return ran >= TIMESLICE_NS and bool(self.queue)


class WaitQueue:
    __slots__ = ("waiters", "rq")

    def __init__(self, rq: RunQueue | None = None) -> None:
        self.waiters: list[Task] = []
        self.rq = rq

    def add(self, t: Task) -> None:
        if t not in self.waiters:
            self.waiters.append(t)

    def remove(self, t: Task) -> None:
        try:
            self.waiters.remove(t)
        except ValueError:
            pass

    def wake_up(self) -> None:
        if not self.waiters:
            return
        for t in self.waiters:
            t.kernel.rq.wake_up_process(t)
        self.waiters.clear()

    def __bool__(self) -> bool:
        return True


class Timers:
    def __init__(self) -> None:
        self.heap: list[tuple[int, int, Callable[[], None]]] = []
        self.seq = itertools.count()

    def add(self, deadline: int, fn: Callable[[], None]) -> list:
        entry = [deadline, next(self.seq), fn]
        heapq.heappush(self.heap, entry)  # type: ignore[arg-type]
        return entry

    @staticmethod
    def cancel(entry: list) -> None:
        entry[2] = None

    def next_deadline(self) -> int | None:
        while self.heap and self.heap[0][2] is None:
            heapq.heappop(self.heap)
        return self.heap[0][0] if self.heap else None

    def expire(self, now: int) -> None:
        h = self.heap
        while h and h[0][0] <= now:
            _, _, fn = heapq.heappop(h)
            if fn is not None:
                fn()


def wait_queue_of(obj: object, attr: str) -> WaitQueue:
    """The wait queue kept at ``obj.attr``, made on first use (for objects that rarely need
    one: a task that someone waits on through a pidfd, the kernel's signalfd readers)."""
    wq = getattr(obj, attr, None)
    if wq is None:
        wq = WaitQueue()
        setattr(obj, attr, wq)
    return wq


def wait_event(task: Task, wqs: WaitQueue | list[WaitQueue], cond: Callable[[], bool],
               deadline: int | None = None, interruptible: bool = True,
               restart: int = E.ERESTARTSYS) -> Generator[None, None, bool]:
    """Sleep until ``cond()``; False on timeout; ``restart`` (ERESTARTSYS unless the call
    says otherwise) if a signal arrives first."""
    if isinstance(wqs, WaitQueue):
        wqs = [wqs]
    timer = None
    try:
        while not cond():
            if interruptible and task.signal_pending():
                raise KernelError(restart)
            if deadline is not None and monotonic_ns() >= deadline:
                return False
            for wq in wqs:
                wq.add(task)
            if deadline is not None and timer is None:
                timer = task.kernel.timers.add(deadline, lambda: task.kernel.rq.wake_up_process(task))
            task.state = TASK_INTERRUPTIBLE if interruptible else TASK_UNINTERRUPTIBLE
            yield
            task.state = TASK_RUNNING
    finally:
        for wq in wqs:
            wq.remove(task)
        if timer is not None:
            Timers.cancel(timer)
    return True


def sleep_until(task: Task, deadline: int, restart: int = E.ERESTARTSYS) -> Generator[None, None, bool]:
    """nanosleep: True when the time has come, ``restart`` on a signal."""
    return (yield from wait_event(task, [], lambda: monotonic_ns() >= deadline, deadline,
                                  restart=restart))
