"""The buffer cache: getblk/bread/bwrite/bdwrite/brelse, LRU eviction, write-back, runs."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pynix.fs.bio import BlockDevice, Buffer, BufferCache


def make_image(path: Path, nblocks: int, bs: int = 1024) -> BlockDevice:
    with open(path, "wb") as f:
        f.truncate(nblocks * bs)
    return BlockDevice(str(path), bs)


def on_disk(dev: BlockDevice, blkno: int) -> bytes:
    with open(dev.path, "rb") as f:
        f.seek(blkno * dev.block_size)
        return f.read(dev.block_size)


@pytest.fixture
def dev(tmp_path: Path) -> BlockDevice:
    d = make_image(tmp_path / "disk.img", 256)
    yield d
    d.close()


def test_block_device_roundtrip(dev: BlockDevice) -> None:
    assert dev.nblocks == 256
    dev.write_blocks(3, b"x" * 2048)
    assert dev.read_blocks(3, 2) == b"x" * 2048
    assert dev.read_blocks(2, 1) == bytes(1024)
    assert on_disk(dev, 4) == b"x" * 1024


def test_getblk_returns_the_same_buffer_and_counts_references(dev: BlockDevice) -> None:
    cache = BufferCache(16)
    a = cache.getblk(dev, 7)
    b = cache.getblk(dev, 7)
    assert a is b and a.refcount == 2 and not a.valid
    cache.brelse(a)
    cache.brelse(b)
    assert a.refcount == 0
    with pytest.raises(RuntimeError):
        cache.brelse(a)


def test_bread_reads_once_then_hits(dev: BlockDevice) -> None:
    dev.write_blocks(5, b"\x42" * 1024)
    cache = BufferCache(16)
    buf = cache.bread(dev, 5)
    assert buf.valid and buf.data == b"\x42" * 1024
    cache.brelse(buf)
    dev.write_blocks(5, b"\x43" * 1024)        # behind the cache's back: the cache keeps its copy
    buf = cache.bread(dev, 5)
    assert buf.data == b"\x42" * 1024
    cache.brelse(buf)
    assert cache.hits == 1 and cache.misses == 1


def test_bdwrite_is_delayed_until_sync(dev: BlockDevice) -> None:
    cache = BufferCache(16)
    buf = cache.bread(dev, 9)
    buf.data[:4] = b"abcd"
    cache.bdwrite(buf)
    cache.brelse(buf)
    assert on_disk(dev, 9)[:4] == bytes(4)
    cache.sync()
    assert on_disk(dev, 9)[:4] == b"abcd"
    assert not buf.dirty


def test_bwrite_is_immediate(dev: BlockDevice) -> None:
    cache = BufferCache(16)
    buf = cache.getblk(dev, 11)
    buf.data[:] = b"z" * 1024
    cache.bwrite(buf)
    cache.brelse(buf)
    assert on_disk(dev, 11) == b"z" * 1024


def test_sync_dev_touches_only_that_device(tmp_path: Path) -> None:
    d1, d2 = make_image(tmp_path / "a.img", 16), make_image(tmp_path / "b.img", 16)
    cache = BufferCache(16)
    for d in (d1, d2):
        buf = cache.getblk(d, 1)
        buf.data[:] = b"q" * 1024
        cache.bdwrite(buf)
        cache.brelse(buf)
    cache.sync_dev(d1)
    assert on_disk(d1, 1) == b"q" * 1024
    assert on_disk(d2, 1) == bytes(1024)
    cache.sync()
    assert on_disk(d2, 1) == b"q" * 1024


def test_lru_eviction_writes_dirty_victims_back(dev: BlockDevice) -> None:
    cache = BufferCache(8)
    for blk in range(40):
        buf = cache.getblk(dev, blk)
        buf.data[:] = bytes([blk]) * 1024
        cache.bdwrite(buf)
        cache.brelse(buf)
        assert len(cache) <= 8
    for blk in range(40):                        # evicted ones reached the disk
        if cache._bufs.get((dev.id, blk)) is None:
            assert on_disk(dev, blk) == bytes([blk]) * 1024
    cache.sync()
    for blk in range(40):
        assert on_disk(dev, blk) == bytes([blk]) * 1024


def test_recently_used_buffer_survives_eviction(dev: BlockDevice) -> None:
    cache = BufferCache(8)
    cache.EVICT_BATCH = 1
    for blk in range(8):
        cache.brelse(cache.bread(dev, blk))
    cache.brelse(cache.bread(dev, 0))            # 0 becomes most recently used
    cache.brelse(cache.bread(dev, 100))          # evicts 1, the least recently used
    assert (dev.id, 0) in cache._bufs
    assert (dev.id, 1) not in cache._bufs


def test_referenced_buffers_are_never_evicted(dev: BlockDevice) -> None:
    cache = BufferCache(8)
    held = [cache.bread(dev, blk) for blk in range(8)]
    with pytest.raises(RuntimeError):
        cache.bread(dev, 50)
    cache.brelse(held[3])
    buf = cache.bread(dev, 50)
    assert all((dev.id, b.blkno) in cache._bufs for b in held if b.refcount)
    assert (dev.id, 3) not in cache._bufs
    cache.brelse(buf)


def test_bforget_drops_dirty_data(dev: BlockDevice) -> None:
    cache = BufferCache(16)
    buf = cache.getblk(dev, 20)
    buf.data[:] = b"d" * 1024
    cache.bdwrite(buf)
    cache.brelse(buf)
    cache.bforget(dev, 20)
    cache.sync()
    assert on_disk(dev, 20) == bytes(1024)


def test_runs_are_coherent_with_cached_buffers(dev: BlockDevice) -> None:
    cache = BufferCache(16)
    dev.write_blocks(30, b"a" * 4096)
    buf = cache.bread(dev, 31)
    buf.data[:] = b"b" * 1024
    cache.bdwrite(buf)                           # dirty in the cache only
    assert cache.bread_run(dev, 30, 4) == b"a" * 1024 + b"b" * 1024 + b"a" * 2048
    cache.bwrite_run(dev, 30, b"c" * 4096)       # refreshes the cached copy
    assert buf.data == b"c" * 1024 and not buf.dirty
    cache.brelse(buf)
    cache.sync()
    assert dev.read_blocks(30, 4) == b"c" * 4096


def test_u32_view_tracks_data(dev: BlockDevice) -> None:
    buf = Buffer(dev, 0, 1024)
    words = buf.u32()
    buf.data[:8] = (7).to_bytes(4, "little") + (9).to_bytes(4, "little")
    assert words[0] == 7 and words[1] == 9 and len(words) == 256


def test_sequential_throughput(tmp_path: Path) -> None:
    """32 MiB through getblk/bdwrite (1 KiB blocks) and back through bread, plus the run
    interface: generous bounds, only to catch per-byte work creeping in."""
    nblocks = 32 * 1024
    dev = make_image(tmp_path / "big.img", nblocks)
    cache = BufferCache(1024)
    payload = os.urandom(1024)
    t = time.perf_counter()
    for blk in range(nblocks):
        buf = cache.getblk(dev, blk)
        buf.data[:] = payload
        cache.bdwrite(buf)
        cache.brelse(buf)
    cache.sync()
    for blk in range(nblocks):
        buf = cache.bread(dev, blk)
        cache.brelse(buf)
    per_block = time.perf_counter() - t
    assert on_disk(dev, nblocks - 1) == payload
    t = time.perf_counter()
    chunk = payload * 256
    for blk in range(0, nblocks, 256):
        cache.bwrite_run(dev, blk, chunk)
    for blk in range(0, nblocks, 256):
        assert len(cache.bread_run(dev, blk, 256)) == len(chunk)
    runs = time.perf_counter() - t
    assert per_block < 10.0, f"{64 / per_block:.0f} MB/s through getblk/bread"
    assert runs < 2.0, f"{64 / runs:.0f} MB/s through runs"
    dev.close()
