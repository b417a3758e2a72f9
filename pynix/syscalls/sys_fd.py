"""The descriptor table's syscalls: close, close_range, dup, dup2, dup3, fcntl, pipe, pipe2,
ioctl, memfd_create (Linux fs/file.c, fs/fcntl.c, fs/pipe.c, fs/ioctl.c, mm/memfd.c).

Thin handlers over the task's FdTable (fs/vfs/file.py) and the objects behind it.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN, CAP_SYS_RESOURCE
from pynix.base.errors import KernelError
from pynix.fs import fasync
from pynix.fs.leases import getlease, setlease
from pynix.fs.notify.dnotify import fcntl_dirnotify
from pynix.fs.memfd import MEMFD_NAME_MAX, memfd_add_seals, memfd_file, memfd_get_seals
from pynix.fs.pipe import PipeFile, make_pipe
from pynix.fs.vfs.namei import inode_owner_or_capable
from pynix.fs.pipe_acct import pipe_set_size
from pynix.kernel.cred import capable
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, put_i32, strncpy_from_user
from pynix.syscalls.sys_lock import do_record_lock
from pynix.syscalls.util import fget, fget_raw, install_file_pair, install_new_file, mm_of, s32



def _pipe_unprivileged(t: Task) -> bool:
    return not (capable(t, CAP_SYS_RESOURCE) or capable(t, CAP_SYS_ADMIN))


def sys_close(t: Task, fd: int) -> int:
    assert t.files is not None
    t.files.close(s32(fd))
    return 0


def sys_memfd_create(t: Task, namep: int, flags: int) -> int:
    known = A.MFD_CLOEXEC | A.MFD_ALLOW_SEALING | A.MFD_NOEXEC_SEAL | A.MFD_EXEC
    if flags & ~known or flags & A.MFD_NOEXEC_SEAL and flags & A.MFD_EXEC:
        raise KernelError(E.EINVAL)
    try:
        name = strncpy_from_user(mm_of(t), namep, MEMFD_NAME_MAX + 1)
    except KernelError as e:
        raise KernelError(E.EINVAL if e.errno == E.ENAMETOOLONG else e.errno) from None
    f = memfd_file(t.kernel, name, t.cred.fsuid, t.cred.fsgid, flags)
    return install_new_file(t, f, bool(flags & A.MFD_CLOEXEC))


def sys_dup(t: Task, fd: int) -> int:
    assert t.files is not None
    return t.files.alloc(fget_raw(t, fd).get())


def sys_dup3(t: Task, old: int, new: int, flags: int) -> int:
    assert t.files is not None
    old, new = s32(old), s32(new)
    if flags & ~A.O_CLOEXEC or old == new:
        raise KernelError(E.EINVAL)
    if not 0 <= new < t.files.max_fds:
        raise KernelError(E.EBADF)
    t.files.install(new, fget_raw(t, old).get(), cloexec=bool(flags & A.O_CLOEXEC))
    return new


def sys_dup2(t: Task, old: int, new: int) -> int:
    if s32(old) == s32(new):
        fget_raw(t, old)
        return s32(new)
    return sys_dup3(t, old, new, 0)


def sys_fcntl(t: Task, fd: int, cmd: int, arg: int) -> Generator[None, None, int]:
    assert t.files is not None
    fd = s32(fd)
    f = fget_raw(t, fd)
    if cmd in (A.F_GETLK, A.F_SETLK, A.F_SETLKW,
               A.F_OFD_GETLK, A.F_OFD_SETLK, A.F_OFD_SETLKW):
        return (yield from do_record_lock(t, f, cmd, arg))
    if cmd in (A.F_DUPFD, A.F_DUPFD_CLOEXEC):
        if s32(arg) < 0:
            raise KernelError(E.EINVAL)
        return t.files.alloc(f.get(), lowest=s32(arg), cloexec=cmd == A.F_DUPFD_CLOEXEC)
    if f.flags & A.O_PATH and cmd not in (A.F_DUPFD, A.F_DUPFD_CLOEXEC, A.F_GETFD, A.F_SETFD,
                                          A.F_GETFL):
        raise KernelError(E.EBADF)              # check_fcntl_cmd
    if cmd == A.F_GETFD:
        return A.FD_CLOEXEC if fd in t.files.cloexec else 0
    if cmd == A.F_SETFD:
        if arg & A.FD_CLOEXEC:
            t.files.cloexec.add(fd)
        else:
            t.files.cloexec.discard(fd)
        return 0
    if cmd == A.F_GETFL:
        return f.flags & ~A.O_CLOEXEC
    if cmd == A.F_SETFL:
        settable = A.O_APPEND | A.O_NONBLOCK | A.O_ASYNC | A.O_DIRECT | A.O_NOATIME
        if arg & ~f.flags & A.O_NOATIME and f.inode is not None \
                and not inode_owner_or_capable(t.cred, f.inode):
            raise KernelError(E.EPERM)          # setfl
        if (f.flags ^ arg) & A.O_ASYNC:
            f.fasync(bool(arg & A.O_ASYNC))
        f.flags = (f.flags & ~settable) | (arg & settable)
        return 0
    if cmd == A.F_CREATED_QUERY:
        return int(f.created)
    if cmd in (A.F_GETPIPE_SZ, A.F_SETPIPE_SZ):
        if not isinstance(f, PipeFile):
            raise KernelError(E.EBADF)          # pipe_fcntl: get_pipe_info() found no pipe
        if cmd == A.F_GETPIPE_SZ:
            return f.pipe.size
        return pipe_set_size(f.pipe, arg & 0xFFFFFFFF, t.cred.uid,
                             capable(t, CAP_SYS_RESOURCE), _pipe_unprivileged(t))
    if cmd == A.F_GETOWN:
        return fasync.f_getown(f)
    if cmd == A.F_SETOWN:
        who = s32(arg)
        fasync.f_setown(t, f, A.F_OWNER_PGRP if who < 0 else A.F_OWNER_PID, abs(who))
        return 0
    if cmd == A.F_GETOWN_EX:
        copy_to_user(mm_of(t), arg, A.F_OWNER_EX.pack(*fasync.f_getown_ex(f)))
        return 0
    if cmd == A.F_SETOWN_EX:
        otype, pid = A.F_OWNER_EX.unpack(copy_from_user(mm_of(t), arg, A.F_OWNER_EX.size))
        if pid < 0:
            raise KernelError(E.EINVAL)
        fasync.f_setown(t, f, otype, pid)
        return 0
    if cmd == A.F_GETLEASE:
        return getlease(f)
    if cmd == A.F_SETLEASE:
        setlease(t, f, arg)
        return 0
    if cmd == A.F_GET_SEALS:
        return memfd_get_seals(f)
    if cmd == A.F_ADD_SEALS:
        memfd_add_seals(t, f, arg & 0xFFFFFFFF)
        return 0
    if cmd == A.F_NOTIFY:
        fcntl_dirnotify(t, fd, f, arg)
        return 0
    if cmd == A.F_GETSIG:
        return fasync.f_getsig(f)
    if cmd == A.F_SETSIG:
        fasync.f_setsig(t, f, arg)
        return 0
    raise KernelError(E.EINVAL)


def sys_pipe2(t: Task, fds: int, flags: int) -> int:
    assert t.files is not None
    if flags & ~(A.O_CLOEXEC | A.O_NONBLOCK | A.O_DIRECT):
        raise KernelError(E.EINVAL)
    r, w = make_pipe(flags, t.cred.uid, _pipe_unprivileged(t))
    install_file_pair(t, r, w, bool(flags & A.O_CLOEXEC), fds)
    return 0


def sys_pipe(t: Task, fds: int) -> int:
    return sys_pipe2(t, fds, 0)


def sys_ioctl(t: Task, fd: int, req: int, arg: int) -> int:
    assert t.files is not None
    f = fget(t, fd)
    req &= 0xFFFFFFFF
    if req == A.FIOCLEX:
        t.files.cloexec.add(s32(fd))
        return 0
    if req == A.FIONCLEX:
        t.files.cloexec.discard(s32(fd))
        return 0
    if req == A.FIONBIO:
        on = int.from_bytes(copy_from_user(mm_of(t), arg, 4), "little")
        f.flags = (f.flags | A.O_NONBLOCK) if on else (f.flags & ~A.O_NONBLOCK)
        return 0
    r = f.ioctl(t, req, arg)
    if isinstance(r, (bytes, bytearray)):
        copy_to_user(mm_of(t), arg, r)
        return 0
    if req == A.FIONREAD:
        put_i32(mm_of(t), arg, r)
        return 0
    return r


def sys_close_range(t: Task, first: int, last: int, flags: int) -> int:
    """Close (or mark close-on-exec) every open descriptor in [first, last]."""
    assert t.files is not None
    first, last = first & 0xFFFFFFFF, last & 0xFFFFFFFF
    if flags & ~(A.CLOSE_RANGE_UNSHARE | A.CLOSE_RANGE_CLOEXEC) or first > last:
        raise KernelError(E.EINVAL)
    if flags & A.CLOSE_RANGE_UNSHARE and t.files.users > 1:
        t.files.users -= 1
        t.files = t.files.copy()
    for fd in sorted(fd for fd in t.files.fds if first <= fd <= last):
        if flags & A.CLOSE_RANGE_CLOEXEC:
            t.files.cloexec.add(fd)
        else:
            t.files.close(fd)
    return 0
