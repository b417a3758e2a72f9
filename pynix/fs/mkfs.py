"""pynix's own mkfs: make an ext2 (rev 1) image, optionally filled from a host directory.

``mkfs(path, size_bytes, block_size=1024, from_dir=None)`` does what ``mke2fs -t ext2``
(plus ``-d DIR``) does, with the features sparse_super, filetype and large_file and 256-byte
inodes:

1. lay out the empty filesystem with plain file writes: superblock, group descriptors,
   block and inode bitmaps (metadata and padding bits set), zeroed inode tables and a root
   inode (inode 2) with no blocks yet; inodes 1-11 are reserved (11 is lost+found);
2. mount it with pynix's own ext2 layer and finish there: root's '.'/'..' block, lost+found
   (pre-grown to 16 KiB or 12 blocks, as mke2fs does), then the host tree: regular files,
   directories, symlinks, FIFOs/sockets/device nodes, modes and timestamps; hard links stay
   hard links; all-zero blocks become holes;
3. sync, which writes the superblock and descriptor backups where sparse_super puts them.

The result passes ``e2fsck -fn``. Owner is root:root unless ``owner=None`` (keep host ids).
"""
from __future__ import annotations

import os
import stat
import time

from pynix.fs.bio import BlockDevice, BufferCache
from pynix.fs.ext2 import dir as D
from pynix.fs.ext2 import layout as L
from pynix.fs.ext2.inode import Ext2Inode
from pynix.fs.ext2.super import Ext2SuperBlock

LOST_FOUND_INO = 11
MiB = 1024 * 1024


