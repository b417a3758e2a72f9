"""ext2 inode operations on directories: lookup, create, mkdir, symlink, link, unlink, rmdir,
rename.

Analogous to Linux's fs/ext2/namei.c. Each function is called with the parent directory's
Ext2Inode (``Ext2Inode.lookup`` etc. delegate here) and a single name component; the VFS has
already resolved the path and checked permissions. This layer keeps the link counts right:

- a new directory has nlink 2 ('.' and its entry) and adds one to its parent ('..');
- unlink/rmdir/rename drop the target's nlink; an inode left with nlink 0 is freed by
  ``evict()`` once the VFS drops its last reference;
- rename moves a directory's '..' to the new parent and fixes both parents' counts, and
  replaces an existing target (a file by a non-directory, an empty directory by a directory).

Errors: EEXIST, ENOENT, ENOTEMPTY, ENOTDIR, EISDIR, EMLINK, ENAMETOOLONG, ENOSPC.
"""
from __future__ import annotations

import stat
from typing import TYPE_CHECKING, cast

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.ext2 import bmap as B
from pynix.fs.ext2 import dir as D
from pynix.fs.ext2 import layout as L
from pynix.fs.ext2.ialloc import ialloc
from pynix.fs.vfs.inode import Inode, now_ns

if TYPE_CHECKING:
    from pynix.fs.ext2.inode import Ext2Inode


def _check_dir(d: Inode) -> None:
    if not d.is_dir():
        raise KernelError(E.ENOTDIR)


def lookup(d: Ext2Inode, name: bytes) -> Ext2Inode | None:
    _check_dir(d)
    if len(name) > L.EXT2_NAME_LEN:
        raise KernelError(E.ENAMETOOLONG)
    ent = D.find_entry(d, name)
    return d.sb.ext2_iget(ent.ino) if ent else None


def _new_inode(d: Ext2Inode, name: bytes, mode: int, uid: int, gid: int) -> Ext2Inode:
    """ialloc + initialise, after checking the name is free (ext2_new_inode)."""
    _check_dir(d)
    D.check_name(name)
    d.sb.check_writable()
    if D.find_entry(d, name) is not None:
        raise KernelError(E.EEXIST)
    sb = d.sb
    ino = ialloc(sb, d.ino, stat.S_ISDIR(mode))
    inode = type(d).new(sb, ino, mode, uid, gid)
    sb.icache[ino] = inode
    return inode


def _discard(inode: Ext2Inode) -> None:
    """Undo a half-made inode after a failure (ENOSPC)."""
    inode.nlink = 0
    inode.evict()


def _link_new(d: Ext2Inode, name: bytes, inode: Ext2Inode) -> Ext2Inode:
    try:
        D.add_entry(d, name, inode.ino, L.ftype_of_mode(inode.mode))
    except KernelError:
        _discard(inode)
        raise
    return inode


def create(d: Ext2Inode, name: bytes, mode: int, uid: int, gid: int, rdev: int = 0) -> Ext2Inode:
    fmt = stat.S_IFMT(mode) or stat.S_IFREG
    if fmt not in (stat.S_IFREG, stat.S_IFIFO, stat.S_IFSOCK, stat.S_IFCHR, stat.S_IFBLK):
        raise KernelError(E.EINVAL)
    inode = _new_inode(d, name, fmt | (mode & 0o7777), uid, gid)
    if fmt in (stat.S_IFCHR, stat.S_IFBLK):
        inode.rdev = rdev
        inode.mark_dirty()
    return _link_new(d, name, inode)


def mkdir(d: Ext2Inode, name: bytes, mode: int, uid: int, gid: int) -> Ext2Inode:
    _check_dir(d)
    if d.nlink >= L.EXT2_LINK_MAX:
        raise KernelError(E.EMLINK)
    inode = _new_inode(d, name, stat.S_IFDIR | (mode & 0o7777), uid, gid)
    inode.nlink = 2
    try:
        D.make_empty(inode, d.ino)
    except KernelError:
        _discard(inode)
        raise
    _link_new(d, name, inode)
    d.nlink += 1
    d.mark_dirty()
    return inode


def symlink(d: Ext2Inode, name: bytes, target: bytes, uid: int, gid: int) -> Ext2Inode:
    _check_dir(d)
    if len(target) >= d.sb.block_size:
        raise KernelError(E.ENAMETOOLONG)
    if not target:
        raise KernelError(E.ENOENT)
    inode = _new_inode(d, name, stat.S_IFLNK | 0o777, uid, gid)
    if len(target) < 60:                 # fast symlink: the target lives in i_block
        inode.set_fast_symlink(target)
        inode.mark_dirty()
    else:
        try:
            pblk, _, _ = B.bmap_alloc(inode, 0, 1)
        except KernelError:
            _discard(inode)
            raise
        inode._write_partial(pblk, 0, memoryview(target), True)
        inode.size = len(target)
        inode.mark_dirty()
    return _link_new(d, name, inode)


