"""The syscall table's support records and ``pynix syscalls``: every row names a real x86-64
call, a partial call says what is missing, and the command ends quietly when its reader goes
away (``pynix syscalls | head``, issue 13)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pynix.arch.x86_64.syscall_nr import NOT_IN_LINUX, NR
from pynix.syscalls.support import ABSENT, FULL, PARTIAL
from pynix.syscalls.table import ROWS, build_table, compat_rows

REPO = Path(__file__).resolve().parents[1]


def test_rows_name_real_calls_once() -> None:
    names = [row[0] for row in ROWS]
    assert len(names) == len(set(names))
    assert set(names) <= set(NR)
    assert not set(names) & NOT_IN_LINUX


def test_every_partial_call_says_what_is_missing() -> None:
    for ent in build_table().values():
        assert ent.support.status in (FULL, PARTIAL)
        if ent.support.status == PARTIAL:
            assert ent.support.note, ent.name


def test_compat_rows_cover_every_number() -> None:
    rows = compat_rows()
    assert [r[0] for r in rows] == sorted(NR.values())
    assert sum(r[2] != ABSENT for r in rows) == len(ROWS)


def _pynix_syscalls(*args: str, stdout: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "pynix.cli", "syscalls", *args], cwd=REPO,
                            stdout=stdout, stderr=subprocess.PIPE)


def test_syscalls_lists_status_and_note() -> None:
    p = _pynix_syscalls("--all", stdout=subprocess.PIPE)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err.decode()
    lines = {line.split()[1]: line.split(None, 3)[2:] for line in out.decode().splitlines()}
    assert lines["read"] == ["full"]
    assert lines["prctl"][0] == "partial" and "PR_SET_NAME" in lines["prctl"][1]
    assert lines["ptrace"][0] == "partial"
    assert lines["modify_ldt"] == ["absent", "ENOSYS"]
    assert b"partial" in err and b"absent" in err


def test_syscalls_into_a_closed_pipe_exits_quietly() -> None:
    """As ``pynix syscalls | head -1`` when head has gone: the reading end is closed before the
    command writes, so its first write meets EPIPE."""
    r, w = os.pipe()
    os.close(r)
    try:
        p = _pynix_syscalls("--all", stdout=w)
    finally:
        os.close(w)
    _, err = p.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert p.returncode == 1
