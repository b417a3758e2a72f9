"""name_to_handle_at(2) and open_by_handle_at(2) (Linux fs/fhandle.c). Thin: decode struct
file_handle (handle_bytes, handle_type, f_handle), resolve the path or the mount fd, and
call fs/exportfs.py for the encoding."""
from __future__ import annotations

import struct

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_DAC_READ_SEARCH
from pynix.base.errors import KernelError
from pynix.fs.exportfs import MAX_HANDLE_SZ, HandleTooSmall, decode_fh, encode_fh
from pynix.fs.vfs.dcache import Dentry, Path
from pynix.fs.vfs.ops import open_inode_file
from pynix.kernel.cred import capable
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, put_i32, put_u64
from pynix.syscalls.sys_fs import lookup_at
from pynix.syscalls.util import fget_raw, fs_of, install_new_file, mm_of, s32

FILE_HANDLE = struct.Struct("<Ii")          # handle_bytes, handle_type
AT_HANDLE_MNT_ID_UNIQUE, AT_HANDLE_CONNECTABLE, AT_HANDLE_FID = 0x1, 0x2, A.AT_REMOVEDIR
HANDLE_FLAGS = (A.AT_SYMLINK_FOLLOW | A.AT_EMPTY_PATH | AT_HANDLE_FID | AT_HANDLE_MNT_ID_UNIQUE
                | AT_HANDLE_CONNECTABLE)


def sys_name_to_handle_at(t: Task, dfd: int, name: int, handle: int, mnt_id: int,
                          flags: int) -> int:
    flags &= 0xFFFF_FFFF
    if flags & ~HANDLE_FLAGS or flags & AT_HANDLE_FID and flags & AT_HANDLE_CONNECTABLE:
        raise KernelError(E.EINVAL)
    lflags = (flags & A.AT_EMPTY_PATH) | (0 if flags & A.AT_SYMLINK_FOLLOW
                                          else A.AT_SYMLINK_NOFOLLOW)
    p = lookup_at(t, dfd, name, lflags)
    mm = mm_of(t)
    nbytes, _kind = FILE_HANDLE.unpack(copy_from_user(mm, handle, FILE_HANDLE.size))
    if nbytes > MAX_HANDLE_SZ:
        raise KernelError(E.EINVAL)
    err = 0
    try:
        kind, data = encode_fh(p.inode, nbytes, bool(flags & AT_HANDLE_FID))
    except HandleTooSmall as e:
        kind, data, err = 0xFF, b"", E.EOVERFLOW
        nbytes = e.needed
    if flags & AT_HANDLE_MNT_ID_UNIQUE:
        put_u64(mm, mnt_id, p.mnt.mnt_id_unique)
    else:
        put_i32(mm, mnt_id, p.mnt.mnt_id)
    if err:
        copy_to_user(mm, handle, FILE_HANDLE.pack(nbytes, kind))
        raise KernelError(err)
    copy_to_user(mm, handle, FILE_HANDLE.pack(len(data), kind) + data)
    return 0


def sys_open_by_handle_at(t: Task, mount_fd: int, handle: int, flags: int) -> int:
    fd = s32(mount_fd)
    if fd == A.AT_FDCWD:
        anchor = fs_of(t).cwd
    else:
        f = fget_raw(t, fd)
        if not isinstance(f.path, Path):
            raise KernelError(E.ESTALE)
        anchor = f.path
    if not capable(t, CAP_DAC_READ_SEARCH):
        raise KernelError(E.EPERM)
    mm = mm_of(t)
    nbytes, kind = FILE_HANDLE.unpack(copy_from_user(mm, handle, FILE_HANDLE.size))
    if nbytes == 0 or nbytes > MAX_HANDLE_SZ or kind < 0:
        raise KernelError(E.EINVAL)
    data = copy_from_user(mm, handle + FILE_HANDLE.size, nbytes)
    inode = decode_fh(anchor.mnt.sb, kind, data)
    if inode.is_lnk() and not flags & A.O_PATH:
        raise KernelError(E.ELOOP)
    if inode.is_dir() and flags & A.O_ACCMODE != A.O_RDONLY:
        raise KernelError(E.EISDIR)
    path = Path(anchor.mnt, _find_dentry(anchor.mnt.root, inode) or Dentry(b"/", None, inode))
    f = open_inode_file(fs_of(t), path, flags & ~A.O_CLOEXEC)
    return install_new_file(t, f, bool(flags & A.O_CLOEXEC))


def _find_dentry(root: Dentry, inode: object) -> Dentry | None:
    """A cached name of ``inode`` under ``root`` (d_obtain_alias's connected alias)."""
    todo = [root]
    while todo:
        d = todo.pop()
        if d.inode is inode:
            return d
        todo.extend(d.children.values())
    return None
