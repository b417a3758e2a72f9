"""poll, ppoll, select, pselect6: argument marshalling around fs/select.do_poll."""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.poll import (
    POLLERR,
    POLLFD,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLPRI,
    POLLRDNORM,
    POLLWRNORM,
    SIGSET_ARGPACK,
)
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.fs.select import do_poll
from pynix.fs.vfs.file import File
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, get_u64
from pynix.syscalls.util import get_timespec, mm_of, s32

POLL_IN = POLLIN | POLLRDNORM | 0x80 | POLLHUP | POLLERR   # select's read set
POLL_OUT = POLLOUT | POLLWRNORM | 0x200 | POLLERR
POLL_EX = POLLPRI


def _deadline_ms(ms: int) -> int | None:
    return None if ms < 0 else monotonic_ns() + ms * 1_000_000


def _deadline_ts(t: Task, addr: int) -> int | None:
    if not addr:
        return None
    return monotonic_ns() + get_timespec(t, addr)


def _poll(t: Task, ufds: int, nfds: int, deadline: int | None) -> Generator[None, None, int]:
    assert t.files is not None
    if nfds > t.files.max_fds:
        raise KernelError(E.EINVAL)
    raw = copy_from_user(mm_of(t), ufds, POLLFD.size * nfds)
    entries = [POLLFD.unpack_from(raw, i * POLLFD.size) for i in range(nfds)]
    files: list[tuple[File | None, int]] = []
    for fd, events, _ in entries:
        f = t.files.peek(fd) if fd >= 0 else None
        files.append((f, (events & 0xFFFF) if fd >= 0 else 0))
    revents = yield from do_poll(t, files, deadline)
    out = bytearray()
    n = 0
    for (fd, events, _), r in zip(entries, revents):
        if fd < 0:
            r = 0
        out += POLLFD.pack(fd, events, r)
        n += bool(r)
    copy_to_user(mm_of(t), ufds, out)
    return n


def sys_poll(t: Task, ufds: int, nfds: int, timeout: int) -> Generator[None, None, int]:
    return (yield from _poll(t, ufds, nfds, _deadline_ms(s32(timeout))))


def _with_mask(t: Task, sigmask: int) -> None:
    if sigmask:
        t.saved_sigmask = t.blocked
        t.blocked = get_u64(mm_of(t), sigmask) & ~((1 << 8) | (1 << 18))


def _restore_mask(t: Task) -> None:
    if t.saved_sigmask is not None and not t.signal_pending():
        t.blocked = t.saved_sigmask
        t.saved_sigmask = None


def sys_ppoll(t: Task, ufds: int, nfds: int, tsp: int, sigmask: int, size: int) -> Generator[None, None, int]:
    deadline = _deadline_ts(t, tsp)
    _with_mask(t, sigmask)
    try:
        return (yield from _poll(t, ufds, nfds, deadline))
    finally:
        _restore_mask(t)


def _select(t: Task, n: int, inp: int, outp: int, exp: int, deadline: int | None) -> Generator[None, None, int]:
    assert t.files is not None
    if n < 0 or n > t.files.max_fds:
        raise KernelError(E.EINVAL)
    nbytes = ((n + 63) // 64) * 8
    mm = mm_of(t)
    sets = [int.from_bytes(copy_from_user(mm, p, nbytes), "little") if p else 0 for p in (inp, outp, exp)]
    files: list[tuple[File | None, int]] = []
    fds = []
    for fd in range(n):
        ev = (POLL_IN if sets[0] >> fd & 1 else 0) | (POLL_OUT if sets[1] >> fd & 1 else 0) | \
             (POLL_EX if sets[2] >> fd & 1 else 0)
        if not ev:
            continue
        f = t.files.peek(fd)
        if f is None:
            raise KernelError(E.EBADF)
        files.append((f, ev))
        fds.append(fd)
    revents = yield from do_poll(t, files, deadline)
    res = [0, 0, 0]
    count = 0
    for fd, r in zip(fds, revents):
        for i, mask in enumerate((POLL_IN, POLL_OUT, POLL_EX)):
            if sets[i] >> fd & 1 and r & mask:      # the sets asked for, not the masks
                res[i] |= 1 << fd
                count += 1
    for p, v in zip((inp, outp, exp), res):
        if p:
            copy_to_user(mm, p, v.to_bytes(nbytes, "little"))
    return count


def sys_select(t: Task, n: int, inp: int, outp: int, exp: int, tvp: int) -> Generator[None, None, int]:
    deadline = None
    if tvp:
        sec, usec = A.TIMEVAL.unpack(copy_from_user(mm_of(t), tvp, 16))
        if sec < 0 or not 0 <= usec < 10**6:
            raise KernelError(E.EINVAL)
        deadline = monotonic_ns() + sec * 10**9 + usec * 1000
    return (yield from _select(t, s32(n), inp, outp, exp, deadline))


def sys_pselect6(t: Task, n: int, inp: int, outp: int, exp: int, tsp: int, sig: int) -> Generator[None, None, int]:
    deadline = _deadline_ts(t, tsp)
    if sig:
        mask_ptr, _size = SIGSET_ARGPACK.unpack(copy_from_user(mm_of(t), sig, SIGSET_ARGPACK.size))
        _with_mask(t, mask_ptr)
    try:
        return (yield from _select(t, s32(n), inp, outp, exp, deadline))
    finally:
        _restore_mask(t)
