"""The mounted ext2 filesystem: superblock, group descriptors and the in-core inode table.

Analogous to Linux's fs/ext2/super.c (ext2_fill_super, ext2_statfs, ext2_sync_fs,
ext2_put_super). ``Ext2SuperBlock(dev)`` mounts the image on a ``BlockDevice``: it reads and
validates the superblock (magic, revision, geometry, features, descriptors) and raises
``Ext2Error`` (a ``KernelError(EINVAL)`` with a message) for anything it cannot trust.
``mount_image(path)`` opens an image file and mounts it in one call.

It owns:
- ``s``: the superblock fields (layout.SUPER names); free counts kept current by balloc/ialloc.
- ``groups``: one dict per block group (layout.GROUP_DESC names).
- ``icache``: ino -> Ext2Inode, so one inode number has one in-core inode while referenced
  (``ext2_iget`` finds or reads it; references are fs/vfs/icache's iget/iput); ``forget`` writes an inode back and drops it once the VFS's last reference is
  gone; ``dirty_inodes`` are written back by ``sync``.
- write-back: ``sync`` writes the superblock, the descriptors and their sparse_super backups,
  then every dirty buffer of the device.
"""
from __future__ import annotations

import time

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.bio import BlockDevice, BufferCache, default_cache
from pynix.fs.ext2 import layout as L
from pynix.fs.ext2.inode import Ext2Inode
from pynix.fs.ext2.xattr import PREFIXES as XATTR_PREFIXES
from pynix.fs.vfs.inode import MAX_LFS_FILESIZE, StatFs, SuperBlock


class Ext2Error(KernelError):
    """A damaged or unsupported ext2 image (mount refuses it with EINVAL)."""

    def __init__(self, msg: str, err: int = E.EINVAL) -> None:
        super().__init__(err, f"ext2: {msg}")


