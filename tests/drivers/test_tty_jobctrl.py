"""Controlling terminals and background access, with real Tasks on a kernel stand-in:
a shell (session leader, pid 10) with a foreground job (pgrp 20) and a background job (30)."""
from __future__ import annotations

import struct

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import termbits as T
from pynix.base.errors import KernelError
from pynix.base.runqueue import RunQueue
from pynix.drivers import tty_jobctrl as J
from pynix.drivers.tty import TtyFile, TtyStruct, open_current_tty, tty_ioctl, tty_open
from pynix.kernel.cred import __sys_setresuid
from pynix.kernel.task import SigHand, Task


class Wire:
    def write(self, data: bytes) -> None:
        pass


class FakeCPU:
    def stop(self) -> None:
        pass


class FakeKernel:
    def __init__(self) -> None:
        self.cpu = FakeCPU()
        self.tasks: dict[int, Task] = {}
        self.rq = RunQueue()
        self.current: Task | None = None
        self.init_task: Task | None = None
        self.timers = None

    def proc(self, pid: int, pgrp: int, session: int, parent: Task | None = None) -> Task:
        t = Task(self, pid, b"p%d" % pid)
        t.sighand = SigHand()
        t.signal.pgrp, t.signal.session = pgrp, session
        t.real_parent = t.parent = parent
        if parent is not None:
            parent.children.append(t)
        self.tasks[pid] = t
        return t


def signals(t: Task) -> list[int]:
    return [i.signo for i in t.signal.shared_pending]


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    k = FakeKernel()
    tty = TtyStruct(k, b"tty1", Wire())
    sh = k.proc(10, 10, 10)
    fg = k.proc(20, 20, 10, sh)
    bg = k.proc(30, 30, 10, sh)
    k.current = sh
    f = tty_open(tty, A.O_RDWR, None, may_ctty=True)
    fg.signal.tty = bg.signal.tty = sh.signal.tty       # inherited by fork
    sh.sighand.action[A.SIGTTOU].handler = A.SIG_IGN    # as a job-control shell does
    return k, tty, f, sh, fg, bg


