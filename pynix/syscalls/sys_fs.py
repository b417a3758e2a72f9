"""Name-space syscalls: stat family, getdents64, cwd, access, links, directories, rename,
attributes, statfs, chroot (Linux fs/stat.c, fs/namei.c, fs/readdir.c, fs/open.c, fs/statfs.c).
"""
from __future__ import annotations

from typing import Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_CHROOT
from pynix.base.errors import KernelError
from pynix.fs.vfs.fileattr import statx_attributes
from pynix.fs.leases import break_lease
from pynix.fs.vfs import ops
from pynix.fs.vfs.attr import chown_common, notify_change
from pynix.fs.vfs.dcache import Path, d_unlinked, prepend_path
from pynix.fs.vfs.inode import Inode, get_write_access, put_write_access, touch_atime
from pynix.fs.vfs.namei import MAY_EXEC, inode_owner_or_capable, namei, permission
from pynix.fs.vfs.read_write import inode_newsize_ok
from pynix.kernel.cred import capable
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_to_user
from pynix.syscalls.util import at_base, fget, fget_raw, fs_of, get_path, id_arg, mm_of, s32, s64

def stat_bytes(p_inode: Inode, dev: int) -> bytes:
    i = p_inode
    return A.pack_stat(dev, i.ino, i.nlink, i.mode, i.uid, i.gid, i.rdev, i.size, i.blksize,
                       i.blocks, i.atime, i.mtime, i.ctime)


def lookup_inode_at(t: Task, dirfd: int, pathp: int, flags: int) -> Inode:
    """The inode an *at call names; with AT_EMPTY_PATH and "" the open file's own inode
    (which may be a nameless pipe or socket inode). A NULL path is "" only under
    AT_EMPTY_PATH (vfs_empty_path); otherwise getname faults on it: EFAULT."""
    if not pathp and not flags & A.AT_EMPTY_PATH:
        raise KernelError(E.EFAULT)
    if not pathp or (flags & A.AT_EMPTY_PATH and not get_path(t, pathp)):
        if flags & A.AT_EMPTY_PATH:
            fd = s32(dirfd)
            if fd == A.AT_FDCWD:
                return fs_of(t).cwd.inode
            inode = fget_raw(t, fd).stat_inode
            if inode is None:
                raise KernelError(E.EBADF)
            return inode
        raise KernelError(E.ENOENT)
    return lookup_at(t, dirfd, pathp, flags).inode


def lookup_at(t: Task, dirfd: int, pathp: int, flags: int) -> Path:
    """The Path an *at call names, honouring AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW; a NULL
    path is EFAULT unless AT_EMPTY_PATH."""
    path = get_path(t, pathp) if pathp or not flags & A.AT_EMPTY_PATH else b""
    if not path:
        if flags & A.AT_EMPTY_PATH:
            fd = s32(dirfd)
            if fd == A.AT_FDCWD:
                return fs_of(t).cwd
            f = fget_raw(t, fd)
            if isinstance(f.path, Path):
                return f.path
            raise KernelError(E.EBADF)
        raise KernelError(E.ENOENT)
    return namei(fs_of(t), path, at_base(t, dirfd, path),
                 follow=not flags & A.AT_SYMLINK_NOFOLLOW)


STAT_FLAGS = A.AT_SYMLINK_NOFOLLOW | A.AT_NO_AUTOMOUNT | A.AT_EMPTY_PATH | A.AT_STATX_SYNC_TYPE


def sys_newfstatat(t: Task, dirfd: int, pathp: int, buf: int, flags: int) -> int:
    if flags & ~STAT_FLAGS:
        raise KernelError(E.EINVAL)
    inode = lookup_inode_at(t, dirfd, pathp, flags)
    copy_to_user(mm_of(t), buf, stat_bytes(inode, inode.sb.dev))
    return 0


