"""The VFS calls behind the file syscalls: open, create, mkdir, mknod, link, symlink, unlink,
rmdir, rename, truncate (Linux's do_filp_open, vfs_create, vfs_mkdir, vfs_unlink, vfs_rename ...).

Each takes the caller's ``fs`` context (root, cwd, cred, umask, mounts) and byte paths, checks
permissions (write+search on the parent, sticky directories, read-only mounts) and calls the
filesystem's inode operations, keeping the dentry cache coherent. Opening a device or FIFO hands
off to the driver registered for it (fs/devices.py, fs/pipe.py).
"""
from __future__ import annotations

import stat

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_FOWNER, CAP_FSETID, CAP_MKNOD
from pynix.base.errors import KernelError
from pynix.fs.devices import chrdev_open
from pynix.fs.notify.hooks import (
    fsnotify_change,
    fsnotify_create,
    fsnotify_delete,
    fsnotify_link,
    fsnotify_link_count,
    fsnotify_move,
    fsnotify_open,
)
from pynix.fs.pipe import fifo_open
from pynix.fs.vfs.dcache import MS_NODEV, Dentry, Path
from pynix.fs.vfs.file import File, InodeFile
from pynix.fs.vfs.icache import maybe_evict
from pynix.fs.vfs.fileattr import check_append_open, check_deletable, check_no_change
from pynix.fs.vfs.inode import Inode, get_write_access, put_write_access, seal_check_size
from pynix.fs.vfs.namei import (
    MAXSYMLINKS,
    MAY_EXEC,
    MAY_READ,
    MAY_WRITE,
    FsContext,
    inode_owner_or_capable,
    namei,
    nameiparent,
    permission,
)
from pynix.kernel.cred import capable_fs


def check_writable_mount(p: Path) -> None:
    if p.mnt.readonly:
        raise KernelError(E.EROFS)


def may_create(fs: FsContext, dirp: Path, name: bytes) -> None:
    if name in (b"", b".", b".."):
        raise KernelError(E.EEXIST)
    permission(fs.cred, dirp.inode, MAY_WRITE | MAY_EXEC)
    if dirp.inode.nlink == 0:
        raise KernelError(E.ENOENT)         # IS_DEADDIR: the directory was removed
    check_writable_mount(dirp)


def may_delete(fs: FsContext, dirp: Path, victim: Inode) -> None:
    permission(fs.cred, dirp.inode, MAY_WRITE | MAY_EXEC)
    d = dirp.inode
    uid = fs.cred.fsuid
    if d.mode & A.S_ISVTX and uid != d.uid and uid != victim.uid and not capable_fs(fs.cred, CAP_FOWNER):
        raise KernelError(E.EPERM)          # sticky directory: only the owner may remove
    check_deletable(d, victim)
    check_writable_mount(dirp)


def no_trailing_slash(path: bytes) -> None:
    """filename_create: a new name other than a directory's may not end in "/" (ENOENT)."""
    if path.endswith(b"/"):
        raise KernelError(E.ENOENT)


def lookup_last(dirp: Path, name: bytes) -> Inode | None:
    d = dirp.dentry.child(name)
    return d.inode if d is not None else None


def open_inode_file(fs: FsContext, p: Path, flags: int) -> File:
    """Make the File for an inode already found: device drivers, FIFOs, or a plain file."""
    inode = p.inode
    if flags & A.O_PATH:
        return InodeFile(flags, p, inode)
    opener = getattr(inode, "open_file", None)     # the fs's own file_operations->open (procfs)
    if opener is not None:
        return opener(flags, p)
    fmt = stat.S_IFMT(inode.mode)
    if fmt == A.S_IFCHR or fmt == A.S_IFBLK:
        if p.mnt.flags & MS_NODEV:
            raise KernelError(E.EACCES)
        return chrdev_open(inode, flags, p)
    if fmt == A.S_IFIFO:
        return fifo_open(inode, flags, p)
    if fmt == A.S_IFSOCK:
        raise KernelError(E.ENXIO)
    return InodeFile(flags, p, inode)