def test_session_leader_acquires_the_terminal_on_open(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    assert sh.signal.tty is tty and tty.session == 10 and tty.pgrp == 10
    other = k.proc(40, 40, 40)
    k.current = other
    tty_open(tty, A.O_RDWR, None, may_ctty=True)
    assert other.signal.tty is None                 # the tty already has a session
    loner = k.proc(50, 50, 50)
    k.current = loner
    with pytest.raises(KernelError) as e:
        open_current_tty(k, A.O_RDWR, None)
    assert e.value.errno == E.ENXIO                 # /dev/tty without a controlling tty


def test_console_and_o_noctty_never_acquire(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    fresh = TtyStruct(k, b"tty2", Wire())
    leader = k.proc(60, 60, 60)
    k.current = leader
    tty_open(fresh, A.O_RDWR | A.O_NOCTTY, None, may_ctty=True)
    tty_open(fresh, A.O_RDWR, None, may_ctty=False)
    assert leader.signal.tty is None and fresh.session == 0


def test_tiocgpgrp_tiocspgrp_tiocgsid(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    assert J.tiocspgrp(sh, f, 20) == 0
    assert J.tiocgpgrp(sh, f) == struct.pack("<i", 20)
    assert J.tiocgsid(sh, f) == struct.pack("<i", 10)
    for pgrp, err in ((-1, E.EINVAL), (99, E.ESRCH)):
        with pytest.raises(KernelError) as e:
            J.tiocspgrp(sh, f, pgrp)
        assert e.value.errno == err
    k.proc(70, 70, 70)
    with pytest.raises(KernelError) as e:
        J.tiocspgrp(sh, f, 70)
    assert e.value.errno == E.EPERM                 # a group of another session
    stranger = k.proc(80, 80, 80)
    with pytest.raises(KernelError) as e:
        J.tiocgpgrp(stranger, f)
    assert e.value.errno == E.ENOTTY                # not its controlling terminal


def test_background_read_gets_sigttin_and_restarts(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    J.tiocspgrp(sh, f, 20)
    tty.receive(b"line\n")
    k.current = bg
    with pytest.raises(KernelError) as e:
        f.read(10)
    assert e.value.errno == E.ERESTARTSYS and signals(bg) == [A.SIGTTIN]
    assert signals(fg) == []
    k.current = fg
    assert f.read(10) == b"line\n"                  # the foreground reads


def test_background_read_with_sigttin_ignored_is_eio(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    J.tiocspgrp(sh, f, 20)
    bg.sighand.action[A.SIGTTIN].handler = A.SIG_IGN
    k.current = bg
    with pytest.raises(KernelError) as e:
        f.read(10)
    assert e.value.errno == E.EIO


def test_background_write_stops_only_with_tostop(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    J.tiocspgrp(sh, f, 20)
    k.current = bg
    assert f.write(b"hi\n") == 3
    tty.termios.lflag |= T.TOSTOP
    with pytest.raises(KernelError) as e:
        f.write(b"hi\n")
    assert e.value.errno == E.ERESTARTSYS and signals(bg) == [A.SIGTTOU]


def test_tcsets_from_the_background_gets_sigttou(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    J.tiocspgrp(sh, f, 20)
    with pytest.raises(KernelError) as e:
        tty_ioctl(bg, f, A.TCSETS, 0)
    assert e.value.errno == E.ERESTARTSYS and signals(bg) == [A.SIGTTOU]
    assert tty_ioctl(bg, f, A.TCGETS, 0) == tty.termios.pack()   # reading termios is allowed


def test_signal_characters_reach_the_foreground_group(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    J.tiocspgrp(sh, f, 20)
    tty.receive(b"\x03")
    assert signals(fg) == [A.SIGINT] and signals(bg) == [] and signals(sh) == []


def test_tiocnotty_by_the_leader_hangs_up_the_foreground(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    J.tiocspgrp(sh, f, 20)
    fg.sighand.action[A.SIGCONT].handler = 0x1000       # caught, so it stays pending to be seen
    assert J.tiocnotty(sh, f) == 0
    assert signals(fg) == [A.SIGHUP, A.SIGCONT]
    assert tty.session == 0 and tty.pgrp == 0
    assert sh.signal.tty is None and fg.signal.tty is None and bg.signal.tty is None


def test_tiocsctty_rules(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    assert J.tiocsctty(sh, f, 0) == 0               # already its terminal
    with pytest.raises(KernelError) as e:
        J.tiocsctty(fg, f, 0)                       # not a session leader
    assert e.value.errno == E.EPERM
    other = k.proc(90, 90, 90)
    with pytest.raises(KernelError) as e:
        J.tiocsctty(other, f, 0)                    # the tty belongs to session 10
    assert e.value.errno == E.EPERM
    assert J.tiocsctty(other, f, 1) == 0            # root may steal it with arg 1
    assert tty.session == 90 and sh.signal.tty is None


def test_fionread_counts_complete_lines(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    tty.receive(b"ab\ncd")
    assert tty_ioctl(sh, f, A.FIONREAD, 0) == struct.pack("<i", 3)
    assert isinstance(f, TtyFile) and f.isatty()


def test_vhangup_kills_old_opens_and_signals_the_leader(world) -> None:  # type: ignore[no-untyped-def]
    k, tty, f, sh, fg, bg = world
    sh.sighand.action[A.SIGHUP].handler = 0x1000        # caught, so it stays pending to be seen
    sh.sighand.action[A.SIGCONT].handler = 0x1000
    __sys_setresuid(sh, -1, 1000, -1)                 # drops the effective set
    with pytest.raises(KernelError) as e:
        J.tty_vhangup_self(sh)
    assert e.value.errno == E.EPERM and not f.hung_up()
    __sys_setresuid(sh, -1, 0, -1)                    # back: effective = permitted
    J.tty_vhangup_self(sh)
    assert f.hung_up() and f.read(10) == b""
    with pytest.raises(KernelError) as e:
        f.write(b"x")
    assert e.value.errno == E.EIO
    with pytest.raises(KernelError) as e:
        tty_ioctl(sh, f, A.TCGETS, 0)
    assert e.value.errno == E.EIO
    assert signals(sh) == [A.SIGHUP, A.SIGCONT] and signals(fg) == [] and signals(bg) == []
    assert tty.session == 0 and tty.pgrp == 0
    assert sh.signal.tty is None and fg.signal.tty is None and bg.signal.tty is None
    fresh = TtyFile(tty, A.O_RDWR)
    assert not fresh.hung_up() and fresh.write(b"ok") == 2