def sys_stat(t: Task, pathp: int, buf: int) -> int:
    return sys_newfstatat(t, A.AT_FDCWD, pathp, buf, 0)


def sys_lstat(t: Task, pathp: int, buf: int) -> int:
    return sys_newfstatat(t, A.AT_FDCWD, pathp, buf, A.AT_SYMLINK_NOFOLLOW)


def sys_fstat(t: Task, fd: int, buf: int) -> int:
    inode = fget_raw(t, fd).stat_inode
    if inode is None:
        raise KernelError(E.EBADF)
    copy_to_user(mm_of(t), buf, stat_bytes(inode, inode.sb.dev))
    return 0


def sys_statx(t: Task, dirfd: int, pathp: int, flags: int, mask: int, buf: int) -> int:
    if flags & ~STAT_FLAGS or flags & A.AT_STATX_SYNC_TYPE == A.AT_STATX_SYNC_TYPE \
            or mask & A.STATX__RESERVED:
        raise KernelError(E.EINVAL)
    i = lookup_inode_at(t, dirfd, pathp, flags)
    p = _statx_path(t, dirfd, pathp, flags)
    attrs, attrs_mask = statx_attributes(i)
    got, mnt_id = A.STATX_BASIC_STATS, 0
    if p is not None:                         # the mount's id and whether this is its root
        if mask & A.STATX_MNT_ID_UNIQUE:
            got, mnt_id = got | A.STATX_MNT_ID_UNIQUE, p.mnt.mnt_id_unique
        else:
            got, mnt_id = got | A.STATX_MNT_ID, p.mnt.mnt_id
        if p.dentry is p.mnt.root:
            attrs |= A.STATX_ATTR_MOUNT_ROOT
    copy_to_user(mm_of(t), buf, A.pack_statx(got, i.blksize, i.nlink, i.uid, i.gid,
                                             i.mode, i.ino, i.size, i.blocks, i.atime, i.ctime,
                                             i.ctime, i.mtime, i.rdev, i.sb.dev, attrs,
                                             attrs_mask | A.STATX_ATTR_MOUNT_ROOT, mnt_id))
    return 0


def _statx_path(t: Task, dirfd: int, pathp: int, flags: int) -> Path | None:
    """The place statx names (None for a file that is in no mount: a pipe, a socket)."""
    if flags & A.AT_EMPTY_PATH and (not pathp or not get_path(t, pathp)) \
            and s32(dirfd) != A.AT_FDCWD:
        f = fget_raw(t, s32(dirfd))
        return f.path if isinstance(f.path, Path) else None
    return lookup_at(t, dirfd, pathp, flags)


def iterate_dir(t: Task, fd: int, buf: int, count: int,
                pack: Callable[[int, int, int, bytes], bytes]) -> int:
    """getdents and getdents64 (Linux's iterate_dir with filldir / filldir64): the records
    ``pack`` makes, as many whole ones as fit in ``count`` bytes (EINVAL if not even one),
    from the file's position, which moves past them. ENOTDIR for a non-directory, ENOENT
    once the directory was removed."""
    f = fget(t, fd)
    if f.inode is None or not f.inode.is_dir() or not hasattr(f, "readdir"):
        raise KernelError(E.ENOTDIR)
    if isinstance(f.path, Path) and d_unlinked(f.path.dentry):
        raise KernelError(E.ENOENT)                      # IS_DEADDIR
    out = bytearray()
    for next_pos, name, ino, dtype in f.readdir(f.pos):
        rec = pack(ino, next_pos, dtype, name)
        if len(out) + len(rec) > count:
            if not out:
                raise KernelError(E.EINVAL)
            break
        out += rec
        f.pos = next_pos
    copy_to_user(mm_of(t), buf, out)
    return len(out)


def sys_getdents64(t: Task, fd: int, buf: int, count: int) -> int:
    return iterate_dir(t, fd, buf, count, A.dirent64)


