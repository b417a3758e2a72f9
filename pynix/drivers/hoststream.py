"""Host streams: the host's stdin/stdout/stderr as the guest's descriptors 0, 1, 2 when the
console is not a terminal (``pynix run`` with piped or redirected stdio), a character driver
over machine/console.py's reader.

Provides ``HostInput(fd, post_irq)``: the host reader with the wait queue its readers sleep on;
and ``HostStream(flags, out_fd=None, inp=None)``: a File that reads from a HostInput and writes
to a host fd. A read with no buffered input asks the reader for more and blocks (WouldBlock on
the input's wait queue); the end of the host input is reported once, as a terminal does.
Terminal ioctls (TCGETS, TIOCGWINSZ) are answered from the host terminal when there is one,
and fail with ENOTTY when the host stream is a pipe or file, exactly as the guest would see it
on Linux. fstat shows a devpts node for a host terminal, else a pipe.

Owns: the wait queue of the host input; the host fds stay the host's.
"""
from __future__ import annotations

import fcntl
import os
import struct
import termios
from typing import Callable

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.abi import S_IFCHR, makedev
from pynix.arch.x86_64.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import File, WouldBlock
from pynix.machine.console import HostReader


class HostInput(HostReader):
    """The host input with the wait queue its readers sleep on."""

    def __init__(self, fd: int, post_irq: Callable[[Callable[[], None]], None]) -> None:
        super().__init__(fd, post_irq)
        self.wait = WaitQueue()

    def arrived(self) -> None:
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

    splice_read = splice_write = True

    def __init__(self, flags: int, out_fd: int | None = None, inp: HostInput | None = None) -> None:
        super().__init__(flags)
        self.out_fd = out_fd
        self.inp = inp
        self.host_fd = inp.fd if inp is not None else out_fd
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
