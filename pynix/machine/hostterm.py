"""The console's hardware: the host's terminal (or pipe) under the guest's tty layer, as a
serial line is under Linux's tty core (drivers/tty/serial: the UART interrupt pushes received
bytes, the transmitter writes them out).

``HostTerminal(in_fd, out_fd, post_irq)``:
- ``start(tty)``: put the host terminal in raw mode (no echo, no line editing, no signals:
  the guest's line discipline does all the cooking), read the host input continuously in a
  helper thread and post each chunk to the kernel as an interrupt (``tty.receive``); the end
  of a piped input becomes ``tty.hangup_input``. A host SIGWINCH updates the guest's window
  size (and so sends SIGWINCH to the foreground group).
- ``write(data)``: the transmitter: bytes already cooked by the line discipline.
- ``restore()``: give the host terminal its settings back; also registered with atexit and
  run on SIGTERM/SIGHUP, so a crash or a kill never leaves the host terminal raw.

Owns: the host terminal's saved termios, the reader thread, the host signal handlers.
"""
from __future__ import annotations

import atexit
import fcntl
import os
import signal
import struct
import termios
import threading
import tty as host_tty
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from pynix.drivers.tty import TtyStruct


class HostTerminal:
    def __init__(self, in_fd: int, out_fd: int, post_irq: Callable[[Callable[[], None]], None]) -> None:
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.post_irq = post_irq
        self.saved: list[Any] | None = None
        self.old_handlers: dict[int, Any] = {}
        self.tty: TtyStruct | None = None
        self._thread: threading.Thread | None = None

    @property
    def is_terminal(self) -> bool:
        return os.isatty(self.in_fd)

    def host_winsize(self) -> tuple[int, int, int, int] | None:
        for fd in (self.out_fd, self.in_fd):
            try:
                return struct.unpack("<HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8)))
            except OSError:
                continue
        return None

    # -- start and stop ---------------------------------------------------------------------------
    def start(self, tty: TtyStruct) -> None:
        self.tty = tty
        ws = self.host_winsize()
        if ws is not None and ws[0] and ws[1]:
            tty.winsize = ws
        if self.is_terminal:
            self.saved = termios.tcgetattr(self.in_fd)
            atexit.register(self.restore)
            host_tty.setraw(self.in_fd, termios.TCSANOW)
            self._handle(signal.SIGWINCH, self._winch)
            for sig in (signal.SIGTERM, signal.SIGHUP):
                self._handle(sig, self._terminate)
        self._thread = threading.Thread(target=self._reader, name="pynix-console", daemon=True)
        self._thread.start()

    def _handle(self, sig: int, fn: Callable[[int, Any], None]) -> None:
        try:
            self.old_handlers[sig] = signal.signal(sig, fn)
        except ValueError:                   # not the main thread: no host signals
            pass

    def restore(self) -> None:
        if self.saved is not None:
            try:
                termios.tcsetattr(self.in_fd, termios.TCSADRAIN, self.saved)
            except (OSError, termios.error):
                pass
            self.saved = None
        for sig, old in self.old_handlers.items():
            try:
                signal.signal(sig, old)
            except (ValueError, TypeError):
                pass
        self.old_handlers.clear()

    def _terminate(self, signum: int, frame: Any) -> None:
        self.restore()
        raise SystemExit(128 + signum)

    def _winch(self, signum: int, frame: Any) -> None:
        ws = self.host_winsize()
        tty = self.tty
        if ws is not None and tty is not None:
            self.post_irq(lambda: tty.set_winsize(ws))

    # -- the receiver and the transmitter ---------------------------------------------------------
    def _reader(self) -> None:
        tty = self.tty
        assert tty is not None
        while True:
            try:
                data = os.read(self.in_fd, 4096)
            except OSError:
                data = b""
            if not data:
                self.post_irq(tty.hangup_input)
                return
            self.post_irq(lambda d=data: tty.receive(d))

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.out_fd, view)
            except BlockingIOError:
                continue
            except OSError:
                return                          # the host side is gone: drop the output
            view = view[n:]