def sys_getdents(t: Task, fd: int, buf: int, count: int) -> int:
    return iterate_dir(t, fd, buf, count, A.linux_dirent)


def sys_getcwd(t: Task, buf: int, size: int) -> int:
    fs = fs_of(t)
    if d_unlinked(fs.cwd.dentry):              # the working directory was removed
        raise KernelError(E.ENOENT)
    name, reachable = prepend_path(fs.cwd, fs.root)
    path = (name if reachable else b"(unreachable)" + name) + b"\0"
    if len(path) > size:
        raise KernelError(E.ERANGE)
    copy_to_user(mm_of(t), buf, path)
    return len(path)


def _enterable(t: Task, p: object) -> Path:
    """chdir/fchdir/chroot's target: a directory (ENOTDIR) the caller may search (EACCES)."""
    if not isinstance(p, Path) or not p.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    permission(fs_of(t).cred, p.inode, MAY_EXEC)
    return p


def sys_chdir(t: Task, pathp: int) -> int:
    fs = fs_of(t)
    fs.cwd = _enterable(t, namei(fs, get_path(t, pathp)))
    return 0


def sys_fchdir(t: Task, fd: int) -> int:
    fs_of(t).cwd = _enterable(t, fget_raw(t, fd).path)
    return 0


def sys_chroot(t: Task, pathp: int) -> int:
    fs = fs_of(t)
    p = _enterable(t, namei(fs, get_path(t, pathp)))
    if not capable(t, CAP_SYS_CHROOT):
        raise KernelError(E.EPERM)
    fs.root = p
    return 0


def sys_faccessat2(t: Task, dirfd: int, pathp: int, mode: int, flags: int) -> int:
    if flags & ~(A.AT_EACCESS | A.AT_SYMLINK_NOFOLLOW | A.AT_EMPTY_PATH):
        raise KernelError(E.EINVAL)
    p = lookup_at(t, dirfd, pathp, flags)
    ops.vfs_access(fs_of(t), p, mode)
    return 0


def sys_faccessat(t: Task, dirfd: int, pathp: int, mode: int) -> int:
    return sys_faccessat2(t, dirfd, pathp, mode, 0)


def sys_access(t: Task, pathp: int, mode: int) -> int:
    return sys_faccessat2(t, A.AT_FDCWD, pathp, mode, 0)


def sys_readlinkat(t: Task, dirfd: int, pathp: int, buf: int, size: int) -> int:
    if s32(size) <= 0:
        raise KernelError(E.EINVAL)
    p = lookup_at(t, dirfd, pathp, A.AT_SYMLINK_NOFOLLOW | A.AT_EMPTY_PATH)
    if not p.inode.is_lnk() and not get_path(t, pathp):
        raise KernelError(E.ENOENT)         # "" names the fd itself, which is no symlink
    target = p.inode.readlink()[:size]
    if not p.mnt.readonly:
        touch_atime(p.inode)
    copy_to_user(mm_of(t), buf, target)
    return len(target)


def sys_readlink(t: Task, pathp: int, buf: int, size: int) -> int:
    return sys_readlinkat(t, A.AT_FDCWD, pathp, buf, size)


def _at(t: Task, dirfd: int, pathp: int) -> tuple[bytes, Path | None]:
    path = get_path(t, pathp)
    return path, at_base(t, dirfd, path)


def sys_mkdirat(t: Task, dirfd: int, pathp: int, mode: int) -> int:
    path, base = _at(t, dirfd, pathp)
    ops.vfs_mkdir(fs_of(t), path, mode, base)
    return 0


def sys_mkdir(t: Task, pathp: int, mode: int) -> int:
    return sys_mkdirat(t, A.AT_FDCWD, pathp, mode)


def sys_mknodat(t: Task, dirfd: int, pathp: int, mode: int, dev: int) -> int:
    path, base = _at(t, dirfd, pathp)
    ops.vfs_mknod(fs_of(t), path, mode, dev, base)
    return 0


