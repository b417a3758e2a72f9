"""The N_TTY line discipline on a tty whose driver records what it transmits."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import termbits as T
from pynix.drivers.tty import Termios, TtyStruct
from pynix.fs.vfs.file import WouldBlock


class Wire:
    def __init__(self) -> None:
        self.out = bytearray()

    def write(self, data: bytes) -> None:
        self.out += data


@pytest.fixture
def tty(fake_kernel: object) -> TtyStruct:
    t = TtyStruct(fake_kernel, b"tty1", Wire())  # type: ignore[arg-type]
    t.signals = []                                   # type: ignore[attr-defined]
    t.kill_fg = t.signals.append                     # type: ignore[method-assign,attr-defined]
    return t


def out(tty: TtyStruct) -> bytes:
    return bytes(tty.driver.out)  # type: ignore[attr-defined]


def test_canonical_line_with_icrnl_and_echo(tty: TtyStruct) -> None:
    tty.receive(b"ls -l")
    with pytest.raises(WouldBlock):
        tty.ldisc.read(100)                          # no complete line yet
    tty.receive(b"\r")
    assert tty.ldisc.read(100) == b"ls -l\n"
    assert out(tty) == b"ls -l\r\n"                  # echo, with ONLCR


def test_read_returns_one_line_at_a_time_and_partial_reads(tty: TtyStruct) -> None:
    tty.receive(b"one\ntwo\n")
    assert tty.ldisc.read(2) == b"on"
    assert tty.ldisc.read(100) == b"e\n"
    assert tty.ldisc.read(100) == b"two\n"


def test_erase_werase_kill(tty: TtyStruct) -> None:
    tty.receive(b"abc\x7f")                          # ERASE
    tty.receive(b" foo bar\x17")                     # WERASE removes "bar"
    tty.receive(b"\n")
    assert tty.ldisc.read(100) == b"ab foo \n"
    tty.receive(b"junk\x15ok\n")                     # KILL
    assert tty.ldisc.read(100) == b"ok\n"
    assert b"\b \b" in out(tty)


def test_eof_ends_a_line_or_reads_zero(tty: TtyStruct) -> None:
    tty.receive(b"abc\x04")
    assert tty.ldisc.read(100) == b"abc"
    tty.receive(b"\x04")
    assert tty.ldisc.read(100) == b""


def test_signal_characters_and_echoctl(tty: TtyStruct) -> None:
    tty.receive(b"half a line\x03")
    assert tty.signals == [A.SIGINT]                 # type: ignore[attr-defined]
    assert out(tty).endswith(b"^C")
    assert tty.ldisc.chars_in_buffer() == 0          # INTR flushes the input
    tty.receive(b"\x1a\x1c")
    assert tty.signals == [A.SIGINT, A.SIGTSTP, A.SIGQUIT]  # type: ignore[attr-defined]


def test_lnext_quotes_a_control_character(tty: TtyStruct) -> None:
    tty.receive(b"\x16\x03\n")
    assert tty.ldisc.read(100) == b"\x03\n"
    assert tty.signals == []                         # type: ignore[attr-defined]


def test_noncanonical_vmin_and_switch_back(tty: TtyStruct) -> None:
    tty.receive(b"typed ahead\n")
    raw = Termios.unpack(tty.termios.pack())
    raw.lflag &= ~(T.ICANON | T.ECHO)
    raw.cc[T.VMIN], raw.cc[T.VTIME] = 1, 0
    tty.termios = raw
    tty.ldisc.set_termios(was_canon=True)
    assert tty.ldisc.read(5) == b"typed"             # the queued line became raw input
    tty.receive(b"x")
    assert tty.ldisc.read(100) == b" ahead\nx"
    with pytest.raises(WouldBlock):
        tty.ldisc.read(1)
    before = len(out(tty))
    tty.receive(b"q")
    assert len(out(tty)) == before                   # no ECHO


def test_vmin_zero_vtime_zero_polls(tty: TtyStruct) -> None:
    tty.termios.lflag &= ~T.ICANON
    tty.termios.cc[T.VMIN] = 0
    tty.termios.cc[T.VTIME] = 0
    assert tty.ldisc.read(10) == b""


def test_vtime_arms_a_timer(tty: TtyStruct) -> None:
    tty.termios.lflag &= ~T.ICANON
    tty.termios.cc[T.VMIN] = 0
    tty.termios.cc[T.VTIME] = 1
    with pytest.raises(WouldBlock):
        tty.ldisc.read(10)
    assert tty.kernel.timers.next_deadline() is not None
    tty.ldisc.deadline = 0                           # as if the 0.1 s had passed
    assert tty.ldisc.read(10) == b""


def test_termios_pack_round_trip_has_linux_defaults(tty: TtyStruct) -> None:
    data = tty.termios.pack()
    assert len(data) == 36
    back = Termios.unpack(data)
    assert back == tty.termios
    assert back.cc[T.VINTR] == 3 and back.cc[T.VERASE] == 0x7F and back.lflag & T.ECHOCTL


def test_hangup_reads_zero(tty: TtyStruct) -> None:
    tty.hangup_input()
    assert tty.ldisc.read(10) == b""


def test_flow_control_holds_writes(tty: TtyStruct) -> None:
    from pynix.drivers.tty import TtyFile
    f = TtyFile(tty, A.O_RDWR)
    tty.receive(b"\x13")                             # ^S
    assert tty.stopped
    with pytest.raises(WouldBlock):
        f.write(b"held")
    tty.receive(b"\x11")                             # ^Q
    assert not tty.stopped and f.write(b"go") == 2
    assert tty.ldisc.chars_in_buffer() == 0          # neither character is input


def test_utf8_erase_removes_a_whole_character(tty: TtyStruct) -> None:
    tty.termios.iflag |= T.IUTF8
    tty.receive("aé".encode() + b"\x7f\n")
    assert tty.ldisc.read(100) == b"a\n"


def test_erasing_a_tab_backs_up_to_where_it_began(tty: TtyStruct) -> None:
    tty.write_out(tty.ldisc.process_output(b"$ "))  # a prompt: the line starts at column 2
    tty.receive(b"ab\t")                             # the tab runs from column 4 to 8
    before = len(out(tty))
    tty.receive(b"\x7f")
    assert out(tty)[before:] == b"\b\b\b\b"
    tty.receive(b"\x7f")                             # then an ordinary character
    assert out(tty).endswith(b"\b \b")
    tty.receive(b"\n")
    assert tty.ldisc.read(10) == b"a\n"
