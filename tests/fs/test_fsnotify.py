"""The fsnotify queue (fs/notify/fsnotify.py, inotify.py): merging of an identical last
event, the single IN_Q_OVERFLOW at max_queued_events, IN_IGNORED when a mark goes, one-shot
marks, and the parent/child delivery with names."""
from __future__ import annotations

from pynix.arch.x86_64 import inotify as I
from pynix.base.errors import KernelError
from pynix.fs.notify import inotify as ino
from pynix.fs.notify.fsnotify import fsnotify, fsnotify_parent, inode_marks


class FakeSb:
    pass


class FakeInode:
    def __init__(self, ino_: int, isdir: bool = False) -> None:
        self.ino = ino_
        self.sb = FakeSb()
        self.dir = isdir

    def is_dir(self) -> bool:
        return self.dir


class FakeDentry:
    def __init__(self, name: bytes, inode: FakeInode, parent: FakeDentry | None) -> None:
        self.name, self.inode = name, inode
        self.parent = parent if parent is not None else self
        self.children: dict[bytes, FakeDentry] = {}


def events(g: ino.InotifyGroup) -> list[tuple[int, int, bytes]]:
    out = []
    while g.queue:
        e = g.remove_first_event()
        assert isinstance(e, ino.InotifyEvent)
        out.append((e.wd, e.mask, e.name))
    return out


def test_identical_consecutive_events_merge() -> None:
    g = ino.InotifyGroup(1000)
    d = FakeInode(1, True)
    wd = ino.inotify_update_watch(g, d, I.IN_ALL_EVENTS)
    fsnotify(d, I.IN_MODIFY, b"f")
    fsnotify(d, I.IN_MODIFY, b"f")
    fsnotify(d, I.IN_MODIFY, b"g")
    fsnotify(d, I.IN_MODIFY, b"f")
    assert events(g) == [(wd, I.IN_MODIFY, b"f"), (wd, I.IN_MODIFY, b"g"), (wd, I.IN_MODIFY, b"f")]


def test_overflow_once_at_max_events() -> None:
    g = ino.InotifyGroup(1000)
    g.max_events = 3
    d = FakeInode(2, True)
    wd = ino.inotify_update_watch(g, d, I.IN_CREATE)
    for n in range(10):
        fsnotify(d, I.IN_CREATE, b"f%d" % n)
    got = events(g)
    assert got == [(wd, I.IN_CREATE, b"f0"), (wd, I.IN_CREATE, b"f1"), (wd, I.IN_CREATE, b"f2"),
                   (-1, I.IN_Q_OVERFLOW, b"")]


def test_rm_watch_queues_ignored_and_frees_wd() -> None:
    g = ino.InotifyGroup(1000)
    f = FakeInode(3)
    wd = ino.inotify_update_watch(g, f, I.IN_ATTRIB)
    ino.inotify_rm_watch(g, wd)
    assert events(g) == [(wd, I.IN_IGNORED, b"")]
    assert inode_marks(f) == [] and wd not in g.wds
    fsnotify(f, I.IN_ATTRIB)
    assert events(g) == []


def test_oneshot_delivers_once_then_ignored() -> None:
    g = ino.InotifyGroup(1000)
    f = FakeInode(4)
    wd = ino.inotify_update_watch(g, f, I.IN_MODIFY | I.IN_ONESHOT)
    fsnotify(f, I.IN_MODIFY)
    fsnotify(f, I.IN_MODIFY)
    assert events(g) == [(wd, I.IN_MODIFY, b""), (wd, I.IN_IGNORED, b"")]


def test_parent_gets_name_then_child_without() -> None:
    g = ino.InotifyGroup(1000)
    d, f = FakeInode(5, True), FakeInode(6)
    root = FakeDentry(b"/", d, None)
    child = FakeDentry(b"x", f, root)
    root.children[b"x"] = child
    dw = ino.inotify_update_watch(g, d, I.IN_ALL_EVENTS)
    fw = ino.inotify_update_watch(g, f, I.IN_ALL_EVENTS | I.IN_EXCL_UNLINK)
    fsnotify_parent(child, f, I.IN_OPEN, False)
    assert events(g) == [(dw, I.IN_OPEN, b"x"), (fw, I.IN_OPEN, b"")]
    ino.inotify_update_watch(g, d, I.IN_ALL_EVENTS | I.IN_EXCL_UNLINK)
    fsnotify_parent(child, f, I.IN_ACCESS, True)
    assert events(g) == [(fw, I.IN_ACCESS, b"")]


def test_read_packs_padded_names_and_rejects_small_buffer() -> None:
    g = ino.InotifyGroup(1000)
    d = FakeInode(7, True)
    wd = ino.inotify_update_watch(g, d, I.IN_CREATE)
    fsnotify(d, I.IN_CREATE, b"abc")
    f = ino.InotifyFile(g, 0)
    assert f.ioctl(None, 0x541B, 0) == 32
    try:
        f.read(31)
        raise AssertionError("a buffer smaller than the event must be EINVAL")
    except KernelError as err:
        assert err.errno == 22
    data = f.read(64)
    assert data == I.INOTIFY_EVENT.pack(wd, I.IN_CREATE, 0, 16) + b"abc" + b"\0" * 13
