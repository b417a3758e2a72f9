"""nsfs: the files behind /proc/PID/ns/* (Linux fs/nsfs.c ns_get_path, ns_ioctl,
open_related_ns, ns_get_owner; fs/proc/namespaces.c proc_ns_get_link).

Provides:
- ``ns_path(ns, kind, nstype)``: the Path a /proc/PID/ns link leads to: an inode of the
  "nsfs" pseudo filesystem numbered by the namespace (``ns.inum``; st_ino tells two tasks'
  namespaces apart), one inode per namespace so st_dev/st_ino stay stable.
- ``NsFile``: the open namespace. It has no read or write (EINVAL) and no seek; its ioctls
  are Linux's: NS_GET_NSTYPE (the CLONE_NEW* type), NS_GET_USERNS (a new O_CLOEXEC fd on the
  owning user namespace; EPERM for the initial user namespace, which has no owner),
  NS_GET_MNTNS_ID (a mount namespace's 64-bit id), NS_GET_PARENT (EINVAL for kinds without a hierarchy, i.e. all but pid and user; EPERM at the
  top, which the initial ones are), NS_GET_OWNER_UID (user namespaces only, EINVAL else);
  anything else ENOTTY.

Every namespace is owned by the initial user namespace, as pynix has no user namespaces.
Owns: the nsfs inodes, one per namespace (a weak map).
"""
from __future__ import annotations

import stat
import struct
import weakref
from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.nsfs import (
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    NS_GET_MNTNS_ID,
    NS_GET_NSTYPE,
    NS_GET_OWNER_UID,
    NS_GET_PARENT,
    NS_GET_USERNS,
    UID_T,
)
from pynix.base.errors import KernelError
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.dcache import Dentry, Mount, Path
from pynix.fs.vfs.file import File
from pynix.fs.vfs.inode import Inode
from pynix.mm.uaccess import copy_to_user

_inodes: weakref.WeakKeyDictionary[Any, NsInode] = weakref.WeakKeyDictionary()


class NsInode(Inode):
    """The nsfs inode of one namespace: opening it gives an NsFile."""

    def __init__(self, like: Inode, ns: Any, kind: str, nstype: int) -> None:
        super().__init__(like.sb, like.ino, like.mode)
        self.ns, self.kind, self.nstype = ns, kind, nstype

    def d_dname(self) -> bytes:
        """What readlink of /proc/PID/fd/N shows for it (ns_dname): "uts:[4026531838]"."""
        return b"%s:[%d]" % (self.kind.encode(), self.ino)

    def open_file(self, flags: int, path: Path) -> File:
        return NsFile(flags, path, self)


def ns_inode(ns: Any, kind: str, nstype: int) -> NsInode:
    inode = _inodes.get(ns)
    if inode is None:
        like = anon_inode("nsfs", stat.S_IFREG | 0o444, ino=ns.inum)
        inode = _inodes[ns] = NsInode(like, ns, kind, nstype)
    return inode


def ns_path(ns: Any, kind: str, nstype: int) -> Path:
    """Where a /proc/PID/ns link jumps (ns_get_path)."""
    inode = ns_inode(ns, kind, nstype)
    d = Dentry(kind.encode(), None, inode)
    return Path(Mount(inode.sb, d, "nsfs"), d)


class NsFile(File):
    """An open namespace (ns_file_operations): ioctls only."""

    def __init__(self, flags: int, path: Path, inode: NsInode) -> None:
        super().__init__(flags, path, inode)
        self.ns_inode = inode

    def read(self, n: int) -> bytes:
        raise KernelError(E.EINVAL)

    def pread(self, n: int, off: int) -> bytes:
        raise KernelError(E.EINVAL)

    def write(self, data: bytes) -> int:
        raise KernelError(E.EINVAL)

    def pwrite(self, data: bytes, off: int) -> int:
        raise KernelError(E.EINVAL)

    def ioctl(self, task: Any, req: int, arg: int) -> int:
        node = self.ns_inode
        if req == NS_GET_NSTYPE:
            return node.nstype
        if req == NS_GET_USERNS:
            if node.nstype == CLONE_NEWUSER:        # the initial user ns has no owner
                raise KernelError(E.EPERM)
            return open_related_ns(task, task.kernel.init_user_ns, "user", CLONE_NEWUSER)
        if req == NS_GET_PARENT:
            if node.nstype not in (CLONE_NEWPID, CLONE_NEWUSER):
                raise KernelError(E.EINVAL)
            raise KernelError(E.EPERM)              # the initial ones are the top
        if req == NS_GET_MNTNS_ID:                 # a mount namespace's 64-bit id
            if node.nstype != CLONE_NEWNS:
                raise KernelError(E.EINVAL)
            copy_to_user(task.mm, arg, struct.pack("<Q", node.ns.seq))
            return 0
        if req == NS_GET_OWNER_UID:
            if node.nstype != CLONE_NEWUSER:
                raise KernelError(E.EINVAL)
            copy_to_user(task.mm, arg, UID_T.pack(getattr(node.ns, "owner_uid", 0)))
            return 0
        raise KernelError(E.ENOTTY)


def open_related_ns(task: Any, ns: Any, kind: str, nstype: int) -> int:
    """A new descriptor (O_RDONLY | O_CLOEXEC) on a related namespace."""
    path = ns_path(ns, kind, nstype)
    f = NsFile(A.O_RDONLY, path, ns_inode(ns, kind, nstype))
    return task.files.install_new(f, cloexec=True)  # type: ignore[no-any-return]