def sys_mknod(t: Task, pathp: int, mode: int, dev: int) -> int:
    return sys_mknodat(t, A.AT_FDCWD, pathp, mode, dev)


def sys_unlinkat(t: Task, dirfd: int, pathp: int, flags: int) -> int:
    if flags & ~A.AT_REMOVEDIR:
        raise KernelError(E.EINVAL)
    path, base = _at(t, dirfd, pathp)
    if flags & A.AT_REMOVEDIR:
        ops.vfs_rmdir(fs_of(t), path, base)
    else:
        ops.vfs_unlink(fs_of(t), path, base)
    return 0


def sys_unlink(t: Task, pathp: int) -> int:
    return sys_unlinkat(t, A.AT_FDCWD, pathp, 0)


def sys_rmdir(t: Task, pathp: int) -> int:
    return sys_unlinkat(t, A.AT_FDCWD, pathp, A.AT_REMOVEDIR)


def sys_symlinkat(t: Task, targetp: int, dirfd: int, pathp: int) -> int:
    target = get_path(t, targetp)
    path, base = _at(t, dirfd, pathp)
    ops.vfs_symlink(fs_of(t), target, path, base)
    return 0


def sys_symlink(t: Task, targetp: int, pathp: int) -> int:
    return sys_symlinkat(t, targetp, A.AT_FDCWD, pathp)


def sys_linkat(t: Task, olddfd: int, oldp: int, newdfd: int, newp: int, flags: int) -> int:
    if flags & ~(A.AT_SYMLINK_FOLLOW | A.AT_EMPTY_PATH):
        raise KernelError(E.EINVAL)
    old = lookup_at(t, olddfd, oldp, (flags & A.AT_EMPTY_PATH) |
                    (0 if flags & A.AT_SYMLINK_FOLLOW else A.AT_SYMLINK_NOFOLLOW))
    path, base = _at(t, newdfd, newp)
    ops.vfs_link(fs_of(t), old, path, base)
    return 0


def sys_link(t: Task, oldp: int, newp: int) -> int:
    return sys_linkat(t, A.AT_FDCWD, oldp, A.AT_FDCWD, newp, 0)


def sys_renameat2(t: Task, olddfd: int, oldp: int, newdfd: int, newp: int, flags: int) -> int:
    old, obase = _at(t, olddfd, oldp)
    new, nbase = _at(t, newdfd, newp)
    ops.vfs_rename(fs_of(t), old, new, obase, nbase, flags)
    return 0


def sys_renameat(t: Task, olddfd: int, oldp: int, newdfd: int, newp: int) -> int:
    return sys_renameat2(t, olddfd, oldp, newdfd, newp, 0)


def sys_rename(t: Task, oldp: int, newp: int) -> int:
    return sys_renameat2(t, A.AT_FDCWD, oldp, A.AT_FDCWD, newp, 0)


def _owner_or_root(t: Task, inode: Inode) -> None:
    if not inode_owner_or_capable(t.cred, inode):
        raise KernelError(E.EPERM)


def _chmod(t: Task, p: Path, mode: int) -> int:
    """chmod_common: a read-only mount first, then symlinks, whose mode cannot change
    (EOPNOTSUPP since Linux 6.6), then the owner check."""
    ops.check_writable_mount(p)
    if p.inode.is_lnk():
        raise KernelError(E.EOPNOTSUPP)
    _owner_or_root(t, p.inode)
    notify_change(p, mode=mode & 0o7777)
    return 0


def sys_fchmodat2(t: Task, dirfd: int, pathp: int, mode: int, flags: int) -> int:
    if flags & ~(A.AT_SYMLINK_NOFOLLOW | A.AT_EMPTY_PATH):
        raise KernelError(E.EINVAL)
    return _chmod(t, lookup_at(t, dirfd, pathp, flags), mode)


