"""ext2 extended attributes in the on-disk EA block (Linux fs/ext2/xattr.c).

An inode's attributes live in one block named by ``i_file_acl``: a header (magic
0xEA020000, a reference count, h_blocks 1, a hash), entries sorted by (name index, name
length, name), values packed from the end of the block (layout.EA_*). Linux shares one block
among inodes with the same attributes (h_refcount); pynix reads shared blocks, and copies one
before changing it, but does not look for a block to share when writing.

Provides:
- ``ext2_xattr_get(inode, name)``, ``ext2_xattr_list(inode)``,
  ``ext2_xattr_set(inode, name, value, flags)`` (value None removes): what Ext2Inode's
  get_xattr / list_xattr / set_xattr call, with whole names ("user.foo");
- ``ext2_xattr_delete_inode(sb, blk)``: an inode that used block ``blk`` is freed: drop the
  block's reference, free it with the last one.

Hashes follow ext2_xattr_hash_entry / ext2_xattr_rehash (names hashed as signed chars, as
Linux on x86 does and e2fsck accepts), so e2fsck finds the blocks clean. System names
(POSIX ACLs) have no handler: pynix's ext2 behaves as if mounted with ``noacl``.
Owns the EA block format's reading and writing; the block itself is an ordinary
buffer-cache block, allocated by balloc.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import xattr as X
from pynix.base.errors import KernelError
from pynix.fs.ext2 import balloc
from pynix.fs.ext2 import layout as L

if TYPE_CHECKING:
    from pynix.fs.ext2.inode import Ext2Inode
    from pynix.fs.ext2.super import Ext2SuperBlock

# name index <-> prefix (ext2_xattr_handler_map); system.* has no handler here
INDEX_PREFIX = {L.EA_INDEX_USER: X.XATTR_USER_PREFIX, L.EA_INDEX_TRUSTED: X.XATTR_TRUSTED_PREFIX,
                L.EA_INDEX_SECURITY: X.XATTR_SECURITY_PREFIX}
PREFIXES = tuple(INDEX_PREFIX.values())

Entry = tuple[int, bytes, bytes]        # (name index, name without prefix, value)
_MASK = 0xFFFFFFFF


def _rotl(h: int, n: int) -> int:
    return ((h << n) | (h >> (32 - n))) & _MASK


def hash_entry(name: bytes, value: bytes) -> int:
    """ext2_xattr_hash_entry: the name's (signed) chars, then the padded value's words."""
    h = 0
    for c in name:
        h = (((h << 5) & _MASK) ^ (h >> 27) ^ (c - 256 if c > 127 else c)) & _MASK
    padded = value + bytes(L.ea_value_size(len(value)) - len(value))
    for i in range(0, len(padded), 4):
        h = ((h << 16) & _MASK) ^ (h >> 16) ^ int.from_bytes(padded[i:i + 4], "little")
    return h


def hash_block(hashes: list[int]) -> int:
    """ext2_xattr_rehash: the block hash from the entry hashes (0 if one of them is 0)."""
    h = 0
    for e in hashes:
        if e == 0:
            return 0
        h = _rotl(h, 16) ^ e
    return h


def _split(name: bytes) -> tuple[int, bytes]:
    for index, prefix in INDEX_PREFIX.items():
        if name.startswith(prefix):
            return index, name[len(prefix):]
    raise KernelError(E.EOPNOTSUPP)


def parse_block(data: bytes | bytearray) -> tuple[int, list[Entry]] | None:
    """The reference count and entries of an EA block, or None if it is not a valid one."""
    magic, refcount, blocks, _ = L.EA_HEADER.unpack_from(data, 0)
    if magic != L.EA_MAGIC or blocks != 1:
        return None
    entries: list[Entry] = []
    off = L.EA_HEADER.size
    while off + 4 <= len(data) and data[off:off + 4] != b"\0\0\0\0":
        if off + L.EA_ENTRY.size > len(data):
            return None
        name_len, index, voff, vblock, vsize, _h = L.EA_ENTRY.unpack_from(data, off)
        name = bytes(data[off + L.EA_ENTRY.size:off + L.EA_ENTRY.size + name_len])
        if vblock != 0 or voff + vsize > len(data) or len(name) != name_len:
            return None
        entries.append((index, name, bytes(data[voff:voff + vsize])))
        off += L.ea_entry_len(name_len)
    return refcount, entries


def build_block(entries: list[Entry], block_size: int) -> bytes:
    """The bytes of an EA block holding ``entries`` (sorted as Linux keeps them), reference
    count 1; ENOSPC if they do not fit."""
    entries = sorted(entries, key=lambda e: (e[0], len(e[1]), e[1]))
    need = (L.EA_HEADER.size + 4 + sum(L.ea_entry_len(len(n)) for _, n, _ in entries)
            + sum(L.ea_value_size(len(v)) for _, _, v in entries))
    if need > block_size:
        raise KernelError(E.ENOSPC)
    block = bytearray(block_size)
    off, end = L.EA_HEADER.size, block_size
    hashes = []
    for index, name, value in entries:
        voff = 0
        if value:
            end -= L.ea_value_size(len(value))
            voff = end
            block[voff:voff + len(value)] = value
        h = hash_entry(name, value)
        hashes.append(h)
        L.EA_ENTRY.pack_into(block, off, len(name), index, voff, 0, len(value), h)
        block[off + L.EA_ENTRY.size:off + L.EA_ENTRY.size + len(name)] = name
        off += L.ea_entry_len(len(name))
    L.EA_HEADER.pack_into(block, 0, L.EA_MAGIC, 1, 1, hash_block(hashes))
    return bytes(block)


def _read(inode: Ext2Inode) -> tuple[int, list[Entry]]:
    if not inode.file_acl:
        return 0, []
    sb = inode.sb
    if not sb.first_data_block <= inode.file_acl < sb.blocks_count:
        raise KernelError(E.EIO)      # ext2_error: "inode N: bad block B"
    buf = sb.cache.bread(sb.bdev, inode.file_acl)
    try:
        parsed = parse_block(buf.data)
    finally:
        sb.cache.brelse(buf)
    if parsed is None:
        raise KernelError(E.EIO)      # ext2_error: "inode N: bad block B"
    return parsed


def ext2_xattr_get(inode: Ext2Inode, name: bytes) -> bytes:
    index, short = _split(name)
    for i, n, v in _read(inode)[1]:
        if (i, n) == (index, short):
            return v
    raise KernelError(E.ENODATA)


def ext2_xattr_list(inode: Ext2Inode) -> list[bytes]:
    """The names in block order; entries of name indices without a handler are skipped."""
    return [INDEX_PREFIX[i] + n for i, n, _ in _read(inode)[1] if i in INDEX_PREFIX]


def ext2_xattr_update_super_block(sb: Ext2SuperBlock) -> None:
    """The first attribute on this filesystem: record the ext_attr feature."""
    if not int(sb.s["s_feature_compat"]) & L.COMPAT_EXT_ATTR:
        sb.s["s_feature_compat"] |= L.COMPAT_EXT_ATTR
        sb.write_super(backups=False)


def ext2_xattr_set(inode: Ext2Inode, name: bytes, value: bytes | None, flags: int) -> None:
    """Create, replace or (value None) remove one attribute, then write the block: in place
    when only this inode uses it, else into a new block (the old one loses a reference);
    the block goes away with the last attribute."""
    index, short = _split(name)
    sb = inode.sb
    if len(short) > L.EXT2_NAME_LEN or (value is not None and len(value) > sb.block_size):
        raise KernelError(E.ERANGE)
    sb.check_writable()
    refcount, entries = _read(inode)
    found = [e for e in entries if (e[0], e[1]) == (index, short)]
    if flags & X.XATTR_CREATE and found:
        raise KernelError(E.EEXIST)
    if (flags & X.XATTR_REPLACE or value is None) and not found:
        raise KernelError(E.ENODATA)
    entries = [e for e in entries if (e[0], e[1]) != (index, short)]
    if value is not None:
        entries.append((index, short, value))
    if not entries:
        ext2_xattr_delete_inode(sb, inode.file_acl)
        inode.file_acl = 0
        inode.i_blocks = max(0, inode.i_blocks - (sb.block_size >> 9))
        inode.mark_dirty()
        return
    data = build_block(entries, sb.block_size)
    if inode.file_acl and refcount == 1:
        buf = sb.cache.bread(sb.bdev, inode.file_acl)
    else:
        blk, _ = balloc.alloc(sb, sb.group_first_block((inode.ino - 1) // sb.inodes_per_group), 1)
        if inode.file_acl:
            ext2_xattr_delete_inode(sb, inode.file_acl)     # shared: keep the others' copy
        else:
            inode.i_blocks += sb.block_size >> 9
        inode.file_acl = blk
        inode.mark_dirty()
        ext2_xattr_update_super_block(sb)
        buf = sb.cache.getblk(sb.bdev, blk)
    buf.data[:] = data
    sb.cache.bdwrite(buf)
    sb.cache.brelse(buf)


def ext2_xattr_delete_inode(sb: Ext2SuperBlock, blk: int) -> None:
    """ext2_xattr_delete_inode / ext2_xattr_release_block: drop one reference to the EA
    block ``blk``, freeing it with the last."""
    if not sb.first_data_block <= blk < sb.blocks_count:
        return
    buf = sb.cache.bread(sb.bdev, blk)
    magic, refcount, blocks, h = L.EA_HEADER.unpack_from(buf.data, 0)
    if magic == L.EA_MAGIC and refcount > 1:
        L.EA_HEADER.pack_into(buf.data, 0, magic, refcount - 1, blocks, h)
        sb.cache.bdwrite(buf)
    sb.cache.brelse(buf)
    if magic == L.EA_MAGIC and refcount <= 1:
        balloc.free(sb, [blk])
