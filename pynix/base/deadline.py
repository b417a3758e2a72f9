"""SCHED_DEADLINE's per-task entity: the Constant Bandwidth Server (Linux kernel/sched/deadline.c;
Abeni and Buttazzo's CBS).

Provides ``DLEntity`` (``task.dl``): the parameters a task asked for with sched_setattr
(``runtime`` <= ``deadline`` <= ``period``, ns) and the state the server keeps, the budget left
(``budget``) and the absolute deadline (``abs_deadline``). ``checkparam_dl`` is
__checkparam_dl's validity test; ``DL_BW_LIMIT`` is the share of the CPU all deadline tasks
together may reserve (sched_rt_runtime_us / sched_rt_period_us, as Linux's admission test).
The run queue (base/runqueue.py) picks the runnable entity with the earliest ``abs_deadline``
(EDF), charges it the time it ran (``charge``) and throttles it when its budget is gone until
``replenish`` at its deadline. Owns nothing beyond the entity's fields.
"""
from __future__ import annotations

from dataclasses import dataclass

DL_SCALE_NS = 1 << 10                  # the smallest runtime (DL_SCALE bits of precision)
DL_PERIOD_MIN_NS = 100 * 1000          # sysctl_sched_dl_period_min: 100 us
DL_PERIOD_MAX_NS = (1 << 22) * 1000    # sysctl_sched_dl_period_max: 4194304 us
DL_BW_LIMIT = 0.95                     # sched_rt_runtime_us / sched_rt_period_us


def checkparam_dl(runtime: int, deadline: int, period: int) -> bool:
    """__checkparam_dl: a deadline, a runtime of at least 2^10 ns, neither value with the
    top bit set, runtime <= deadline <= period (a zero period means the deadline) and the
    period within the sysctl bounds."""
    if deadline == 0 or runtime < DL_SCALE_NS:
        return False
    if deadline >> 63 or period >> 63:
        return False
    period = period or deadline
    if not runtime <= deadline <= period:
        return False
    return DL_PERIOD_MIN_NS <= period <= DL_PERIOD_MAX_NS


@dataclass
class DLEntity:
    """struct sched_dl_entity: the reservation and the server's state."""
    runtime: int = 0
    deadline: int = 0
    period: int = 0
    flags: int = 0
    budget: int = 0
    abs_deadline: int = 0
    throttled: bool = False
    timer: list | None = None          # the pending replenishment (base/timer.py entry)

    @property
    def bandwidth(self) -> float:
        return self.runtime / self.period if self.period else 0.0

    def setup_new(self, now: int) -> None:
        """setup_new_dl_entity: a fresh budget and a deadline relative to now."""
        self.abs_deadline = now + self.deadline
        self.budget = self.runtime
        self.throttled = False

    def update_on_wakeup(self, now: int) -> None:
        """update_dl_entity: CBS's wakeup rule. Keep the current budget and deadline unless the
        deadline has passed or the budget left would overrun the reserved bandwidth."""
        if self.throttled:
            return
        left = self.abs_deadline - now
        if left <= 0 or self.budget * self.period > left * self.runtime:
            self.setup_new(now)

    def charge(self, ns: int) -> bool:
        """update_curr_dl: ``ns`` of CPU used; True when the budget is exhausted (throttle)."""
        self.budget -= ns
        if self.budget <= 0:
            self.throttled = True
        return self.throttled

    def replenish(self, now: int) -> None:
        """replenish_dl_entity: postpone the deadline a period per budget owed; a server too
        far behind starts over from now."""
        while self.budget <= 0:
            self.abs_deadline += self.period
            self.budget += self.runtime
        if self.abs_deadline < now:
            self.setup_new(now)
        self.throttled = False
