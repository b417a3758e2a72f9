"""File handles: naming an inode by what its filesystem can find it again by, for
name_to_handle_at(2) and open_by_handle_at(2) (Linux fs/exportfs/expfs.c, fs/fhandle.c, and
the filesystems' export_operations: ext2_export_ops, shmem_export_ops).

The encodings are Linux's, so a handle means the same on both:
- ext2 (and any filesystem asked for a FID, AT_HANDLE_FID): FILEID_INO32_GEN, two 32-bit
  words, inode number and generation (exportfs_encode_inode_fh).
- tmpfs: type 1 in three words, generation then the 64-bit inode number (shmem_encode_fh).
A filesystem without export operations (procfs, hostfs ...) gives EOPNOTSUPP unless a FID
is asked for, which can be encoded but not opened.

Provides ``encode_fh(inode, max_bytes, fid) -> (type, data)`` (``HandleTooSmall`` with the
needed size when it does not fit) and ``decode_fh(sb, type, data) -> inode`` (ESTALE for a
handle naming nothing live: a deleted inode, an old generation, another filesystem's type).
This is the one file-handle encoding of pynix; fs/notify's fanotify can reuse it.

Owns: nothing.
"""
from __future__ import annotations

import os
import struct

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.ext2.layout import EXT2_ROOT_INO
from pynix.fs.ext2.super import Ext2SuperBlock
from pynix.fs.tmpfs import TmpfsSuperBlock, TmpInode
from pynix.fs.vfs.inode import Inode, SuperBlock

FILEID_INO32_GEN = 1
SHMEM_FILEID = 1
MAX_HANDLE_SZ = 128
_INO32_GEN = struct.Struct("<II")
_SHMEM = struct.Struct("<III")


class HandleTooSmall(KernelError):
    """The handle needs ``needed`` bytes (name_to_handle_at answers EOVERFLOW with it)."""

    def __init__(self, needed: int) -> None:
        super().__init__(E.EOVERFLOW)
        self.needed = needed


def exportable(sb: SuperBlock) -> bool:
    """Does the filesystem have export operations (handles that can be opened)?"""
    return isinstance(sb, (Ext2SuperBlock, TmpfsSuperBlock))


def inode_generation(inode: Inode) -> int:
    """i_generation: ext2 keeps it on disk; a tmpfs inode gets a random one when first asked
    (shmem_get_inode's get_random_u32), so a handle never names a later inode."""
    gen = getattr(inode, "generation", None)
    if gen is None:
        gen = inode.generation = int.from_bytes(os.urandom(4), "little")  # type: ignore[attr-defined]
    return gen & 0xFFFF_FFFF


def encode_fh(inode: Inode, max_bytes: int, fid: bool = False) -> tuple[int, bytes]:
    """exportfs_encode_fh: the handle type and bytes for ``inode``."""
    sb = inode.sb
    gen = inode_generation(inode)
    if isinstance(sb, TmpfsSuperBlock):
        data = _SHMEM.pack(gen, inode.ino & 0xFFFF_FFFF, inode.ino >> 32)
        kind = SHMEM_FILEID
    elif exportable(sb) or fid:
        data = _INO32_GEN.pack(inode.ino & 0xFFFF_FFFF, gen)
        kind = FILEID_INO32_GEN
    else:
        raise KernelError(E.EOPNOTSUPP)
    if len(data) > max_bytes:
        raise HandleTooSmall(len(data))
    return kind, data


def _tmpfs_find(sb: TmpfsSuperBlock, ino: int) -> Inode | None:
    """shmem_fh_to_dentry: the live inode with that number, found from the root."""
    todo: list[TmpInode] = [sb.root]
    while todo:
        d = todo.pop()
        if d.ino == ino:
            return d
        for child in d.entries.values():
            if child.ino == ino:
                return child
            if child.entries:
                todo.append(child)
    return None


def decode_fh(sb: SuperBlock, kind: int, data: bytes) -> Inode:
    """exportfs_decode_fh: the inode the handle names on ``sb``."""
    inode: Inode | None = None
    if isinstance(sb, TmpfsSuperBlock) and kind == SHMEM_FILEID and len(data) >= _SHMEM.size:
        gen, lo, hi = _SHMEM.unpack_from(data)
        inode = _tmpfs_find(sb, hi << 32 | lo)
    elif isinstance(sb, Ext2SuperBlock) and kind == FILEID_INO32_GEN \
            and len(data) >= _INO32_GEN.size:
        ino, gen = _INO32_GEN.unpack_from(data)       # ext2_nfs_get_inode's range check
        if (ino >= sb.first_ino or ino == EXT2_ROOT_INO) and ino <= sb.inodes_count:
            inode = sb.ext2_iget(ino)
    else:
        raise KernelError(E.ESTALE)
    if inode is None or inode.nlink == 0 or inode_generation(inode) != gen:
        raise KernelError(E.ESTALE)
    return inode
