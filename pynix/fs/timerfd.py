"""timerfd: a timer read through a file descriptor (Linux fs/timerfd.c).

Provides ``TimerFdFile`` and ``timerfd_create(clock, flags)``. timerfd_settime arms its
``timer`` (relative or TFD_TIMER_ABSTIME, with a period) and clears ``ticks``; read(2) of 8 bytes
returns the expirations since the last read and resets the count, waiting while it is 0
(EINVAL for a buffer under 8 bytes); poll is readable while the count is non-zero. The
timer itself is a base/timer.KTimer; closing the file stops it.

Owns the count, the timer and the wait queue.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.arch.x86_64.poll import POLLIN, POLLRDNORM
from pynix.base.errors import KernelError
from pynix.base.timer import KTimer, Timers
from pynix.base.wait import WaitQueue
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import File, WouldBlock

TIMERFD_CLOCKS = (A.CLOCK_REALTIME, A.CLOCK_MONOTONIC, A.CLOCK_BOOTTIME)


class TimerFdFile(File):
    def __init__(self, timers: Timers, clock: int, flags: int) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.clock = clock
        self.ticks = 0
        self.wqh = WaitQueue()
        self.timer = KTimer(timers, self._fire)
        self.anon = anon_inode("anon_inodefs", 0o600)
        self.anon_name = b"[timerfd]"

    def _fire(self, n: int) -> None:
        self.ticks += n
        self.wqh.wake_up()

    def read(self, n: int) -> bytes:
        if n < 8:
            raise KernelError(E.EINVAL)
        if self.ticks == 0:
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
        self.timer.cancel()
        self.wqh.wake_up()


def timerfd_create(timers: Timers, clock: int, flags: int) -> TimerFdFile:
    if flags & ~(V.TFD_CLOEXEC | V.TFD_NONBLOCK) or clock not in TIMERFD_CLOCKS:
        raise KernelError(E.EINVAL)
    return TimerFdFile(timers, clock, flags)
