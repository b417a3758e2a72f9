"""Time and timers (Linux kernel/time/: ktime_get, the hrtimer queue).

Provides:
- ``monotonic_ns()``: the kernel's clock (CLOCK_MONOTONIC of the host, in ns).
- ``Timers``: deadlines kept in a heap (nanosleep, timeouts, alarm, VTIME); ``add(deadline,
  fn)`` returns an entry that ``Timers.cancel`` disarms; ``expire(now)`` runs the callbacks
  that are due. The kernel loop calls ``expire`` between user-mode runs (base/irq.py), so a
  busy CPU sees a deadline at the next clock tick.
- ``KTimer``: one armed-or-not timer with an optional period (Linux's hrtimer as itimers,
  POSIX timers and timerfd use it): ``arm(deadline, interval)``, ``cancel()``,
  ``remaining()``. When it fires it calls ``fire(n)`` with the number of expirations since the
  last call (more than 1 when the kernel was busy past several periods) and re-arms itself on
  the period's grid.

Owns: the timer heap.
"""
from __future__ import annotations

import heapq
import itertools
import time
from typing import Callable


def monotonic_ns() -> int:
    return time.monotonic_ns()


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


class KTimer:
    def __init__(self, timers: Timers, fire: Callable[[int], None]) -> None:
        self.timers = timers
        self.fire = fire
        self.entry: list | None = None
        self.deadline = 0
        self.interval = 0

    def arm(self, deadline: int | None, interval: int) -> None:
        """Start (deadline in host monotonic ns) or, with None, stop; keeps ``interval``."""
        self.cancel()
        self.interval = interval
        if deadline is not None:
            self.deadline = deadline
            self.entry = self.timers.add(deadline, self._expire)

    def cancel(self) -> None:
        if self.entry is not None:
            Timers.cancel(self.entry)
            self.entry = None

    def remaining(self) -> tuple[int, int]:
        """(time to the next expiry, interval) in ns; (0, interval) when not armed."""
        if self.entry is None:
            return 0, self.interval
        return max(self.deadline - monotonic_ns(), 1), self.interval

    def _expire(self) -> None:
        self.entry = None
        n = 1
        if self.interval:
            late = monotonic_ns() - self.deadline
            if late > 0:
                n += late // self.interval
            self.deadline += n * self.interval
            self.entry = self.timers.add(self.deadline, self._expire)
        self.fire(n)
