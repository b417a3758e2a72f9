"""kthreadd creates kernel threads on request; the flusher writes back periodically and on demand."""
from __future__ import annotations

import pytest

from pynix.base.timer import monotonic_ns
from pynix.fs import writeback
from pynix.kernel.kernel import Kernel
from pynix.kernel.kthread import kthread_request, start_kthreadd
from pynix.kernel.sched import schedule


class CountingVFS:
    def __init__(self) -> None:
        self.syncs = 0

    def sync_all(self) -> None:
        self.syncs += 1


@pytest.fixture
def kernel():  # type: ignore[no-untyped-def]
    k = Kernel(16 << 20)
    k.vfs = CountingVFS()
    yield k
    k.irq.stopping = True


def run_until(k: Kernel, cond, seconds: float = 2.0) -> None:  # type: ignore[no-untyped-def]
    end = monotonic_ns() + int(seconds * 1e9)
    k.timers.add(end, lambda: None)                  # the idle loop wakes up for the deadline
    schedule(k, lambda: cond() or monotonic_ns() > end)


def test_kthreadd_creates_threads_as_its_children(kernel: Kernel) -> None:
    kd = start_kthreadd(kernel)
    ran: list[int] = []

    def body(t):  # type: ignore[no-untyped-def]
        ran.append(t.pid)
        yield from ()

    info = kthread_request(kernel, b"worker", body)
    assert info.task is None                          # created when kthreadd next runs
    run_until(kernel, lambda: bool(ran))
    assert info.task is not None and info.task.real_parent is kd
    assert info.task.is_kthread and info.task.mm is None and info.task.comm == b"worker"
    assert ran == [info.task.pid]


def test_flusher_syncs_periodically_and_when_woken(kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writeback, "DIRTY_WRITEBACK_NS", 50_000_000)
    start_kthreadd(kernel)
    info = writeback.start_flusher(kernel)
    vfs = kernel.vfs
    run_until(kernel, lambda: vfs.syncs >= 2)
    assert vfs.syncs >= 2 and info.task is not None and info.task.comm == b"flush"
    monkeypatch.setattr(writeback, "DIRTY_WRITEBACK_NS", 60_000_000_000)
    run_until(kernel, lambda: False, 0.1)            # the flusher now sleeps for a minute
    before = vfs.syncs
    writeback.wakeup_flusher(kernel)
    run_until(kernel, lambda: vfs.syncs > before)
    assert vfs.syncs == before + 1
