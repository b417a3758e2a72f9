"""ext2 directory entries: the linked records inside directory blocks.

Analogous to Linux's fs/ext2/dir.c. A directory's data is a sequence of blocks; each block
is covered exactly by variable-length records ``(inode u32, rec_len u16, name_len u8,
file_type u8, name)``, ``rec_len`` a multiple of 4 that may carry slack after the name. An
entry with inode 0 is unused space. Records never cross a block boundary.

Provides, for a directory Ext2Inode ``d``:

- ``find_entry(d, name) -> DirEntry | None`` (where the entry is and what it names);
- ``add_entry(d, name, ino, ftype)``: reuse an unused record or the slack after a live one,
  else grow the directory by one block (ext2_add_link). Raises EEXIST, ENAMETOOLONG, ENOSPC;
  both go through ``DirIndex``, an in-core name index built on first use;
- ``delete_entry(d, ent)``: merge the record into its predecessor (or clear its inode when it
  opens the block) (ext2_delete_entry);
- ``set_entry(d, ent, ino, ftype)``: repoint an entry (rename over a file, '..' fix-up);
- ``readdir(d, pos)``: ``(next_pos, name, ino, d_type)`` from byte offset ``pos``;
- ``is_empty(d)``, ``make_empty(d, parent_ino)`` (the '.' and '..' block of a new directory),
  ``grow(d, nblocks)`` (append empty blocks: mkfs pre-sizes lost+found).

Callers (namei.py) keep link counts; this module only edits records and the directory's
size and times. Blocks are read and written through the buffer cache.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, NamedTuple

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.ext2 import bmap as B
from pynix.fs.ext2 import layout as L
from pynix.fs.vfs.inode import now_ns

if TYPE_CHECKING:
    from pynix.fs.ext2.inode import Ext2Inode
    from pynix.fs.ext2.super import Ext2SuperBlock

_HDR = L.DIRENT_HEADER
_HDR_OLD = L.DIRENT_HEADER_OLD


class DirEntry(NamedTuple):
    pblk: int         # disk block holding the record
    off: int          # record offset in that block
    prev: int         # offset of the previous record in the block, -1 if first
    ino: int
    ftype: int
    name: bytes = b""


def _corrupt(d: Ext2Inode, why: str) -> KernelError:
    return KernelError(E.EIO, f"ext2: directory inode {d.ino} is corrupt: {why}")


def entries(sb: Ext2SuperBlock, data: bytes | bytearray) -> Iterator[tuple[int, int, int, int, int]]:
    """``(off, ino, rec_len, name_len, ftype)`` for each record of one directory block."""
    bs = len(data)
    off = 0
    filetype = sb.filetype
    while off < bs:
        if filetype:
            ino, rec_len, name_len, ftype = _HDR.unpack_from(data, off)
        else:
            ino, rec_len, name_len = _HDR_OLD.unpack_from(data, off)
            ftype = 0
        if rec_len < 12 or rec_len & 3 or off + rec_len > bs or 8 + name_len > rec_len:
            raise KernelError(E.EIO, f"ext2: bad directory record at offset {off} "
                                     f"(rec_len {rec_len}, name_len {name_len})")
        yield off, ino, rec_len, name_len, ftype
        off += rec_len


def _put(sb: Ext2SuperBlock, data: bytearray, off: int, ino: int, rec_len: int, name: bytes,
         ftype: int) -> None:
    if sb.filetype:
        _HDR.pack_into(data, off, ino, rec_len, len(name), ftype)
    else:
        _HDR_OLD.pack_into(data, off, ino, rec_len, len(name))
    end = off + L.rec_len_for(len(name))
    data[off + 8:end] = name.ljust(end - off - 8, b"\0")


def _blocks(d: Ext2Inode) -> Iterator[tuple[int, int]]:
    """``(lblk, pblk)`` of each allocated directory block."""
    bs = d.sb.block_size
    for lblk in range(d.size // bs):
        pblk = B.bmap(d, lblk)
        if pblk:
            yield lblk, pblk


def _touch(d: Ext2Inode) -> None:
    d.mtime = d.ctime = now_ns()
    d.i_flags &= ~L.EXT2_INDEX_FL        # pynix does not maintain htree indexes
    d.mark_dirty()


def check_name(name: bytes) -> None:
    if len(name) > L.EXT2_NAME_LEN:
        raise KernelError(E.ENAMETOOLONG)
    if not name or b"/" in name or b"\0" in name:
        raise KernelError(E.EINVAL)


class DirIndex:
    """In-core index of one directory, built by one scan of its blocks on first use and kept
    up to date by add_entry/delete_entry: which block holds each live name, and the largest
    free gap of each block (in directory order). It makes lookups, including the negative
    ones every create does, one dict probe instead of a scan; the disk format is plain
    linear ext2 (Linux's ext2 without dir_index scans, with its dcache in front)."""

    def __init__(self, d: Ext2Inode) -> None:
        self.names: dict[bytes, int] = {}          # name -> pblk
        self.room: dict[int, int] = {}             # pblk -> largest free gap, lblk order
        sb = d.sb
        for _, pblk in _blocks(d):
            buf = sb.cache.bread(sb.bdev, pblk)
            try:
                data = buf.data
                for off, ino, _, name_len, _ in entries(sb, data):
                    if ino:
                        self.names.setdefault(bytes(data[off + 8:off + 8 + name_len]), pblk)
                self.room[pblk] = _largest_gap(sb, data)
            finally:
                sb.cache.brelse(buf)


def _largest_gap(sb: Ext2SuperBlock, data: bytes | bytearray) -> int:
    return max(rec_len - (L.rec_len_for(name_len) if ino else 0)
               for _, ino, rec_len, name_len, _ in entries(sb, data))


def _index(d: Ext2Inode) -> DirIndex:
    idx = getattr(d, "dir_index", None)
    if idx is None:
        idx = d.dir_index = DirIndex(d)  # type: ignore[attr-defined]
    return idx


def forget_index(d: Ext2Inode) -> None:
    """The directory's blocks changed wholesale (a new or grown directory): rebuild lazily."""
    d.dir_index = None  # type: ignore[attr-defined]


def _find_in_block(d: Ext2Inode, pblk: int, name: bytes) -> DirEntry | None:
    sb = d.sb
    nlen = len(name)
    buf = sb.cache.bread(sb.bdev, pblk)
    try:
        data = buf.data
        prev = -1
        for off, ino, _, name_len, ftype in entries(sb, data):
            if ino and name_len == nlen and data[off + 8:off + 8 + nlen] == name:
                return DirEntry(pblk, off, prev, ino, ftype, name)
            prev = off
    finally:
        sb.cache.brelse(buf)
    return None


def find_entry(d: Ext2Inode, name: bytes) -> DirEntry | None:
    idx = _index(d)
    pblk = idx.names.get(name)
    if pblk is None:
        return None
    ent = _find_in_block(d, pblk, name)
    if ent is None:                       # cannot happen unless the index is wrong: rescan
        forget_index(d)
        pblk = _index(d).names.get(name)
        ent = None if pblk is None else _find_in_block(d, pblk, name)
    return ent


def add_entry(d: Ext2Inode, name: bytes, ino: int, ftype: int) -> None:
    """ext2_add_link: the first record (in directory order) with room, else a new block."""
    check_name(name)
    sb = d.sb
    sb.check_writable()
    cache, bdev = sb.cache, sb.bdev
    idx = _index(d)
    if name in idx.names:
        raise KernelError(E.EEXIST)
    need = L.rec_len_for(len(name))
    pblk = next((b for b, gap in idx.room.items() if gap >= need), 0)
    bs = sb.block_size
    if not pblk:
        pblk, _, _ = B.bmap_alloc(d, d.size // bs, 1)
        buf = cache.getblk(bdev, pblk)
        buf.data[:] = bytes(bs)
        _put(sb, buf.data, 0, ino, bs, name, ftype)
        d.size += bs
        room = bs - need
    else:
        buf = cache.bread(bdev, pblk)
        slot = None
        room = 0                                   # the block's largest gap afterwards
        for off, eino, rec_len, name_len, _ in entries(sb, buf.data):
            used = L.rec_len_for(name_len) if eino else 0
            if slot is None and rec_len - used >= need:
                slot = (off, eino, rec_len, used)
                room = max(room, rec_len - used - need)
            else:
                room = max(room, rec_len - used)
        if slot is None:
            cache.brelse(buf)
            raise _corrupt(d, f"block {pblk} has no room its index promised")
        off, eino, rec_len, used = slot
        if eino:                                   # split the live record's slack
            buf.data[off + 4:off + 6] = used.to_bytes(2, "little")
            _put(sb, buf.data, off + used, ino, rec_len - used, name, ftype)
        else:                                      # reuse an unused record
            _put(sb, buf.data, off, ino, rec_len, name, ftype)
    idx.names[name] = pblk
    idx.room[pblk] = room
    cache.bdwrite(buf)
    cache.brelse(buf)
    _touch(d)


def delete_entry(d: Ext2Inode, ent: DirEntry) -> None:
    sb = d.sb
    sb.check_writable()
    cache = sb.cache
    buf = cache.bread(sb.bdev, ent.pblk)
    data = buf.data
    rec_len = int.from_bytes(data[ent.off + 4:ent.off + 6], "little")
    if ent.prev >= 0:                      # the predecessor absorbs the record
        prev_len = int.from_bytes(data[ent.prev + 4:ent.prev + 6], "little")
        data[ent.prev + 4:ent.prev + 6] = (prev_len + rec_len).to_bytes(2, "little")
        prev_ino = int.from_bytes(data[ent.prev:ent.prev + 4], "little")
        gap = prev_len + rec_len - (L.rec_len_for(data[ent.prev + 6]) if prev_ino else 0)
    else:                                  # the first record becomes unused
        data[ent.off:ent.off + 4] = b"\0\0\0\0"
        gap = rec_len
    idx = _index(d)
    idx.names.pop(ent.name, None)
    idx.room[ent.pblk] = max(idx.room.get(ent.pblk, 0), gap)
    cache.bdwrite(buf)
    cache.brelse(buf)
    _touch(d)


def set_entry(d: Ext2Inode, ent: DirEntry, ino: int, ftype: int) -> None:
    sb = d.sb
    sb.check_writable()
    cache = sb.cache
    buf = cache.bread(sb.bdev, ent.pblk)
    buf.data[ent.off:ent.off + 4] = ino.to_bytes(4, "little")
    if sb.filetype:
        buf.data[ent.off + 7] = ftype
    cache.bdwrite(buf)
    cache.brelse(buf)
    _touch(d)


def readdir(d: Ext2Inode, pos: int) -> Iterator[tuple[int, bytes, int, int]]:
    sb = d.sb
    bs = sb.block_size
    dtypes = L.DTYPE_OF_FT
    while pos < d.size:
        lblk, boff = divmod(pos, bs)
        pblk = B.bmap(d, lblk)
        if not pblk:
            pos = (lblk + 1) * bs
            continue
        buf = sb.cache.bread(sb.bdev, pblk)
        data = bytes(buf.data)
        sb.cache.brelse(buf)
        base = lblk * bs
        for off, ino, rec_len, name_len, ftype in entries(sb, data):
            if off < boff:           # resume inside a block: skip records before pos
                continue
            if ino:
                yield (base + off + rec_len, data[off + 8:off + 8 + name_len], ino,
                       dtypes[ftype] if ftype < len(dtypes) else 0)
        pos = base + bs


def is_empty(d: Ext2Inode) -> bool:
    """Only '.' and '..' live in the directory (ext2_empty_dir)."""
    sb = d.sb
    for _, pblk in _blocks(d):
        buf = sb.cache.bread(sb.bdev, pblk)
        data = bytes(buf.data)
        sb.cache.brelse(buf)
        for off, ino, _, name_len, _ in entries(sb, data):
            if ino and data[off + 8:off + 8 + name_len] not in (b".", b".."):
                return False
    return True


def make_empty(d: Ext2Inode, parent_ino: int) -> None:
    """Give a new directory its first block holding '.' and '..' (ext2_make_empty)."""
    sb = d.sb
    bs = sb.block_size
    pblk, _, _ = B.bmap_alloc(d, 0, 1)
    buf = sb.cache.getblk(sb.bdev, pblk)
    buf.data[:] = bytes(bs)
    _put(sb, buf.data, 0, d.ino, 12, b".", L.EXT2_FT_DIR)
    _put(sb, buf.data, 12, parent_ino, bs - 12, b"..", L.EXT2_FT_DIR)
    sb.cache.bdwrite(buf)
    sb.cache.brelse(buf)
    d.size = bs
    forget_index(d)
    d.mark_dirty()


def grow(d: Ext2Inode, nblocks: int) -> None:
    """Append empty blocks (one unused record each) until the directory has ``nblocks``;
    mkfs uses this to pre-size lost+found as mke2fs does."""
    sb = d.sb
    bs = sb.block_size
    while d.size // bs < nblocks:
        pblk, _, _ = B.bmap_alloc(d, d.size // bs, 1)
        buf = sb.cache.getblk(sb.bdev, pblk)
        buf.data[:] = bytes(bs)
        _put(sb, buf.data, 0, 0, bs, b"", 0)
        sb.cache.bdwrite(buf)
        sb.cache.brelse(buf)
        d.size += bs
    forget_index(d)
    d.mark_dirty()
