"""Terminal job control: controlling terminals, foreground process groups, background access
(Linux drivers/tty/tty_jobctrl.c; POSIX "General Terminal Interface" 11.1.3-11.1.4).

- ``tty_check_change(task, tty, sig)`` (__tty_check_change): a process of a background group
  touching its controlling terminal gets ``sig`` (SIGTTIN on read, SIGTTOU on write with
  TOSTOP and on termios changes) sent to its whole group and the call restarts once it is
  continued (ERESTARTSYS); EIO when the signal is ignored/blocked on read or the group is
  orphaned.
- ``proc_set_tty``, ``proc_clear_tty``, ``disassociate_ctty(task, on_exit)``: acquire and drop
  a controlling terminal; the controlling process's exit hangs up the foreground group
  (SIGHUP, and SIGCONT when not exiting).
- ``tty_signal_session_leader(tty)``: a hangup's signals: every process loses ``tty`` as its
  controlling terminal, and the session leader among them gets SIGHUP and SIGCONT.
- ``tty_vhangup_self(task)`` (vhangup(2)): EPERM without CAP_SYS_TTY_CONFIG, else the
  caller's controlling terminal, if it has one, is hung up (TtyStruct.vhangup).
- ``tiocsctty``, ``tiocnotty``, ``tiocgpgrp``, ``tiocspgrp``, ``tiocgsid``: those ioctls.

Owns: the links between sessions (SignalStruct.tty) and terminals (TtyStruct.session/pgrp).
"""
from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN, CAP_SYS_TTY_CONFIG
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_ZOMBIE
from pynix.kernel.cred import capable
from pynix.kernel.pgrp import is_orphaned_pgrp, kill_pgrp
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo

if TYPE_CHECKING:
    from pynix.drivers.tty import TtyFile, TtyStruct
    from pynix.kernel.task import Task


def _sig_ignored(t: Task, sig: int) -> bool:
    assert t.sighand is not None
    return bool(t.blocked & (1 << (sig - 1))) or t.sighand.action[sig].handler == A.SIG_IGN


def tty_check_change(t: Task, tty: TtyStruct, sig: int) -> None:
    if t.signal.tty is not tty:
        return
    pgrp = t.signal.pgrp
    if not tty.pgrp or pgrp == tty.pgrp:
        return
    if _sig_ignored(t, sig):
        if sig == A.SIGTTIN:
            raise KernelError(E.EIO)
        return
    if is_orphaned_pgrp(t.kernel, pgrp):
        raise KernelError(E.EIO)
    kill_pgrp(t.kernel, pgrp, sig)
    raise KernelError(E.ERESTARTSYS)


def proc_set_tty(t: Task, tty: TtyStruct) -> None:
    tty.session = t.signal.session
    tty.pgrp = t.signal.pgrp
    t.signal.tty = tty


def proc_clear_tty(t: Task) -> None:
    t.signal.tty = None


def session_clear_tty(t: Task, session: int) -> None:
    for p in t.kernel.tasks.values():
        if p.signal.session == session:
            p.signal.tty = None


def disassociate_ctty(t: Task, on_exit: bool) -> None:
    """The session leader gives up its terminal (TIOCNOTTY) or exits."""
    tty = t.signal.tty
    if tty is None or not hasattr(tty, "pgrp"):
        return
    fg = tty.pgrp
    if fg:
        kill_pgrp(t.kernel, fg, A.SIGHUP)
        if not on_exit:
            kill_pgrp(t.kernel, fg, A.SIGCONT)
    session_clear_tty(t, t.signal.session)
    tty.session = 0
    tty.pgrp = 0


def tty_signal_session_leader(tty: TtyStruct) -> None:
    """tty_signal_session_leader (tty_jobctrl.c), as __tty_hangup calls it: the processes
    whose controlling terminal ``tty`` is lose it; the session leader gets SIGHUP then
    SIGCONT; the terminal then has no session or foreground group."""
    for p in list(tty.kernel.tasks.values()):
        if p.signal.tty is not tty:
            continue
        p.signal.tty = None
        if p.is_group_leader and _is_leader(p):
            send_signal(p, SigInfo(A.SIGHUP, A.SI_KERNEL))
            send_signal(p, SigInfo(A.SIGCONT, A.SI_KERNEL))
    tty.session = 0
    tty.pgrp = 0


def tty_vhangup_self(t: Task) -> None:
    """vhangup(2) (tty_io.c tty_vhangup_self after the capability test)."""
    if not capable(t, CAP_SYS_TTY_CONFIG):
        raise KernelError(E.EPERM)
    tty = t.signal.tty
    if tty is not None and hasattr(tty, "vhangup"):
        tty.vhangup()


def _is_leader(t: Task) -> bool:
    return t.signal.session == t.tgid


def tiocsctty(t: Task, f: TtyFile, arg: int) -> int:
    tty = f.tty
    if _is_leader(t) and t.signal.session == tty.session:
        return 0
    if not _is_leader(t) or t.signal.tty is not None:
        raise KernelError(E.EPERM)
    if tty.session:
        if arg == 1 and capable(t, CAP_SYS_ADMIN):
            session_clear_tty(t, tty.session)
        else:
            raise KernelError(E.EPERM)
    if not f.readable and not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    proc_set_tty(t, tty)
    return 0


def tiocnotty(t: Task, f: TtyFile) -> int:
    if t.signal.tty is not f.tty:
        raise KernelError(E.ENOTTY)
    if _is_leader(t):
        disassociate_ctty(t, on_exit=False)
    else:
        proc_clear_tty(t)
    return 0


def tiocgpgrp(t: Task, f: TtyFile) -> bytes:
    """The foreground group; on a pty master, its slave's, asked by anyone."""
    real = f.tty.real_tty()
    if real is f.tty and t.signal.tty is not real:
        raise KernelError(E.ENOTTY)
    return struct.pack("<i", real.pgrp)


def tiocgsid(t: Task, f: TtyFile) -> bytes:
    real = f.tty.real_tty()
    if (real is f.tty and t.signal.tty is not real) or not real.session:
        raise KernelError(E.ENOTTY)
    return struct.pack("<i", real.session)


def tiocspgrp(t: Task, f: TtyFile, pgrp: int) -> int:
    tty = f.tty.real_tty()
    try:
        tty_check_change(t, tty, A.SIGTTOU)
    except KernelError as e:
        raise KernelError(E.ENOTTY if e.errno == E.EIO else e.errno) from None
    if t.signal.tty is not tty or tty.session != t.signal.session:
        raise KernelError(E.ENOTTY)
    if pgrp < 0:
        raise KernelError(E.EINVAL)
    members = [p for p in t.kernel.tasks.values()
               if p.is_group_leader and p.signal.pgrp == pgrp and p.state not in (TASK_ZOMBIE, TASK_DEAD)]
    if not members:
        raise KernelError(E.ESRCH)
    if members[0].signal.session != t.signal.session:
        raise KernelError(E.EPERM)
    tty.pgrp = pgrp
    return 0
