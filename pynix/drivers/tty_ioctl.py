"""Terminal ioctls (Linux drivers/tty/tty_io.c tty_ioctl, tty_ioctl.c tty_mode_ioctl,
n_tty.c n_tty_ioctl).

``tty_ioctl(task, file, req, arg)`` is TtyFile.ioctl: it returns an int, or bytes the syscall
layer copies to ``*arg``. termios (TCGETS, TCSETS/TCSETSW/TCSETSF), window size
(TIOCGWINSZ, TIOCSWINSZ -> SIGWINCH), queue sizes and flushing (FIONREAD, TIOCOUTQ, TCFLSH),
TIOCSTI, the line discipline number, and the job-control ioctls of drivers/tty_jobctrl.py.
Unknown requests fail with ENOTTY, as Linux's -ENOIOCTLCMD becomes.
"""
from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import termbits as T
from pynix.drivers import tty_jobctrl as J
from pynix.drivers.tty import Termios
from pynix.kernel.errors import KernelError
from pynix.mm.uaccess import copy_from_user

if TYPE_CHECKING:
    from pynix.drivers.tty import TtyFile
    from pynix.kernel.task import Task


def _get_int(t: Task, arg: int) -> int:
    assert t.mm is not None
    return struct.unpack("<i", copy_from_user(t.mm, arg, 4))[0]


def set_termios(t: Task, f: TtyFile, req: int, arg: int) -> int:
    """TCSETS*: TCSETSF also discards pending input; TCSETSW waits for output (always done)."""
    tty = f.tty
    J.tty_check_change(t, tty, A.SIGTTOU)
    assert t.mm is not None
    new = Termios.unpack(copy_from_user(t.mm, arg, A.TERMIOS.size))
    was_canon = tty.ldisc.canon()
    if req == A.TCSETSF:
        tty.ldisc.flush_input()
    tty.termios = new
    tty.ldisc.set_termios(was_canon)
    return 0


def tcflsh(t: Task, f: TtyFile, arg: int) -> int:
    J.tty_check_change(t, f.tty, A.SIGTTOU)
    if arg not in (T.TCIFLUSH, T.TCOFLUSH, T.TCIOFLUSH):
        raise KernelError(E.EINVAL)
    if arg in (T.TCIFLUSH, T.TCIOFLUSH):
        f.tty.ldisc.flush_input()
    return 0


def tty_ioctl(t: Task, f: TtyFile, req: int, arg: int) -> int | bytes:
    tty = f.tty
    if req == A.TCGETS:
        return tty.termios.pack()
    if req in (A.TCSETS, A.TCSETSW, A.TCSETSF):
        return set_termios(t, f, req, arg)
    if req == A.TIOCGWINSZ:
        return A.WINSIZE.pack(*tty.winsize)
    if req == A.TIOCSWINSZ:
        assert t.mm is not None
        tty.set_winsize(A.WINSIZE.unpack(copy_from_user(t.mm, arg, A.WINSIZE.size)))
        return 0
    if req == A.FIONREAD:
        return struct.pack("<i", tty.ldisc.chars_in_buffer())
    if req == A.TIOCOUTQ:
        return struct.pack("<i", 0)                 # output is written through at once
    if req == T.TCFLSH:
        return tcflsh(t, f, arg)
    if req in (T.TCSBRK, T.TCSBRKP, T.TCXONC, T.TIOCEXCL, T.TIOCNXCL):
        return 0                                    # drain, break, flow: nothing is queued
    if req == T.TIOCSTI:
        if t.signal.tty is not tty and t.cred.euid != 0:
            raise KernelError(E.EPERM)
        assert t.mm is not None
        tty.receive(copy_from_user(t.mm, arg, 1))
        return 0
    if req == T.TIOCGETD:
        return struct.pack("<i", tty.termios.line)
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
