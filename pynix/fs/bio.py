"""The buffer cache (Bach ch. 3; Linux fs/buffer.c; xv6 bio.c).

Provides ``BlockDevice`` (a disk image file read and written by block number), ``Buffer`` (one
cached block) and ``BufferCache``, which keeps recently used blocks in memory so metadata
(superblocks, bitmaps, inode tables, directories, indirect blocks) is read once and written
back later.

Call sequence, as in Bach and xv6::

    buf = cache.bread(dev, blkno)     # locked in the cache (refcount > 0), data valid
    buf.data[off:off + n] = ...       # modify in place
    cache.bdwrite(buf)                # delayed write: mark dirty (or bwrite: write now)
    cache.brelse(buf)                 # release; it stays cached on the LRU list

``getblk`` returns a buffer without reading the disk (for blocks about to be overwritten
completely). A buffer with ``refcount > 0`` is never evicted; unreferenced buffers are
recycled least-recently-used first, dirty ones written back before reuse. ``sync`` and
``sync_dev`` write back every dirty buffer; ``bforget`` drops a freed block without writing it.

File data in large ranges bypasses the cache: ``bread_run``/``bwrite_run`` move a run of
contiguous blocks with a single pread/pwrite and stay coherent with any cached copies
(a dirty cached block wins on read; a write updates a cached copy). This keeps big
sequential I/O at host-memcpy speed without flooding the LRU with data blocks.

Owns: the buffers and their write-back. Filesystems own the meaning of the bytes.
"""
from __future__ import annotations

import itertools
import os
import weakref
from collections import OrderedDict

from pynix.base.taskio import task_io_account_read, task_io_account_write

_dev_ids = itertools.count(1)


