"""The N_TTY line discipline: cooking of terminal input and output (Linux drivers/tty/n_tty.c).

``NTty(tty)`` sits between a tty's driver and its readers:
- ``receive_buf(data)`` (n_tty_receive_buf) is called in interrupt context with the bytes the
  device received: input mapping (ICRNL, INLCR, IGNCR, ISTRIP), signal characters (ISIG:
  INTR, QUIT, SUSP -> SIGINT, SIGQUIT, SIGTSTP to the foreground process group), canonical
  line editing (ERASE, WERASE, KILL, LNEXT, REPRINT, EOF, EOL) and echo (ECHO, ECHOE, ECHOK,
  ECHONL, ECHOCTL); it wakes the readers.
- ``read(n)`` (n_tty_read) returns a line in canonical mode, or follows VMIN/VTIME in
  non-canonical mode; it raises ``WouldBlock(tty.read_wait)`` when the caller must sleep.
- Flow control (IXON, IXANY): ^S stops the tty's output, ^Q (or any key) starts it.
- ``process_output(data)`` (process_output_block) applies OPOST, ONLCR, OCRNL, ONLRET.

Owns: the edit line, the completed lines (canonical), the raw input queue (non-canonical),
the literal-next state and the VTIME deadline. The tty (drivers/tty.py) owns termios.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import termbits as T
from pynix.base.timer import Timers, monotonic_ns
from pynix.fs.vfs.file import WouldBlock

if TYPE_CHECKING:
    from pynix.drivers.tty import TtyStruct

N_TTY_BUF_SIZE = 4096


def is_ctrl(c: int) -> bool:
    return c < 0x20 or c == 0x7F


def advance_column(col: int, data: bytes) -> int:
    """The cursor column after writing ``data`` from column ``col`` (Linux's tty->column):
    tabs go to the next multiple of 8, backspace goes left, UTF-8 continuation bytes and
    other control characters take no room."""
    cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
    if cut >= 0:
        col, data = 0, data[cut + 1:]
    if len(data) > 256:
        return col + len(data)
    for c in data:
        if c == 0x09:
            col = (col | 7) + 1
        elif c == 0x08:
            col = max(col - 1, 0)
        elif not is_ctrl(c) and not 0x80 <= c < 0xC0:
            col += 1
    return col


class NTty:
    def __init__(self, tty: TtyStruct) -> None:
        self.tty = tty
        self.line = bytearray()             # the canonical line being edited
        self.lines: deque[bytes] = deque()  # completed lines; b"" marks an EOF (^D)
        self.raw = bytearray()              # non-canonical input
        self.lnext = False
        self.deadline: int | None = None    # VTIME expiry of a waiting non-canonical read
        self.timer: list | None = None
        self.last_rx = 0
        self.column = 0                     # output cursor column
        self.canon_column = 0               # the column where the edit line began

    # -- input (interrupt context) --------------------------------------------------------------
    def receive_buf(self, data: bytes) -> None:
        for c in data:
            self.receive_char(c)
        self.last_rx = monotonic_ns()
        self.tty.read_wait.wake_up()

    def receive_char(self, c: int) -> None:
        tm = self.tty.termios
        iflag, lflag, cc = tm.iflag, tm.lflag, tm.cc
        if iflag & T.ISTRIP:
            c &= 0x7F
        if self.lnext:
            self.lnext = False
            self.put_literal(c)
            return
        if c == 0x0D:
            if iflag & T.IGNCR:
                return
            if iflag & T.ICRNL:
                c = 0x0A
        elif c == 0x0A and iflag & T.INLCR:
            c = 0x0D
        if lflag & T.ISIG:
            for idx, sig in ((T.VINTR, A.SIGINT), (T.VQUIT, A.SIGQUIT), (T.VSUSP, A.SIGTSTP)):
                if c == cc[idx] and cc[idx]:
                    self.isig(sig, c)
                    return
        if iflag & T.IXON:                  # flow control: ^S holds the output, ^Q releases it
            if c == cc[T.VSTOP] and c:
                self.tty.stop_tty()
                return
            if c == cc[T.VSTART] and c:
                self.tty.start_tty()
                return
            if iflag & T.IXANY:
                self.tty.start_tty()
        if lflag & T.ICANON:
            self.receive_canon(c)
        else:
            self.raw.append(c)
            self.echo_char(c)

    def receive_canon(self, c: int) -> None:
        tm = self.tty.termios
        lflag, cc = tm.lflag, tm.cc
        if c == cc[T.VERASE] and c:
            self.erase(1)
        elif c == cc[T.VKILL] and c:
            self.erase(len(self.line), kill=True)
        elif c == cc[T.VWERASE] and c and lflag & T.IEXTEN:
            self.erase(self.word_len())
        elif c == cc[T.VLNEXT] and c and lflag & T.IEXTEN:
            self.lnext = True
            if lflag & T.ECHO and lflag & T.ECHOCTL:
                self.echo(b"^\b")
        elif c == cc[T.VREPRINT] and c and lflag & T.IEXTEN:
            self.echo_char(c)
            self.echo(b"\n")
            for ch in self.line:
                self.echo_char(ch)
        elif c == cc[T.VEOF] and c:
            self.lines.append(bytes(self.line))   # b"" for ^D on an empty line: read returns 0
            self.line.clear()
        elif c == 0x0A or (c in (cc[T.VEOL], cc[T.VEOL2]) and c):
            if lflag & T.ECHO or (c == 0x0A and lflag & T.ECHONL):
                self.echo_char(c, force=True)
            self.line.append(c)
            self.lines.append(bytes(self.line))
            self.line.clear()
        else:
            self.put_literal(c)

    def put_literal(self, c: int) -> None:
        if self.tty.termios.lflag & T.ICANON:
            if not self.line:
                self.canon_column = self.column
            if len(self.line) < N_TTY_BUF_SIZE - 1:
                self.line.append(c)
                self.echo_char(c)
        else:
            self.raw.append(c)
            self.echo_char(c)

    def word_len(self) -> int:
        i = len(self.line)
        while i and self.line[i - 1] in b" \t":
            i -= 1
        while i and self.line[i - 1] not in b" \t":
            i -= 1
        return len(self.line) - i

    def erase(self, n: int, kill: bool = False) -> None:
        """Remove ``n`` characters from the edit line and rub them out on the screen."""
        lflag = self.tty.termios.lflag
        if not self.line:
            return
        if kill and lflag & T.ECHO and not lflag & T.ECHOKE:
            del self.line[:]
            self.echo_char(self.tty.termios.cc[T.VKILL])
            if lflag & T.ECHOK:
                self.echo(b"\n")
            return
        utf8 = self.tty.termios.iflag & T.IUTF8
        for _ in range(min(n, len(self.line))):
            c = self.line.pop()
            while utf8 and 0x80 <= c < 0xC0 and self.line:     # a whole UTF-8 character
                c = self.line.pop()
            if lflag & T.ECHO and lflag & T.ECHOE and c == 0x09:
                self.echo(b"\b" * max(self.column - self.line_column(), 0))   # back to the tab
            elif lflag & T.ECHO and lflag & T.ECHOE:
                width = 2 if is_ctrl(c) and lflag & T.ECHOCTL else 1
                self.echo(b"\b \b" * width)
            elif lflag & T.ECHO:
                self.echo_char(self.tty.termios.cc[T.VERASE])

    def line_column(self) -> int:
        """Where the echo of the edit line ends (n_tty's eraser walk for a tab)."""
        col = self.canon_column
        ctl = self.tty.termios.lflag & T.ECHOCTL
        for c in self.line:
            if c != 0x09 and is_ctrl(c):
                col += 2 if ctl else 0
            else:
                col = advance_column(col, bytes((c,)))
        return col

    def isig(self, sig: int, c: int) -> None:
        if not self.tty.termios.lflag & T.NOFLSH:
            self.flush_input()
        if self.tty.termios.iflag & T.IXON:
            self.tty.start_tty()
        self.echo_char(c)
        self.tty.kill_fg(sig)

    # -- echo and output ---------------------------------------------------------------------------
    def echo_char(self, c: int, force: bool = False) -> None:
        lflag = self.tty.termios.lflag
        if not (lflag & T.ECHO or force):
            return
        if lflag & T.ECHOCTL and is_ctrl(c) and c not in (0x09, 0x0A):
            self.echo(bytes((0x5E, c ^ 0x40)))
        else:
            self.echo(bytes((c,)))

    def echo(self, data: bytes) -> None:
        self.tty.write_out(self.process_output(data))

    def process_output(self, data: bytes) -> bytes:
        oflag = self.tty.termios.oflag
        if oflag & T.OPOST and oflag & T.OCRNL:
            data = data.replace(b"\r", b"\n")
        if oflag & T.OPOST and oflag & T.ONLCR:
            data = data.replace(b"\n", b"\r\n")
        self.column = advance_column(self.column, data)
        return data

    # -- the reader side -------------------------------------------------------------------------
    def canon(self) -> bool:
        return bool(self.tty.termios.lflag & T.ICANON)

    def input_available(self) -> bool:
        if self.canon():
            return bool(self.lines)
        vmin = self.tty.termios.cc[T.VMIN]
        return len(self.raw) >= max(vmin, 1) or (vmin == 0 and self.tty.termios.cc[T.VTIME] == 0)

    def receive_room(self) -> int:
        """n_tty's receive room: what the read buffer still takes."""
        used = len(self.line) + len(self.raw) + sum(len(line) for line in self.lines)
        return N_TTY_BUF_SIZE - 1 - used

    def line_ends(self) -> list[bytes]:
        """The bytes that complete a canonical line (newline, CR under ICRNL, EOF, EOL)."""
        tm = self.tty.termios
        ends = [b"\n"] + [bytes((tm.cc[i],)) for i in (T.VEOF, T.VEOL, T.VEOL2) if tm.cc[i]]
        return ends + [b"\r"] if tm.iflag & T.ICRNL else ends

    def chars_in_buffer(self) -> int:
        if self.canon():
            return sum(len(line) for line in self.lines)
        return len(self.raw)

    def read(self, n: int) -> bytes:
        if self.canon():
            return self.read_canon(n)
        return self.read_raw(n)

    def read_canon(self, n: int) -> bytes:
        if not self.lines:
            if self.tty.hung_up:
                return b""
            raise WouldBlock(self.tty.read_wait)
        first = self.lines[0]
        if len(first) <= n:
            self.lines.popleft()
            return first
        self.lines[0] = first[n:]
        return first[:n]

    def read_raw(self, n: int) -> bytes:
        """VMIN/VTIME (termios(3)): wait for VMIN bytes, VTIME tenths of a second."""
        cc = self.tty.termios.cc
        vmin, vtime = cc[T.VMIN], cc[T.VTIME]
        now = monotonic_ns()
        have = len(self.raw)
        ready = have >= max(vmin, 1) or (vmin == 0 and vtime == 0) or self.tty.hung_up
        if not ready and vtime and self.deadline is not None and now >= self.deadline:
            ready = True                               # the VTIME timer ran out
        if ready:
            self.cancel_timer()
            data = bytes(self.raw[:n])
            del self.raw[:n]
            return data
        if vtime and vmin == 0 and self.deadline is None:
            self.arm_timer(now + vtime * 100_000_000)          # a timeout for the whole read
        elif vtime and vmin and have:
            self.arm_timer(self.last_rx + vtime * 100_000_000)  # an inter-byte timer
        raise WouldBlock(self.tty.read_wait)

    def arm_timer(self, deadline: int) -> None:
        if self.deadline == deadline and self.timer is not None:
            return
        self.cancel_timer()
        self.deadline = deadline
        k = self.tty.kernel
        self.timer = k.timers.add(deadline, self.tty.read_wait.wake_up)

    def cancel_timer(self) -> None:
        if self.timer is not None:
            Timers.cancel(self.timer)
        self.timer = None
        self.deadline = None

    def flush_input(self) -> None:
        self.line.clear()
        self.lines.clear()
        self.raw.clear()

    def set_termios(self, was_canon: bool) -> None:
        """ICANON switched: move pending input between the line queue and the raw queue."""
        now = self.canon()
        if was_canon and not now:
            self.raw += b"".join(self.lines) + self.line
            self.lines.clear()
            self.line.clear()
        elif now and not was_canon and self.raw:
            for c in bytes(self.raw):
                self.receive_canon_quiet(c)
            self.raw.clear()
        self.tty.read_wait.wake_up()

    def receive_canon_quiet(self, c: int) -> None:
        """Re-queue already echoed input as lines (no echo, no editing)."""
        self.line.append(c)
        if c == 0x0A:
            self.lines.append(bytes(self.line))
            self.line.clear()