def inode_init_owner(fs: FsContext, dir: Inode, mode: int) -> tuple[int, int, int]:
    """(mode, uid, gid) of a new inode in ``dir`` (Linux inode_init_owner): the creator's
    fsuid; the creator's fsgid, or under a set-group-ID directory the directory's group, and
    a new directory there is set-group-ID too. A set-group-ID executable made there by
    someone outside that group (and not root) loses the bit."""
    cred = fs.cred
    if not dir.mode & A.S_ISGID:
        return mode, cred.fsuid, cred.fsgid
    gid = dir.gid
    if mode & A.S_IFMT == A.S_IFDIR:
        mode |= A.S_ISGID
    elif (mode & (A.S_ISGID | A.S_IXGRP) == A.S_ISGID | A.S_IXGRP and not capable_fs(cred, CAP_FSETID)
          and gid != cred.fsgid and gid not in cred.groups):
        mode &= ~A.S_ISGID
    return mode, cred.fsuid, gid


def do_open(fs: FsContext, path: bytes, flags: int, mode: int, base: Path | None = None,
            resolve: int = 0) -> File:
    """open(2)/openat(2): the File, whose status flags keep what F_GETFL reports (Linux drops
    the open-time-only O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, and all but O_PATH_FLAGS under
    O_PATH). ``resolve``: openat2's RESOLVE_* lookup flags (namei)."""
    if flags & A.O_PATH:
        flags &= A.O_PATH | A.O_DIRECTORY | A.O_NOFOLLOW | A.O_CLOEXEC
    if flags & A.O_TMPFILE & ~A.O_DIRECTORY:
        f = vfs_tmpfile(fs, path, flags, mode, base, resolve)
    else:
        f = path_openat(fs, path, flags, mode, base, resolve=resolve)
    f.flags &= ~(A.O_CREAT | A.O_EXCL | A.O_NOCTTY | A.O_TRUNC)
    fsnotify_open(f)
    return f


def path_openat(fs: FsContext, path: bytes, flags: int, mode: int, base: Path | None = None,
                depth: int = 0, resolve: int = 0) -> File:
    """open(2)/openat(2) up to the File (path_openat). O_CREAT through a dangling symlink
    creates the link's target, as Linux does (``depth`` counts the links followed)."""
    acc = flags & A.O_ACCMODE
    if flags & A.O_CREAT and flags & A.O_DIRECTORY:
        raise KernelError(E.EINVAL)             # build_open_flags, Linux >= 6.4
    if flags & A.O_CREAT:
        dirp, name = nameiparent(fs, path, base, resolve)
        if name in (b"", b".", b".."):
            raise KernelError(E.EISDIR)
        existing = dirp.dentry.child(name)
        if existing is None:
            if path.endswith(b"/"):
                raise KernelError(E.EISDIR)
            may_create(fs, dirp, name)
            inode = dirp.inode.create(name, *inode_init_owner(
                fs, dirp.inode, A.S_IFREG | (mode & ~fs.umask & 0o7777)))
            d = dirp.dentry.add(name, inode)
            fsnotify_create(dirp.inode, name, inode)
            f = InodeFile(flags & ~(A.O_CREAT | A.O_EXCL | A.O_TRUNC), Path(dirp.mnt, d), inode)
            f.created = True
            return f
        if flags & A.O_EXCL:
            raise KernelError(E.EEXIST)
        link = existing.inode
        if (link is not None and link.is_lnk() and not flags & A.O_NOFOLLOW
                and getattr(link, "get_link", None) is None):
            if depth >= MAXSYMLINKS or resolve & A.RESOLVE_NO_SYMLINKS:
                raise KernelError(E.ELOOP)
            target = link.readlink()
            if not target:
                raise KernelError(E.ENOENT)
            return path_openat(fs, target, flags, mode, dirp, depth + 1, resolve)
        p = namei(fs, path, base, follow=not flags & A.O_NOFOLLOW, resolve=resolve)
        if p.inode.is_dir():
            raise KernelError(E.EISDIR)
    else:
        p = namei(fs, path, base, follow=not flags & A.O_NOFOLLOW, resolve=resolve)
    inode = p.inode
    if inode.is_lnk():
        if flags & A.O_PATH and flags & A.O_NOFOLLOW:
            return InodeFile(flags, p, inode)
        raise KernelError(E.ELOOP)
    if flags & A.O_DIRECTORY and not inode.is_dir():
        raise KernelError(E.ENOTDIR)
    if flags & A.O_PATH:
        return InodeFile(flags, p, inode)
    if inode.is_dir() and (acc != A.O_RDONLY or flags & A.O_TRUNC):
        raise KernelError(E.EISDIR)
    mask = {A.O_RDONLY: MAY_READ, A.O_WRONLY: MAY_WRITE, A.O_RDWR: MAY_READ | MAY_WRITE}.get(acc, 0)
    if flags & A.O_TRUNC:
        mask |= MAY_WRITE
    permission(fs.cred, inode, mask)
    check_append_open(inode, flags)
    if mask & MAY_WRITE and (inode.is_reg() or inode.is_dir()):
        check_writable_mount(p)
    if flags & A.O_NOATIME and not inode_owner_or_capable(fs.cred, inode):
        raise KernelError(E.EPERM)                       # may_open
    f = open_inode_file(fs, p, flags)
    if flags & A.O_TRUNC and inode.is_reg():
        do_truncate(inode, 0, p.dentry)
    return f


