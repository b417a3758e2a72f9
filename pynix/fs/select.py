"""Waiting on many files at once: the core of poll, ppoll, select and pselect6
(Linux fs/select.c do_poll / do_select).

``do_poll(task, files, deadline)`` takes ``[(File | None, events)]`` and returns the list of
revents. It asks every file's ``poll()``; if nothing is ready and time remains it sleeps on all
their wait queues at once (any wake-up re-polls), returns on the deadline, and is interrupted by
signals with ERESTARTNOHAND (EINTR to the caller once a handler ran).
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.poll import POLLERR, POLLHUP, POLLNVAL
from pynix.base.timer import monotonic_ns
from pynix.base.wait import WaitQueue, wait_event
from pynix.fs.vfs.file import File
from pynix.kernel.task import Task


def poll_once(files: list[tuple[File | None, int]]) -> list[int]:
    out = []
    for f, events in files:
        if f is None:
            out.append(POLLNVAL)
            continue
        out.append(f.poll() & (events | POLLERR | POLLHUP))
    return out


def do_poll(t: Task, files: list[tuple[File | None, int]], deadline: int | None) -> Generator[None, None, list[int]]:
    while True:
        revents = poll_once(files)
        if any(revents) or (deadline is not None and monotonic_ns() >= deadline):
            return revents
        wqs: list[WaitQueue] = []
        for f, _ in files:
            if f is not None:
                wqs.extend(f.wait_queues())
        for wq in wqs:
            wq.add(t)
        ok = yield from wait_event(t, wqs, lambda: any(t not in wq.waiters for wq in wqs),
                                   deadline, restart=E.ERESTARTNOHAND)
        if not ok:
            return poll_once(files)
