"""The pid allocator: lowest free above the last used, wrapping, reuse."""
from __future__ import annotations

import pytest

from pynix.base.errors import KernelError
from pynix.kernel.pid import RESERVED_PIDS, PidMap


def test_pids_increase_and_are_not_reused_at_once() -> None:
    pm = PidMap(1000)
    a, b, c = pm.alloc(), pm.alloc(), pm.alloc()
    assert (a, b, c) == (1, 2, 3)
    pm.free(b)
    assert pm.alloc() == 4                  # above the last used, not the freed 2


def test_wrap_reuses_from_reserved() -> None:
    pm = PidMap(RESERVED_PIDS + 5)
    got = [pm.alloc() for _ in range(RESERVED_PIDS + 4)]
    assert got[-1] == RESERVED_PIDS + 4
    pm.free(RESERVED_PIDS + 1)
    pm.free(7)
    assert pm.alloc() == RESERVED_PIDS + 1   # wraps to RESERVED_PIDS, not to 7
    with pytest.raises(KernelError):
        pm.alloc()
