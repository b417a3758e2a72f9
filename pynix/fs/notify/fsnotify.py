"""The fsnotify core (Linux fs/notify/fsnotify.c, mark.c, notification.c, group.c).

Provides ``FsnotifyGroup`` (a listener: its marks and its event queue, with merging of an
identical last event and the one overflow event at ``max_events``), ``FsnotifyMark`` (a group's
interest in one inode: event mask and flags), ``fsnotify_add_mark``/``fsnotify_destroy_mark``,
and ``fsnotify(inode, mask, name, cookie, parent)``, which hands an event to every group with a
mark on ``inode`` (and, for events about a child, on its parent directory, with the child's
name: Linux's fsnotify_parent). The VFS calls the hooks of fs/notify/hooks.py, which decide
which events an operation makes; backends (inotify, fanotify) subclass the group and turn a
delivery into their own queued event in ``handle_event``.

Owns: the marks of each inode (``inode.fsnotify_marks``, a list) and, per superblock, the
inodes that have marks (for unmount); each group's queue and wait queue.
"""
from __future__ import annotations

from collections import deque
from typing import Any

from pynix.arch.x86_64 import inotify as I
from pynix.base.wait import WaitQueue


class FsnotifyEvent:
    """One queued event (struct fsnotify_event); backends add their own fields."""

    def __init__(self, mask: int, cookie: int = 0, name: bytes = b"") -> None:
        self.mask = mask
        self.cookie = cookie
        self.name = name

    def same(self, other: FsnotifyEvent) -> bool:
        """Would ``other`` merge into this event (inotify's event_compare)?"""
        return self.mask == other.mask and self.cookie == other.cookie and self.name == other.name


class FsnotifyMark:
    """A group's mark on one inode (struct fsnotify_mark)."""

    def __init__(self, group: FsnotifyGroup, inode: Any, mask: int) -> None:
        self.group = group
        self.inode = inode
        self.mask = mask
        self.alive = True


class FsnotifyGroup:
    """A listener (struct fsnotify_group): its marks and its notification queue."""

    def __init__(self, max_events: int) -> None:
        self.max_events = max_events
        self.queue: deque[FsnotifyEvent] = deque()
        self.marks: list[FsnotifyMark] = []
        self.wqh = WaitQueue()
        self.overflow_event = self.make_overflow_event()
        self.shutdown = False

    # -- what a backend provides ----------------------------------------------------------
    def make_overflow_event(self) -> FsnotifyEvent:
        return FsnotifyEvent(I.IN_Q_OVERFLOW)

    def handle_event(self, mark: FsnotifyMark, mask: int, inode: Any, name: bytes,
                     cookie: int) -> None:
        """Deliver one event that ``mark`` asked for (group->ops->handle_inode_event)."""
        raise NotImplementedError

    def freeing_mark(self, mark: FsnotifyMark) -> None:
        """A mark is going away (group->ops->freeing_mark: inotify queues IN_IGNORED)."""

    # -- the queue (notification.c) -------------------------------------------------------
    def add_event(self, event: FsnotifyEvent, merge: bool = True) -> bool:
        """fsnotify_add_event: queue ``event`` unless it merges into the last one. A full queue
        takes the overflow event instead (once). Returns whether the event was queued."""
        if self.shutdown:
            return False
        q = self.queue
        if len(q) >= self.max_events:
            if self.overflow_event not in q:
                q.append(self.overflow_event)
                self.wqh.wake_up()
            return False
        if merge and q and q[-1] is not self.overflow_event and q[-1].same(event):
            return False
        q.append(event)
        self.wqh.wake_up()
        return True

    def remove_first_event(self) -> FsnotifyEvent:
        return self.queue.popleft()

    def release(self) -> None:
        """fsnotify_destroy_group: no more events; every mark goes."""
        self.shutdown = True
        for mark in list(self.marks):
            fsnotify_destroy_mark(mark)
        self.queue.clear()
        self.wqh.wake_up()


