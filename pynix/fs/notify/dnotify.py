"""dnotify (Linux fs/notify/dnotify/dnotify.c): fcntl(fd, F_NOTIFY, DN_*) on a directory asks
for a signal when the directory or an entry in it is accessed, modified, created, deleted,
renamed within it, or has its attributes changed.

Provides ``fcntl_dirnotify(task, fd, file, arg)`` (F_NOTIFY; arg 0 drops the requests) and
``dnotify_flush(file, files)``, which close(2) calls: the requests made through that file
from that descriptor table go. One fsnotify group serves every dnotify user; each watched
directory has one mark whose mask is the union of its requests (struct dnotify_struct: the
file, the fd, the owner's table and the DN_* mask). An event signals each matching request's
owner (the F_SETSIG signal with si_fd and POLL_MSG, else SIGIO: fasync.send_sigio); a request
without DN_MULTISHOT is then dropped.

Owns the dnotify group and its marks' request lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import inotify as I
from pynix.base.errors import KernelError
from pynix.fs import fasync
from pynix.fs.notify.fsnotify import (
    FsnotifyGroup,
    FsnotifyMark,
    fsnotify_add_mark,
    fsnotify_destroy_mark,
    fsnotify_find_mark,
)

# DN_* -> the fsnotify events it stands for (convert_arg)
_DN_EVENTS = {A.DN_ACCESS: I.IN_ACCESS, A.DN_MODIFY: I.IN_MODIFY,
              A.DN_CREATE: I.IN_CREATE | I.IN_MOVED_TO, A.DN_DELETE: I.IN_DELETE | I.IN_MOVED_FROM,
              A.DN_RENAME: I.FS_DN_RENAME, A.DN_ATTRIB: I.IN_ATTRIB}


def convert_arg(arg: int) -> int:
    """The fsnotify mask of a DN_* request (DN_MULTISHOT is kept apart)."""
    mask = 0
    for dn, ev in _DN_EVENTS.items():
        if arg & dn:
            mask |= ev
    return mask


@dataclass
class DnotifyStruct:
    """One F_NOTIFY request (struct dnotify_struct)."""
    file: Any
    fd: int
    owner: Any          # the descriptor table it was made through (fl_owner_t)
    mask: int
    multishot: bool


class DnotifyMark(FsnotifyMark):
    def __init__(self, group: FsnotifyGroup, inode: Any) -> None:
        super().__init__(group, inode, 0)
        self.requests: list[DnotifyStruct] = []

    def recalc(self) -> None:
        """dnotify_recalc_inode_mask: the mark wants what its requests want."""
        mask = 0
        for dn in self.requests:
            mask |= dn.mask
        self.mask = mask


class DnotifyGroup(FsnotifyGroup):
    def __init__(self) -> None:
        super().__init__(0)

    def handle_event(self, mark: FsnotifyMark, mask: int, inode: Any, name: bytes,
                     cookie: int) -> None:
        """dnotify_handle_event: each request wanting the event signals its owner; the
        one-shot ones go, and the mark with them once it has none."""
        assert isinstance(mark, DnotifyMark)
        for dn in list(mark.requests):
            if not dn.mask & mask:
                continue
            fasync.send_sigio(dn.file, A.POLL_MSG, dn.fd)
            if not dn.multishot:
                mark.requests.remove(dn)
        mark.recalc()
        if not mark.requests:
            fsnotify_destroy_mark(mark)


_group = DnotifyGroup()


def dnotify_flush(f: Any, files: Any) -> None:
    """dnotify_flush: closing a descriptor drops the requests made through it."""
    inode = getattr(f, "inode", None)
    if inode is None or not inode.is_dir():
        return
    mark = fsnotify_find_mark(inode, _group)
    if not isinstance(mark, DnotifyMark):
        return
    mark.requests = [dn for dn in mark.requests if not (dn.file is f and dn.owner is files)]
    mark.recalc()
    if not mark.requests:
        fsnotify_destroy_mark(mark)


def fcntl_dirnotify(t: Any, fd: int, f: Any, arg: int) -> None:
    """F_NOTIFY: add (or extend) this file's request on its directory; the caller's process
    becomes the file's owner, as F_SETOWN would make it. ``arg`` without events clears."""
    arg &= 0xFFFFFFFF
    if not arg & ~A.DN_MULTISHOT:
        dnotify_flush(f, t.files)
        return
    inode = f.inode
    if inode is None or not inode.is_dir():
        raise KernelError(E.ENOTDIR)
    mask = convert_arg(arg)
    mark = fsnotify_find_mark(inode, _group)
    if not isinstance(mark, DnotifyMark):
        mark = DnotifyMark(_group, inode)
        fsnotify_add_mark(mark)
    for dn in mark.requests:
        if dn.file is f and dn.owner is t.files:
            dn.mask |= mask
            dn.fd = fd
            dn.multishot = dn.multishot or bool(arg & A.DN_MULTISHOT)
            break
    else:
        mark.requests.append(DnotifyStruct(f, fd, t.files, mask, bool(arg & A.DN_MULTISHOT)))
    mark.recalc()
    fasync.f_setown(t, f, A.F_OWNER_PID, t.tgid)