class Geometry:
    """Block groups, inode counts and where each group's metadata lives."""

    def __init__(self, size_bytes: int, bs: int, inode_size: int, inode_ratio: int) -> None:
        if bs not in (1024, 2048, 4096):
            raise ValueError(f"block size must be 1024, 2048 or 4096, not {bs}")
        self.bs, self.isz = bs, inode_size
        self.fdb = 1 if bs == 1024 else 0
        self.bpg = 8 * bs
        self.blocks = size_bytes // bs
        while True:
            self.ngroups = max(1, -(-(self.blocks - self.fdb) // self.bpg))
            total_inodes = max(size_bytes // max(inode_ratio, bs), 16 * self.ngroups)
            step = max(8, bs // inode_size)
            ipg = -(-total_inodes // self.ngroups)
            self.ipg = min(-(-ipg // step) * step, self.bpg)
            self.itb = self.ipg * inode_size // bs
            self.gdt = -(-self.ngroups * L.GROUP_DESC_SIZE // bs)
            last = self.group_size(self.ngroups - 1)
            if self.ngroups > 1 and last < self.overhead(self.ngroups - 1) + 50:
                self.blocks -= last             # drop a runt last group, as mke2fs does
                continue
            break
        if self.group_size(0) < self.overhead(0) + 16:
            raise ValueError(f"{size_bytes} bytes is too small for an ext2 filesystem")

    def first(self, g: int) -> int:
        return self.fdb + g * self.bpg

    def group_size(self, g: int) -> int:
        return min(self.bpg, self.blocks - self.first(g))

    def has_super(self, g: int) -> bool:
        return L.group_has_super(g, sparse=True)

    def overhead(self, g: int) -> int:
        return (1 + self.gdt if self.has_super(g) else 0) + 2 + self.itb

    def meta(self, g: int) -> tuple[int, int, int]:
        """(block bitmap, inode bitmap, inode table) of group ``g``."""
        b = self.first(g) + (1 + self.gdt if self.has_super(g) else 0)
        return b, b + 1, b + 2


def _set_bits(bm: bytearray, start: int, end: int) -> None:
    for i in range(start, end):
        bm[i >> 3] |= 1 << (i & 7)


def _layout(fd: int, geo: Geometry, label: bytes) -> None:
    """Write the empty filesystem: descriptors, bitmaps, superblock, a bare root inode."""
    bs, now = geo.bs, int(time.time())
    groups = []
    for g in range(geo.ngroups):
        bb, ib, it = geo.meta(g)
        used = geo.overhead(g)
        bbm = bytearray(bs)
        _set_bits(bbm, 0, used)
        _set_bits(bbm, geo.group_size(g), 8 * bs)           # padding past the last block
        ibm = bytearray(bs)
        _set_bits(ibm, geo.ipg, 8 * bs)                      # padding past the last inode
        free_inodes = geo.ipg
        if g == 0:
            _set_bits(ibm, 0, LOST_FOUND_INO)                # inodes 1..11
            free_inodes -= LOST_FOUND_INO
        os.pwrite(fd, bytes(bbm), bb * bs)
        os.pwrite(fd, bytes(ibm), ib * bs)
        groups.append({"bg_block_bitmap": bb, "bg_inode_bitmap": ib, "bg_inode_table": it,
                       "bg_free_blocks_count": geo.group_size(g) - used,
                       "bg_free_inodes_count": free_inodes,
                       "bg_used_dirs_count": 2 if g == 0 else 0, "bg_flags": 0})
    gdt = bytearray(geo.gdt * bs)
    for g, gd in enumerate(groups):
        L.GROUP_DESC.pack_into(gdt, g * L.GROUP_DESC_SIZE, gd)
    os.pwrite(fd, bytes(gdt), (geo.fdb + 1) * bs)

    extra = 32 if geo.isz > L.EXT2_GOOD_OLD_INODE_SIZE else 0
    uuid = bytearray(os.urandom(16))
    uuid[6] = (uuid[6] & 0x0F) | 0x40
    uuid[8] = (uuid[8] & 0x3F) | 0x80
    s: L.Fields = {name: 0 for name in L.SUPER.names}
    s.update({
        "s_inodes_count": geo.ipg * geo.ngroups, "s_blocks_count": geo.blocks,
        "s_r_blocks_count": geo.blocks * 5 // 100,
        "s_free_blocks_count": sum(g["bg_free_blocks_count"] for g in groups),
        "s_free_inodes_count": sum(g["bg_free_inodes_count"] for g in groups),
        "s_first_data_block": geo.fdb, "s_log_block_size": bs.bit_length() - 11,
        "s_log_frag_size": bs.bit_length() - 11, "s_blocks_per_group": geo.bpg,
        "s_frags_per_group": geo.bpg, "s_inodes_per_group": geo.ipg, "s_wtime": now,
        "s_max_mnt_count": -1, "s_magic": L.EXT2_SUPER_MAGIC, "s_state": L.EXT2_VALID_FS,
        "s_errors": L.EXT2_ERRORS_CONTINUE, "s_lastcheck": now,
        "s_creator_os": L.EXT2_OS_LINUX, "s_rev_level": L.EXT2_DYNAMIC_REV,
        "s_first_ino": L.EXT2_GOOD_OLD_FIRST_INO, "s_inode_size": geo.isz,
        "s_feature_incompat": L.INCOMPAT_FILETYPE,
        "s_feature_ro_compat": L.RO_COMPAT_SPARSE_SUPER | L.RO_COMPAT_LARGE_FILE,
        "s_uuid": bytes(uuid), "s_volume_name": label[:16], "s_last_mounted": b"",
        "s_journal_uuid": b"", "s_hash_seed": os.urandom(16), "s_mkfs_time": now,
        "s_min_extra_isize": extra, "s_want_extra_isize": extra,
    })
    raw = bytearray(L.SUPERBLOCK_SIZE)
    L.SUPER.pack_into(raw, 0, s)
    os.pwrite(fd, bytes(raw), L.SUPERBLOCK_OFFSET)

    # a bare root directory inode; its '.'/'..' block is added through the ext2 layer
    ino_raw = bytearray(geo.isz)
    f: L.Fields = {name: 0 for name in L.INODE.names}
    f.update({"i_mode": stat.S_IFDIR | 0o755, "i_links_count": 2, "i_atime": now,
              "i_ctime": now, "i_mtime": now, "i_block": [0] * L.EXT2_N_BLOCKS})
    L.INODE.pack_into(ino_raw, 0, f)
    if extra:
        ino_raw[128:130] = extra.to_bytes(2, "little")
    _, _, itable = geo.meta(0)
    os.pwrite(fd, bytes(ino_raw), itable * bs + (L.EXT2_ROOT_INO - 1) * geo.isz)


def mkfs(path: str, size_bytes: int, block_size: int = 1024, from_dir: str | None = None,
         *, inode_size: int = 256, inode_ratio: int | None = None, label: bytes = b"",
         owner: tuple[int, int] | None = (0, 0)) -> None:
    """Create an ext2 image of ``size_bytes`` at ``path`` (overwriting it)."""
    if inode_ratio is None:
        inode_ratio = 4096 if size_bytes < 512 * MiB else 16384
    geo = Geometry(size_bytes, block_size, inode_size, inode_ratio)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.ftruncate(fd, geo.blocks * block_size)
        _layout(fd, geo, label)
    finally:
        os.close(fd)
    dev = BlockDevice(path, block_size)
    try:
        sb = Ext2SuperBlock(dev, BufferCache(1024))
        sb.s["s_mnt_count"] = 0
        sb.s["s_mtime"] = 0
        root = sb.root
        D.make_empty(root, L.EXT2_ROOT_INO)
        lf = Ext2Inode.new(sb, LOST_FOUND_INO, stat.S_IFDIR | 0o700, 0, 0)
        sb.icache[LOST_FOUND_INO] = lf
        lf.nlink = 2
        D.make_empty(lf, L.EXT2_ROOT_INO)
        D.grow(lf, min(L.EXT2_NDIR_BLOCKS, max(2, 16384 // block_size)))
        D.add_entry(root, b"lost+found", LOST_FOUND_INO, L.EXT2_FT_DIR)
        root.nlink += 1
        root.mark_dirty()
        if from_dir is not None:
            st = os.lstat(from_dir)
            _copy_tree(sb, root, from_dir, owner, {})
            _set_attrs(root, st, owner)
        sb.put_super()
    finally:
        dev.close()


def _set_attrs(inode: Ext2Inode, st: os.stat_result, owner: tuple[int, int] | None) -> None:
    if not stat.S_ISLNK(st.st_mode):
        inode.mode = stat.S_IFMT(inode.mode) | stat.S_IMODE(st.st_mode)
    inode.uid, inode.gid = owner if owner is not None else (st.st_uid, st.st_gid)
    inode.atime, inode.mtime = st.st_atime_ns, st.st_mtime_ns
    inode.mark_dirty()


def _copy_file(inode: Ext2Inode, host_path: str, size: int, bs: int) -> None:
    """Copy a host file; runs of all-zero blocks are left as holes."""
    chunk_size = max(MiB // bs, 1) * bs
    zero = bytes(bs)
    with open(host_path, "rb") as f:
        off = 0
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                break
            start = -1                       # first block of the current run of data blocks
            for i in range(0, len(chunk) + bs, bs):
                is_data = i < len(chunk) and chunk[i:i + bs] != zero[:len(chunk) - i]
                if is_data and start < 0:
                    start = i
                elif not is_data and start >= 0:
                    inode.write(off + start, chunk[start:i])
                    start = -1
            off += len(chunk)
    if inode.size < size:
        inode.truncate(size)                # trailing holes


def _copy_tree(sb: Ext2SuperBlock, d: Ext2Inode, host_dir: str,
               owner: tuple[int, int] | None, links: dict[tuple[int, int], Ext2Inode]) -> None:
    for entry in sorted(os.scandir(host_dir), key=lambda e: e.name):
        st = entry.stat(follow_symlinks=False)
        name = os.fsencode(entry.name)
        mode = st.st_mode
        key = (st.st_dev, st.st_ino)
        if not stat.S_ISDIR(mode) and st.st_nlink > 1 and key in links:
            d.link(name, links[key])
            continue
        if stat.S_ISDIR(mode):
            child = d.mkdir(name, stat.S_IMODE(mode), 0, 0)
            _copy_tree(sb, child, entry.path, owner, links)
        elif stat.S_ISLNK(mode):
            child = d.symlink(name, os.fsencode(os.readlink(entry.path)), 0, 0)
        elif stat.S_ISREG(mode):
            child = d.create(name, stat.S_IFREG | stat.S_IMODE(mode), 0, 0)
            _copy_file(child, entry.path, st.st_size, sb.block_size)
        else:                               # FIFO, socket, character or block device
            child = d.create(name, mode, 0, 0, st.st_rdev)
        _set_attrs(child, st, owner)
        if st.st_nlink > 1 and not stat.S_ISDIR(mode):
            links[key] = child
        else:
            sb.forget(child)
