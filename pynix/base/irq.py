"""Interrupts and the clock tick (Linux kernel/irq/ and kernel/time/tick-*.c, reduced to what a
one-CPU machine with host threads as devices needs).

Host threads (the console reader, the terminal's resize watcher) never touch kernel state:
they ``post(fn)`` and the kernel loop runs ``fn`` between two user-mode runs (``run()``,
called from kernel/sched.py). The clock is a host thread that sets ``tick`` every
TIMESLICE_NS and, where the CPU allows stopping it at any time, stops the CPU so the loop can
preempt the running task (otherwise preemption happens only at syscalls).

``idle(timers)`` is the idle task's wait: for the next timer or the next interrupt.

Owns: the interrupt queue, the clock thread, the tick flag.
"""
from __future__ import annotations

import collections
import threading
import time
from typing import TYPE_CHECKING, Callable

from pynix.base.runqueue import TIMESLICE_NS
from pynix.base.timer import Timers, monotonic_ns

if TYPE_CHECKING:
    from pynix.machine.cpu import CPU


class Interrupts:
    def __init__(self, cpu: CPU) -> None:
        self.cpu = cpu
        self.queue: collections.deque[Callable[[], None]] = collections.deque()
        self.event = threading.Event()
        self.tick = False
        self.stopping = False
        self._clock: threading.Thread | None = None

    def post(self, fn: Callable[[], None]) -> None:
        """From any host thread: run ``fn`` in the kernel loop soon."""
        self.queue.append(fn)
        self.event.set()
        self.cpu.interrupt()

    def pending(self) -> bool:
        return bool(self.queue) or self.event.is_set()

    def run(self, timers: Timers) -> None:
        """The bottom half: posted work, then the timers that are due."""
        self.event.clear()
        while self.queue:
            self.queue.popleft()()
        timers.expire(monotonic_ns())

    def idle(self, timers: Timers) -> None:
        """No runnable task: wait for the next timer or an interrupt (the idle task, pid 0)."""
        dl = timers.next_deadline()
        timeout = None if dl is None else max(0.0, (dl - monotonic_ns()) / 1e9)
        if not self.queue:
            self.event.wait(timeout if timeout is not None else 0.5)

    # -- the clock ------------------------------------------------------------------------------
    def _clock_loop(self) -> None:
        period = TIMESLICE_NS / 1e9
        preempt = self.cpu.async_stop_safe       # else: preemption only at syscalls
        while not self.stopping:
            time.sleep(period)
            self.tick = True
            if preempt:
                self.cpu.interrupt()

    def start_clock(self) -> None:
        if self._clock is None:
            self._clock = threading.Thread(target=self._clock_loop, name="pynix-clock", daemon=True)
            self._clock.start()
