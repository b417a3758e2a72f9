"""Wait queues: sleep and wakeup (Bach ch. 6.6 sleep/wakeup; Love ch. 4 "sleeping and waking
up"; Linux's kernel/sched/wait.c and wait_event_interruptible).

Provides:
- ``WaitQueue``: tasks sleeping on an event; ``wake_up()`` makes them all runnable (they
  re-check their condition, as Bach's sleep/wakeup loop does).
- ``wait_event(task, wq, cond, deadline)``: the generator a blocking syscall ``yield from``s.
  It returns when ``cond()`` holds, returns False at ``deadline`` (a monotonic ns time), and
  raises ``KernelError(ERESTARTSYS)`` when a signal is pending (interruptible sleep).
- ``sleep_until`` (nanosleep) and ``wait_queue_of`` (a queue made on first use).
- ``WaitCallback(func)``: a queue entry whose wake-up calls ``func()`` instead of waking a
  task (init_waitqueue_func_entry: epoll's items, aio's IOCB_CMD_POLL). Like a task, it is
  taken off the queue by the wake-up; ``func`` re-adds it if it wants more. An entry with
  ``exclusive`` set (WQ_FLAG_EXCLUSIVE) is woken as __wake_up_common does: after every
  non-exclusive one, and only until one exclusive entry's ``func`` returns True; the other
  exclusive entries stay queued.

A blocked syscall's kernel stack is the generator itself: the dispatcher stores it in
``task.kstack`` and resumes it when the task runs again (syscalls/dispatch.py).
A task is reached through ``task.kernel.rq`` and ``task.kernel.timers``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Generator

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE
from pynix.base.timer import Timers, monotonic_ns

if TYPE_CHECKING:
    from pynix.kernel.task import Task


class WaitQueue:
    __slots__ = ("waiters", "nr_exclusive")

    def __init__(self) -> None:
        self.waiters: list[Task] = []
        self.nr_exclusive = 0            # entries added with WQ_FLAG_EXCLUSIVE

    def add(self, t: Task) -> None:
        if t not in self.waiters:
            self.waiters.append(t)
            if getattr(t, "exclusive", False):
                self.nr_exclusive += 1

    def remove(self, t: Task) -> None:
        try:
            self.waiters.remove(t)
        except ValueError:
            return
        if getattr(t, "exclusive", False):
            self.nr_exclusive -= 1

    def wake_up(self) -> None:
        if not self.waiters:
            return
        if self.nr_exclusive:
            self._wake_up_exclusive()
            return
        for t in self.waiters:
            t.kernel.rq.wake_up_process(t)
        self.waiters.clear()

    def _wake_up_exclusive(self) -> None:
        """__wake_up_common with nr_exclusive 1: every non-exclusive entry, then exclusive
        ones in order until one says it woke someone; the other exclusive entries stay."""
        waiters = self.waiters
        self.waiters = []
        self.nr_exclusive = 0
        rest = [w for w in waiters if not getattr(w, "exclusive", False)]
        excl = [w for w in waiters if getattr(w, "exclusive", False)]
        for t in rest:
            t.kernel.rq.wake_up_process(t)
        for i, w in enumerate(excl):
            if w.kernel.rq.wake_up_process(w):
                for kept in excl[i + 1:]:
                    self.add(kept)
                return

    def __bool__(self) -> bool:
        return True


class WaitCallback:
    """A wait-queue entry with its own wake function (wait_queue_entry_t.func). WaitQueue's
    wake_up reaches it as ``entry.kernel.rq.wake_up_process(entry)``, so it answers to those
    names."""

    exclusive = False                    # WQ_FLAG_EXCLUSIVE (epoll's EPOLLEXCLUSIVE items)

    def __init__(self, func: Callable[[], object]) -> None:
        self.func = func
        self.kernel = self
        self.rq = self

    def wake_up_process(self, _entry: object) -> bool:
        """Run the entry's function; for an exclusive entry, its answer to "did this wake
        someone" decides whether the wake-up goes on to the next exclusive entry."""
        return bool(self.func())


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
