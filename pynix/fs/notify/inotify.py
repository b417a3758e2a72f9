"""inotify (Linux fs/notify/inotify/inotify_user.c, inotify_fsnotify.c): an fsnotify group
behind a file descriptor, one watch descriptor (wd) per watched inode.

Provides ``InotifyFile`` (read returns struct inotify_event records; poll, FIONREAD),
``inotify_new_group(uid, flags)``, ``inotify_update_watch(group, inode, mask)`` and
``inotify_rm_watch(group, wd)``, and ``LIMITS`` (the /proc/sys/fs/inotify tunables).
Watches of a user count against max_user_watches (ENOSPC), groups against
max_user_instances (EMFILE); a queue holds max_queued_events (then IN_Q_OVERFLOW).

Owns the per-user counts, each group's wd table and its queue (through fsnotify.py).
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import inotify as I
from pynix.arch.x86_64.kdev_t import major, minor
from pynix.arch.x86_64.poll import POLLIN, POLLRDNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue
from pynix.fs.anon import anon_inode
from pynix.fs.notify.fsnotify import (
    FsnotifyEvent,
    FsnotifyGroup,
    FsnotifyMark,
    fsnotify_add_mark,
    fsnotify_destroy_mark,
    fsnotify_find_mark,
)
from pynix.fs.vfs.file import File, WouldBlock

LIMITS = {"max_queued_events": I.INOTIFY_MAX_QUEUED_EVENTS,
          "max_user_instances": I.INOTIFY_MAX_USER_INSTANCES,
          "max_user_watches": I.INOTIFY_MAX_USER_WATCHES}
_instances: dict[int, int] = {}      # uid -> inotify groups
_watches: dict[int, int] = {}        # uid -> inotify watches


class InotifyEvent(FsnotifyEvent):
    def __init__(self, wd: int, mask: int, cookie: int = 0, name: bytes = b"") -> None:
        super().__init__(mask, cookie, name)
        self.wd = wd

    def same(self, other: FsnotifyEvent) -> bool:
        return isinstance(other, InotifyEvent) and other.wd == self.wd and super().same(other)

    def size(self) -> int:
        return I.INOTIFY_EVENT.size + self.padded_len()

    def padded_len(self) -> int:
        if not self.name:
            return 0
        n = I.INOTIFY_EVENT.size
        return (len(self.name) + 1 + n - 1) // n * n

    def pack(self) -> bytes:
        ln = self.padded_len()
        return I.INOTIFY_EVENT.pack(self.wd, self.mask & I.IN_REPORTED, self.cookie, ln) + \
            self.name.ljust(ln, b"\0")


class InotifyMark(FsnotifyMark):
    def __init__(self, group: FsnotifyGroup, inode: Any, mask: int, wd: int) -> None:
        super().__init__(group, inode, mask)
        self.wd = wd


class InotifyGroup(FsnotifyGroup):
    def __init__(self, uid: int) -> None:
        super().__init__(LIMITS["max_queued_events"])
        self.uid = uid
        self.wds: dict[int, InotifyMark] = {}
        self.last_wd = 0

    def make_overflow_event(self) -> FsnotifyEvent:
        return InotifyEvent(-1, I.IN_Q_OVERFLOW)

    def handle_event(self, mark: FsnotifyMark, mask: int, inode: Any, name: bytes,
                     cookie: int) -> None:
        """inotify_handle_inode_event: queue (wd, mask, cookie, name); a one-shot watch goes."""
        assert isinstance(mark, InotifyMark)
        self.add_event(InotifyEvent(mark.wd, mask & I.IN_REPORTED, cookie, name))
        if mark.mask & I.IN_ONESHOT:
            fsnotify_destroy_mark(mark)

    def freeing_mark(self, mark: FsnotifyMark) -> None:
        """inotify_freeing_mark: IN_IGNORED for the wd, which is free again."""
        assert isinstance(mark, InotifyMark)
        self.add_event(InotifyEvent(mark.wd, I.IN_IGNORED), merge=False)
        self.wds.pop(mark.wd, None)
        _watches[self.uid] = _watches.get(self.uid, 1) - 1

    def alloc_wd(self) -> int:
        """idr_alloc_cyclic from 1: the next free wd after the last one handed out."""
        wd = self.last_wd
        while True:
            wd = wd + 1 if wd < 0x7FFFFFFF else 1
            if wd not in self.wds:
                self.last_wd = wd
                return wd


def inotify_new_group(uid: int) -> InotifyGroup:
    if _instances.get(uid, 0) >= LIMITS["max_user_instances"]:
        raise KernelError(E.EMFILE)
    _instances[uid] = _instances.get(uid, 0) + 1
    return InotifyGroup(uid)


def inotify_update_watch(group: InotifyGroup, inode: Any, mask: int) -> int:
    """inotify_update_watch: a new watch, or the inode's existing one changed (IN_MASK_ADD ors
    the mask in, IN_MASK_CREATE refuses with EEXIST). Returns the wd."""
    keep = (mask & (I.IN_ALL_EVENTS | I.IN_ONESHOT | I.IN_EXCL_UNLINK))
    old = fsnotify_find_mark(inode, group)
    if old is not None:
        assert isinstance(old, InotifyMark)
        if mask & I.IN_MASK_CREATE:
            raise KernelError(E.EEXIST)
        old.mask = (old.mask | keep) if mask & I.IN_MASK_ADD else keep
        return old.wd
    if _watches.get(group.uid, 0) >= LIMITS["max_user_watches"]:
        raise KernelError(E.ENOSPC)
    mark = InotifyMark(group, inode, keep, group.alloc_wd())
    group.wds[mark.wd] = mark
    _watches[group.uid] = _watches.get(group.uid, 0) + 1
    fsnotify_add_mark(mark)
    return mark.wd


def inotify_rm_watch(group: InotifyGroup, wd: int) -> None:
    mark = group.wds.get(wd)
    if mark is None:
        raise KernelError(E.EINVAL)
    fsnotify_destroy_mark(mark)


def _kdev(dev: int) -> int:
    """The kernel's own dev_t encoding fdinfo prints (MKDEV: major << 20 | minor)."""
    return major(dev) << 20 | minor(dev)


