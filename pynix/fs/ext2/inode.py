"""The ext2 in-core inode: file data, symlinks, inode table write-back and eviction.

Analogous to Linux's fs/ext2/inode.c (ext2_iget, ext2_write_inode, ext2_evict_inode) and
file.c. ``Ext2Inode`` implements pynix.fs.vfs.inode.Inode for ext2:

- ``Ext2Inode.load(sb, ino)`` reads the on-disk inode (called by ``Ext2SuperBlock.ext2_iget``);
  ``Ext2Inode.new(sb, ino, mode, uid, gid)`` initialises a freshly ialloc'ed one.
- ``read``/``write``/``truncate`` move file data in runs of contiguous blocks (bmap_run /
  bmap_alloc): whole blocks go to the device with one pread/pwrite per run, partial blocks
  through the buffer cache.
- ``readlink`` reads fast (target in i_block) and slow (target in a data block) symlinks.
- ``mark_dirty`` queues the inode on the superblock's dirty list; ``write_inode`` copies it
  into its inode-table buffer (at sync, fsync, forget, evict); ``fsync`` also flushes the
  device's buffers.
- ``evict`` (nlink == 0, no references left) frees data blocks, the xattr block reference
  and the inode; extended attributes are xattr.py's.
- Directory operations delegate to namei.py (which uses dir.py for the entries).

Owns the raw inode bytes (``raw``): fields pynix does not model are written back unchanged.
"""
from __future__ import annotations

import os
import stat
import struct
import time
from typing import TYPE_CHECKING, Iterator

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.ext2 import bmap as B
from pynix.fs.ext2 import dir as D
from pynix.fs.ext2 import layout as L
from pynix.fs.ext2 import namei
from pynix.fs.ext2.ialloc import ifree
from pynix.fs.ext2.xattr import (
    ext2_xattr_delete_inode,
    ext2_xattr_get,
    ext2_xattr_list,
    ext2_xattr_set,
)
from pynix.fs.vfs.inode import Inode, now_ns

if TYPE_CHECKING:
    from pynix.fs.ext2.super import Ext2SuperBlock

_I_BLOCK = struct.Struct("<15I")