def vfs_tmpfile(fs: FsContext, path: bytes, flags: int, mode: int, base: Path | None,
                resolve: int = 0) -> File:
    """O_TMPFILE: a new regular file with no name in directory ``path``; linkat may name it
    later unless O_EXCL. The filesystems create named inodes only, so the inode is made under
    a free name that is removed at once (the directory's times are left as they were)."""
    if flags & (A.O_TMPFILE | A.O_CREAT) != A.O_TMPFILE or \
            flags & A.O_ACCMODE not in (A.O_WRONLY, A.O_RDWR):
        raise KernelError(E.EINVAL)
    dirp = namei(fs, path, base, resolve=resolve)
    d = dirp.inode
    if not d.is_dir():
        raise KernelError(E.ENOTDIR)
    may_create(fs, dirp, b"#")
    if not d.tmpfile:
        raise KernelError(E.EOPNOTSUPP)
    n = 0
    while lookup_last(dirp, b".tmpfile-%d" % n) is not None:
        n += 1
    name = b".tmpfile-%d" % n
    times = d.mtime, d.ctime
    inode = d.create(name, A.S_IFREG | (mode & ~fs.umask & 0o7777), fs.cred.fsuid, fs.cred.fsgid)
    f = InodeFile(flags & ~A.O_EXCL, Path(dirp.mnt, Dentry(b"#%d" % inode.ino, dirp.dentry, inode)),
                  inode)
    d.unlink(name)
    dirp.dentry.drop(name)
    d.mtime, d.ctime = times
    d.mark_dirty()
    inode.linkable = not flags & A.O_EXCL
    return f


def do_truncate(inode: Inode, size: int, dentry: Dentry | None = None) -> None:
    if inode.is_dir():
        raise KernelError(E.EISDIR)
    if not inode.is_reg():
        raise KernelError(E.EINVAL)
    check_no_change(inode)                  # IS_APPEND / IS_IMMUTABLE: EPERM
    seal_check_size(inode, size)
    inode.truncate(size)
    mapping = getattr(inode, "mapping", None)
    if mapping is not None:
        mapping.truncate(size)
    fsnotify_change(dentry, inode, size=True)


def vfs_truncate(inode: Inode, size: int, dentry: Dentry | None = None) -> None:
    """truncate(2) by name (Linux's vfs_truncate): like an open for writing for its duration,
    so a program being executed cannot be truncated (ETXTBSY)."""
    get_write_access(inode)
    try:
        do_truncate(inode, size, dentry)
    finally:
        put_write_access(inode)


def vfs_mknod(fs: FsContext, path: bytes, mode: int, rdev: int, base: Path | None = None) -> None:
    dirp, name = nameiparent(fs, path, base)
    if lookup_last(dirp, name) is not None or name in (b"", b".", b".."):
        raise KernelError(E.EEXIST)
    no_trailing_slash(path)
    fmt = mode & A.S_IFMT or A.S_IFREG
    if fmt not in (A.S_IFREG, A.S_IFCHR, A.S_IFBLK, A.S_IFIFO, A.S_IFSOCK):
        raise KernelError(E.EINVAL)
    if fmt in (A.S_IFCHR, A.S_IFBLK) and not capable_fs(fs.cred, CAP_MKNOD):
        raise KernelError(E.EPERM)
    may_create(fs, dirp, name)
    owner = inode_init_owner(fs, dirp.inode, fmt | (mode & ~fs.umask & 0o7777))
    inode = dirp.inode.create(name, *owner, rdev)
    dirp.dentry.add(name, inode)
    fsnotify_create(dirp.inode, name, inode)


