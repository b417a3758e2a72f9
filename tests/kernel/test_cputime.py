"""CPU time: the exact runtime split into user time (guest code) and system time (the kernel)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pynix.kernel.cputime import cputime_adjust

REPO = Path(__file__).resolve().parents[2]


def test_split_keeps_the_measured_user_time() -> None:
    assert cputime_adjust(1_000, 700, (0, 0)) == (700, 300)
    assert cputime_adjust(1_000, 5_000, (0, 0)) == (1_000, 0)        # never past the runtime


def test_neither_half_goes_backwards() -> None:
    u, s = cputime_adjust(1_000, 500, (0, 0))
    u2, s2 = cputime_adjust(1_200, 400, (u, s))          # user measured lower for a moment
    assert u2 >= u and s2 >= s and u2 + s2 == 1_200
    assert cputime_adjust(900, 100, (u2, s2)) == (u2, s2)   # runtime never shrinks


def run_time(script: str) -> tuple[float, float]:
    """user and sys seconds that busybox `time` reports for the guest command."""
    out = subprocess.run([str(REPO / ".venv/bin/pynix"), "run", "--", "/bin/sh", "-c",
                          f"time {script} >/dev/null"], capture_output=True, text=True, timeout=120)
    m_user = re.search(r"user\s+(\d+)m\s*([\d.]+)s", out.stderr)
    m_sys = re.search(r"sys\s+(\d+)m\s*([\d.]+)s", out.stderr)
    assert m_user and m_sys, out.stderr
    return (int(m_user[1]) * 60 + float(m_user[2]), int(m_sys[1]) * 60 + float(m_sys[2]))


def test_syscalls_are_system_time_and_loops_user_time() -> None:
    # 20,000 reads of /dev/zero: the kernel's work (the same in pynix as on Linux)
    user, system = run_time("dd if=/dev/zero of=/dev/null bs=1 count=20000")
    assert system > 0.02 and system > user / 4
    # a shell loop of arithmetic: mostly user time
    user, system = run_time("sh -c 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done'")
    assert user > 0.05 and user > system
