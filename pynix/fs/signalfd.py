"""signalfd: pending signals read through a file descriptor (Linux fs/signalfd.c).

``SignalFdFile(kernel, mask)``: read(2) takes signals of ``mask`` that are pending for the
*reading* task (its own, then its process's), as sigtimedwait would, and returns one 128-byte
struct signalfd_siginfo per signal (as many as fit; EINVAL under 128 bytes); it waits while
none is pending. poll is readable while one is. The usual use: block the signals with
sigprocmask, then read them from the descriptor, or wait for them with poll/epoll.
Every queued signal wakes ``kernel.signalfd_wqh`` (kernel/sigqueue.send_signal), on which
readers and pollers sleep, and they look again.

Owns its mask; the signals stay the task's until read.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.poll import POLLIN, POLLRDNORM
from pynix.arch.x86_64.sigframe import SIGFAULT_SIGNALS
from pynix.arch.x86_64.signal import SIGNALFD_SIGINFO, SIGNALFD_SIGINFO_SIZE
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue, wait_queue_of
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import File, WouldBlock
from pynix.kernel.sigqueue import dequeue_signal, pending_mask


def signalfd_wqh(k: Any) -> WaitQueue:
    return wait_queue_of(k, "signalfd_wqh")


def pack_signalfd_siginfo(info: Any) -> bytes:
    """SigInfo -> struct signalfd_siginfo, the fields Linux's signalfd_copyinfo fills for the
    siginfo's layout (kill, rt/queue, timer, child, fault)."""
    pid = uid = tid = overrun = status = sint = ptr = utime = stime = addr = 0
    code = info.code
    if code == A.SI_TIMER:
        tid, overrun, ptr = info.pid, info.uid, info.value
    elif info.signo == A.SIGCHLD and code > 0:
        pid, uid, status, utime, stime = info.pid, info.uid, info.status, info.utime, info.stime
    elif code > 0 and code != A.SI_KERNEL and info.signo in SIGFAULT_SIGNALS:
        addr = info.addr
    else:
        pid, uid = info.pid, info.uid
        if code < 0:                        # SI_QUEUE, SI_TKILL...: the value travels too
            ptr = info.value
    if ptr:
        low = ptr & 0xFFFFFFFF
        sint = low - (1 << 32) if low >= 1 << 31 else low
    raw = SIGNALFD_SIGINFO.pack(info.signo, info.errno, code, pid & 0xFFFFFFFF, uid & 0xFFFFFFFF,
                                0, tid & 0xFFFFFFFF, 0, overrun & 0xFFFFFFFF, 0, status, sint,
                                ptr & 0xFFFF_FFFF_FFFF_FFFF, utime, stime,
                                addr & 0xFFFF_FFFF_FFFF_FFFF, 0)
    return raw.ljust(SIGNALFD_SIGINFO_SIZE, b"\0")


class SignalFdFile(File):
    def __init__(self, kernel: Any, mask: int, flags: int) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.k = kernel
        self.mask = mask
        self.anon = anon_inode("anon_inodefs", 0o600)
        self.anon_name = b"[signalfd]"

    def _pending(self) -> bool:
        t = self.k.current
        return t is not None and bool(pending_mask(t) & self.mask)

    def read(self, n: int) -> bytes:
        if n < SIGNALFD_SIGINFO_SIZE:
            raise KernelError(E.EINVAL)
        t = self.k.current
        out = b""
        while len(out) + SIGNALFD_SIGINFO_SIZE <= n:
            info = dequeue_signal(t, self.mask) if t is not None else None
            if info is None:
                break
            out += pack_signalfd_siginfo(info)
        if not out:
            raise WouldBlock(signalfd_wqh(self.k))
        return out

    def write(self, data: bytes) -> int:
        raise KernelError(E.EINVAL)

    def poll(self) -> int:
        return POLLIN | POLLRDNORM if self._pending() else 0

    def wait_queues(self) -> list[WaitQueue]:
        return [signalfd_wqh(self.k)]
