"""Unix98 pseudo-terminals: /dev/ptmx and the devpts slaves (Linux drivers/tty/pty.c,
ptmx_open, pty_unix98_ioctl; Love ch. "Devices": a pty is two ttys joined back to back).

A pty is a pair of ``TtyStruct`` (drivers/tty.py) linked by ``tty.link``; each half's driver
hands what the half writes out to the other half's line discipline, as pty_write does:

    master write -> slave's N_TTY (echo, ISIG, canonical editing) -> slave readers
    slave write  -> slave's OPOST -> master's N_TTY (raw: no echo, no editing) -> master readers

- Opening ``/dev/ptmx`` (or ``ptmx`` inside a devpts mount; ``ptmx_open``) finds the devpts
  instance mounted on ``pts`` beside it (devpts_acquire), takes the lowest free index, makes
  the pair and the slave node ``N`` (fs/devpts.py), and returns the master's file. The slave
  starts locked: opening it gives EIO until TIOCSPTLCK 0 (unlockpt).
- Master ioctls: TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, TIOCGPTPEER (open the slave from the
  master, as glibc's openpty does), TIOCPKT/TIOCGPKT (packet mode: every read starts with a
  status byte, TIOCPKT_DATA or the FLUSH/STOP/START/DOSTOP/NOSTOP events of the slave),
  TIOCSIG (SIGINT, SIGQUIT or SIGTSTP to the slave's foreground group). Termios, window size and the job-control
  ioctls of a master act on its slave (tty_pair_get_tty, in drivers/tty.py).
- Each half accepts writes while the other holds less than ``PTY_ROOM`` unread bytes (the
  tty buffer limit); a read on one half wakes writers of the other (pty_unthrottle).
- Closing the last master file hangs the slave up (its readers get 0, writers EIO, the session
  SIGHUP) and removes the node; closing the last slave file makes master reads fail with EIO
  once drained and poll say POLLHUP (TTY_OTHER_CLOSED), until the slave is opened again.

Owns: the pairs, their lock, packet mode and open counts. The ttys own termios and buffers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import termbits as T
from pynix.arch.x86_64.poll import POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM
from pynix.base.errors import KernelError
from pynix.drivers.tty import TtyFile, TtyStruct, tty_ioctl, tty_open
from pynix.fs.devices import register_chrdev, unregister_chrdev
from pynix.fs.devpts import DevptsSuperBlock
from pynix.fs.vfs.dcache import Path
from pynix.fs.vfs.file import WouldBlock
from pynix.fs.vfs.namei import namei
from pynix.kernel.pgrp import kill_pgrp
from pynix.mm.uaccess import copy_from_user

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task

PTY_ROOM = 16384          # unread bytes one half may queue at the other (tty buffer limit)


class _PtyWire:
    """The driver under one half: its output is the other half's input (pty_write)."""

    def __init__(self, pty: Pty, to_master: bool) -> None:
        self.pty, self.to_master = pty, to_master

    def write(self, data: bytes) -> None:
        self.pty.master.receive(data) if self.to_master else self.pty.slave.receive(data)


class Pty:
    """One pseudo-terminal pair and its devpts node."""

    def __init__(self, k: Kernel, sb: DevptsSuperBlock, dir_path: Path, index: int) -> None:
        self.sb, self.dir_path, self.index = sb, dir_path, index
        self.master = TtyStruct(k, b"ptm%d" % index, _PtyWire(self, False),
                                A.makedev(T.UNIX98_PTY_MASTER_MAJOR, index))
        self.slave = TtyStruct(k, b"pts/%d" % index, _PtyWire(self, True),
                               A.makedev(T.UNIX98_PTY_SLAVE_MAJOR, index))
        m = self.master
        m.is_master = True
        m.link, self.slave.link = self.slave, m
        m.termios.iflag = m.termios.oflag = m.termios.lflag = 0     # pty_unix98_install
        m.termios.cflag = T.B38400 | T.CS8 | T.CREAD
        self.locked = True
        self.masters = 0            # open master files
        self.slaves = 0             # open slave files
        self.other_closed = False   # the master's TTY_OTHER_CLOSED: every slave file closed

    # -- the slave node --------------------------------------------------------------------
    def open_slave(self, flags: int, path: object) -> TtyFile:
        """pty_open of the slave: EIO while locked or once the master is gone."""
        if self.locked or not self.masters:
            raise KernelError(E.EIO)
        f = tty_open(self.slave, flags, path, True, PtySlaveFile)
        assert isinstance(f, PtySlaveFile)
        f.pty = self
        self.slaves += 1
        self.other_closed = False
        return f

    def slave_path(self) -> Path:
        d = self.dir_path.dentry.child(b"%d" % self.index)
        if d is None:
            raise KernelError(E.EIO)
        return Path(self.dir_path.mnt, d)

    def slave_closed(self) -> None:
        self.slaves -= 1
        if not self.slaves:
            self.other_closed = True
            self.master.read_wait.wake_up()
            self.master.write_wait.wake_up()

    def master_closed(self) -> None:
        """pty_close of the master: the slave is hung up and its node goes away."""
        self.masters -= 1
        if self.masters:
            return
        self.sb.pty_kill(self.index)
        self.dir_path.dentry.drop(b"%d" % self.index)
        unregister_chrdev(T.UNIX98_PTY_SLAVE_MAJOR, self.index)
        self.slave.hangup_input()
        self.slave.vhangup()


def room(tty: TtyStruct) -> int:
    """pty_write_room: what the other half will still take."""
    other = tty.link
    assert other is not None
    return max(PTY_ROOM - other.buffered(), 0)


