"""The tty core: terminal devices and their open files (Linux drivers/tty/tty_io.c; Bach ch.
10.3 "terminal drivers").

- ``TtyStruct`` is one terminal: its termios, window size, foreground process group and
  session, the line discipline (drivers/n_tty.py) and the hardware driver below it (any object
  with ``write(bytes)``, e.g. machine/hostterm.py). The driver hands received bytes to
  ``receive(data)`` in interrupt context (tty_flip_buffer_push) and reports the end of its
  input with ``hangup_input()``.
- ``TtyFile`` is an open of a tty: read/write go through the line discipline after the job
  control checks (SIGTTIN, SIGTTOU with TOSTOP).
- ``tty_ioctl(task, file, req, arg)`` (tty_io.c tty_ioctl, tty_ioctl.c tty_mode_ioctl,
  n_tty_ioctl) is TtyFile.ioctl: termios (TCGETS, TCSETS/TCSETSW/TCSETSF), window size
  (TIOCGWINSZ, TIOCSWINSZ -> SIGWINCH), FIONREAD, TIOCOUTQ, TCFLSH, TIOCSTI, the line
  discipline number, and the job-control ioctls of drivers/tty_jobctrl.py. It returns an
  int, or bytes the syscall layer copies to ``*arg``; unknown requests fail with ENOTTY (as
  Linux's -ENOIOCTLCMD becomes).
- ``TtyStruct.vhangup()`` (tty_vhangup, __tty_hangup): every file open on the terminal until
  then is hung up (read returns 0, write EIO, poll says POLLHUP, ioctl EIO or ENOTTY, as
  hung_up_tty_fops), and ``tty_signal_session_leader`` sends the session its SIGHUP. Opens
  made afterwards work normally.
- ``register_console(tty)`` installs the device numbers: /dev/tty1 (4,1) is the console's
  terminal and may become a controlling tty; /dev/console (5,1) reaches the same terminal but
  never becomes one (as on Linux); /dev/tty (5,0) is the opener's controlling terminal (ENXIO
  without one). ``tty_open`` gives the terminal to a session leader that has none (Linux's
  tty_open_proc_set_tty).

- Pseudo-terminals (drivers/pty.py) join two TtyStructs by ``link``: ``real_tty()`` sends a
  master's termios, window-size and job-control ioctls to its slave; ``packet_event`` records
  the slave's flow and flush events for a packet-mode master.
- ``receive(data)`` queues in the flip buffer and ``flush_to_ldisc`` feeds the line discipline
  as it has room (receive_room); reads make room again. ``buffered()`` is all unread input.

Owns: termios, winsize, pgrp, session, the flip buffer and the wait queues of each terminal.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Protocol

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import termbits as T
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.arch.x86_64.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue
from pynix.drivers import tty_jobctrl as J
from pynix.drivers.n_tty import NTty
from pynix.fs.devices import register_chrdev
from pynix.fs.vfs.file import File, WouldBlock
from pynix.kernel.cred import capable
from pynix.kernel.pgrp import kill_pgrp
from pynix.mm.uaccess import copy_from_user

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task


class TtyDriver(Protocol):
    def write(self, data: bytes) -> None: ...


@dataclass
class Termios:
    iflag: int = T.STD_IFLAG
    oflag: int = T.STD_OFLAG
    cflag: int = T.STD_CFLAG
    lflag: int = T.STD_LFLAG
    line: int = T.N_TTY
    cc: bytearray = field(default_factory=lambda: bytearray(T.INIT_C_CC))

    def pack(self) -> bytes:
        return A.TERMIOS.pack(self.iflag, self.oflag, self.cflag, self.lflag, self.line, bytes(self.cc))

    def pack_termio(self) -> bytes:
        """The old struct termio (kernel_termios_to_user_termio): 16-bit flags, 8 cc."""
        return T.TERMIO.pack(self.iflag & 0xFFFF, self.oflag & 0xFFFF, self.cflag & 0xFFFF,
                             self.lflag & 0xFFFF, self.line, bytes(self.cc[:8]))

    def with_termio(self, data: bytes) -> Termios:
        """user_termio_to_kernel_termios: a termio replaces the low 16 bits of each flag
        word, the line and the first 8 control characters."""
        i, o, c, l_, line, cc = T.TERMIO.unpack(data[:T.TERMIO.size])
        new = Termios((self.iflag & ~0xFFFF) | i, (self.oflag & ~0xFFFF) | o,
                      (self.cflag & ~0xFFFF) | c, (self.lflag & ~0xFFFF) | l_, line,
                      bytearray(self.cc))
        new.cc[:8] = cc
        return new

    @classmethod
    def unpack(cls, data: bytes) -> Termios:
        i, o, c, l_, line, cc = A.TERMIOS.unpack(data[:A.TERMIOS.size])
        return cls(i, o, c, l_, line, bytearray(cc))


class TtyStruct:
    def __init__(self, kernel: Kernel, name: bytes, driver: TtyDriver, dev: int = 0) -> None:
        self.kernel = kernel
        self.name = name
        self.dev = dev                      # device number (/proc/PID/stat tty_nr)
        self.driver = driver
        self.termios = Termios()
        self.winsize = (24, 80, 0, 0)
        self.pgrp = 0                       # foreground process group (0: none)
        self.session = 0                    # the session it controls (0: none)
        self.read_wait = WaitQueue()
        self.hung_up = False                # the device's input ended: reads return 0
        self.stopped = False                # output held by ^S (stop_tty) or TCOOFF
        self.write_wait = WaitQueue()
        self.on_input_end: Callable[[], None] | None = None
        self.ldisc = NTty(self)
        self.flip = bytearray()             # received, not yet taken by the ldisc (tty_buffer)
        self.hangups = 0                    # vhangups so far: a file opened before one is dead
        # a pseudo-terminal's other half (tty->link) and, on its master, packet mode
        # (tty->ctrl.packet) with the status bits a packet-mode read reports first
        self.link: TtyStruct | None = None
        self.is_master = False
        self.packet = False
        self.pktstatus = 0

    def real_tty(self) -> TtyStruct:
        """tty_pair_get_tty: a pty master's termios, window size and job-control ioctls
        act on its slave."""
        return self.link if self.is_master and self.link is not None else self

    def packet_event(self, bits: int) -> None:
        """A slave's flow or flush event, for its master's packet-mode reader
        (pty_stop, pty_start, n_tty_packet_mode_flush)."""
        m = self.link
        if m is not None and m.is_master and m.packet:
            if bits & (T.TIOCPKT_STOP | T.TIOCPKT_START):
                m.pktstatus &= ~(T.TIOCPKT_STOP | T.TIOCPKT_START)
            if bits & (T.TIOCPKT_NOSTOP | T.TIOCPKT_DOSTOP):
                m.pktstatus &= ~(T.TIOCPKT_NOSTOP | T.TIOCPKT_DOSTOP)
            m.pktstatus |= bits
            m.read_wait.wake_up()

    def vhangup(self) -> None:
        """tty_vhangup: hang up the files open now and signal the session (__tty_hangup)."""
        self.hangups += 1
        self.read_wait.wake_up()
        self.write_wait.wake_up()
        J.tty_signal_session_leader(self)

    # -- driver side (interrupt context) ----------------------------------------------------------
    def receive(self, data: bytes) -> None:
        """tty_insert_flip_string + tty_flip_buffer_push: queue, then feed the ldisc."""
        self.flip += data
        self.flush_to_ldisc()

    def flush_to_ldisc(self) -> None:
        """flush_to_ldisc: hand the line discipline what it has room for (receive_room);
        the rest waits in the flip buffer until a read makes room. A full canonical line
        still takes the bytes up to the next line end, so the line can complete."""
        flip = self.flip
        if not flip:
            return
        room = self.ldisc.receive_room()
        if room <= 0:
            if not self.ldisc.canon() or self.ldisc.lines:
                return
            ends = [i for i in (flip.find(c) for c in self.ldisc.line_ends()) if i >= 0]
            if not ends:
                return
            room = min(ends) + 1
        chunk = bytes(flip[:room])
        del flip[:room]
        self.ldisc.receive_buf(chunk)

    def buffered(self) -> int:
        """Input not yet read: the flip buffer and the line discipline's queues."""
        return len(self.flip) + self.ldisc.chars_in_buffer() + len(self.ldisc.line)

    def hangup_input(self) -> None:
        self.hung_up = True
        self.read_wait.wake_up()

    def stop_tty(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.packet_event(T.TIOCPKT_STOP)

    def start_tty(self) -> None:
        if self.stopped:
            self.stopped = False
            self.packet_event(T.TIOCPKT_START)
            self.write_wait.wake_up()

    def write_out(self, data: bytes) -> None:
        if data:
            self.driver.write(data)

    def set_winsize(self, ws: tuple[int, int, int, int]) -> None:
        """tty_do_resize (pty_resize for a pair: both halves take the size); the
        foreground group gets SIGWINCH when it changed."""
        if ws != self.winsize:
            self.winsize = ws
            if self.link is not None:
                self.link.winsize = ws
            self.kill_fg(A.SIGWINCH)

    def kill_fg(self, sig: int) -> None:
        """A signal to the foreground process group (n_tty's isig, SIGWINCH)."""
        if self.pgrp:
            kill_pgrp(self.kernel, self.pgrp, sig)


class TtyFile(File):
    """One open of a terminal."""

    splice_read = splice_write = True

    def __init__(self, tty: TtyStruct, flags: int, path: object = None) -> None:
        super().__init__(flags, path)
        self.tty = tty
        self.hangup_gen = tty.hangups

    def hung_up(self) -> bool:
        """Was the terminal vhangup'ed since this open (the file's f_op is hung_up_tty_fops)?"""
        return self.hangup_gen != self.tty.hangups

    def read(self, n: int) -> bytes:
        tty = self.tty
        if self.hung_up():
            return b""
        task = tty.kernel.current
        if task is not None:
            J.tty_check_change(task, tty, A.SIGTTIN)
        data = tty.ldisc.read(n)
        tty.flush_to_ldisc()
        if not data and tty.hung_up and tty.on_input_end is not None and not tty.ldisc.chars_in_buffer():
            tty.on_input_end()
        return data

    def write(self, data: bytes) -> int:
        tty = self.tty
        if self.hung_up():
            raise KernelError(E.EIO)
        task = tty.kernel.current
        if task is not None and tty.termios.lflag & T.TOSTOP:
            J.tty_check_change(task, tty, A.SIGTTOU)
        if tty.stopped:
            raise WouldBlock(tty.write_wait)
        tty.write_out(tty.ldisc.process_output(data))
        return len(data)

    def poll(self) -> int:
        tty = self.tty
        if self.hung_up():
            return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM
        mask = 0 if tty.stopped else POLLOUT | POLLWRNORM
        if tty.ldisc.input_available() or tty.hung_up:
            mask |= POLLIN | POLLRDNORM
        return mask

    def wait_queues(self) -> list[WaitQueue]:
        return [self.tty.read_wait, self.tty.write_wait]

    def ioctl(self, task: object, req: int, arg: int) -> int | bytes:  # type: ignore[override]
        return tty_ioctl(task, self, req, arg)  # type: ignore[arg-type]

    def isatty(self) -> bool:
        return True


def is_session_leader(t: Task) -> bool:
    return t.signal.session == t.tgid


def tty_open(tty: TtyStruct, flags: int, path: object, may_ctty: bool,
             cls: type[TtyFile] = TtyFile) -> TtyFile:
    """Open ``tty``; a session leader without a terminal acquires it unless O_NOCTTY."""
    f = cls(tty, flags, path)
    task = tty.kernel.current
    if may_ctty and task is not None and not flags & A.O_NOCTTY and is_session_leader(task) \
            and task.signal.tty is None and tty.session == 0:
        J.proc_set_tty(task, tty)
    return f


def open_current_tty(k: Kernel, flags: int, path: object) -> TtyFile:
    """/dev/tty: the caller's controlling terminal."""
    task = k.current
    tty = task.signal.tty if task is not None else None
    if not isinstance(tty, TtyStruct):
        raise KernelError(E.ENXIO)
    return TtyFile(tty, flags, path)


def register_console(tty: TtyStruct) -> None:
    k = tty.kernel
    register_chrdev(T.TTY_MAJOR, 1, lambda flags, path: tty_open(tty, flags, path, True))
    register_chrdev(*T.DEV_CONSOLE, lambda flags, path: tty_open(tty, flags, path, False))
    register_chrdev(*T.DEV_TTY, lambda flags, path: open_current_tty(k, flags, path))


# -- ioctls -------------------------------------------------------------------------------------
def _get_int(t: Task, arg: int) -> int:
    assert t.mm is not None
    return T.INT_ARG.unpack(copy_from_user(t.mm, arg, T.INT_ARG.size))[0]


def set_termio(t: Task, tty: TtyStruct, req: int, arg: int) -> int:
    """TCSETA*: the old struct termio over the current termios (set_termiox's sibling)."""
    J.tty_check_change(t, tty, A.SIGTTOU)
    assert t.mm is not None
    new = tty.termios.with_termio(copy_from_user(t.mm, arg, T.TERMIO.size))
    return change_termios(tty, new, req == T.TCSETAF)


def set_termios(t: Task, tty: TtyStruct, req: int, arg: int) -> int:
    """TCSETS*: TCSETSF also discards pending input; TCSETSW waits for output (always done)."""
    J.tty_check_change(t, tty, A.SIGTTOU)
    assert t.mm is not None
    new = Termios.unpack(copy_from_user(t.mm, arg, A.TERMIOS.size))
    return change_termios(tty, new, req == A.TCSETSF)


def change_termios(tty: TtyStruct, new: Termios, flush: bool) -> int:
    """tty_set_termios: install ``new`` (after discarding input when ``flush``); the ldisc
    moves pending input between its queues, and a packet-mode master learns whether ^S/^Q
    flow control is now on (DOSTOP) or off (NOSTOP)."""
    was_canon = tty.ldisc.canon()
    if flush:
        tty.ldisc.flush_input()
    old_ixon = tty.termios.iflag & T.IXON
    tty.termios = new
    tty.ldisc.set_termios(was_canon)
    if old_ixon != new.iflag & T.IXON:
        tty.packet_event(T.TIOCPKT_DOSTOP if new.iflag & T.IXON else T.TIOCPKT_NOSTOP)
    return 0


def tcflsh(t: Task, tty: TtyStruct, arg: int) -> int:
    """tty_perform_flush: TCIFLUSH drops this side's input, TCOFLUSH its unread output
    (for a pty, what the other half has not read yet: pty_flush_buffer)."""
    J.tty_check_change(t, tty, A.SIGTTOU)
    if arg not in (T.TCIFLUSH, T.TCOFLUSH, T.TCIOFLUSH):
        raise KernelError(E.EINVAL)
    bits = 0
    if arg in (T.TCIFLUSH, T.TCIOFLUSH):
        tty.flip.clear()
        tty.ldisc.flush_input()
        bits |= T.TIOCPKT_FLUSHREAD
    if arg in (T.TCOFLUSH, T.TCIOFLUSH) and tty.link is not None:
        tty.link.flip.clear()
        tty.link.ldisc.flush_input()
        tty.write_wait.wake_up()
        bits |= T.TIOCPKT_FLUSHWRITE
    tty.packet_event(bits)
    return 0


def tcxonc(t: Task, f: TtyFile, arg: int) -> int:
    """tcflow: suspend or restart output (TCOOFF/TCOON); TCIOFF/TCION would send STOP/START
    characters to a device that has no flow control of its own, so they do nothing."""
    J.tty_check_change(t, f.tty, A.SIGTTOU)
    if arg == T.TCOOFF:
        f.tty.stop_tty()
    elif arg == T.TCOON:
        f.tty.start_tty()
    elif arg not in (T.TCIOFF, T.TCION):
        raise KernelError(E.EINVAL)
    return 0


def tty_ioctl(t: Task, f: TtyFile, req: int, arg: int) -> int | bytes:
    tty = f.tty
    if f.hung_up():                                 # hung_up_tty_ioctl
        raise KernelError(E.ENOTTY if req == A.TIOCSPGRP else E.EIO)
    real = tty.real_tty()
    if req == A.TCGETS:
        return real.termios.pack()
    if req in (A.TCSETS, A.TCSETSW, A.TCSETSF):
        return set_termios(t, real, req, arg)
    if req == T.TCGETA:
        return real.termios.pack_termio()
    if req in (T.TCSETA, T.TCSETAW, T.TCSETAF):
        return set_termio(t, real, req, arg)
    if req == A.TIOCGWINSZ:
        return A.WINSIZE.pack(*real.winsize)
    if req == A.TIOCSWINSZ:
        assert t.mm is not None
        real.set_winsize(A.WINSIZE.unpack(copy_from_user(t.mm, arg, A.WINSIZE.size)))
        return 0
    if req == A.FIONREAD:
        return T.INT_ARG.pack(tty.ldisc.chars_in_buffer())
    if req == A.TIOCOUTQ:
        return T.INT_ARG.pack(0)                    # output is written through at once
    if req == T.TCFLSH:
        return tcflsh(t, tty, arg)
    if req == T.TCXONC:
        return tcxonc(t, f, arg)
    if req in (T.TCSBRK, T.TCSBRKP, T.TIOCEXCL, T.TIOCNXCL):
        return 0                                    # drain, break: nothing is queued
    if req == T.TIOCSTI:
        if t.signal.tty is not tty and not capable(t, CAP_SYS_ADMIN):
            raise KernelError(E.EPERM)
        assert t.mm is not None
        tty.receive(copy_from_user(t.mm, arg, 1))
        return 0
    if req == T.TIOCGETD:
        return T.INT_ARG.pack(tty.termios.line)
    if req == T.TIOCSETD:
        if _get_int(t, arg) != T.N_TTY:
            raise KernelError(E.EINVAL)
        return 0
    if req == A.TIOCSCTTY:
        return J.tiocsctty(t, f, arg)
    if req == A.TIOCNOTTY:
        return J.tiocnotty(t, f)
    if req == A.TIOCGPGRP:
        return J.tiocgpgrp(t, f)
    if req == A.TIOCSPGRP:
        return J.tiocspgrp(t, f, _get_int(t, arg))
    if req == A.TIOCGSID:
        return J.tiocgsid(t, f)
    raise KernelError(E.ENOTTY)
