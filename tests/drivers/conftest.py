"""Shared fixtures of the driver tests: a stand-in for the kernel with what the tty layer
touches (timers for VTIME, the task table for signals, no current task)."""
from __future__ import annotations

import pytest

from pynix.base.timer import Timers


class FakeKernel:
    def __init__(self) -> None:
        self.timers = Timers()
        self.tasks: dict = {}
        self.current = None


@pytest.fixture
def fake_kernel() -> FakeKernel:
    return FakeKernel()