def vfs_mkdir(fs: FsContext, path: bytes, mode: int, base: Path | None = None) -> None:
    dirp, name = nameiparent(fs, path, base)
    if lookup_last(dirp, name) is not None or name in (b"", b".", b".."):
        raise KernelError(E.EEXIST)
    may_create(fs, dirp, name)
    # vfs_mkdir keeps only 01777 of the mode; a set-group-ID parent adds S_ISGID
    dmode, uid, gid = inode_init_owner(fs, dirp.inode, A.S_IFDIR | (mode & ~fs.umask & 0o1777))
    inode = dirp.inode.mkdir(name, dmode & 0o7777, uid, gid)
    dirp.dentry.add(name, inode)
    fsnotify_create(dirp.inode, name, inode)


def vfs_symlink(fs: FsContext, target: bytes, path: bytes, base: Path | None = None) -> None:
    if not target:
        raise KernelError(E.ENOENT)
    dirp, name = nameiparent(fs, path, base)
    if lookup_last(dirp, name) is not None or name in (b"", b".", b".."):
        raise KernelError(E.EEXIST)
    no_trailing_slash(path)
    may_create(fs, dirp, name)
    _, uid, gid = inode_init_owner(fs, dirp.inode, A.S_IFLNK | 0o777)
    inode = dirp.inode.symlink(name, target, uid, gid)
    dirp.dentry.add(name, inode)
    fsnotify_create(dirp.inode, name, inode)


def vfs_link(fs: FsContext, old: Path, path: bytes, base: Path | None = None) -> None:
    """linkat's checks in Linux's order: the new name exists (EEXIST), another mount
    (EXDEV), may_create (EACCES, EROFS), then a directory source (EPERM)."""
    dirp, name = nameiparent(fs, path, base)
    if lookup_last(dirp, name) is not None or name in (b"", b".", b".."):
        raise KernelError(E.EEXIST)
    no_trailing_slash(path)
    if dirp.mnt is not old.mnt:
        raise KernelError(E.EXDEV)
    may_create(fs, dirp, name)
    if old.inode.is_dir():
        raise KernelError(E.EPERM)
    check_deletable(None, old.inode)        # may_linkat: not an append-only or immutable file
    if old.inode.nlink == 0 and not old.inode.linkable:
        raise KernelError(E.ENOENT)         # an unlinked file cannot be named again
    dirp.inode.link(name, old.inode)
    old.inode.linkable = False
    dirp.dentry.add(name, old.inode)
    fsnotify_link(dirp.inode, name, old.inode)


def vfs_unlink(fs: FsContext, path: bytes, base: Path | None = None) -> None:
    dirp, name = nameiparent(fs, path, base)
    if name in (b"", b".", b".."):
        raise KernelError(E.EISDIR if name == b"" else E.EISDIR)
    victim = lookup_last(dirp, name)
    if victim is None:
        raise KernelError(E.ENOENT)
    if victim.is_dir():
        raise KernelError(E.EISDIR)
    if path.endswith(b"/"):
        raise KernelError(E.ENOTDIR)
    may_delete(fs, dirp, victim)
    d = dirp.dentry.children.get(name)
    if d is not None and d.mounted:
        raise KernelError(E.EBUSY)
    dirp.inode.unlink(name)
    dirp.dentry.drop(name)
    fsnotify_link_count(victim)
    maybe_evict(victim)
    fsnotify_delete(dirp.inode, name, victim)


def vfs_rmdir(fs: FsContext, path: bytes, base: Path | None = None) -> None:
    dirp, name = nameiparent(fs, path, base)
    if name == b".":
        raise KernelError(E.EINVAL)
    if name in (b"..", b""):
        raise KernelError(E.ENOTEMPTY if name == b".." else E.EBUSY)
    victim = lookup_last(dirp, name)
    if victim is None:
        raise KernelError(E.ENOENT)
    if not victim.is_dir():
        raise KernelError(E.ENOTDIR)
    may_delete(fs, dirp, victim)
    d = dirp.dentry.children.get(name)
    if d is not None and (d.mounted or d is fs.root.dentry):
        raise KernelError(E.EBUSY)
    dirp.inode.rmdir(name)
    dirp.dentry.drop(name)
    maybe_evict(victim)
    fsnotify_delete(dirp.inode, name, victim)


