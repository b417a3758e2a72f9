"""Inode allocation: Bach's ialloc/ifree over the per-group inode bitmaps.

Analogous to Linux's fs/ext2/ialloc.c (ext2_new_inode, ext2_free_inode). Provides

- ``ialloc(sb, parent_ino, is_dir) -> ino``: pick a group (directories spread to a group with
  above-average free inodes and the most free blocks, Linux's find_group_dir; files stay
  near their parent, find_group_other), take its first free inode and update the counts.
  Raises ``KernelError(ENOSPC)`` when no inode is free. The caller initialises the on-disk
  inode (inode.Ext2Inode.new).
- ``ifree(sb, ino, is_dir)``: clear the bitmap bit and give the inode back to the counts.

Only bitmaps and counts are touched here; the inode table belongs to inode.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.ext2.balloc import clear_bits, find_zero_bit, set_bits

if TYPE_CHECKING:
    from pynix.fs.ext2.super import Ext2SuperBlock


def _find_group_dir(sb: Ext2SuperBlock) -> int:
    avg = int(sb.s["s_free_inodes_count"]) // sb.ngroups
    best, best_blocks = -1, -1
    for g, gd in enumerate(sb.groups):
        free = gd["bg_free_inodes_count"]
        if free and free >= avg and gd["bg_free_blocks_count"] > best_blocks:
            best, best_blocks = g, gd["bg_free_blocks_count"]
    return best


def _find_group_other(sb: Ext2SuperBlock, parent_group: int) -> int:
    groups, n = sb.groups, sb.ngroups
    gd = groups[parent_group]
    if gd["bg_free_inodes_count"] and gd["bg_free_blocks_count"]:
        return parent_group
    # quadratic probe for a group with both free inodes and free blocks
    g, step = parent_group, 1
    while step < n:
        g = (g + step) % n
        if groups[g]["bg_free_inodes_count"] and groups[g]["bg_free_blocks_count"]:
            return g
        step <<= 1
    # then any group with a free inode
    for k in range(n):
        g = (parent_group + k) % n
        if groups[g]["bg_free_inodes_count"]:
            return g
    return -1


def ialloc(sb: Ext2SuperBlock, parent_ino: int, is_dir: bool) -> int:
    """Allocate an inode number (Bach's ialloc)."""
    sb.check_writable()
    if sb.s["s_free_inodes_count"] == 0:
        raise KernelError(E.ENOSPC)
    parent_group = (max(parent_ino, 1) - 1) // sb.inodes_per_group
    first = _find_group_dir(sb) if is_dir else _find_group_other(sb, parent_group)
    if first < 0:
        first = parent_group
    for k in range(sb.ngroups):
        g = (first + k) % sb.ngroups
        gd = sb.groups[g]
        if not gd["bg_free_inodes_count"]:
            continue
        start = sb.first_ino - 1 if g == 0 else 0
        buf = sb.cache.bread(sb.bdev, gd["bg_inode_bitmap"])
        try:
            bit = find_zero_bit(buf.data, start, sb.inodes_per_group)
            if bit < 0:
                continue
            set_bits(buf.data, bit, 1)
            sb.cache.bdwrite(buf)
        finally:
            sb.cache.brelse(buf)
        gd["bg_free_inodes_count"] -= 1
        if is_dir:
            gd["bg_used_dirs_count"] += 1
        sb.s["s_free_inodes_count"] -= 1
        return g * sb.inodes_per_group + bit + 1
    raise KernelError(E.ENOSPC)


def ifree(sb: Ext2SuperBlock, ino: int, is_dir: bool) -> None:
    """Release inode ``ino`` in its group's bitmap (Bach's ifree)."""
    if not sb.first_ino <= ino <= sb.inodes_count:
        raise KernelError(E.EIO, f"ext2: freeing reserved or nonexistent inode {ino}")
    g, bit = divmod(ino - 1, sb.inodes_per_group)
    gd = sb.groups[g]
    buf = sb.cache.bread(sb.bdev, gd["bg_inode_bitmap"])
    was = clear_bits(buf.data, bit, 1)
    sb.cache.bdwrite(buf)
    sb.cache.brelse(buf)
    if not was:
        return                    # already free: nothing to give back
    gd["bg_free_inodes_count"] += 1
    if is_dir:
        gd["bg_used_dirs_count"] = max(0, gd["bg_used_dirs_count"] - 1)
    sb.s["s_free_inodes_count"] += 1