class Ext2Inode(Inode):
    tmpfile = True
    fileattr_mask = L.EXT2_FL_USER_MODIFIABLE   # chattr's flags, kept in the on-disk i_flags
    sb: Ext2SuperBlock

    def __init__(self, sb: Ext2SuperBlock, ino: int, raw: bytearray) -> None:
        f = L.INODE.unpack(raw)
        mode = int(f["i_mode"])
        size = int(f["i_size"])
        if stat.S_ISREG(mode):
            size |= int(f["i_size_high"]) << 32
        super().__init__(sb, ino, mode,
                         uid=f["i_uid"] | (f["i_uid_high"] << 16),
                         gid=f["i_gid"] | (f["i_gid_high"] << 16),
                         nlink=int(f["i_links_count"]), size=size)
        self.raw = raw
        self.i_block: list[int] = f["i_block"]
        self.i_blocks = int(f["i_blocks"]) | (int(f["i_blocks_hi"]) << 32)
        self.i_flags = int(f["i_flags"])
        self.dtime = int(f["i_dtime"])
        self.generation = int(f["i_generation"])
        self.file_acl = int(f["i_file_acl"]) | (int(f["i_file_acl_high"]) << 32)
        self.i_size_high_dir = 0 if stat.S_ISREG(mode) else int(f["i_size_high"])
        self.extra = self._extra_times()
        x = L.INODE_EXTRA.unpack(raw) if self.extra else {}
        self.atime = L.decode_time(f["i_atime"], x.get("i_atime_extra"))
        self.mtime = L.decode_time(f["i_mtime"], x.get("i_mtime_extra"))
        self.ctime = L.decode_time(f["i_ctime"], x.get("i_ctime_extra"))
        self.crtime = L.decode_time(x["i_crtime"], x["i_crtime_extra"]) if x else 0
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            self.rdev = L.decode_rdev(self.i_block[0], self.i_block[1])
        self.dirty = False
        self.alloc_goal = 0          # next block to try when this file grows (bmap)
        self.map_cache: tuple[int, int, int] | None = None   # last mapped run (bmap)

    def _extra_times(self) -> bool:
        if len(self.raw) < L.INODE_EXTRA_TIMES_END:
            return False
        extra_isize: int = struct.unpack_from("<H", self.raw, 128)[0]
        return 128 + extra_isize >= L.INODE_EXTRA_TIMES_END

    # -- iget / new / write_inode ----------------------------------------------------------
    @classmethod
    def load(cls, sb: Ext2SuperBlock, ino: int) -> Ext2Inode:
        blk, off = sb.inode_location(ino)
        buf = sb.cache.bread(sb.bdev, blk)
        raw = bytearray(buf.data[off:off + sb.inode_size])
        sb.cache.brelse(buf)
        return cls(sb, ino, raw)

    @classmethod
    def new(cls, sb: Ext2SuperBlock, ino: int, mode: int, uid: int, gid: int) -> Ext2Inode:
        """The in-core inode for a just-allocated inode number (ext2_new_inode's tail)."""
        raw = bytearray(sb.inode_size)
        if sb.inode_size > L.EXT2_GOOD_OLD_INODE_SIZE:
            want = int(sb.s.get("s_want_extra_isize") or 32)
            want = min(max(want, 32), sb.inode_size - L.EXT2_GOOD_OLD_INODE_SIZE) & ~3
            struct.pack_into("<H", raw, 128, want)
        inode = cls(sb, ino, raw)
        inode.mode, inode.uid, inode.gid, inode.nlink = mode, uid, gid, 1
        inode.atime = inode.mtime = inode.ctime = inode.crtime = now_ns()
        inode.generation = int.from_bytes(os.urandom(4), "little")
        inode.write_inode()
        return inode

    def write_inode(self) -> None:
        """Copy the in-core inode into its inode-table block (ext2_write_inode)."""
        sb = self.sb
        if sb.readonly:
            return
        atime, atime_x = L.encode_time(self.atime)
        mtime, mtime_x = L.encode_time(self.mtime)
        ctime, ctime_x = L.encode_time(self.ctime)
        is_reg = stat.S_ISREG(self.mode)
        if stat.S_ISCHR(self.mode) or stat.S_ISBLK(self.mode):
            b0, b1 = L.encode_rdev(self.rdev)
            self.i_block = [b0, b1] + [0] * 13
        f = {
            "i_mode": self.mode & 0xFFFF, "i_uid": self.uid & 0xFFFF,
            "i_size": self.size & 0xFFFFFFFF, "i_atime": atime, "i_ctime": ctime,
            "i_mtime": mtime, "i_dtime": self.dtime & 0xFFFFFFFF, "i_gid": self.gid & 0xFFFF,
            "i_links_count": self.nlink, "i_blocks": self.i_blocks & 0xFFFFFFFF,
            "i_flags": self.i_flags, "i_block": self.i_block, "i_generation": self.generation,
            "i_file_acl": self.file_acl & 0xFFFFFFFF,
            "i_size_high": (self.size >> 32) if is_reg else self.i_size_high_dir,
            "i_blocks_hi": (self.i_blocks >> 32) & 0xFFFF,
            "i_file_acl_high": (self.file_acl >> 32) & 0xFFFF,
            "i_uid_high": (self.uid >> 16) & 0xFFFF, "i_gid_high": (self.gid >> 16) & 0xFFFF,
        }
        L.INODE.pack_into(self.raw, 0, f)
        if self.extra:
            crtime, crtime_x = L.encode_time(self.crtime)
            L.INODE_EXTRA.pack_into(self.raw, 0, {
                "i_extra_isize": struct.unpack_from("<H", self.raw, 128)[0],
                "i_ctime_extra": ctime_x, "i_mtime_extra": mtime_x, "i_atime_extra": atime_x,
                "i_crtime": crtime, "i_crtime_extra": crtime_x})
        blk, off = sb.inode_location(self.ino)
        buf = sb.cache.bread(sb.bdev, blk)
        buf.data[off:off + sb.inode_size] = self.raw
        sb.cache.bdwrite(buf)
        sb.cache.brelse(buf)
        self.dirty = False
        sb.dirty_inodes.discard(self)

    def mark_dirty(self) -> None:
        """Queue the inode for write-back (sync, fsync, forget); like mark_inode_dirty."""
        if not self.dirty:
            self.dirty = True
            self.sb.dirty_inodes.add(self)

    def fiemap(self, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        """FS_IOC_FIEMAP's extents (fs/vfs/remap.py)."""
        return B.ext2_fiemap(self, start, end)

    def fsync(self) -> None:
        self.write_inode()
        self.sb.cache.sync_dev(self.sb.bdev)

    # -- attributes ------------------------------------------------------------------------
    @property
    def blocks(self) -> int:
        return self.i_blocks

    @property
    def blksize(self) -> int:
        return self.sb.block_size

    def has_data_blocks(self) -> bool:
        """Whether i_block holds block pointers (not a device number or a fast symlink)."""
        if stat.S_ISREG(self.mode) or stat.S_ISDIR(self.mode):
            return True
        return stat.S_ISLNK(self.mode) and not self.is_fast_symlink()

    def is_fast_symlink(self) -> bool:
        ea_blocks = self.sb.block_size >> 9 if self.file_acl else 0
        return stat.S_ISLNK(self.mode) and self.i_blocks - ea_blocks == 0

    def max_size(self) -> int:
        return self.sb.s_maxbytes

    # -- file data ---------------------------------------------------------------------------
    def read(self, off: int, n: int) -> bytes:
        if not stat.S_ISREG(self.mode):
            return super().read(off, n)
        if off < 0:
            raise KernelError(E.EINVAL)
        return self.read_data(off, n)

    def read_data(self, off: int, n: int) -> bytes:
        """Bytes ``[off, off+n)`` clipped at EOF; holes read as zeros."""
        end = min(off + n, self.size)
        if off >= end:
            return b""
        sb = self.sb
        bs, cache, bdev = sb.block_size, sb.cache, sb.bdev
        lblk, boff = divmod(off, bs)
        if boff + (end - off) < bs:                 # inside one block: the buffer cache
            pblk = B.bmap_run(self, lblk, 1)[0]
            if not pblk:
                return bytes(end - off)
            buf = cache.bread(bdev, pblk)
            data = bytes(buf.data[boff:boff + end - off])
            cache.brelse(buf)
            return data
        chunks: list[bytes | bytearray | memoryview] = []
        pos = off
        while pos < end:
            lblk, boff = divmod(pos, bs)
            pblk, cnt = B.bmap_run(self, lblk, (end - pos + boff + bs - 1) // bs)
            take = min(cnt * bs - boff, end - pos)
            if pblk == 0:
                chunks.append(bytes(take))
            elif cnt == 1 and take < bs:
                buf = cache.bread(bdev, pblk)
                chunks.append(bytes(buf.data[boff:boff + take]))
                cache.brelse(buf)
            else:                                   # whole run in one pread
                run = cache.bread_run(bdev, pblk, cnt)
                chunks.append(run if take == len(run) else memoryview(run)[boff:boff + take])
            pos += take
        if len(chunks) == 1 and isinstance(chunks[0], bytes):
            return chunks[0]
        return b"".join(chunks)

    def write(self, off: int, data: bytes) -> int:
        if not stat.S_ISREG(self.mode):
            return super().write(off, data)
        if off < 0:
            raise KernelError(E.EINVAL)
        return self.write_data(off, data)

    def write_data(self, off: int, data: bytes | bytearray | memoryview) -> int:
        """Write at ``off``, allocating blocks; returns bytes written (short on ENOSPC)."""
        sb = self.sb
        if sb.readonly:
            raise KernelError(E.EROFS)
        src: bytes | bytearray | memoryview = (
            data if isinstance(data, (bytes, bytearray)) else memoryview(data).cast("B"))
        n = len(src)
        if n == 0:
            return 0
        limit = sb.s_maxbytes
        if off + n > limit:
            if off >= limit:
                raise KernelError(E.EFBIG)
            src, n = src[:limit - off], limit - off
        bs = sb.block_size
        lblk, boff = divmod(off, bs)
        if boff + n < bs:                           # inside one block: the buffer cache
            pblk, _, fresh = B.bmap_alloc(self, lblk, 1)
            self._write_partial(pblk, boff, src, fresh)
            pos = off + n
        else:
            pos = self._write_runs(off, memoryview(src))
        if pos > self.size:
            self.size = pos
            if pos > 0x7FFFFFFF:
                sb.set_large_file()
        if pos > off:
            self.mtime = self.ctime = now_ns()
        self.mark_dirty()
        return pos - off

    def _write_runs(self, off: int, src: memoryview) -> int:
        """Write ``src`` at ``off`` run by run; returns the end position reached."""
        sb = self.sb
        bs, cache, bdev = sb.block_size, sb.cache, sb.bdev
        end = off + len(src)
        pos = off
        try:
            while pos < end:
                lblk, boff = divmod(pos, bs)
                pblk, cnt, fresh = B.bmap_alloc(self, lblk, (end - pos + boff + bs - 1) // bs)
                take = min(cnt * bs - boff, end - pos)
                chunk = src[pos - off:pos - off + take]
                done = 0
                if boff:                                   # partial head block
                    done = min(bs - boff, take)
                    self._write_partial(pblk, boff, chunk[:done], fresh)
                    chunk, pblk = chunk[done:], pblk + 1
                full = len(chunk) // bs
                if full:                                   # whole blocks in one pwrite
                    cache.bwrite_run(bdev, pblk, chunk[:full * bs])
                    done += full * bs
                if done < take:                           # partial tail block
                    self._write_partial(pblk + full, 0, chunk[full * bs:], fresh)
                pos += take
        except KernelError as e:
            if e.errno != E.ENOSPC or pos == off:
                raise
        return pos

    def _write_partial(self, pblk: int, boff: int, chunk: bytes | bytearray | memoryview,
                       fresh: bool) -> None:
        cache, bdev = self.sb.cache, self.sb.bdev
        if fresh:
            buf = cache.getblk(bdev, pblk)
            buf.data[:] = bytes(self.sb.block_size)
        else:
            buf = cache.bread(bdev, pblk)
        buf.data[boff:boff + len(chunk)] = chunk
        cache.bdwrite(buf)
        cache.brelse(buf)

    def truncate(self, size: int) -> None:
        if not stat.S_ISREG(self.mode):
            return super().truncate(size)
        self.sb.check_writable()
        if size < 0:
            raise KernelError(E.EINVAL)
        if size > self.max_size():
            raise KernelError(E.EFBIG)
        if size < self.size:
            self._shrink(size)
        elif size > 0x7FFFFFFF:
            self.sb.set_large_file()
        self.size = size
        self.mtime = self.ctime = now_ns()
        self.mark_dirty()

    def _shrink(self, size: int) -> None:
        bs = self.sb.block_size
        B.truncate_blocks(self, (size + bs - 1) // bs)
        if size % bs:                               # zero the tail of the new last block
            pblk = B.bmap(self, size // bs)
            if pblk:
                cache = self.sb.cache
                buf = cache.bread(self.sb.bdev, pblk)
                buf.data[size % bs:] = bytes(bs - size % bs)
                cache.bdwrite(buf)
                cache.brelse(buf)

    # -- symlinks ----------------------------------------------------------------------------
    def readlink(self) -> bytes:
        if not stat.S_ISLNK(self.mode):
            raise KernelError(E.EINVAL)
        if self.is_fast_symlink():
            return _I_BLOCK.pack(*self.i_block)[:self.size]
        return self.read_data(0, self.size)

    def set_fast_symlink(self, target: bytes) -> None:
        self.i_block = list(_I_BLOCK.unpack(target.ljust(60, b"\0")))
        self.size = len(target)

    # -- eviction (iput with nlink == 0: ext2_evict_inode + ext2_free_inode) ----------------
    def evict(self) -> None:
        sb = self.sb
        if self.nlink > 0 or sb.readonly:
            sb.forget(self)
            return
        self.dtime = int(time.time())
        if self.has_data_blocks():
            B.truncate_blocks(self, 0)
        self.size = 0
        if self.file_acl:                  # drop our reference to the xattr block
            ext2_xattr_delete_inode(sb, self.file_acl)
            self.i_blocks = max(0, self.i_blocks - (sb.block_size >> 9))
            self.file_acl = 0
        self.write_inode()
        ifree(sb, self.ino, stat.S_ISDIR(self.mode))
        if sb.icache.get(self.ino) is self:
            del sb.icache[self.ino]

    # -- extended attributes: see xattr.py --------------------------------------------------------
    def get_xattr(self, name: bytes) -> bytes:
        return ext2_xattr_get(self, name)

    def set_xattr(self, name: bytes, value: bytes | None, flags: int) -> None:
        ext2_xattr_set(self, name, value, flags)

    def list_xattr(self) -> list[bytes]:
        return ext2_xattr_list(self)

    # -- directory operations: see namei.py -----------------------------------------------------
    def lookup(self, name: bytes) -> Ext2Inode | None:
        return namei.lookup(self, name)

    def create(self, name: bytes, mode: int, uid: int, gid: int, rdev: int = 0) -> Ext2Inode:
        return namei.create(self, name, mode, uid, gid, rdev)

    def mkdir(self, name: bytes, mode: int, uid: int, gid: int) -> Ext2Inode:
        return namei.mkdir(self, name, mode, uid, gid)

    def symlink(self, name: bytes, target: bytes, uid: int, gid: int) -> Ext2Inode:
        return namei.symlink(self, name, target, uid, gid)

    def link(self, name: bytes, inode: Inode) -> None:
        namei.link(self, name, inode)

    def unlink(self, name: bytes) -> None:
        namei.unlink(self, name)

    def rmdir(self, name: bytes) -> None:
        namei.rmdir(self, name)

    def rename(self, old: bytes, newdir: Inode, new: bytes) -> None:
        namei.rename(self, old, newdir, new)

    def readdir(self, pos: int) -> Iterator[tuple[int, bytes, int, int]]:
        if not self.is_dir():
            raise KernelError(E.ENOTDIR)
        return D.readdir(self, pos)