# -- marks (mark.c) ---------------------------------------------------------------------------
_marked_by_sb: dict[int, dict[int, Any]] = {}     # id(sb) -> {id(inode): inode} with marks


def inode_marks(inode: Any) -> list[FsnotifyMark]:
    marks: list[FsnotifyMark] | None = getattr(inode, "fsnotify_marks", None)
    return marks if marks is not None else []


def fsnotify_find_mark(inode: Any, group: FsnotifyGroup) -> FsnotifyMark | None:
    for m in inode_marks(inode):
        if m.group is group:
            return m
    return None


def fsnotify_add_mark(mark: FsnotifyMark) -> None:
    marks = getattr(mark.inode, "fsnotify_marks", None)
    if marks is None:
        marks = mark.inode.fsnotify_marks = []
    marks.append(mark)
    mark.group.marks.append(mark)
    _marked_by_sb.setdefault(id(mark.inode.sb), {})[id(mark.inode)] = mark.inode


def fsnotify_destroy_mark(mark: FsnotifyMark) -> None:
    """Detach ``mark`` from its inode and group; the backend hears of it (freeing_mark)."""
    if not mark.alive:
        return
    mark.alive = False
    marks = inode_marks(mark.inode)
    if mark in marks:
        marks.remove(mark)
    if not marks:
        _marked_by_sb.get(id(mark.inode.sb), {}).pop(id(mark.inode), None)
    if mark in mark.group.marks:
        mark.group.marks.remove(mark)
    mark.group.freeing_mark(mark)


def fsnotify_inode_delete(inode: Any) -> None:
    """__fsnotify_inode_delete: the inode is gone, so are its marks."""
    for mark in list(inode_marks(inode)):
        fsnotify_destroy_mark(mark)


def fsnotify_sb_inodes(sb: Any) -> list[Any]:
    """The inodes of ``sb`` that have marks (fsnotify_unmount_inodes walks these)."""
    return list(_marked_by_sb.get(id(sb), {}).values())


# -- delivery (fsnotify.c) ---------------------------------------------------------------------
ALWAYS = I.IN_IGNORED | I.IN_UNMOUNT | I.IN_Q_OVERFLOW


def send_to_marks(inode: Any, mask: int, name: bytes, cookie: int, child_unlinked: bool = False,
                  about: Any = None) -> None:
    """Hand the event to each mark of ``inode`` that wants it. ``name`` is set when the event is
    about a child (``about``) of the directory ``inode``; IN_EXCL_UNLINK marks skip children
    already unlinked."""
    for mark in list(inode_marks(inode)):
        if not mark.alive:
            continue
        if not (mask & mark.mask & (I.IN_ALL_EVENTS | I.FS_DN_RENAME) or mask & ALWAYS):
            continue
        if child_unlinked and mark.mask & I.IN_EXCL_UNLINK:
            continue
        mark.group.handle_event(mark, mask, about if about is not None else inode, name, cookie)


def fsnotify(inode: Any, mask: int, name: bytes = b"", cookie: int = 0) -> None:
    """fsnotify() for an event on a directory's entry (create, delete, move: ``inode`` is the
    directory, ``name`` the entry) or on the inode itself (``name`` empty)."""
    send_to_marks(inode, mask, name, cookie)


def fsnotify_parent(dentry: Any, inode: Any, mask: int, unlinked: bool) -> None:
    """__fsnotify_parent then fsnotify: an event on ``inode`` goes first to its parent
    directory's marks with the child's name, then to the inode's own marks."""
    if inode.is_dir():
        mask |= I.IN_ISDIR
    parent = getattr(dentry, "parent", None)
    if parent is not None and parent is not dentry and parent.inode is not None:
        send_to_marks(parent.inode, mask, dentry.name, 0, unlinked, inode)
    send_to_marks(inode, mask, b"", 0)


_cookie = [0]


def fsnotify_get_cookie() -> int:
    """A fresh cookie pairing one rename's IN_MOVED_FROM with its IN_MOVED_TO."""
    _cookie[0] = (_cookie[0] + 1) & 0xFFFFFFFF or 1
    return _cookie[0]