class PtyFile(TtyFile):
    """An open half of a pty: writes are bounded by the other half's room, and reads make
    room for the other half's writers."""

    pty: Pty

    def read(self, n: int) -> bytes:
        data = super().read(n)
        if data:
            assert self.tty.link is not None
            self.tty.link.write_wait.wake_up()
        return data

    def write(self, data: bytes) -> int:
        if self.hung_up():
            raise KernelError(E.EIO)
        r = room(self.tty)
        if not r:
            raise WouldBlock(self.tty.write_wait)
        return super().write(data[:r])

    def poll(self) -> int:
        mask = super().poll()
        if not self.hung_up() and not room(self.tty):
            mask &= ~(POLLOUT | POLLWRNORM)
        return mask


class PtySlaveFile(PtyFile):
    def release(self) -> None:
        self.pty.slave_closed()


class PtyMasterFile(PtyFile):
    def __init__(self, pty: Pty, flags: int, path: object) -> None:
        super().__init__(pty.master, flags, path)
        self.pty = pty
        pty.masters += 1

    def read(self, n: int) -> bytes:
        """n_tty_read on a master: the packet status byte first; EIO once the slave side
        is closed and nothing is left."""
        tty, pty = self.tty, self.pty
        if tty.packet and tty.pktstatus:
            status, tty.pktstatus = tty.pktstatus, 0
            return bytes((status,))
        if pty.other_closed and not tty.buffered():
            raise KernelError(E.EIO)
        if tty.packet:
            return b"\0" + super().read(max(n - 1, 1)) if n > 1 else b"\0"
        return super().read(n)

    def poll(self) -> int:
        mask = super().poll()
        if self.tty.packet and self.tty.pktstatus:
            mask |= POLLPRI | POLLIN | POLLRDNORM
        if self.pty.other_closed:
            mask |= POLLHUP
        return mask

    def release(self) -> None:
        self.pty.master_closed()

    def ioctl(self, task: object, req: int, arg: int) -> int | bytes:  # type: ignore[override]
        return pty_unix98_ioctl(task, self, req, arg)  # type: ignore[arg-type]


def _int_arg(t: Task, arg: int) -> int:
    assert t.mm is not None
    return T.INT_ARG.unpack(copy_from_user(t.mm, arg, T.INT_ARG.size))[0]


def pty_unix98_ioctl(t: Task, f: PtyMasterFile, req: int, arg: int) -> int | bytes:
    pty, tty = f.pty, f.tty
    if req == T.TIOCGPTN:
        return T.INT_ARG.pack(pty.index)
    if req == T.TIOCSPTLCK:
        pty.locked = bool(_int_arg(t, arg))
        return 0
    if req == T.TIOCGPTLCK:
        return T.INT_ARG.pack(int(pty.locked))
    if req == T.TIOCPKT:
        on = bool(_int_arg(t, arg))
        if on and not tty.packet:
            tty.pktstatus = 0
        tty.packet = on
        return 0
    if req == T.TIOCGPKT:
        return T.INT_ARG.pack(int(tty.packet))
    if req == T.TIOCSIG:                            # pty_signal: the keyboard signals only
        if arg not in (A.SIGINT, A.SIGQUIT, A.SIGTSTP):
            raise KernelError(E.EINVAL)
        if pty.slave.pgrp:
            kill_pgrp(t.kernel, pty.slave.pgrp, arg)
        return 0
    if req == T.TIOCGPTPEER:
        return ptm_open_peer(t, f, arg)
    return tty_ioctl(t, f, req, arg)


def ptm_open_peer(t: Task, f: PtyMasterFile, flags: int) -> int:
    """TIOCGPTPEER: the slave opened through the master with the open ``flags`` given
    (O_ACCMODE, O_NOCTTY, O_CLOEXEC, O_NONBLOCK ...), without a path lookup."""
    pty = f.pty
    sf = pty.open_slave(flags & ~A.O_CLOEXEC, pty.slave_path())
    sf.inode = pty.sb.nodes[pty.index]
    return t.files.install_new(sf, cloexec=bool(flags & A.O_CLOEXEC))


def find_devpts(k: Kernel, path: object) -> Path:
    """devpts_acquire: the devpts mount holding this ptmx, or the one mounted on ``pts`` in
    the directory of /dev/ptmx (ENODEV without one)."""
    assert isinstance(path, Path)
    if isinstance(path.mnt.sb, DevptsSuperBlock):
        return Path(path.mnt, path.mnt.root)
    t = k.current
    try:
        p = namei(t.fs, b"pts", Path(path.mnt, path.dentry.parent))
    except KernelError:
        raise KernelError(E.ENODEV) from None
    if not isinstance(p.mnt.sb, DevptsSuperBlock) or p.dentry is not p.mnt.root:
        raise KernelError(E.ENODEV)
    return p


def ptmx_open(k: Kernel, flags: int, path: object) -> PtyMasterFile:
    """Open /dev/ptmx: a new pair, its slave locked and named in devpts."""
    dir_path = find_devpts(k, path)
    sb = dir_path.mnt.sb
    assert isinstance(sb, DevptsSuperBlock)
    index = sb.new_index()
    t = k.current
    pty = Pty(k, sb, dir_path, index)
    sb.pty_new(index, t.cred.fsuid, t.cred.fsgid)
    register_chrdev(T.UNIX98_PTY_SLAVE_MAJOR, index, pty.open_slave)
    return PtyMasterFile(pty, flags, path)


def register_ptmx(k: Kernel) -> None:
    """The ptmx device, 5:2 (unix98_pty_init)."""
    register_chrdev(*T.DEV_PTMX, lambda flags, path: ptmx_open(k, flags, path))
