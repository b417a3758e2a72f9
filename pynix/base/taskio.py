"""Per-task I/O accounting (Linux's struct task_io_accounting, include/linux/task_io_accounting_ops.h).

Provides ``TaskIoAccounting``: the counters /proc/[pid]/io prints (rchar, wchar, syscr,
syscw, read_bytes, write_bytes, cancelled_write_bytes), with ``add(other)`` to fold one set
into another (a dead thread's into its group, a reaped child's into its parent's group, as
Linux's __exit_signal and wait_task_zombie do). Every Task has one (``task.ioac``) and every
SignalStruct one (the dead threads' and reaped children's).

The VFS read/write paths count rchar/wchar/syscr/syscw on the task they are given; the block
layer (fs/bio.py), which has no task at hand, calls ``task_io_account_read(n)`` /
``task_io_account_write(n)``, which charge ``current_ioac()``: a hook the kernel sets at boot
to the running task's counters (as MM.flush_hook), so storage I/O is charged to whoever
caused it.

Owns: nothing but the counters themselves.
"""
from __future__ import annotations

from typing import Callable

FIELDS = ("rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes",
          "cancelled_write_bytes")


class TaskIoAccounting:
    __slots__ = FIELDS

    def __init__(self) -> None:
        self.rchar = self.wchar = self.syscr = self.syscw = 0
        self.read_bytes = self.write_bytes = self.cancelled_write_bytes = 0

    def add(self, other: TaskIoAccounting) -> None:
        """task_io_accounting_add."""
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def show(self) -> bytes:
        """do_io_accounting's text: one "name: value" line per counter."""
        return b"".join(b"%s: %d\n" % (name.encode(), getattr(self, name)) for name in FIELDS)


class _Current:
    """Where the block layer finds the running task's counters (set by the kernel)."""
    ioac: Callable[[], TaskIoAccounting | None] = staticmethod(lambda: None)


def set_current_ioac(get: Callable[[], TaskIoAccounting | None]) -> None:
    _Current.ioac = staticmethod(get)  # type: ignore[assignment]


def current_ioac() -> TaskIoAccounting | None:
    return _Current.ioac()


def task_io_account_read(n: int) -> None:
    """Bytes fetched from storage on behalf of the running task."""
    ac = _Current.ioac()
    if ac is not None:
        ac.read_bytes += n


def task_io_account_write(n: int) -> None:
    """Bytes sent to storage on behalf of the running task."""
    ac = _Current.ioac()
    if ac is not None:
        ac.write_bytes += n