class InotifyFile(File):
    """The inotify descriptor: read, poll, FIONREAD, and fdinfo's watch lines."""

    def __init__(self, group: InotifyGroup, flags: int) -> None:
        super().__init__(A.O_RDONLY | (flags & A.O_NONBLOCK))
        self.group = group
        self.anon = anon_inode("anon_inodefs", 0o600)

    def read(self, n: int) -> bytes:
        """inotify_read: whole events while they fit; EINVAL if the first does not."""
        q = self.group.queue
        if not q:
            raise WouldBlock(self.group.wqh)
        out = bytearray()
        while q:
            ev = q[0]
            assert isinstance(ev, InotifyEvent)
            if ev.size() > n - len(out):
                if not out:
                    raise KernelError(E.EINVAL)
                break
            self.group.remove_first_event()
            out += ev.pack()
        return bytes(out)

    def poll(self) -> int:
        return POLLIN | POLLRDNORM if self.group.queue else 0

    def wait_queues(self) -> list[WaitQueue]:
        return [self.group.wqh]

    def ioctl(self, task: object, req: int, arg: int) -> int:
        if req == A.FIONREAD:
            return sum(ev.size() for ev in self.group.queue if isinstance(ev, InotifyEvent))
        raise KernelError(E.ENOTTY)

    def fdinfo(self) -> bytes:
        """inotify_fdinfo: one line per watch."""
        out = b""
        for wd, m in sorted(self.group.wds.items()):
            out += b"inotify wd:%x ino:%x sdev:%x mask:%x ignored_mask:0\n" % (
                wd, m.inode.ino, _kdev(getattr(m.inode.sb, "dev", 0)), m.mask)
        return out

    def release(self) -> None:
        g = self.group
        g.release()
        _instances[g.uid] = max(0, _instances.get(g.uid, 1) - 1)
