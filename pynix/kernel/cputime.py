"""CPU time accounting: how long each task ran, split into user and system time
(Linux's kernel/sched/cputime.c).

Two measurements, combined as Linux does:
- ``sum_exec_runtime``: the exact time (ns) a task held the CPU, from the scheduler loop
  (``Kernel.schedule`` around ``run_task``; ``update_curr`` brings the running task's up to
  date when its times are read) - Linux's se.sum_exec_runtime;
- tick samples: every clock tick (``account_tick``, from the clock thread) charges one
  tick to the current task, as *user* if the kernel loop is inside the CPU's
  ``uc_emu_start`` running guest code, else as *system* (a syscall handler, a page fault,
  a kernel thread) - Bach's clock handler, Linux's account_process_tick.
``task_cputime`` then splits the exact runtime in the ratio of the samples and never lets
either half go backwards (Linux's cputime_adjust): a task too short to see a tick counts
as all user time.

Owns the per-task fields ``sum_exec_runtime``, ``uticks``, ``sticks``, ``prev_cputime``.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from pynix.kernel.sched import monotonic_ns

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task


def account_tick(k: Kernel, loop_thread: int) -> None:
    """One clock tick: charge it to the current task, user or system by where the kernel
    loop (thread ``loop_thread``) is. Runs in the clock thread."""
    t = k.current
    if t is None:
        return                                  # idle
    frame = sys._current_frames().get(loop_thread)
    user_code = type(k.cpu).run.__code__       # the frame that sits in uc_emu_start
    if frame is not None and frame.f_code is user_code and not t.is_kthread:
        t.uticks += 1
    else:
        t.sticks += 1


def cputime_adjust(rtime: int, uticks: int, sticks: int, prev: tuple[int, int]) -> tuple[int, int]:
    """(utime, stime) summing to ``rtime``, split like the samples, each at least ``prev``."""
    pu, ps = prev
    if pu + ps >= rtime:
        return prev
    if sticks == 0:
        stime = 0
    elif uticks == 0:
        stime = rtime
    else:
        stime = sticks * rtime // (sticks + uticks)
    stime = max(stime, ps)
    utime = rtime - stime
    if utime < pu:
        utime = pu
        stime = rtime - utime
    return utime, stime


def update_curr(k: Kernel) -> None:
    """Bring the running task's ``sum_exec_runtime`` up to now (Linux's update_curr): before
    its times are read or frozen at exit."""
    now = monotonic_ns()
    if k.current is not None:
        k.current.sum_exec_runtime += now - k.exec_start
    k.exec_start = now


def task_cputime(t: Task) -> tuple[int, int]:
    """The task's (utime, stime) in ns."""
    if t.kernel is not None and t.kernel.current is t:
        update_curr(t.kernel)
    t.prev_cputime = cputime_adjust(t.sum_exec_runtime, t.uticks, t.sticks, t.prev_cputime)
    return t.prev_cputime
