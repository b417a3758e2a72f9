"""dnotify (fs/notify/dnotify.py): DN_* requests on a directory's one mark, merging of a
second request through the same file, one-shot requests and the mark going with the last,
close dropping only the requests of that file and table, DN_RENAME only for a rename that
stays in the directory, and ENOTDIR for a file."""
from __future__ import annotations

from typing import Any

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import inotify as I
from pynix.base.errors import KernelError
from pynix.fs import fasync
from pynix.fs.notify import dnotify as dn
from pynix.fs.notify.fsnotify import fsnotify, inode_marks
from pynix.fs.notify.hooks import fsnotify_move


class FakeInode:
    """A directory (or, with ``isdir`` False, a file) with nothing but what marks need."""

    def __init__(self, ino: int, isdir: bool = False) -> None:
        self.ino, self.sb, self.dir = ino, object(), isdir

    def is_dir(self) -> bool:
        return self.dir


class FakeFile:
    def __init__(self, inode: FakeInode) -> None:
        self.inode = inode


class FakeTask:
    def __init__(self) -> None:
        self.files = object()
        self.tgid = 42


@pytest.fixture
def signals(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, int, int | None]]:
    sent: list[tuple[Any, int, int | None]] = []
    monkeypatch.setattr(fasync, "send_sigio", lambda f, band, fd=None: sent.append((f, band, fd)))
    monkeypatch.setattr(fasync, "f_setown", lambda t, f, otype, pid: None)
    return sent


def test_events_map_and_multishot_keeps_the_request(signals: list) -> None:
    d, t = FakeInode(10, True), FakeTask()
    f = FakeFile(d)
    dn.fcntl_dirnotify(t, 5, f, A.DN_CREATE | A.DN_MULTISHOT)
    fsnotify(d, I.IN_CREATE, b"a")
    fsnotify(d, I.IN_MOVED_TO, b"b")
    fsnotify(d, I.IN_DELETE, b"a")           # not asked for
    assert signals == [(f, A.POLL_MSG, 5), (f, A.POLL_MSG, 5)]
    assert len(inode_marks(d)) == 1
    dn.dnotify_flush(f, t.files)
    assert inode_marks(d) == []


def test_one_shot_request_goes_with_its_mark(signals: list) -> None:
    d, t = FakeInode(11, True), FakeTask()
    f = FakeFile(d)
    dn.fcntl_dirnotify(t, 3, f, A.DN_MODIFY)
    fsnotify(d, I.IN_MODIFY, b"x")
    fsnotify(d, I.IN_MODIFY, b"x")
    assert len(signals) == 1 and inode_marks(d) == []


def test_second_request_through_one_file_merges(signals: list) -> None:
    d, t = FakeInode(12, True), FakeTask()
    f, g = FakeFile(d), FakeFile(d)
    dn.fcntl_dirnotify(t, 3, f, A.DN_ATTRIB | A.DN_MULTISHOT)
    dn.fcntl_dirnotify(t, 4, f, A.DN_DELETE)
    dn.fcntl_dirnotify(t, 6, g, A.DN_DELETE | A.DN_MULTISHOT)
    mark = inode_marks(d)[0]
    assert isinstance(mark, dn.DnotifyMark) and len(mark.requests) == 2
    fsnotify(d, I.IN_DELETE, b"z")
    fsnotify(d, I.IN_DELETE, b"z")
    assert [fd for _, _, fd in signals] == [4, 6, 4, 6]
    dn.dnotify_flush(f, object())            # another table's close: f's request stays
    assert len(mark.requests) == 2
    dn.dnotify_flush(f, t.files)
    assert [r.file for r in mark.requests] == [g]
    dn.fcntl_dirnotify(t, 6, g, 0)           # F_NOTIFY 0 clears
    assert inode_marks(d) == []


def test_dn_rename_only_within_one_directory(signals: list) -> None:
    a, b, t = FakeInode(13, True), FakeInode(14, True), FakeTask()
    fa, fb = FakeFile(a), FakeFile(b)
    dn.fcntl_dirnotify(t, 3, fa, A.DN_RENAME | A.DN_MULTISHOT)
    dn.fcntl_dirnotify(t, 4, fb, A.DN_RENAME | A.DN_MULTISHOT)
    fsnotify_move(a, b"x", b, b"y", FakeInode(15), None)
    assert signals == []
    fsnotify_move(a, b"x", a, b"y", FakeInode(15), None)
    assert signals == [(fa, A.POLL_MSG, 3)]
    dn.fcntl_dirnotify(t, 3, fa, 0)
    dn.fcntl_dirnotify(t, 4, fb, 0)


def test_not_a_directory(signals: list) -> None:
    with pytest.raises(KernelError) as e:
        dn.fcntl_dirnotify(FakeTask(), 3, FakeFile(FakeInode(16)), A.DN_MODIFY)
    assert e.value.errno == E.ENOTDIR