class BlockDevice:
    """A disk: an image file addressed in blocks of ``block_size`` bytes (default 1024;
    a filesystem sets its own block size at mount, before caching any of its blocks)."""

    def __init__(self, path: str, block_size: int = 1024, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self.fd = os.open(path, os.O_RDONLY if readonly else os.O_RDWR)
        self.block_size = block_size
        self.size_bytes = os.fstat(self.fd).st_size
        self.id = next(_dev_ids)

    @property
    def nblocks(self) -> int:
        return self.size_bytes // self.block_size

    def pread(self, offset: int, n: int) -> bytes:
        task_io_account_read(n)             # charged to the running task (read_bytes)
        data = os.pread(self.fd, n, offset)
        if len(data) < n:            # reading past the end of a short image: zeros
            data += bytes(n - len(data))
        return data

    def pwrite(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        if self.readonly:
            raise OSError(30, "read-only block device")
        task_io_account_write(len(data))    # write_bytes
        mv = memoryview(data)
        while mv:
            n = os.pwrite(self.fd, mv, offset)
            mv, offset = mv[n:], offset + n
        if offset > self.size_bytes:
            self.size_bytes = offset

    def read_blocks(self, blkno: int, count: int = 1) -> bytes:
        bs = self.block_size
        return self.pread(blkno * bs, count * bs)

    def write_blocks(self, blkno: int, data: bytes | bytearray | memoryview) -> None:
        self.pwrite(blkno * self.block_size, data)

    def flush(self) -> None:
        """Push the image file to stable storage (fsync)."""
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __repr__(self) -> str:
        return f"<BlockDevice {self.id} {self.path!r} bs={self.block_size}>"


class Buffer:
    """One cached disk block (Bach's buffer header + data area)."""

    __slots__ = ("dev", "blkno", "data", "dirty", "refcount", "valid", "_words")

    def __init__(self, dev: BlockDevice, blkno: int, size: int) -> None:
        self.dev = dev
        self.blkno = blkno
        self.data = bytearray(size)
        self.dirty = False
        self.refcount = 0
        self.valid = False       # data holds the block's contents (read, or fully written)
        self._words: memoryview | None = None

    def u32(self) -> memoryview:
        """The block as an array of native (little-endian) uint32: block pointers, bitmaps."""
        if self._words is None:
            self._words = memoryview(self.data).cast("I")
        return self._words

    def __repr__(self) -> str:
        return (f"<Buffer dev={self.dev.id} blk={self.blkno} ref={self.refcount}"
                f"{' dirty' if self.dirty else ''}>")


class BufferCache:
    """A fixed number of buffers hashed by (device, block), recycled LRU."""

    EVICT_BATCH = 16      # recycle this many at once so dirty victims are written in runs

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 8:
            raise ValueError("buffer cache needs at least 8 buffers")
        self.capacity = capacity
        self._bufs: OrderedDict[tuple[int, int], Buffer] = OrderedDict()  # LRU first
        self.hits = self.misses = self.writebacks = 0
        _caches.add(self)

    def __len__(self) -> int:
        return len(self._bufs)

    # -- Bach's algorithms ----------------------------------------------------------------
    def getblk(self, dev: BlockDevice, blkno: int) -> Buffer:
        """Return the buffer for (dev, blkno), referenced; its data is not read from disk
        (``valid`` says whether it holds the block)."""
        key = (dev.id, blkno)
        buf = self._bufs.get(key)
        if buf is not None:
            self._bufs.move_to_end(key)
            self.hits += 1
        else:
            if len(self._bufs) >= self.capacity:
                self._evict(self.EVICT_BATCH)
            buf = Buffer(dev, blkno, dev.block_size)
            self._bufs[key] = buf
            self.misses += 1
        buf.refcount += 1
        return buf

    def bread(self, dev: BlockDevice, blkno: int) -> Buffer:
        """getblk, reading the block from disk unless cached."""
        buf = self.getblk(dev, blkno)
        if not buf.valid:
            buf.data[:] = dev.read_blocks(blkno, 1)
            buf.valid = True
        return buf

    def bwrite(self, buf: Buffer) -> None:
        """Write the buffer to disk now (synchronous write)."""
        buf.dev.write_blocks(buf.blkno, buf.data)
        buf.dirty = False
        buf.valid = True

    def bdwrite(self, buf: Buffer) -> None:
        """Delayed write: mark dirty; written at eviction or sync."""
        buf.dirty = True
        buf.valid = True

    def brelse(self, buf: Buffer) -> None:
        """Release a buffer obtained from getblk/bread."""
        if buf.refcount <= 0:
            raise RuntimeError(f"brelse of unreferenced {buf!r}")
        buf.refcount -= 1

    def bforget(self, dev: BlockDevice, blkno: int) -> None:
        """The block was freed: drop any cached copy without writing it (Linux bforget)."""
        key = (dev.id, blkno)
        buf = self._bufs.get(key)
        if buf is not None:
            buf.dirty = False
            if buf.refcount == 0:
                del self._bufs[key]
            else:
                buf.valid = False

    # -- clustered data I/O ---------------------------------------------------------------
    def bread_run(self, dev: BlockDevice, blkno: int, count: int) -> bytes | bytearray:
        """Read ``count`` contiguous blocks in one pread, overlaying dirty cached copies."""
        data: bytes | bytearray = dev.read_blocks(blkno, count)
        if self._bufs:
            bufs, did, bs = self._bufs, dev.id, dev.block_size
            patched: bytearray | None = None
            for i in range(count):
                buf = bufs.get((did, blkno + i))
                if buf is not None and buf.dirty:
                    if patched is None:
                        patched = bytearray(data)
                    patched[i * bs:(i + 1) * bs] = buf.data
            if patched is not None:
                data = patched
        return data

    def bwrite_run(self, dev: BlockDevice, blkno: int, data: bytes | bytearray | memoryview) -> None:
        """Write whole contiguous blocks in one pwrite, refreshing cached copies."""
        bs = dev.block_size
        count = len(data) // bs
        dev.write_blocks(blkno, data)
        if self._bufs:
            bufs, did = self._bufs, dev.id
            for i in range(count):
                buf = bufs.get((did, blkno + i))
                if buf is not None:
                    buf.data[:] = data[i * bs:(i + 1) * bs]
                    buf.dirty = False
                    buf.valid = True

    # -- write-back -----------------------------------------------------------------------
    def sync_dev(self, dev: BlockDevice) -> None:
        """Write back every dirty buffer of ``dev`` (sorted, contiguous ones coalesced)."""
        self._flush([b for b in self._bufs.values() if b.dirty and b.dev is dev])

    def sync(self) -> None:
        """Write back every dirty buffer of every device."""
        self._flush([b for b in self._bufs.values() if b.dirty])

    def invalidate_dev(self, dev: BlockDevice) -> None:
        """Write back and drop all of ``dev``'s buffers (umount, block size change)."""
        self.sync_dev(dev)
        for key in [k for k, b in self._bufs.items() if b.dev is dev]:
            del self._bufs[key]

    def shrink(self) -> int:
        """Free every clean buffer no one holds (drop_caches' reclaim of buffer heads);
        dirty ones stay for write-back. Returns how many went."""
        keys = [k for k, b in self._bufs.items() if b.refcount == 0 and not b.dirty]
        for key in keys:
            del self._bufs[key]
        return len(keys)

    def _flush(self, dirty: list[Buffer]) -> None:
        dirty.sort(key=lambda b: (b.dev.id, b.blkno))
        i = 0
        while i < len(dirty):
            j = i + 1
            while (j < len(dirty) and dirty[j].dev is dirty[i].dev
                   and dirty[j].blkno == dirty[i].blkno + (j - i)):
                j += 1
            run = dirty[i:j]
            if len(run) == 1:
                run[0].dev.write_blocks(run[0].blkno, run[0].data)
            else:
                run[0].dev.write_blocks(run[0].blkno, b"".join(b.data for b in run))
            for b in run:
                b.dirty = False
            self.writebacks += len(run)
            i = j

    def _evict(self, want: int) -> None:
        """Recycle ``want`` unreferenced buffers, least recently used first."""
        victims: list[tuple[int, int]] = []
        for key, buf in self._bufs.items():
            if buf.refcount == 0:
                victims.append(key)
                if len(victims) >= want:
                    break
        if not victims:
            raise RuntimeError("buffer cache exhausted: every buffer is referenced")
        dirty = [self._bufs[k] for k in victims if self._bufs[k].dirty]
        if dirty:
            self._flush(dirty)
        for key in victims:
            del self._bufs[key]


_caches: weakref.WeakSet[BufferCache] = weakref.WeakSet()
_default_cache: BufferCache | None = None


def shrink_buffer_caches() -> int:
    """BufferCache.shrink over every cache (the kernel's and each filesystem's own)."""
    return sum(c.shrink() for c in list(_caches))


def default_cache() -> BufferCache:
    """The kernel's buffer cache (one per machine, shared by all mounted block devices)."""
    global _default_cache
    if _default_cache is None:
        _default_cache = BufferCache()
    return _default_cache
