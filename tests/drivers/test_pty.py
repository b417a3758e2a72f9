"""The pty pair and devpts as kernel structures: the two ttys joined back to back, the
flip buffer that holds what a full line discipline cannot take, and the devpts nodes."""
from __future__ import annotations

import stat

import pytest

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import termbits as T
from pynix.base.errors import KernelError
from pynix.drivers.n_tty import N_TTY_BUF_SIZE
from pynix.drivers.pty import PTY_ROOM, Pty, room
from pynix.fs.devpts import DevptsSuperBlock
from pynix.fs.vfs.dcache import Dentry, Mount, Path


@pytest.fixture
def pair(fake_kernel: object) -> Pty:
    sb = DevptsSuperBlock(b"gid=5,mode=620")
    root = Dentry(b"/", None, sb.root)
    p = Pty(fake_kernel, sb, Path(Mount(sb, root, "devpts"), root), sb.new_index())  # type: ignore[arg-type]
    sb.pty_new(p.index, 1000, 1000)
    return p


def test_master_is_raw_and_slave_cooks(pair: Pty) -> None:
    assert pair.master.link is pair.slave and pair.slave.link is pair.master
    assert pair.master.termios.lflag == 0 and pair.slave.termios.lflag & T.ICANON
    pair.master.write_out(b"ab\n")          # what a master write hands its driver
    assert list(pair.slave.ldisc.lines) == [b"ab\n"]
    assert bytes(pair.master.ldisc.raw) == b"ab\r\n"       # the slave's echo, after ONLCR


def test_flip_buffer_holds_what_the_ldisc_cannot_take(pair: Pty) -> None:
    pair.master.write_out(b"x" * (N_TTY_BUF_SIZE + 100))   # one unterminated canonical line
    s = pair.slave
    assert len(s.ldisc.line) == N_TTY_BUF_SIZE - 1 and len(s.flip) == 101
    assert room(pair.master) == PTY_ROOM - N_TTY_BUF_SIZE - 100
    s.receive(b"\n")     # a full line still takes a line end; the overflow is dropped
    assert len(s.ldisc.lines) == 1 and not s.flip


def test_devpts_nodes(pair: Pty) -> None:
    sb = pair.sb
    node = sb.root.lookup(b"0")
    assert node is not None and stat.S_IMODE(node.mode) == 0o620 and node.gid == 5
    assert node.uid == 1000 and node.rdev == (T.UNIX98_PTY_SLAVE_MAJOR << 8)
    assert [n for _, n, _, _ in sb.root.readdir(0)] == [b".", b"..", b"ptmx", b"0"]
    assert sb.new_index() == 1
    with pytest.raises(KernelError) as e:
        sb.root.create(b"9", stat.S_IFCHR | 0o600, 0, 0)
    assert e.value.errno == E.EPERM
    sb.pty_kill(0)
    assert sb.root.lookup(b"0") is None and sb.new_index() == 0


def test_bad_mount_option() -> None:
    with pytest.raises(KernelError) as e:
        DevptsSuperBlock(b"size=3")
    assert e.value.errno == E.EINVAL