class Ext2SuperBlock(SuperBlock):
    """A mounted ext2 filesystem (struct ext2_sb_info + struct super_block)."""

    fs_name = "ext2"
    magic = L.EXT2_SUPER_MAGIC
    xattr_prefixes = XATTR_PREFIXES          # user, trusted, security (xattr.py)
    root: Ext2Inode

    def __init__(self, bdev: BlockDevice, cache: BufferCache | None = None,
                 readonly: bool = False) -> None:
        super().__init__()
        self.bdev = bdev
        self.cache = cache if cache is not None else default_cache()
        self.readonly = readonly or bdev.readonly
        self.owns_bdev = False       # put_super closes bdev (set by mount_image)
        self.raw_super = bytearray(bdev.pread(L.SUPERBLOCK_OFFSET, L.SUPERBLOCK_SIZE))
        self.s = L.SUPER.unpack(self.raw_super)
        self._read_geometry()
        self.cache.invalidate_dev(bdev)
        bdev.block_size = self.block_size
        self._read_groups()
        self.icache: dict[int, Ext2Inode] = {}
        self.dirty_inodes: set[Ext2Inode] = set()
        root = self.ext2_iget(L.EXT2_ROOT_INO)
        if not root.is_dir() or root.nlink < 2:
            raise Ext2Error("root inode is not a directory")
        self.root = root
        self.state_at_mount = self.s["s_state"]
        if not self.readonly:
            # ext2_setup_super: a mounted filesystem is not clean; put_super sets the flag
            # again, so an image left by a crash shows as unclean to e2fsck
            self.s["s_mnt_count"] = (self.s["s_mnt_count"] + 1) & 0xFFFF
            self.s["s_mtime"] = int(time.time()) & 0xFFFFFFFF
            self.s["s_state"] = self.state_at_mount & ~L.EXT2_VALID_FS
            self.write_super()
            self.cache.sync_dev(self.bdev)        # on the platter now, as ext2_sync_super(wait)

    # -- mount-time validation (ext2_fill_super, ext2_check_descriptors) ---------------------
    def _read_geometry(self) -> None:
        s = self.s
        if s["s_magic"] != L.EXT2_SUPER_MAGIC:
            raise Ext2Error(f"bad magic number {s['s_magic']:#06x} at offset 1024 "
                            f"(not an ext2 filesystem)")
        rev = s["s_rev_level"]
        if rev not in (L.EXT2_GOOD_OLD_REV, L.EXT2_DYNAMIC_REV):
            raise Ext2Error(f"unsupported revision level {rev}")
        log = s["s_log_block_size"]
        if not isinstance(log, int) or log > 2:
            raise Ext2Error(f"unsupported block size (s_log_block_size={log})")
        bs = self.block_size = 1024 << log
        if rev == L.EXT2_GOOD_OLD_REV:
            self.inode_size, self.first_ino = L.EXT2_GOOD_OLD_INODE_SIZE, L.EXT2_GOOD_OLD_FIRST_INO
            incompat = ro_compat = 0
        else:
            self.inode_size, self.first_ino = int(s["s_inode_size"]), int(s["s_first_ino"])
            incompat, ro_compat = int(s["s_feature_incompat"]), int(s["s_feature_ro_compat"])
            isz = self.inode_size
            if isz < 128 or isz > bs or isz & (isz - 1):
                raise Ext2Error(f"bad inode size {isz}")
            if self.first_ino < L.EXT2_GOOD_OLD_FIRST_INO:
                raise Ext2Error(f"bad first inode {self.first_ino}")
        if incompat & ~L.SUPPORTED_INCOMPAT:
            what = "needs journal recovery" if incompat & L.INCOMPAT_RECOVER else "has"
            raise Ext2Error(f"filesystem {what} unsupported incompatible features "
                            f"{incompat & ~L.SUPPORTED_INCOMPAT:#x}")
        if ro_compat & ~L.SUPPORTED_RO_COMPAT:
            self.readonly = True
        self.filetype = bool(incompat & L.INCOMPAT_FILETYPE)
        self.sparse = bool(ro_compat & L.RO_COMPAT_SPARSE_SUPER)
        self.first_data_block = fdb = int(s["s_first_data_block"])
        self.blocks_count = int(s["s_blocks_count"])
        self.inodes_count = int(s["s_inodes_count"])
        self.blocks_per_group = bpg = int(s["s_blocks_per_group"])
        self.inodes_per_group = ipg = int(s["s_inodes_per_group"])
        if fdb != (1 if bs == 1024 else 0):
            raise Ext2Error(f"bad first data block {fdb} for {bs}-byte blocks")
        if not 8 <= bpg <= 8 * bs or bpg % 8:
            raise Ext2Error(f"bad blocks per group {bpg}")
        self.inodes_per_block = bs // self.inode_size
        if not self.inodes_per_block <= ipg <= 8 * bs:
            raise Ext2Error(f"bad inodes per group {ipg}")
        if self.blocks_count <= fdb:
            raise Ext2Error(f"bad block count {self.blocks_count}")
        self.ngroups = (self.blocks_count - fdb + bpg - 1) // bpg
        if self.inodes_count != ipg * self.ngroups:
            raise Ext2Error(f"inode count {self.inodes_count} != {ipg} per group * "
                            f"{self.ngroups} groups")
        if self.blocks_count * bs > self.bdev.size_bytes:
            raise Ext2Error(f"image is truncated: {self.blocks_count} blocks of {bs} bytes "
                            f"need {self.blocks_count * bs} bytes, device has "
                            f"{self.bdev.size_bytes}")
        self.addr_per_block = apb = bs // 4
        self.s_maxbytes = ext2_max_size(bs)
        self.itable_blocks = (ipg * self.inode_size + bs - 1) // bs
        self.gdt_blocks = (self.ngroups * L.GROUP_DESC_SIZE + bs - 1) // bs

    def _read_groups(self) -> None:
        raw = self.bdev.read_blocks(self.first_data_block + 1, self.gdt_blocks)
        self.groups: list[dict[str, int]] = []
        for g in range(self.ngroups):
            gd = L.GROUP_DESC.unpack(raw, g * L.GROUP_DESC_SIZE)
            first, last = self.group_first_block(g), self.group_first_block(g) + self.group_size(g)
            for field, n in (("bg_block_bitmap", 1), ("bg_inode_bitmap", 1),
                             ("bg_inode_table", self.itable_blocks)):
                blk = gd[field]
                if not (first <= blk and blk + n <= last):
                    raise Ext2Error(f"group {g}: {field} {blk} is outside the group "
                                    f"(blocks {first}-{last - 1})")
            if gd["bg_free_blocks_count"] > self.group_size(g) or \
                    gd["bg_free_inodes_count"] > self.inodes_per_group:
                raise Ext2Error(f"group {g}: free counts exceed the group size")
            self.groups.append(gd)
        # Like Linux, trust the per-group counts over the superblock's totals.
        self.s["s_free_blocks_count"] = sum(g["bg_free_blocks_count"] for g in self.groups)
        self.s["s_free_inodes_count"] = sum(g["bg_free_inodes_count"] for g in self.groups)

    # -- geometry helpers ------------------------------------------------------------------
    def group_first_block(self, g: int) -> int:
        return self.first_data_block + g * self.blocks_per_group

    def group_size(self, g: int) -> int:
        """Blocks in group ``g`` (the last group may be short)."""
        return min(self.blocks_per_group, self.blocks_count - self.group_first_block(g))

    def group_of_block(self, blk: int) -> tuple[int, int]:
        return divmod(blk - self.first_data_block, self.blocks_per_group)

    def inode_location(self, ino: int) -> tuple[int, int]:
        """(block, byte offset) of inode ``ino`` in its group's inode table."""
        g, idx = divmod(ino - 1, self.inodes_per_group)
        blk, idx = divmod(idx, self.inodes_per_block)
        return self.groups[g]["bg_inode_table"] + blk, idx * self.inode_size

    def set_large_file(self) -> None:
        """A file passed 2 GiB: record the large_file feature (ext2_update_dynamic_rev)."""
        if not int(self.s["s_feature_ro_compat"]) & L.RO_COMPAT_LARGE_FILE:
            self.s["s_feature_ro_compat"] |= L.RO_COMPAT_LARGE_FILE
            self.write_super(backups=False)

    def check_writable(self) -> None:
        if self.readonly:
            raise KernelError(E.EROFS)

    # -- the in-core inode table (the find-or-read half of Bach's iget) ---------------------
    def ext2_iget(self, ino: int) -> Ext2Inode:
        """The in-core inode for ``ino``, read from the inode table on first use (Linux's
        ext2_iget with iget_locked). Takes no reference: the VFS does, fs/vfs/icache.iget."""
        inode = self.icache.get(ino)
        if inode is None:
            if not 1 <= ino <= self.inodes_count:
                raise Ext2Error(f"inode number {ino} out of range", E.EIO)
            inode = Ext2Inode.load(self, ino)
            self.icache[ino] = inode
        return inode

    def forget(self, inode: Ext2Inode) -> None:
        """Drop an unreferenced in-core inode (after writing it back)."""
        inode.write_inode()
        if self.icache.get(inode.ino) is inode:
            del self.icache[inode.ino]

    # -- statfs / sync / umount ---------------------------------------------------------------
    def statfs(self) -> StatFs:
        overhead = self.first_data_block
        for g in range(self.ngroups):
            if L.group_has_super(g, self.sparse):
                overhead += 1 + self.gdt_blocks
        overhead += self.ngroups * (2 + self.itable_blocks)
        free = int(self.s["s_free_blocks_count"])
        avail = max(0, free - int(self.s["s_r_blocks_count"]))
        return StatFs(self.magic, self.block_size, self.blocks_count - overhead, free, avail,
                      self.inodes_count, int(self.s["s_free_inodes_count"]),
                      L.EXT2_NAME_LEN, self.block_size)

    def write_super(self, backups: bool = True) -> None:
        """Put the superblock and descriptors (and sparse_super backups) in the cache."""
        if self.readonly:
            return
        self.s["s_wtime"] = int(time.time()) & 0xFFFFFFFF
        gdt = bytearray(self.gdt_blocks * self.block_size)
        for g, gd in enumerate(self.groups):
            L.GROUP_DESC.pack_into(gdt, g * L.GROUP_DESC_SIZE, gd)
        for g in range(self.ngroups if backups else 1):
            if not L.group_has_super(g, self.sparse):
                continue
            first = self.group_first_block(g)
            self.s["s_block_group_nr"] = g
            L.SUPER.pack_into(self.raw_super, 0, self.s)
            if g == 0 and self.block_size > 1024:
                self._write_bytes(0, 1024, self.raw_super)
            else:
                self._write_bytes(first, 0, self.raw_super)
            self._write_gdt(first + 1, gdt)
        self.s["s_block_group_nr"] = 0
        L.SUPER.pack_into(self.raw_super, 0, self.s)

    def _write_bytes(self, blk: int, off: int, data: bytes | bytearray) -> None:
        buf = self.cache.bread(self.bdev, blk)
        buf.data[off:off + len(data)] = data
        self.cache.bdwrite(buf)
        self.cache.brelse(buf)

    def _write_gdt(self, blk: int, gdt: bytearray) -> None:
        bs = self.block_size
        used = self.ngroups * L.GROUP_DESC_SIZE
        for i in range(self.gdt_blocks):
            chunk = gdt[i * bs:min((i + 1) * bs, used)]
            self._write_bytes(blk + i, 0, chunk)

    def sync(self) -> None:
        if self.readonly:
            return
        for inode in list(self.dirty_inodes):
            inode.write_inode()
        self.write_super()
        self.cache.sync_dev(self.bdev)

    def put_super(self) -> None:
        """Umount: write everything back and drop this device's buffers and inodes."""
        if not self.readonly:
            self.s["s_state"] = self.state_at_mount     # clean again, if it was at mount
        self.sync()
        self.cache.invalidate_dev(self.bdev)
        self.icache.clear()
        if self.owns_bdev:
            self.bdev.close()


