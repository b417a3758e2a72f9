"""The run queue and the task states (Bach ch. 8 process scheduling; Love ch. 4; Linux's
kernel/sched/rt.c and fair.c pick_next_task, include/linux/sched.h TASK_*).

Provides the task states (``TASK_RUNNING`` ... ``TASK_DEAD``, the letters ``ps`` shows), the
time slices, and ``RunQueue``: runnable tasks, SCHED_DEADLINE ones first (earliest deadline
first, each held to its budget by base/deadline.py's server), then real-time (FIFO/RR by
priority), then round robin; ``enqueue``, ``pick_next``, ``wake_up_process``,
``should_preempt`` at a clock tick, ``account_rt`` and ``account_dl`` for the time used.
The scheduler loop that uses it is kernel/sched.py. Owns the queues.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.base.deadline import DLEntity
from pynix.base.timer import Timers, monotonic_ns

if TYPE_CHECKING:
    from pynix.kernel.task import Task

TASK_RUNNING = "R"
TASK_INTERRUPTIBLE = "S"
TASK_UNINTERRUPTIBLE = "D"
TASK_STOPPED = "T"
TASK_TRACED = "t"                # stopped by its tracer (ptrace), "tracing stop"
TASK_ZOMBIE = "Z"
TASK_DEAD = "X"

TIMESLICE_NS = 10_000_000          # 10 ms: one clock tick of preemption
RR_TIMESLICE_NS = 100_000_000      # SCHED_RR's quantum (sched_rr_timeslice_ms)
RT_PERIOD_NS, RT_RUNTIME_NS = 1_000_000_000, 950_000_000   # sched_rt_{period,runtime}_us


class RunQueue:
    """Runnable tasks: real-time ones (SCHED_FIFO / SCHED_RR, rt_priority 1-99) first, highest
    priority first, then everyone else round robin (Linux's rt and fair classes; pynix does
    not weigh nice values). Real-time tasks may use 95% of each second (sched_rt_runtime_us):
    past that, others run first, so a spinning SCHED_FIFO task cannot lock the machine."""

    def __init__(self, timers: Timers | None = None) -> None:
        self.timers = timers if timers is not None else Timers()   # the kernel's: replenishments
        self.dl: list[Task] = []                      # runnable SCHED_DEADLINE tasks
        self.queue: deque[Task] = deque()
        self.rt: dict[int, deque[Task]] = {}          # rt_priority -> runnable FIFO/RR tasks
        self.nr_switches = 0
        self.rt_period_start = 0
        self.rt_time = 0

    def __len__(self) -> int:
        return len(self.queue) + len(self.dl) + sum(len(q) for q in self.rt.values())

    def enqueue(self, t: Task) -> None:
        if not t.on_rq:
            t.on_rq = True
            if t.policy == A.SCHED_DEADLINE:
                self.dl.append(t)
            elif t.rt_priority:
                self.rt.setdefault(t.rt_priority, deque()).append(t)
            else:
                self.queue.append(t)

    def requeue(self, t: Task) -> None:
        """After a policy or priority change: move ``t`` to the queue it now belongs to."""
        if t.on_rq:
            for q in (self.queue, self.dl, *self.rt.values()):
                if t in q:
                    q.remove(t)
            t.on_rq = False
            self.enqueue(t)

    def pick_next(self) -> Task | None:
        t = self._pick_dl()
        if t is not None:
            return t
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

    def _dl_ready(self) -> list[Task]:
        for t in [x for x in self.dl if x.state != TASK_RUNNING]:
            self.dl.remove(t)              # asleep or gone since it was queued (as _pop drops)
            t.on_rq = False
        return [t for t in self.dl if not t.dl.throttled]

    def _pick_dl(self) -> Task | None:
        """pick_next_dl_entity: the unthrottled deadline task whose deadline is earliest."""
        ready = self._dl_ready()
        if not ready:
            return None
        t = min(ready, key=lambda x: x.dl.abs_deadline)
        self.dl.remove(t)
        t.on_rq = False
        return t

    def dl_start(self, t: Task, dl: DLEntity) -> None:
        """``t`` becomes a deadline task with entity ``dl`` (sched_setattr): a new server."""
        self.dl_stop(t)
        t.dl = dl
        dl.setup_new(monotonic_ns())

    @staticmethod
    def dl_stop(t: Task) -> None:
        """``t`` leaves SCHED_DEADLINE (or exits): cancel a pending replenishment."""
        dl = t.dl
        if dl is not None and dl.timer is not None:
            Timers.cancel(dl.timer)
            dl.timer = None

    def account_dl(self, t: Task, ns: int) -> None:
        """update_curr_dl: charge ``ns``; an exhausted server sleeps until its deadline
        (start_dl_timer), when the replenishment gives it a new budget."""
        dl = t.dl
        if dl is None or dl.throttled or not dl.charge(ns):
            return

        def replenish() -> None:
            dl.timer = None
            dl.replenish(monotonic_ns())

        dl.timer = self.timers.add(dl.abs_deadline, replenish)

    def wake_up_process(self, t: Task) -> None:
        if t.state in (TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE):
            t.state = TASK_RUNNING
            if t.policy == A.SCHED_DEADLINE and t.dl is not None:
                t.dl.update_on_wakeup(monotonic_ns())
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
        ready = self._dl_ready()
        if t.policy == A.SCHED_DEADLINE:
            return t.dl.throttled or any(x.dl.abs_deadline < t.dl.abs_deadline for x in ready)
        if ready:
            return True                                      # deadline tasks before all
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
