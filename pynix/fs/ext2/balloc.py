"""Block allocation: Bach's alloc/free over the per-group block bitmaps.

Analogous to Linux's fs/ext2/balloc.c (ext2_new_blocks, ext2_free_blocks). Provides

- ``alloc(sb, goal, count) -> (first, n)``: allocate up to ``count`` contiguous free blocks,
  starting as close to ``goal`` as possible (goal's group first, then the other groups);
  ``1 <= n <= count``. Raises ``KernelError(ENOSPC)`` when the filesystem is full.
- ``free(sb, blocks)``: return blocks to their bitmaps (any order; runs are cheap);

Both keep the group descriptors' and the superblock's free counts in step with the bitmaps
and drop freed blocks from the buffer cache (``bforget``) so a stale dirty buffer never
overwrites a block that has been reallocated. Bitmaps are read and modified through the
buffer cache (bread -> modify -> bdwrite -> brelse).

Also provides the bit helpers ialloc shares (bit ``i`` is bit ``i & 7`` of byte ``i >> 3``).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError

if TYPE_CHECKING:
    from pynix.fs.ext2.super import Ext2SuperBlock

_NOT_FULL = re.compile(rb"[^\xff]")
_NOT_EMPTY = re.compile(rb"[^\x00]")


def find_zero_bit(bm: bytearray, start: int, end: int) -> int:
    """Index of the first clear bit in ``[start, end)``, or -1."""
    i = start
    while i < end and i & 7:
        if not bm[i >> 3] & (1 << (i & 7)):
            return i
        i += 1
    if i >= end:
        return -1
    m = _NOT_FULL.search(bm, i >> 3, (end + 7) >> 3)
    if m is None:
        return -1
    byte = bm[m.start()]
    i = m.start() * 8 + ((~byte & (byte + 1)).bit_length() - 1)
    return i if i < end else -1


def zero_run(bm: bytearray, start: int, end: int) -> int:
    """Length of the run of clear bits beginning at ``start`` (bounded by ``end``)."""
    i = start
    while i < end and i & 7:
        if bm[i >> 3] & (1 << (i & 7)):
            return i - start
        i += 1
    if i < end:
        m = _NOT_EMPTY.search(bm, i >> 3, (end + 7) >> 3)
        if m is None:
            return end - start
        i = m.start() * 8
        byte = bm[m.start()]
        i += (byte & -byte).bit_length() - 1
    return min(i, end) - start


def set_bits(bm: bytearray, start: int, n: int) -> None:
    end = start + n
    i = start
    while i < end and i & 7:
        bm[i >> 3] |= 1 << (i & 7)
        i += 1
    full = (end - i) >> 3
    if full:
        bm[i >> 3:(i >> 3) + full] = b"\xff" * full
        i += full * 8
    while i < end:
        bm[i >> 3] |= 1 << (i & 7)
        i += 1


def clear_bits(bm: bytearray, start: int, n: int) -> int:
    """Clear ``n`` bits from ``start``; returns how many were actually set before."""
    end = start + n
    was = 0
    i = start
    while i < end and i & 7:
        if bm[i >> 3] & (1 << (i & 7)):
            was += 1
            bm[i >> 3] &= ~(1 << (i & 7)) & 0xFF
        i += 1
    full = (end - i) >> 3
    if full:
        chunk = bm[i >> 3:(i >> 3) + full]
        was += int.from_bytes(chunk, "little").bit_count()
        bm[i >> 3:(i >> 3) + full] = bytes(full)
        i += full * 8
    while i < end:
        if bm[i >> 3] & (1 << (i & 7)):
            was += 1
            bm[i >> 3] &= ~(1 << (i & 7)) & 0xFF
        i += 1
    return was


def count_zero_bits(bm: bytes | bytearray, nbits: int) -> int:
    full = nbits >> 3
    used = int.from_bytes(bm[:full], "little").bit_count()
    for i in range(full * 8, nbits):
        used += (bm[i >> 3] >> (i & 7)) & 1
    return nbits - used


# -----------------------------------------------------------------------------------------

def alloc(sb: Ext2SuperBlock, goal: int, count: int) -> tuple[int, int]:
    """Allocate a run of 1..count contiguous blocks near ``goal`` (Bach's alloc)."""
    sb.check_writable()
    if sb.s["s_free_blocks_count"] == 0:
        raise KernelError(E.ENOSPC)
    if not sb.first_data_block <= goal < sb.blocks_count:
        goal = sb.first_data_block
    g0, bit0 = sb.group_of_block(goal)
    # the goal's group from the goal, the other groups from their start, then goal's head
    found = _alloc_in_group(sb, g0, bit0, sb.group_size(g0), count)
    k = 1
    while found is None and k < sb.ngroups:
        g = (g0 + k) % sb.ngroups
        found = _alloc_in_group(sb, g, 0, sb.group_size(g), count)
        k += 1
    if found is None and bit0:
        found = _alloc_in_group(sb, g0, 0, min(bit0 + count, sb.group_size(g0)), count)
    if found is None:
        raise KernelError(E.ENOSPC)
    return found


def _alloc_in_group(sb: Ext2SuperBlock, g: int, start: int, end: int,
                    count: int) -> tuple[int, int] | None:
    gd = sb.groups[g]
    if gd["bg_free_blocks_count"] == 0:
        return None
    cache = sb.cache
    buf = cache.bread(sb.bdev, gd["bg_block_bitmap"])
    try:
        bm = buf.data
        bit = find_zero_bit(bm, start, end)
        if bit < 0:
            return None
        n = zero_run(bm, bit, min(end, bit + count))
        set_bits(bm, bit, n)
        cache.bdwrite(buf)
    finally:
        cache.brelse(buf)
    gd["bg_free_blocks_count"] -= n
    sb.s["s_free_blocks_count"] -= n
    return sb.first_data_block + g * sb.blocks_per_group + bit, n


def free(sb: Ext2SuperBlock, blocks: Iterable[int]) -> None:
    """Free blocks (Bach's free): clear their bitmap bits, forget cached copies."""
    blks = sorted(blocks)
    cache, bdev = sb.cache, sb.bdev
    i = 0
    while i < len(blks):
        first = blks[i]
        if not sb.first_data_block <= first < sb.blocks_count:
            raise KernelError(E.EIO, f"ext2: freeing block {first} outside the filesystem")
        g, bit = sb.group_of_block(first)
        j = i + 1
        gsize = sb.group_size(g)
        while j < len(blks) and blks[j] == first + (j - i) and bit + (j - i) < gsize:
            j += 1
        n = j - i
        gd = sb.groups[g]
        buf = cache.bread(bdev, gd["bg_block_bitmap"])
        freed = clear_bits(buf.data, bit, n)
        cache.bdwrite(buf)
        cache.brelse(buf)
        gd["bg_free_blocks_count"] += freed
        sb.s["s_free_blocks_count"] += freed
        for b in range(first, first + n):
            cache.bforget(bdev, b)
        i = j
