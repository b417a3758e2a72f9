"""inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch: thin handlers around
fs/notify/inotify.py (Linux fs/notify/inotify/inotify_user.c).
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import inotify as I
from pynix.base.errors import KernelError
from pynix.fs.notify.inotify import (
    InotifyFile,
    inotify_new_group,
    inotify_rm_watch,
    inotify_update_watch,
)
from pynix.fs.vfs.namei import MAY_READ, namei, permission
from pynix.kernel.task import Task
from pynix.syscalls.util import fget, fs_of, get_path, install_new_file, s32


def sys_inotify_init1(t: Task, flags: int) -> int:
    flags = s32(flags)
    if flags & ~(I.IN_CLOEXEC | I.IN_NONBLOCK):
        raise KernelError(E.EINVAL)
    group = inotify_new_group(t.cred.uid)
    return install_new_file(t, InotifyFile(group, flags), bool(flags & I.IN_CLOEXEC))


def sys_inotify_init(t: Task) -> int:
    return sys_inotify_init1(t, 0)


def _inotify(t: Task, fd: int) -> InotifyFile:
    f = fget(t, fd)
    if not isinstance(f, InotifyFile):
        raise KernelError(E.EINVAL)
    return f


def sys_inotify_add_watch(t: Task, fd: int, pathp: int, mask: int) -> int:
    mask &= 0xFFFFFFFF
    if not mask & (I.IN_ALL_EVENTS | I.IN_WATCH_FLAGS | I.IN_ISDIR):
        raise KernelError(E.EINVAL)
    if mask & I.IN_MASK_ADD and mask & I.IN_MASK_CREATE:
        raise KernelError(E.EINVAL)
    f = _inotify(t, fd)
    fs = fs_of(t)
    p = namei(fs, get_path(t, pathp), follow=not mask & I.IN_DONT_FOLLOW)
    if mask & I.IN_ONLYDIR and not p.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    permission(fs.cred, p.inode, MAY_READ)
    return inotify_update_watch(f.group, p.inode, mask)


def sys_inotify_rm_watch(t: Task, fd: int, wd: int) -> int:
    inotify_rm_watch(_inotify(t, fd).group, s32(wd))
    return 0
