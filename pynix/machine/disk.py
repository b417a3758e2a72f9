"""The disk: exclusive use of an image file by one running pynix.

A real disk belongs to one machine at a time. ``claim_disk(path)`` takes an exclusive lock
(flock) on the image for the life of this pynix process. When another pynix already holds it,
the caller gets a private snapshot instead (a sparse copy, deleted at exit), so a second
machine can boot from the same default disk without the two corrupting each other; changes
made there are discarded, and pynix says so on stderr.

Owns: the lock file descriptor and the snapshot file.
"""
from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import sys
import tempfile

_held: list[int] = []


def claim_disk(path: str, quiet: bool = False) -> str:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return _snapshot(path, quiet)
    _held.append(fd)                       # kept open (and locked) until pynix exits
    return path


def _snapshot(path: str, quiet: bool) -> str:
    fd, snap = tempfile.mkstemp(prefix="pynix-disk-", suffix=".img")
    os.close(fd)
    with open(path, "rb") as src, open(snap, "r+b") as dst:
        # copy only the non-zero parts: the image is sparse and mostly empty
        size = os.fstat(src.fileno()).st_size
        off = 0
        while off < size:
            try:
                data_start = os.lseek(src.fileno(), off, os.SEEK_DATA)
            except OSError:
                break
            hole = os.lseek(src.fileno(), data_start, os.SEEK_HOLE)
            src.seek(data_start)
            dst.seek(data_start)
            shutil.copyfileobj(_Limited(src, hole - data_start), dst, 1 << 20)
            off = hole
        dst.truncate(size)
    atexit.register(lambda: os.path.exists(snap) and os.unlink(snap))
    if not quiet:
        sys.stderr.write(f"pynix: {path} is in use by another pynix; using a private copy "
                         "(changes will be discarded)\n")
    return snap


class _Limited:
    def __init__(self, f, n: int) -> None:  # type: ignore[no-untyped-def]
        self.f, self.n = f, n

    def read(self, k: int = -1) -> bytes:
        if self.n <= 0:
            return b""
        data = self.f.read(self.n if k < 0 else min(k, self.n))
        self.n -= len(data)
        return data
