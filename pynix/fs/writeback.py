"""The flusher: a kernel thread that writes dirty buffers and inodes back to their disks
periodically (Linux fs/fs-writeback.c wb_workfn and mm/page-writeback.c's
dirty_writeback_interval, 5 seconds; Bach ch. 3 "delayed write").

``start_flusher(kernel)`` asks kthreadd for the thread. Every DIRTY_WRITEBACK_NS, or at once
after ``wakeup_flusher(kernel)``, it calls ``kernel.vfs.sync_all()``. Shutdown paths call
``wakeup_flusher`` and then sync themselves, so nothing waits for the next period.

Owns: the flusher's wait queue and its "write back now" flag.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator

from pynix.base.timer import monotonic_ns
from pynix.base.wait import WaitQueue, wait_event
from pynix.kernel.kthread import KthreadCreateInfo, kthread_request

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task

DIRTY_WRITEBACK_NS = 5_000_000_000


class Writeback:
    def __init__(self) -> None:
        self.wait = WaitQueue()
        self.requested = False
        self.rounds = 0


def flusher(t: Task) -> Generator[None, None, object]:
    k = t.kernel
    wb: Writeback = k.writeback
    while True:
        deadline = monotonic_ns() + DIRTY_WRITEBACK_NS
        yield from wait_event(t, wb.wait, lambda: wb.requested, deadline)
        wb.requested = False
        if k.vfs is not None:
            k.vfs.sync_all()
        wb.rounds += 1


def start_flusher(k: Kernel) -> KthreadCreateInfo:
    k.writeback = Writeback()
    return kthread_request(k, b"flush", flusher)


def wakeup_flusher(k: Kernel) -> None:
    wb = getattr(k, "writeback", None)
    if wb is not None:
        wb.requested = True
        wb.wait.wake_up()