def link(d: Ext2Inode, name: bytes, inode: Inode) -> None:
    _check_dir(d)
    if inode.sb is not d.sb:
        raise KernelError(E.EXDEV)
    if inode.is_dir():
        raise KernelError(E.EPERM)
    if inode.nlink >= L.EXT2_LINK_MAX:
        raise KernelError(E.EMLINK)
    D.add_entry(d, name, inode.ino, L.ftype_of_mode(inode.mode))
    inode.nlink += 1
    inode.ctime = now_ns()
    inode.mark_dirty()


def unlink(d: Ext2Inode, name: bytes) -> None:
    _check_dir(d)
    ent = D.find_entry(d, name)
    if ent is None:
        raise KernelError(E.ENOENT)
    inode = d.sb.ext2_iget(ent.ino)
    if inode.is_dir():
        raise KernelError(E.EISDIR)
    D.delete_entry(d, ent)
    inode.nlink = max(0, inode.nlink - 1)
    inode.ctime = d.ctime
    inode.mark_dirty()


def rmdir(d: Ext2Inode, name: bytes) -> None:
    _check_dir(d)
    if name == b".":
        raise KernelError(E.EINVAL)
    if name == b"..":
        raise KernelError(E.ENOTEMPTY)
    ent = D.find_entry(d, name)
    if ent is None:
        raise KernelError(E.ENOENT)
    inode = d.sb.ext2_iget(ent.ino)
    if not inode.is_dir():
        raise KernelError(E.ENOTDIR)
    if not D.is_empty(inode):
        raise KernelError(E.ENOTEMPTY)
    D.delete_entry(d, ent)
    inode.nlink = 0
    inode.ctime = d.ctime
    inode.mark_dirty()
    d.nlink = max(2, d.nlink - 1)
    d.mark_dirty()


def rename(olddir: Ext2Inode, old: bytes, newdir_: Inode, new: bytes) -> None:
    _check_dir(olddir)
    _check_dir(newdir_)
    if newdir_.sb is not olddir.sb:
        raise KernelError(E.EXDEV)
    newdir = cast("Ext2Inode", newdir_)
    if old in (b".", b"..") or new in (b".", b".."):
        raise KernelError(E.EINVAL)
    D.check_name(new)
    sb = olddir.sb
    oent = D.find_entry(olddir, old)
    if oent is None:
        raise KernelError(E.ENOENT)
    src = sb.ext2_iget(oent.ino)
    src_is_dir = src.is_dir()
    ftype = L.ftype_of_mode(src.mode)
    nent = D.find_entry(newdir, new)
    dst: Ext2Inode | None = None
    if nent is not None:
        if nent.ino == src.ino:
            return                                  # same inode: rename(2) does nothing
        dst = sb.ext2_iget(nent.ino)
        if src_is_dir:
            if not dst.is_dir():
                raise KernelError(E.ENOTDIR)
            if not D.is_empty(dst):
                raise KernelError(E.ENOTEMPTY)
        elif dst.is_dir():
            raise KernelError(E.EISDIR)
        D.set_entry(newdir, nent, src.ino, ftype)
        dst.ctime = now_ns()
        if dst.is_dir():
            dst.nlink = 0
            newdir.nlink -= 1                       # the victim's '..' is gone
        else:
            dst.nlink = max(0, dst.nlink - 1)
        dst.mark_dirty()
    else:
        if src_is_dir and newdir is not olddir and newdir.nlink >= L.EXT2_LINK_MAX:
            raise KernelError(E.EMLINK)
        D.add_entry(newdir, new, src.ino, ftype)    # may fail (ENOSPC) before any change
    # adding may have split a record in olddir: look the old entry up again
    oent = D.find_entry(olddir, old)
    assert oent is not None and oent.ino == src.ino
    D.delete_entry(olddir, oent)
    src.ctime = now_ns()
    src.mark_dirty()
    if src_is_dir:
        if newdir is not olddir:
            dotdot = D.find_entry(src, b"..")
            if dotdot is not None:
                D.set_entry(src, dotdot, newdir.ino, L.EXT2_FT_DIR)
        olddir.nlink -= 1
        newdir.nlink += 1
    olddir.mark_dirty()
    newdir.mark_dirty()
