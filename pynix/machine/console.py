"""The console's host side when there is no terminal: a helper thread that reads one host fd
on demand, as a UART's receive interrupt would (the file the guest sees is drivers/hoststream.py).

``HostReader(fd, post_irq)``: ``request()`` asks for input; the helper thread reads up to 64 KiB
from the host fd and posts the bytes back to the kernel as an interrupt (``post_irq``), so a
guest waiting for input never stops the kernel. In the kernel thread the bytes are appended to
``buf`` (an empty read sets ``eof``) and ``arrived()`` runs: a hook for the driver above, which
wakes its readers.

Owns: the reader thread and the input buffer.
"""
from __future__ import annotations

import os
import threading
from typing import Callable


class HostReader:
    """On-demand reader of one host fd."""

    def __init__(self, fd: int, post_irq: Callable[[Callable[[], None]], None]) -> None:
        self.fd = fd
        self.post_irq = post_irq
        self.buf = bytearray()
        self.eof = False
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
        self.arrived()

    def arrived(self) -> None:
        """Input (or its end) has arrived; the driver overrides this to wake its readers."""
