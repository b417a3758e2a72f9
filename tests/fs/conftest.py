"""Fixtures of the filesystem tests: ``machine``, a booted machine over a host directory
with /proc /tmp /dev /mnt, its init task current."""
from __future__ import annotations

from pathlib import Path as HostPath

import pytest

from pynix.init.main import Config, Machine


@pytest.fixture
def machine(tmp_path: HostPath) -> Machine:
    for d in ("proc", "tmp", "dev", "mnt"):
        (tmp_path / d).mkdir()
    m = Machine(Config(root=str(tmp_path)))
    m.k.current = m.k.init_task
    return m
