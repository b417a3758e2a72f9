#!/usr/bin/env python3
"""Run the seeded random-syscall fuzzer (userland/tools/fuzz.c) inside pynix and report any
oops. The guest gets a private sparse copy of the default root image and its own copy of
the binary, so nothing it does reaches the shared image or the build tree.

    scripts/fuzz.py --seed 1 --count 1000000 [--first-batch B] [--batch 200]

Exit status 1 when pynix reported an oops (the reports are printed) or did not end cleanly.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pynix.rootfs import ensure_default_image  # noqa: E402


def build(out: Path) -> Path:
    exe = out / "fuzz"
    subprocess.run(["musl-gcc", "-static", "-O2", "-Wall", "-o", str(exe),
                    str(REPO / "userland" / "tools" / "fuzz.c")], check=True)
    return exe


def run(seed: int, count: int, first: int = 0, batch: int = 200, timeout: float | None = None,
        exe: Path | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """One fuzz run in a scratch directory; (the finished pynix process, seconds taken)."""
    with tempfile.TemporaryDirectory(prefix="pynix-fuzz-") as tmp:
        d = Path(tmp)
        guest = d / "bin"
        guest.mkdir()
        if exe is None:
            build(guest)
        else:
            shutil.copy(exe, guest / "fuzz")
        image = d / "root.img"
        subprocess.run(["cp", "--sparse=always", ensure_default_image(), str(image)], check=True)
        cmd = [str(REPO / ".venv" / "bin" / "pynix"), "run", "--image", str(image),
               "--bind", f"{guest}:/fz", "--", "/fz/fuzz", str(seed), str(count), str(first),
               str(batch)]
        start = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return r, time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1_000_000, help="syscalls to make")
    ap.add_argument("--first-batch", type=int, default=0, help="batch number to start from")
    ap.add_argument("--batch", type=int, default=200, help="syscalls per child")
    a = ap.parse_args()
    r, secs = run(a.seed, a.count, a.first_batch, a.batch)
    oopses = r.stderr.count("oops:")
    print(r.stdout.strip())
    print(f"pynix exit {r.returncode}, {secs:.0f} s, {oopses} oops")
    if oopses or r.returncode:
        print(r.stderr[-20000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
