"""CPU time accounting: how long each task ran, split into user and system time
(Linux's kernel/sched/cputime.c, the precise VIRT_CPU_ACCOUNTING way).

Three clocks per task (``thread_group_cputime`` sums them over a thread group), all in ns:
- ``sum_exec_runtime``: the whole time the task held the CPU, from the scheduler loop
  (``Kernel.schedule`` around ``run_task``; ``update_curr`` brings the running task's up to
  date when its times are read) - Linux's se.sum_exec_runtime;
- ``user_ns``: the time the CPU spent in ``uc_emu_start`` for it (guest code, plus the
  syscall hooks Unicorn calls from there);
- ``hook_ns``: the time in those hooks (the dispatcher measures each system call).
User time is ``user_ns - hook_ns``; system time is the rest of the runtime (system calls,
page faults, signal delivery, everything the kernel did for the task). Tick sampling would
be simpler but is biased here: a clock thread needs the GIL, so it can only look while the
kernel is *not* running Python. ``task_cputime`` never lets either half go backwards
(Linux's cputime_adjust keeps prev_cputime for the same reason).

Owns the per-task fields ``sum_exec_runtime``, ``user_ns``, ``hook_ns``, ``prev_cputime``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.base.timer import monotonic_ns

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task


def update_curr(k: Kernel) -> None:
    """Bring the running task's ``sum_exec_runtime`` up to now (Linux's update_curr): before
    its times are read or frozen at exit."""
    now = monotonic_ns()
    if k.current is not None:
        k.current.sum_exec_runtime += now - k.exec_start
    k.exec_start = now


def cputime_adjust(rtime: int, utime: int, prev: tuple[int, int]) -> tuple[int, int]:
    """(utime, stime) summing to ``rtime``, with ``utime`` as measured (at most ``rtime``),
    each at least what ``prev`` reported."""
    pu, ps = prev
    if pu + ps >= rtime:
        return prev
    utime = max(min(utime, rtime), pu)
    stime = rtime - utime
    if stime < ps:
        stime = ps
        utime = rtime - stime
    return utime, stime


def task_cputime(t: Task) -> tuple[int, int]:
    """The task's (utime, stime) in ns."""
    if t.kernel is not None and t.kernel.current is t:
        update_curr(t.kernel)
    t.prev_cputime = cputime_adjust(t.sum_exec_runtime, t.user_ns - t.hook_ns, t.prev_cputime)
    return t.prev_cputime


def thread_group_cputime(t: Task) -> tuple[int, int]:
    """User and system time (ns) of the whole group, live and exited threads (Linux's
    thread_group_cputime)."""
    return (t.signal.utime + sum(th.utime for th in t.thread_group),
            t.signal.stime + sum(th.stime for th in t.thread_group))
