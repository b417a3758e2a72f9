"""mount(2), umount2(2), statmount(2) and listmount(2) (Linux fs/namespace.c SYSCALL_DEFINE5(mount), SYSCALL_DEFINE2(umount)),
and the obsolete queries sysfs(2) (fs/filesystems.c SYSCALL_DEFINE3(sysfs)) and ustat(2)
(fs/statfs.c SYSCALL_DEFINE2(ustat)).

Thin: copy the strings in, resolve the target, and call fs/vfs/namespace.py. ``data`` is read as
a NUL-terminated option string (the form every filesystem pynix has takes), at most a page.
"""
from __future__ import annotations

import struct

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import mount_api as M
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.filesystems import fs_index, fs_maxindex, fs_name
from pynix.fs.vfs.dcache import MNT_UNIQUE_ID_OFFSET
from pynix.fs.vfs.namei import namei
from pynix.fs.vfs.statmount import listmount, statmount
from pynix.fs.vfs.namespace import path_mount, path_umount
from pynix.kernel.task import Task
from pynix.machine.physmem import PAGE_SIZE
from pynix.mm.uaccess import copy_from_user, copy_to_user, strncpy_from_user
from pynix.syscalls.util import fs_of, get_path, mm_of, s32


def sys_mount(t: Task, dev_name: int, dir_name: int, fstype: int, flags: int, data: int) -> int:
    mm = mm_of(t)
    source = get_path(t, dev_name) if dev_name else None
    target = get_path(t, dir_name)
    kind = strncpy_from_user(mm, fstype, PAGE_SIZE) if fstype else None
    options = strncpy_from_user(mm, data, PAGE_SIZE) if data else b""
    at = namei(fs_of(t), target)
    path_mount(t, source, at, kind, flags & 0xFFFF_FFFF, options)
    return 0


def sys_umount2(t: Task, name: int, flags: int) -> int:
    path_umount(t, get_path(t, name), flags & 0xFFFF_FFFF)
    return 0


def _mnt_id_req(t: Task, req: int) -> tuple[int, int]:
    """struct mnt_id_req: (mnt_id, param); EINVAL for a short size or a non-zero spare."""
    size, spare, mnt_id, param = M.MNT_ID_REQ.unpack(
        copy_from_user(mm_of(t), req, M.MNT_ID_REQ_SIZE_VER0))
    if size < M.MNT_ID_REQ_SIZE_VER0 or spare:
        raise KernelError(E.EINVAL)
    return mnt_id, param


def sys_statmount(t: Task, req: int, buf: int, bufsize: int, flags: int) -> int:
    mnt_id, mask = _mnt_id_req(t, req)
    if flags:
        raise KernelError(E.EINVAL)
    copy_to_user(mm_of(t), buf, statmount(t, mnt_id, mask, bufsize))
    return 0


def sys_listmount(t: Task, req: int, ids: int, nr: int, flags: int) -> int:
    mnt_id, last = _mnt_id_req(t, req)
    if flags & ~M.LISTMOUNT_REVERSE or (last and last <= MNT_UNIQUE_ID_OFFSET):
        raise KernelError(E.EINVAL)
    found = listmount(t, mnt_id, last, min(nr, 1 << 20), bool(flags & M.LISTMOUNT_REVERSE))
    copy_to_user(mm_of(t), ids, b"".join(struct.pack("<Q", i) for i in found))
    return len(found)


def sys_sysfs(t: Task, option: int, arg1: int, arg2: int) -> int:
    option = s32(option)
    if option == A.SYSFS_FS_INDEX:
        name = get_path(t, arg1)           # getname: EFAULT, ENAMETOOLONG, ENOENT when empty
        if not name:
            raise KernelError(E.ENOENT)
        return fs_index(name)
    if option == A.SYSFS_FS_NAME:
        copy_to_user(mm_of(t), arg2, fs_name(s32(arg1)))
        return 0
    if option == A.SYSFS_FS_MAXINDEX:
        return fs_maxindex()
    raise KernelError(E.EINVAL)


def sys_ustat(t: Task, dev: int, ubuf: int) -> int:
    """The free blocks and inodes of the filesystem mounted from ``dev`` (a 32-bit dev_t,
    new_decode_dev's encoding, which for such numbers is st_dev's)."""
    s = t.kernel.vfs.user_get_super(dev & 0xFFFF_FFFF).statfs()
    copy_to_user(mm_of(t), ubuf, A.USTAT.pack(s.bfree & 0xFFFF_FFFF, s.ffree, b"", b""))
    return 0
