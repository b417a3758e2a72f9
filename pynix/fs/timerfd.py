"""timerfd: a timer read through a file descriptor (Linux fs/timerfd.c).

Provides ``TimerFdFile`` and ``timerfd_create(kernel, clockid, flags)``. ``settime`` arms it
(relative, or absolute on its clock) with an optional period; each expiry adds one to a
count of expirations (periods missed while nobody read are counted too). read(2) of at least
8 bytes returns that count and zeroes it, waiting while it is 0 (EAGAIN under O_NONBLOCK);
poll is readable when it is non-zero. Expiry runs from the kernel's timer list.

Owns the count, the armed timer entry and the wait queue (wqh).
"""
from __future__ import annotations

from typing import Callable

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import POLLIN, POLLRDNORM, File, WouldBlock
from pynix.kernel.errors import KernelError
from pynix.kernel.sched import Timers, WaitQueue, monotonic_ns

CLOCKS = (A.CLOCK_REALTIME, A.CLOCK_MONOTONIC, A.CLOCK_BOOTTIME)


class TimerFdFile(File):
    def __init__(self, timers: Timers, clockid: int, clock_now: Callable[[], int],
                 flags: int) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.timers = timers
        self.clockid = clockid
        self.clock_now = clock_now        # the timer's clock, in ns, as the guest sees it
        self.ticks = 0
        self.interval = 0
        self.deadline: int | None = None  # host monotonic ns of the next expiry
        self.entry: list | None = None
        self.wqh = WaitQueue()
        self.anon = anon_inode("anon_inodefs", 0o600)

    def _fire(self) -> None:
        now = monotonic_ns()
        assert self.deadline is not None
        if self.interval:
            missed = (now - self.deadline) // self.interval
            self.ticks += 1 + missed
            self.deadline += (missed + 1) * self.interval
            self.entry = self.timers.add(self.deadline, self._fire)
        else:
            self.ticks += 1
            self.deadline = self.entry = None
        self.wqh.wake_up()

    def gettime(self) -> tuple[int, int]:
        """(interval, time to the next expiry) in ns; 0 when disarmed."""
        left = 0 if self.deadline is None else max(self.deadline - monotonic_ns(), 1)
        return self.interval, left

    def settime(self, value: int, interval: int, absolute: bool) -> tuple[int, int]:
        old = self.gettime()
        if self.entry is not None:
            Timers.cancel(self.entry)
        self.entry = self.deadline = None
        self.ticks = 0
        self.interval = interval
        if value:
            delay = value - self.clock_now() if absolute else value
            self.deadline = monotonic_ns() + max(delay, 0)
            self.entry = self.timers.add(self.deadline, self._fire)
        return old

    def read(self, n: int) -> bytes:
        if n < 8:
            raise KernelError(E.EINVAL)
        if not self.ticks:
            raise WouldBlock(self.wqh)
        ticks, self.ticks = self.ticks, 0
        return V.U64.pack(ticks)

    def write(self, data: bytes) -> int:
        raise KernelError(E.EINVAL)

    def poll(self) -> int:
        return POLLIN | POLLRDNORM if self.ticks else 0

    def wait_queues(self) -> list[WaitQueue]:
        return [self.wqh]

    def release(self) -> None:
        if self.entry is not None:
            Timers.cancel(self.entry)
        self.entry = None
        self.wqh.wake_up()


def timerfd_create(timers: Timers, clockid: int, clock_now: Callable[[], int],
                   flags: int) -> TimerFdFile:
    if clockid not in CLOCKS or flags & ~(V.TFD_CLOEXEC | V.TFD_NONBLOCK):
        raise KernelError(E.EINVAL)
    return TimerFdFile(timers, clockid, clock_now, flags)