def mount_image(path: str, readonly: bool = False,
                cache: BufferCache | None = None) -> Ext2SuperBlock:
    """Open the image file ``path`` as a block device and mount its ext2 filesystem (the root
    disk at boot); put_super closes the device again."""
    bdev = BlockDevice(path, readonly=readonly)
    try:
        sb = Ext2SuperBlock(bdev, cache, readonly)
    except BaseException:
        bdev.close()
        raise
    sb.owns_bdev = True
    return sb


def ext2_max_size(bs: int) -> int:
    """s_maxbytes for block size ``bs`` (Linux's ext2_max_size): what the block tree addresses,
    unless a dense file of that size, indirect blocks included, would overflow the 32-bit
    i_blocks count of 512-byte sectors; then the largest size whose blocks fit in it."""
    ppb = bs // 4
    upper = ((1 << 32) - 1) // (bs // 512)            # blocks i_blocks can count
    res = 12 + ppb + ppb ** 2 + ppb ** 3
    if res + 1 + (1 + ppb) + (1 + ppb + ppb ** 2) > upper:
        res = upper
        left = upper - 12 - ppb
        meta = 1                                       # the single indirect block
        if left < ppb * ppb:
            meta += 1 + -(-left // ppb)
        else:
            meta += 1 + ppb
            left -= ppb * ppb
            meta += 1 + -(-left // ppb) + -(-left // (ppb * ppb))
        res -= meta
    return min(res * bs, MAX_LFS_FILESIZE)
