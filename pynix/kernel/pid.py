"""Process ids: the pid bitmap allocator (Linux's alloc_pid over the pid namespace's map).

Provides ``PidMap``: ``alloc()`` returns the lowest free pid above the last one handed out,
wrapping to ``RESERVED_PIDS`` after ``pid_max`` (as Linux's cyclic allocation does), ``free(pid)``
returns one. Pid 0 is the idle task and never allocated here. One PidMap per pid namespace.

Owns: the bitmap (a bytearray, one byte per pid for clarity) and ``last_pid``.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError

PID_MAX_DEFAULT = 32768
RESERVED_PIDS = 300


class PidMap:
    def __init__(self, pid_max: int = PID_MAX_DEFAULT) -> None:
        self.pid_max = pid_max
        self.bitmap = bytearray(pid_max)
        self.bitmap[0] = 1
        self.last_pid = 0
        self.nr_used = 0

    def alloc(self) -> int:
        """Lowest free pid above last_pid; wrap to RESERVED_PIDS; EAGAIN when full."""
        bm = self.bitmap
        start = self.last_pid + 1
        for lo, hi in ((start, self.pid_max), (min(RESERVED_PIDS, start), start)):
            i = bm.find(0, lo, hi) if lo < hi else -1
            if i > 0:
                bm[i] = 1
                self.last_pid = i
                self.nr_used += 1
                return i
        raise KernelError(E.EAGAIN)

    def free(self, pid: int) -> None:
        if self.bitmap[pid]:
            self.bitmap[pid] = 0
            self.nr_used -= 1

    def is_used(self, pid: int) -> bool:
        return 0 < pid < self.pid_max and bool(self.bitmap[pid])
