"""The console: the host's stdin/stdout/stderr as the machine's terminal device.

Provides ``HostInput`` (reads the host fd in a helper thread on demand, so a guest waiting for
input never stops the kernel: the thread posts the bytes back as an interrupt) and
``HostStream`` files for the guest's descriptors 0, 1, 2. Terminal ioctls (TCGETS, TIOCGWINSZ)
are answered from the host terminal when there is one, and fail with ENOTTY when the host
stream is a pipe or file, exactly as the guest would see it on Linux.

Owns: the reader thread and the input buffer.
"""
from __future__ import annotations

import fcntl
import os
import struct
import termios
import threading
from typing import Callable

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue
from pynix.fs.vfs.file import File, WouldBlock


class HostInput:
    """On-demand reader of one host fd."""

    def __init__(self, fd: int, post_irq: Callable[[Callable[[], None]], None]) -> None:
        self.fd = fd
        self.post_irq = post_irq
        self.buf = bytearray()
        self.eof = False
        self.wait = WaitQueue()
        self._want = threading.Event()
        self._thread: threading.Thread | None = None
        self.pending = False

    def request(self) -> None:
        if self.pending or self.eof:
            return
        self.pending = True
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="pynix-console", daemon=True)
            self._thread.start()
        self._want.set()

    def _loop(self) -> None:
        while True:
            self._want.wait()
            self._want.clear()
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            self.post_irq(lambda d=data: self._arrived(d))

    def _arrived(self, data: bytes) -> None:
        """Runs in the kernel thread (interrupt bottom half)."""
        self.pending = False
        if data:
            self.buf += data
        else:
            self.eof = True
        self.wait.wake_up()


def _tty_ioctl(fd: int, req: int) -> bytes:
    """Ask the host terminal; ENOTTY when the host fd is not one."""
    if not os.isatty(fd):
        raise KernelError(E.ENOTTY)
    if req == A.TIOCGWINSZ:
        return fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8))
    if req == A.TCGETS:
        return fcntl.ioctl(fd, termios.TCGETS, bytes(60))[:A.TERMIOS.size]
    raise KernelError(E.EINVAL)


class HostStream(File):
    """A guest descriptor connected to a host stream (console)."""

    def __init__(self, flags: int, out_fd: int | None = None, inp: HostInput | None = None) -> None:
        super().__init__(flags)
        self.out_fd = out_fd
        self.inp = inp
        self.host_fd = inp.fd if inp is not None else out_fd
        from pynix.arch.x86_64.abi import S_IFCHR, makedev
        from pynix.fs.anon import anon_inode
        if os.isatty(self.host_fd):
            self.anon = anon_inode("devpts", S_IFCHR | 0o620, makedev(136, 0))
        else:
            self.anon = anon_inode("pipefs", A.S_IFIFO | 0o600)

    def read(self, n: int) -> bytes:
        inp = self.inp
        if inp is None:
            raise KernelError(E.EBADF)
        if inp.buf:
            data = bytes(inp.buf[:n])
            del inp.buf[:n]
            return data
        if inp.eof:
            inp.eof = False          # like a terminal: EOF is reported once, then read again
            return b""
        inp.request()
        raise WouldBlock(inp.wait)

    def write(self, data: bytes) -> int:
        if self.out_fd is None:
            raise KernelError(E.EBADF)
        try:
            return os.write(self.out_fd, data)
        except BrokenPipeError:
            raise KernelError(E.EPIPE) from None
        except OSError as e:
            raise KernelError(e.errno or E.EIO) from None

    def poll(self) -> int:
        mask = 0
        if self.inp is not None:
            if self.inp.buf or self.inp.eof:
                mask |= POLLIN | POLLRDNORM
            else:
                self.inp.request()
        if self.out_fd is not None:
            mask |= POLLOUT | POLLWRNORM
        return mask

    def wait_queues(self) -> list[WaitQueue]:
        return [self.inp.wait] if self.inp is not None else []

    def isatty(self) -> bool:
        return self.host_fd is not None and os.isatty(self.host_fd)

    def ioctl(self, task: object, req: int, arg: int) -> int | bytes:
        assert self.host_fd is not None
        if req in (A.TCGETS, A.TIOCGWINSZ):
            return _tty_ioctl(self.host_fd, req)
        if req in (A.TCSETS, A.TCSETSW, A.TCSETSF, A.TIOCSWINSZ, A.TIOCSPGRP, A.TIOCGPGRP,
                   A.TIOCSCTTY):
            if not self.isatty():
                raise KernelError(E.ENOTTY)
            if req == A.TIOCGPGRP:
                return struct.pack("<i", getattr(task, "pgrp_id", 1))
            raise KernelError(E.ENOSYS)
        if req == A.FIONREAD:
            return struct.pack("<i", len(self.inp.buf) if self.inp else 0)
        raise KernelError(E.ENOTTY)
