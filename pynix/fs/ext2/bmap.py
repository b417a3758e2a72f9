"""bmap: a file's logical blocks -> disk blocks, through the ext2 indirect block tree.

Analogous to Bach's bmap (ch. 4.2) and Linux's fs/ext2/inode.c (ext2_block_to_path,
ext2_get_blocks, ext2_truncate_blocks). ``i_block[0..11]`` are direct pointers;
``i_block[12]``, ``[13]`` and ``[14]`` root the single, double and triple indirect trees, each
indirect block an array of ``block_size / 4`` little-endian uint32 pointers. A zero pointer is
a hole (reads as zeros).

Provides, for an Ext2Inode ``inode``:

- ``bmap(inode, lblk) -> pblk`` (0 for a hole);
- ``bmap_run(inode, lblk, maxn) -> (pblk, n)``: the run of ``n`` (1..maxn) logical blocks from
  ``lblk`` that map to consecutive disk blocks from ``pblk``, or a run of holes (``pblk == 0``);
- ``bmap_alloc(inode, lblk, maxn) -> (pblk, n, fresh)``: like bmap_run but fills holes,
  allocating missing indirect blocks and a contiguous run of data blocks near the previous
  block (Linux's goal). ``fresh`` runs hold garbage: the caller writes or zeroes them;
- ``truncate_blocks(inode, keep)``: free every data and indirect block past the first
  ``keep`` logical blocks.

Runs never cross an indirect block, so one call walks the tree once; indirect blocks come from
the buffer cache. Each inode remembers its last mapped run (``map_cache``: lblk, pblk, count)
so sequential small I/O skips the walk; truncate_blocks forgets it. Owns ``i_block``,
``i_blocks``, ``alloc_goal`` and ``map_cache`` of the inodes it maps.
"""
from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Iterator, Union

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.ext2 import balloc
from pynix.fs.ext2.layout import (
    EXT2_DIND_BLOCK,
    EXT2_IND_BLOCK,
    EXT2_NDIR_BLOCKS,
    EXT2_TIND_BLOCK,
)

if TYPE_CHECKING:
    from pynix.fs.bio import Buffer
    from pynix.fs.ext2.inode import Ext2Inode
    from pynix.fs.ext2.super import Ext2SuperBlock


Words = Union[list[int], memoryview]    # i_block, or an indirect block's uint32 view
LOOKAHEAD = 256      # blocks bmap_run maps past the request, for the next sequential call


def max_blocks(apb: int) -> int:
    """Logical blocks addressable through direct + single + double + triple indirection."""
    return EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb


def block_to_path(apb: int, lblk: int) -> list[int]:
    """Indices from i_block down to the leaf pointer (ext2_block_to_path)."""
    if lblk < 0:
        raise KernelError(E.EINVAL)
    if lblk < EXT2_NDIR_BLOCKS:
        return [lblk]
    lblk -= EXT2_NDIR_BLOCKS
    if lblk < apb:
        return [EXT2_IND_BLOCK, lblk]
    lblk -= apb
    if lblk < apb * apb:
        return [EXT2_DIND_BLOCK, lblk // apb, lblk % apb]
    lblk -= apb * apb
    if lblk < apb * apb * apb:
        return [EXT2_TIND_BLOCK, lblk // (apb * apb), (lblk // apb) % apb, lblk % apb]
    raise KernelError(E.EFBIG)


def _hole_span(apb: int, path: list[int], level: int) -> int:
    """Logical blocks from the path's position to the end of the subtree whose root
    pointer (at depth ``level - 1``) is zero."""
    depth = len(path) - 1
    pos = 0
    for k in range(level, depth + 1):
        pos = pos * apb + path[k]
    span: int = apb ** (depth - level + 1)
    return span - pos


def _scan(arr: Words, i: int, end: int) -> tuple[int, int]:
    """The run starting at arr[i]: consecutive pointers, or zeros, up to ``end``."""
    first: int = arr[i]
    j = i + 1
    if first == 0:
        while j < end and arr[j] == 0:
            j += 1
        return 0, j - i
    nxt = first + 1
    while j < end and arr[j] == nxt:
        j += 1
        nxt += 1
    return first, j - i


def bmap_run(inode: Ext2Inode, lblk: int, maxn: int) -> tuple[int, int]:
    mc = inode.map_cache
    if mc is not None and mc[0] <= lblk < mc[0] + mc[2]:
        k = lblk - mc[0]
        return mc[1] + k, min(maxn, mc[2] - k)
    pblk, n = _bmap_walk(inode, lblk, max(maxn, LOOKAHEAD))
    if pblk:
        inode.map_cache = (lblk, pblk, n)
    return pblk, min(n, maxn)


def _bmap_walk(inode: Ext2Inode, lblk: int, maxn: int) -> tuple[int, int]:
    sb = inode.sb
    apb = sb.addr_per_block
    path = block_to_path(apb, lblk)
    if len(path) == 1:
        return _scan(inode.i_block, lblk, min(EXT2_NDIR_BLOCKS, lblk + maxn))
    cache, bdev = sb.cache, sb.bdev
    ptr = inode.i_block[path[0]]
    last = len(path) - 1
    for level in range(1, last + 1):
        if ptr == 0:
            return 0, min(maxn, _hole_span(apb, path, level))
        buf = cache.bread(bdev, ptr)
        words = buf.u32()
        idx = path[level]
        if level == last:
            run = _scan(words, idx, min(apb, idx + maxn))
            cache.brelse(buf)
            return run
        ptr = words[idx]
        cache.brelse(buf)
    raise AssertionError("unreachable")


def bmap(inode: Ext2Inode, lblk: int) -> int:
    return bmap_run(inode, lblk, 1)[0]


def _goal(inode: Ext2Inode, arr: Words, i: int, leaf: Buffer | None) -> int:
    """Where to look for the next block (ext2_find_near + ext2_find_goal)."""
    for k in range(i - 1, max(-1, i - 8), -1):
        if arr[k]:
            return arr[k] + 1
    if inode.alloc_goal:
        return inode.alloc_goal
    if leaf is not None:
        return leaf.blkno + 1
    sb = inode.sb
    return sb.group_first_block((inode.ino - 1) // sb.inodes_per_group)


def _new_indirect(inode: Ext2Inode, goal: int) -> int:
    sb = inode.sb
    blk, _ = balloc.alloc(sb, goal, 1)
    buf = sb.cache.getblk(sb.bdev, blk)
    buf.data[:] = bytes(sb.block_size)
    sb.cache.bdwrite(buf)
    sb.cache.brelse(buf)
    inode.i_blocks += sb.block_size >> 9
    inode.alloc_goal = blk + 1
    return blk


def bmap_alloc(inode: Ext2Inode, lblk: int, maxn: int) -> tuple[int, int, bool]:
    mc = inode.map_cache
    if mc is not None and mc[0] <= lblk < mc[0] + mc[2]:
        k = lblk - mc[0]
        return mc[1] + k, min(maxn, mc[2] - k), False
    pblk, n, fresh = _bmap_alloc(inode, lblk, maxn)
    if mc is not None and fresh and lblk == mc[0] + mc[2] and pblk == mc[1] + mc[2]:
        inode.map_cache = (mc[0], mc[1], mc[2] + n)        # the file grew contiguously
    else:
        inode.map_cache = (lblk, pblk, n)
    return pblk, n, fresh


def _bmap_alloc(inode: Ext2Inode, lblk: int, maxn: int) -> tuple[int, int, bool]:
    sb = inode.sb
    sb.check_writable()
    apb = sb.addr_per_block
    cache, bdev = sb.cache, sb.bdev
    path = block_to_path(apb, lblk)
    arr: Words = inode.i_block
    leaf: Buffer | None = None
    try:
        for level in range(1, len(path)):
            idx = path[level - 1]
            ptr = arr[idx]
            if ptr == 0:
                goal = leaf.blkno + 1 if leaf is not None else _goal(inode, arr, idx, None)
                ptr = _new_indirect(inode, inode.alloc_goal or goal)
                arr[idx] = ptr
                if leaf is not None:
                    cache.bdwrite(leaf)
                else:
                    inode.mark_dirty()
            buf = cache.bread(bdev, ptr)
            if leaf is not None:
                cache.brelse(leaf)
            leaf, arr = buf, buf.u32()
        i = path[-1]
        end = min(EXT2_NDIR_BLOCKS if leaf is None else apb, i + maxn)
        if arr[i]:
            pblk, n = _scan(arr, i, end)
            return pblk, n, False
        _, holes = _scan(arr, i, end)
        start, n = balloc.alloc(sb, _goal(inode, arr, i, leaf), holes)
        if leaf is None:
            inode.i_block[i:i + n] = range(start, start + n)
        else:
            leaf.u32()[i:i + n] = array("I", range(start, start + n))
            cache.bdwrite(leaf)
        inode.i_blocks += n * (sb.block_size >> 9)
        inode.alloc_goal = start + n
        inode.mark_dirty()
        return start, n, True
    finally:
        if leaf is not None:
            cache.brelse(leaf)


# -- truncate (ext2_truncate_blocks / ext2_free_branches) ----------------------------------

def _free_tree(sb: Ext2SuperBlock, blk: int, depth: int, freed: list[int]) -> None:
    """Collect ``blk`` (an indirect block of ``depth`` levels) and everything below it."""
    buf = sb.cache.bread(sb.bdev, blk)
    ptrs = [p for p in array("I", buf.data) if p]
    sb.cache.brelse(buf)
    if depth == 1:
        freed.extend(ptrs)
    else:
        for p in ptrs:
            _free_tree(sb, p, depth - 1, freed)
    freed.append(blk)


def _trunc_tree(sb: Ext2SuperBlock, blk: int, depth: int, keep: int, freed: list[int]) -> None:
    """Free the part of the subtree under ``blk`` past its first ``keep`` blocks."""
    span = sb.addr_per_block ** (depth - 1)
    first, rem = divmod(keep, span)
    buf = sb.cache.bread(sb.bdev, blk)
    try:
        words = buf.u32()
        if rem:
            if words[first]:
                _trunc_tree(sb, words[first], depth - 1, rem, freed)
            first += 1
        if first < len(words):
            tail = [p for p in words[first:].tolist() if p]
            if depth == 1:
                freed.extend(tail)
            else:
                for p in tail:
                    _free_tree(sb, p, depth - 1, freed)
            buf.data[first * 4:] = bytes(len(buf.data) - first * 4)
        sb.cache.bdwrite(buf)
    finally:
        sb.cache.brelse(buf)


def truncate_blocks(inode: Ext2Inode, keep: int) -> int:
    """Free all blocks at logical index >= ``keep``; returns how many disk blocks were freed."""
    sb = inode.sb
    sb.check_writable()
    inode.map_cache = None
    apb = sb.addr_per_block
    ib = inode.i_block
    freed: list[int] = []
    for i in range(min(keep, EXT2_NDIR_BLOCKS), EXT2_NDIR_BLOCKS):
        if ib[i]:
            freed.append(ib[i])
            ib[i] = 0
    base = EXT2_NDIR_BLOCKS
    for slot, depth in ((EXT2_IND_BLOCK, 1), (EXT2_DIND_BLOCK, 2), (EXT2_TIND_BLOCK, 3)):
        span = apb ** depth
        if ib[slot]:
            if keep <= base:
                _free_tree(sb, ib[slot], depth, freed)
                ib[slot] = 0
            elif keep < base + span:
                _trunc_tree(sb, ib[slot], depth, keep - base, freed)
        base += span
    if freed:
        balloc.free(sb, freed)
        inode.i_blocks = max(0, inode.i_blocks - len(freed) * (sb.block_size >> 9))
        inode.alloc_goal = 0
    inode.mark_dirty()
    return len(freed)


def ext2_fiemap(inode: Ext2Inode, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """The file's extents over bytes [start, end) (ext2_fiemap through iomap): runs of
    blocks both logically and physically contiguous, as (logical, physical, length) in
    bytes; holes are skipped. Only blocks inside the file's size are walked."""
    bs = inode.sb.block_size
    lblk = start // bs
    last = (min(end, inode.size) + bs - 1) // bs
    run: list[int] | None = None            # [logical, physical, blocks]
    while lblk < last:
        pblk, n = bmap_run(inode, lblk, last - lblk)
        n = max(n, 1)
        if pblk:
            if run is not None and run[0] + run[2] == lblk and run[1] + run[2] == pblk:
                run[2] += n
            else:
                if run is not None:
                    yield run[0] * bs, run[1] * bs, run[2] * bs
                run = [lblk, pblk, n]
        lblk += n
    if run is not None:
        yield run[0] * bs, run[1] * bs, run[2] * bs
