"""`pynix run --strace`: every task's calls in strace's format, on stderr."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def strace(*args: str) -> list[str]:
    out = subprocess.run([str(REPO / ".venv/bin/pynix"), "run", "--strace", *args],
                         capture_output=True, text=True, timeout=120)
    return [line for line in out.stderr.splitlines() if line.startswith("[pid ")]


def test_calls_errors_and_children() -> None:
    lines = strace("--", "/bin/sh", "-c", "cat /etc/hostname /nonexistent; true")
    text = "\n".join(lines)
    assert re.search(r'^\[pid \d+\] execve\("/bin/sh", \["/bin/sh", "-c", ', text, re.M)
    assert re.search(r'^\[pid \d+\] openat\(AT_FDCWD, "/etc/hostname", O_RDONLY\S*\) = 3$', text, re.M)
    assert re.search(r'^\[pid \d+\] openat\(AT_FDCWD, "/nonexistent", O_RDONLY\S*\) = '
                     r'-1 ENOENT \(No such file or directory\)$', text, re.M)
    pids = {int(m) for m in re.findall(r"^\[pid (\d+)\]", text, re.M)}
    assert len(pids) >= 2                       # the shell and the cat it forked


def test_blocking_calls_and_futex_operations(userland_programs) -> None:  # type: ignore[no-untyped-def]
    prog = userland_programs.path("pthread_sync")
    text = "\n".join(strace("--bind", f"{prog}:/p", "--", "/p"))
    assert re.search(r"futex\(0x[0-9a-f]+, FUTEX_WAKE_PRIVATE, \d+\) = \d+$", text, re.M)
    assert re.search(r"futex\(0x[0-9a-f]+, FUTEX_WAIT_PRIVATE, \d+, NULL <unfinished \.\.\.>$", text, re.M)
    assert re.search(r"<\.\.\. futex resumed>\) = ", text, re.M)