def _under(p: Path, inode: Inode) -> bool:
    """Is directory ``p`` the inode itself or somewhere below it?"""
    while True:
        if p.dentry.inode is inode:
            return True
        if p.dentry is p.mnt.root or p.dentry.parent is p.dentry:
            return False
        p = Path(p.mnt, p.dentry.parent)


def _move(odir: Path, oname: bytes, ndir: Path, nname: bytes) -> None:
    """The filesystem's rename of one entry, and the dentry cache moved to match."""
    odir.inode.rename(oname, ndir.inode, nname)
    moved = odir.dentry.children.pop(oname, None)
    ndir.dentry.drop(nname)
    if moved is not None:
        moved.name, moved.parent = nname, ndir.dentry
        ndir.dentry.children[nname] = moved


def vfs_rename(fs: FsContext, old: bytes, new: bytes, oldbase: Path | None = None,
               newbase: Path | None = None, flags: int = 0) -> None:
    """rename/renameat2. "." and ".." on either side are EBUSY (EEXIST as the target under
    RENAME_NOREPLACE); RENAME_EXCHANGE swaps two existing names."""
    if flags & ~(A.RENAME_NOREPLACE | A.RENAME_EXCHANGE) or \
            flags & A.RENAME_NOREPLACE and flags & A.RENAME_EXCHANGE:
        raise KernelError(E.EINVAL)
    exchange = bool(flags & A.RENAME_EXCHANGE)
    odir, oname = nameiparent(fs, old, oldbase)
    ndir, nname = nameiparent(fs, new, newbase)
    if odir.mnt is not ndir.mnt:
        raise KernelError(E.EXDEV)
    if oname in (b"", b".", b".."):
        raise KernelError(E.EBUSY)
    if nname in (b"", b".", b".."):
        raise KernelError(E.EEXIST if flags & A.RENAME_NOREPLACE else E.EBUSY)
    src = lookup_last(odir, oname)
    if src is None:
        raise KernelError(E.ENOENT)
    dst = lookup_last(ndir, nname)
    for dirp, name in ((odir, oname), (ndir, nname)):
        d = dirp.dentry.child(name)
        if d is not None and d.mounted:
            raise KernelError(E.EBUSY)          # a mount point stays where it is
    if dst is not None and flags & A.RENAME_NOREPLACE:
        raise KernelError(E.EEXIST)
    if exchange and dst is None:
        raise KernelError(E.ENOENT)
    if (old.endswith(b"/") or new.endswith(b"/")) and not src.is_dir():
        raise KernelError(E.ENOTDIR)
    if src.is_dir() and _under(ndir, src):
        raise KernelError(E.EINVAL)            # a directory cannot move below itself
    if exchange and dst is not None and dst.is_dir() and _under(odir, dst):
        raise KernelError(E.EINVAL)
    if dst is src:
        return
    may_delete(fs, odir, src)
    if dst is not None:
        may_delete(fs, ndir, dst)
    else:
        may_create(fs, ndir, nname)
    if exchange:
        # the filesystems rename one entry at a time: park src under a free name first
        n = 0
        while lookup_last(odir, b".rename-exchange-%d" % n) is not None:
            n += 1
        tmp = b".rename-exchange-%d" % n
        _move(odir, oname, odir, tmp)
        _move(ndir, nname, odir, oname)
        _move(odir, tmp, ndir, nname)
        fsnotify_move(odir.inode, oname, ndir.inode, nname, src, None)
        fsnotify_move(ndir.inode, nname, odir.inode, oname, dst, None)
        return
    _move(odir, oname, ndir, nname)
    fsnotify_move(odir.inode, oname, ndir.inode, nname, src, dst)
    if dst is not None:
        maybe_evict(dst)


def vfs_access(fs: FsContext, p: Path, mode: int) -> None:
    if mode & ~7:
        raise KernelError(E.EINVAL)
    mask = (MAY_READ if mode & A.R_OK else 0) | (MAY_WRITE if mode & A.W_OK else 0) | \
           (MAY_EXEC if mode & A.X_OK else 0)
    permission(fs.cred, p.inode, mask)
    if mode & A.W_OK and p.mnt.readonly and not stat.S_ISCHR(p.inode.mode):
        raise KernelError(E.EROFS)
