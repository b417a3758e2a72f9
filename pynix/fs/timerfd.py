"""timerfd: a timer behind a file descriptor (Linux fs/timerfd.c).

Provides ``TimerFdFile(kernel, clockid, flags)`` and the clock conversions its syscalls use.
``settime(value, interval, absolute)`` arms it (value 0 disarms) on CLOCK_REALTIME,
CLOCK_MONOTONIC or CLOCK_BOOTTIME, relative or absolute; each expiry adds to a tick count
(missed periods of an interval timer count too, as hrtimer_forward does). read(2) of 8 bytes
returns the count and resets it, waiting while it is 0 (EAGAIN with O_NONBLOCK); poll is
readable while it is not 0. ``gettime()`` gives the time left and the interval.

Owns the count, the armed kernel timer (kernel.timers) and a wait queue.
"""
from __future__ import annotations

import struct
import time
from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import POLLIN, POLLRDNORM, File, WouldBlock
from pynix.kernel.errors import KernelError
from pynix.kernel.sched import WaitQueue, monotonic_ns

CLOCKS = (A.CLOCK_REALTIME, A.CLOCK_MONOTONIC, A.CLOCK_BOOTTIME, A.CLOCK_REALTIME_ALARM,
          A.CLOCK_BOOTTIME_ALARM)
U64 = struct.Struct("<Q")


class TimerFdFile(File):
    def __init__(self, kernel: Any, clockid: int, flags: int) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.k = kernel
        self.realtime = clockid in (A.CLOCK_REALTIME, A.CLOCK_REALTIME_ALARM)
        self.ticks = 0
        self.deadline: int | None = None          # host monotonic ns of the next expiry
        self.interval = 0
        self.timer: list | None = None
        self.wqh = WaitQueue()
        self.anon = anon_inode("anon_inodefs", 0o600)
        self.anon_name = b"[timerfd]"

    def to_deadline(self, value: int, absolute: bool) -> int:
        """A timer value on our clock as a host monotonic deadline."""
        now = monotonic_ns()
        if not absolute:
            return now + value
        if self.realtime:
            return now + value - time.time_ns()
        return value + self.k.boot_ns - 10**9     # CLOCK_MONOTONIC reads boot + 1 s (sys_time)

    def settime(self, value: int, interval: int, absolute: bool) -> None:
        self._cancel()
        self.ticks = 0
        self.interval = interval
        self.deadline = None
        if value:
            self.deadline = self.to_deadline(value, absolute)
            self.timer = self.k.timers.add(self.deadline, self._fire)

    def gettime(self) -> tuple[int, int]:
        """(time left, interval) in ns; (0, interval) when disarmed."""
        if self.deadline is None:
            return 0, self.interval
        return max(self.deadline - monotonic_ns(), 1), self.interval

    def _cancel(self) -> None:
        if self.timer is not None:
            self.k.timers.cancel(self.timer)
            self.timer = None

    def _fire(self) -> None:
        self.timer = None
        if self.deadline is None:
            return
        now = monotonic_ns()
        if self.interval:
            missed = max(now - self.deadline, 0) // self.interval
            self.ticks += 1 + missed
            self.deadline += (missed + 1) * self.interval
            self.timer = self.k.timers.add(self.deadline, self._fire)
        else:
            self.ticks += 1
            self.deadline = None
        self.wqh.wake_up()

    def read(self, n: int) -> bytes:
        if n < 8:
            raise KernelError(E.EINVAL)
        if self.ticks == 0:
            raise WouldBlock(self.wqh)
        v, self.ticks = self.ticks, 0
        return U64.pack(v)

    def write(self, data: bytes) -> int:
        raise KernelError(E.EINVAL)

    def poll(self) -> int:
        return POLLIN | POLLRDNORM if self.ticks else 0

    def wait_queues(self) -> list[WaitQueue]:
        return [self.wqh]

    def release(self) -> None:
        self._cancel()
        self.wqh.wake_up()