def sys_fchmodat(t: Task, dirfd: int, pathp: int, mode: int) -> int:
    return sys_fchmodat2(t, dirfd, pathp, mode, 0)


def sys_chmod(t: Task, pathp: int, mode: int) -> int:
    return sys_fchmodat(t, A.AT_FDCWD, pathp, mode)


def sys_fchmod(t: Task, fd: int, mode: int) -> int:
    f = fget(t, fd)
    if not isinstance(f.path, Path):
        raise KernelError(E.EBADF)
    return _chmod(t, f.path, mode)


def _chown(t: Task, p: Path, uid: int, gid: int) -> int:
    chown_common(t.cred, p, id_arg(uid), id_arg(gid))
    return 0


def sys_fchownat(t: Task, dirfd: int, pathp: int, uid: int, gid: int, flags: int) -> int:
    if flags & ~(A.AT_SYMLINK_NOFOLLOW | A.AT_EMPTY_PATH):
        raise KernelError(E.EINVAL)
    return _chown(t, lookup_at(t, dirfd, pathp, flags), uid, gid)


def sys_chown(t: Task, pathp: int, uid: int, gid: int) -> int:
    return sys_fchownat(t, A.AT_FDCWD, pathp, uid, gid, 0)


def sys_lchown(t: Task, pathp: int, uid: int, gid: int) -> int:
    return sys_fchownat(t, A.AT_FDCWD, pathp, uid, gid, A.AT_SYMLINK_NOFOLLOW)


def sys_fchown(t: Task, fd: int, uid: int, gid: int) -> int:
    f = fget(t, fd)
    if not isinstance(f.path, Path):
        raise KernelError(E.EBADF)
    return _chown(t, f.path, uid, gid)


def sys_truncate(t: Task, pathp: int, length: int) -> Generator[None, None, int]:
    if s64(length) < 0:
        raise KernelError(E.EINVAL)
    p = namei(fs_of(t), get_path(t, pathp))
    if p.inode.is_dir():
        raise KernelError(E.EISDIR)
    ops.vfs_access(fs_of(t), p, A.W_OK)
    inode_newsize_ok(t, s64(length), p.inode)
    get_write_access(p.inode)                   # vfs_truncate breaks leases as a writer
    try:
        yield from break_lease(t, p.inode, A.O_WRONLY)
    finally:
        put_write_access(p.inode)
    ops.vfs_truncate(p.inode, s64(length), p.dentry)
    return 0


def _statfs(t: Task, inode: Inode, readonly: bool, buf: int) -> int:
    s = inode.sb.statfs()
    flags = 1 if readonly else 0
    copy_to_user(mm_of(t), buf, A.STATFS.pack(s.fs_type, s.bsize, s.blocks, s.bfree, s.bavail,
                                              s.files, s.ffree, inode.sb.dev & 0xFFFFFFFF, 0,
                                              s.namelen, s.frsize or s.bsize, flags | 0x20))
    return 0


def sys_statfs(t: Task, pathp: int, buf: int) -> int:
    p = namei(fs_of(t), get_path(t, pathp))
    return _statfs(t, p.inode, p.mnt.readonly, buf)


def sys_fstatfs(t: Task, fd: int, buf: int) -> int:
    """fstatfs of any open file: a pipe or socket answers for its pseudo filesystem (pipefs,
    sockfs), as Linux's vfs_statfs on the file's dentry does."""
    f = fget_raw(t, fd)
    if isinstance(f.path, Path):
        return _statfs(t, f.path.inode, f.path.mnt.readonly, buf)
    inode = f.stat_inode
    if inode is None:
        raise KernelError(E.EBADF)
    return _statfs(t, inode, False, buf)


def sys_sync(t: Task) -> int:
    t.kernel.vfs.sync_all()
    return 0


def sys_umask(t: Task, mask: int) -> int:
    fs = fs_of(t)
    old, fs.umask = fs.umask, mask & 0o777
    return old

