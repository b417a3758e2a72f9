"""ext2 on images made by the host's mke2fs: mount, read, write, and e2fsck agrees."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.bio import BlockDevice, BufferCache
from pynix.fs.ext2 import Ext2Error, Ext2Inode, Ext2SuperBlock
from pynix.fs.ext2.super import ext2_max_size
from pynix.fs.ext2 import bmap as B
from pynix.fs.ext2 import layout as L

REG, DIR = stat.S_IFREG | 0o644, 0o755


def mke2fs(path: Path, bs: int = 1024, size: str = "16M", *extra: str) -> Path:
    subprocess.run(["mke2fs", "-F", "-q", "-t", "ext2", "-b", str(bs), *extra, str(path), size],
                   check=True, capture_output=True)
    return path


def mount(img: Path, cache_size: int = 512) -> Ext2SuperBlock:
    return Ext2SuperBlock(BlockDevice(str(img)), BufferCache(cache_size))


def fsck(img: Path) -> None:
    r = subprocess.run(["e2fsck", "-fn", str(img)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def debugfs(img: Path, cmd: str) -> bytes:
    r = subprocess.run(["debugfs", "-R", cmd, str(img)], capture_output=True, check=True)
    return r.stdout


def umount_and_check(sb: Ext2SuperBlock, img: Path) -> None:
    sb.put_super()
    sb.bdev.close()
    fsck(img)


def evict_orphans(sb: Ext2SuperBlock) -> None:
    """Stand-in for the VFS's iput: free inodes whose last link is gone."""
    for inode in list(sb.icache.values()):
        if inode.nlink == 0:
            inode.evict()


@pytest.fixture(params=[1024, 4096], ids=["1k", "4k"])
def bs(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.fixture
def img(tmp_path: Path, bs: int) -> Path:
    return mke2fs(tmp_path / "fs.img", bs, "32M")


# -- mount -------------------------------------------------------------------------------

def test_mount_reads_root_and_statfs(img: Path, bs: int) -> None:
    sb = mount(img)
    assert sb.block_size == bs and sb.root.ino == 2 and sb.root.is_dir()
    names = [(name, ino, dt) for _, name, ino, dt in sb.root.readdir(0)]
    assert names == [(b".", 2, 4), (b"..", 2, 4), (b"lost+found", 11, 4)]
    lf = sb.root.lookup(b"lost+found")
    assert lf is sb.ext2_iget(11) and lf.nlink == 2
    fs = sb.statfs()
    out = subprocess.run(["dumpe2fs", "-h", str(img)], capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    assert fs.bfree == int(fields["Free blocks"]) and fs.ffree == int(fields["Free inodes"])
    assert fs.files == int(fields["Inode count"]) and fs.bsize == bs
    assert fs.bavail == fs.bfree - int(fields["Reserved block count"])
    umount_and_check(sb, img)


def test_iget_returns_one_inode_per_number(img: Path) -> None:
    sb = mount(img)
    assert sb.ext2_iget(2) is sb.root
    f = sb.root.create(b"f", REG, 0, 0)
    assert sb.root.lookup(b"f") is f is sb.ext2_iget(f.ino)


# -- file data ---------------------------------------------------------------------------

def test_write_read_small_file(img: Path) -> None:
    sb = mount(img)
    f = sb.root.create(b"hello.txt", REG, 1000, 1000)
    assert f.write(0, b"hello, world\n") == 13
    assert f.write(7, b"ext2!") == 5
    assert f.read(0, 100) == b"hello, ext2!\n"
    assert f.read(5, 3) == b", e" and f.read(13, 10) == b"" and f.size == 13
    umount_and_check(sb, img)
    assert debugfs(img, "cat /hello.txt") == b"hello, ext2!\n"
    sb = mount(img)
    g = sb.root.lookup(b"hello.txt")
    assert g is not None and g.read(0, 13) == b"hello, ext2!\n" and (g.uid, g.gid) == (1000, 1000)


def test_timestamps_survive_remount(img: Path) -> None:
    sb = mount(img)
    f = sb.root.create(b"t", REG, 0, 0)
    f.setattr(atime=1_600_000_000_123_456_789, mtime=1_700_000_000_987_654_321)
    umount_and_check(sb, img)
    g = mount(img).root.lookup(b"t")
    assert g is not None
    assert (g.atime, g.mtime) == (1_600_000_000_123_456_789, 1_700_000_000_987_654_321)


@pytest.mark.parametrize("size", [12 * 1024 - 1, 300 * 1024, 5 * 1024 * 1024 + 77])
def test_large_files_use_indirect_blocks(img: Path, bs: int, size: int) -> None:
    """1 KiB blocks: 300 KiB needs double indirect; 4 KiB blocks: 5 MiB does."""
    data = os.urandom(size)
    sb = mount(img)
    f = sb.root.create(b"big", REG, 0, 0)
    for off in range(0, size, 100_000):              # writes not aligned to blocks
        assert f.write(off, data[off:off + 100_000]) == len(data[off:off + 100_000])
    assert f.read(0, size + 10) == data
    nblocks = -(-size // bs)
    apb = bs // 4
    assert (f.i_block[L.EXT2_IND_BLOCK] != 0) == (nblocks > 12)
    assert (f.i_block[L.EXT2_DIND_BLOCK] != 0) == (nblocks > 12 + apb)
    meta = (nblocks > 12) + (nblocks > 12 + apb) * (1 + -(-(nblocks - 12 - apb) // apb))
    assert f.blocks == (nblocks + meta) * (bs // 512)
    umount_and_check(sb, img)
    assert debugfs(img, "cat /big") == data


def test_triple_indirect_sparse_file(img: Path, bs: int) -> None:
    apb = bs // 4
    first_tind = 12 + apb + apb * apb
    sb = mount(img)
    free0 = sb.statfs().bfree
    f = sb.root.create(b"sparse", REG, 0, 0)
    off = (first_tind + 5) * bs + 100
    f.write(off, b"far away")
    f.write(10, b"near")
    assert f.i_block[L.EXT2_TIND_BLOCK] != 0
    assert B.block_to_path(apb, first_tind + 5) == [14, 0, 0, 5]
    assert B.bmap(f, first_tind + 5) != 0 and B.bmap(f, first_tind + 4) == 0
    assert B.bmap_run(f, 1, 1000) == (0, 11)                  # hole runs to the direct end
    assert f.size == off + 8
    assert f.read(off - 50, 58) == bytes(50) + b"far away"
    assert f.read(0, 20) == bytes(10) + b"near" + bytes(6)
    assert f.blocks == 5 * (bs // 512)                        # 2 data + 3 indirect blocks
    sb.sync()
    fsck(img)
    f.truncate(0)
    assert f.i_block == [0] * 15 and f.blocks == 0
    assert sb.statfs().bfree == free0
    umount_and_check(sb, img)


def test_sequential_throughput(img: Path) -> None:
    """16 MiB written and read back in 64 KiB calls; a loose floor that only catches
    per-byte or per-block slow paths creeping in (the layer does several hundred MB/s)."""
    import time
    sb = mount(img)
    f = sb.root.create(b"stream", REG, 0, 0)
    chunk = os.urandom(64 * 1024)
    t = time.perf_counter()
    for off in range(0, 16 << 20, len(chunk)):
        f.write(off, chunk)
    sb.sync()
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    for off in range(0, 16 << 20, len(chunk)):
        assert f.read(off, len(chunk)) == chunk
    read_s = time.perf_counter() - t
    assert 16 / write_s > 20 and 16 / read_s > 20, (16 / write_s, 16 / read_s)
    umount_and_check(sb, img)


def test_block_to_path_boundaries() -> None:
    apb = 256
    assert B.block_to_path(apb, 11) == [11]
    assert B.block_to_path(apb, 12) == [12, 0]
    assert B.block_to_path(apb, 12 + 255) == [12, 255]
    assert B.block_to_path(apb, 12 + 256) == [13, 0, 0]
    assert B.block_to_path(apb, 12 + 256 + 65535) == [13, 255, 255]
    assert B.block_to_path(apb, 12 + 256 + 65536) == [14, 0, 0, 0]
    with pytest.raises(KernelError) as e:
        B.block_to_path(apb, B.max_blocks(apb))
    assert e.value.errno == E.EFBIG


def test_holes_read_as_zeros(img: Path, bs: int) -> None:
    sb = mount(img)
    f = sb.root.create(b"holes", REG, 0, 0)
    f.write(0, b"A" * 10)
    f.write(1024 * 1024, b"B" * 10)
    meta = 2 if bs == 1024 else 1                   # 1k: dind + ind; 4k: ind
    assert f.blocks == (2 + meta) * (bs // 512)
    assert f.read(0, 1024 * 1024 + 10) == b"A" * 10 + bytes(1024 * 1024 - 10) + b"B" * 10
    f.truncate(3 * 1024 * 1024)                                  # extend: a trailing hole
    assert f.read(3 * 1024 * 1024 - 4, 100) == bytes(4)
    umount_and_check(sb, img)
    out = debugfs(img, "cat /holes")
    assert len(out) == 3 * 1024 * 1024 and out[:10] == b"A" * 10


def test_truncate_frees_blocks(img: Path, bs: int) -> None:
    sb = mount(img)
    free0 = sb.statfs().bfree
    f = sb.root.create(b"t", REG, 0, 0)
    data = os.urandom(2 * 1024 * 1024)
    f.write(0, data)
    used = free0 - sb.statfs().bfree
    assert used * (bs // 512) == f.blocks
    f.truncate(100_000)
    assert f.size == 100_000 and f.read(0, 200_000) == data[:100_000]
    keep = -(-100_000 // bs)
    assert sb.statfs().bfree == free0 - keep - (keep > 12)
    assert f.i_block[L.EXT2_DIND_BLOCK] == 0
    f.truncate(150_000)                              # growing again exposes zeros, not old data
    assert f.read(99_990, 20) == data[99_990:100_000] + bytes(10)
    sb.sync()
    fsck(img)
    f.truncate(0)
    assert f.blocks == 0 and f.i_block == [0] * 15 and sb.statfs().bfree == free0
    umount_and_check(sb, img)


def test_unlink_frees_inode_and_blocks(img: Path) -> None:
    sb = mount(img)
    fs0 = sb.statfs()
    f = sb.root.create(b"victim", REG, 0, 0)
    f.write(0, os.urandom(500_000))
    sb.root.unlink(b"victim")
    assert sb.root.lookup(b"victim") is None and f.nlink == 0
    f.evict()
    fs1 = sb.statfs()
    assert (fs1.bfree, fs1.ffree) == (fs0.bfree, fs0.ffree)
    with pytest.raises(KernelError) as e:
        sb.root.unlink(b"victim")
    assert e.value.errno == E.ENOENT
    umount_and_check(sb, img)
    assert b"victim" not in debugfs(img, "ls /")


def test_evict_releases_xattr_block(tmp_path: Path) -> None:
    img = mke2fs(tmp_path / "ea.img", 1024, "8M")
    (tmp_path / "data").write_bytes(b"data\n")
    (tmp_path / "value").write_bytes(b"v" * 600)        # too big for the inode: a block
    for cmd in (f"write {tmp_path / 'data'} f", f"ea_set -f {tmp_path / 'value'} f user.big"):
        subprocess.run(["debugfs", "-w", "-R", cmd, str(img)], check=True, capture_output=True)
    sb = mount(img)
    f = sb.root.lookup(b"f")
    assert f.file_acl and f.blocks == 4
    free0 = sb.statfs().bfree
    sb.root.unlink(b"f")
    f.evict()
    assert sb.statfs().bfree == free0 + 2                  # the data block and the xattr block
    umount_and_check(sb, img)


def test_hard_links(img: Path) -> None:
    sb = mount(img)
    d = sb.root.mkdir(b"d", DIR, 0, 0)
    f = sb.root.create(b"f", REG, 0, 0)
    f.write(0, b"shared")
    d.link(b"g", f)
    assert f.nlink == 2 and d.lookup(b"g") is f
    sb.root.unlink(b"f")
    assert f.nlink == 1
    evict_orphans(sb)
    assert d.lookup(b"g").read(0, 10) == b"shared"
    umount_and_check(sb, img)


# -- directories ---------------------------------------------------------------------------

def test_mkdir_rmdir_and_link_counts(img: Path) -> None:
    sb = mount(img)
    root = sb.root
    a = root.mkdir(b"a", 0o750, 0, 0)
    b = a.mkdir(b"b", DIR, 0, 0)
    assert (root.nlink, a.nlink, b.nlink) == (4, 3, 2)
    assert [n for _, n, _, _ in b.readdir(0)] == [b".", b".."]
    assert b.lookup(b"..") is a and a.lookup(b".") is a
    with pytest.raises(KernelError) as e:
        root.rmdir(b"a")
    assert e.value.errno == E.ENOTEMPTY
    with pytest.raises(KernelError) as e:
        root.mkdir(b"a", DIR, 0, 0)
    assert e.value.errno == E.EEXIST
    with pytest.raises(KernelError) as e:
        root.create(b"x" * 256, REG, 0, 0)
    assert e.value.errno == E.ENAMETOOLONG
    with pytest.raises(KernelError) as e:
        root.unlink(b"a")
    assert e.value.errno == E.EISDIR
    with pytest.raises(KernelError) as e:
        a.lookup(b"b").rmdir(b"nothing")
    assert e.value.errno == E.ENOENT
    sb.sync()
    fsck(img)
    a.rmdir(b"b")
    assert a.nlink == 2 and b.nlink == 0
    evict_orphans(sb)
    root.rmdir(b"a")
    evict_orphans(sb)
    assert root.nlink == 3
    umount_and_check(sb, img)


def test_many_entries_span_blocks(img: Path, bs: int) -> None:
    sb = mount(img)
    d = sb.root.mkdir(b"many", DIR, 0, 0)
    names = [b"entry-%04d-%s" % (i, b"x" * (i % 40)) for i in range(500)]
    for i, name in enumerate(names):
        f = d.create(name, REG, 0, 0)
        f.write(0, b"%d" % i)
    assert d.size > 4 * bs
    listed = [n for _, n, _, _ in d.readdir(0)]
    assert sorted(listed) == sorted([b".", b".."] + names)
    for name in names[::7]:
        assert d.lookup(name) is not None
    for name in names[::2]:
        d.unlink(name)
    evict_orphans(sb)
    size = d.size
    for name in names[::2]:                          # reuse the freed records
        d.create(name + b"!", REG, 0, 0)
    assert d.size == size
    # readdir resumes from a returned position
    entries = list(d.readdir(0))
    pos = entries[100][0]
    assert [e[1] for e in d.readdir(pos)] == [e[1] for e in entries[101:]]
    umount_and_check(sb, img)
    out = debugfs(img, "ls -l /many").decode()
    assert out.count("entry-") == 500


def test_directory_index_matches_the_blocks(img: Path, bs: int) -> None:
    """The in-core name index (dir.DirIndex) stays equal to a fresh scan of the blocks through
    creates, unlinks and renames, and new names go to the first block with room."""
    from pynix.fs.ext2 import dir as D
    sb = mount(img)
    d = sb.root.mkdir(b"idx", DIR, 0, 0)
    names = [b"n%03d-%s" % (i, b"y" * (i % 23)) for i in range(300)]
    for name in names:
        d.create(name, REG, 0, 0)
    for name in names[5::3]:
        d.unlink(name)
    d.rename(names[1], d, b"renamed-one")
    evict_orphans(sb)
    live = d.dir_index
    fresh = D.DirIndex(d)
    assert live.names == fresh.names and list(live.room) == list(fresh.room)
    assert live.room == fresh.room
    assert D.find_entry(d, names[5]) is None and D.find_entry(d, b"renamed-one") is not None
    first = next(iter(live.room))                   # freed records in block 0 are reused first
    d.create(b"z", REG, 0, 0)
    assert live.names[b"z"] == first
    umount_and_check(sb, img)


def test_symlinks_fast_and_slow(img: Path) -> None:
    sb = mount(img)
    fast = sb.root.symlink(b"fast", b"/etc/passwd", 0, 0)
    slow_target = b"/very/long/" + b"p" * 200
    slow = sb.root.symlink(b"slow", slow_target, 0, 0)
    assert fast.readlink() == b"/etc/passwd" and fast.blocks == 0
    assert slow.readlink() == slow_target and slow.blocks > 0
    assert [dt for _, n, _, dt in sb.root.readdir(0) if n in (b"fast", b"slow")] == [10, 10]
    umount_and_check(sb, img)
    assert b'Fast link dest: "/etc/passwd"' in debugfs(img, "stat /fast")
    sb = mount(img)
    assert sb.root.lookup(b"slow").readlink() == slow_target
    sb.root.unlink(b"slow")
    sb.root.unlink(b"fast")
    evict_orphans(sb)
    umount_and_check(sb, img)


def test_special_files(img: Path) -> None:
    sb = mount(img)
    root = sb.root
    small = L.makedev(4, 5)
    big = L.makedev(300, 70000)
    root.create(b"tty", stat.S_IFCHR | 0o620, 0, 5, small)
    root.create(b"disk", stat.S_IFBLK | 0o660, 0, 6, big)
    root.create(b"fifo", stat.S_IFIFO | 0o600, 0, 0)
    root.create(b"sock", stat.S_IFSOCK | 0o755, 0, 0)
    kinds = {n: dt for _, n, _, dt in root.readdir(0)}
    assert (kinds[b"tty"], kinds[b"disk"], kinds[b"fifo"], kinds[b"sock"]) == (2, 6, 1, 12)
    umount_and_check(sb, img)
    assert b"Device major/minor number: 04:05" in debugfs(img, "stat /tty")
    sb = mount(img)
    assert sb.root.lookup(b"tty").rdev == small
    assert sb.root.lookup(b"disk").rdev == big
    for name in (b"tty", b"disk", b"fifo", b"sock"):
        sb.root.unlink(name)
    evict_orphans(sb)
    umount_and_check(sb, img)


def test_rename_over_existing_file(img: Path) -> None:
    sb = mount(img)
    free0 = sb.statfs()
    a = sb.root.create(b"a", REG, 0, 0)
    a.write(0, b"new contents")
    b = sb.root.create(b"b", REG, 0, 0)
    b.write(0, os.urandom(50_000))
    sb.root.rename(b"a", sb.root, b"b")
    assert sb.root.lookup(b"a") is None and sb.root.lookup(b"b") is a
    assert b.nlink == 0 and a.nlink == 1
    evict_orphans(sb)
    assert sb.statfs().ffree == free0.ffree - 1
    sb.root.rename(b"b", sb.root, b"b")              # same name: nothing happens
    umount_and_check(sb, img)
    assert debugfs(img, "cat /b") == b"new contents"


def test_rename_directories_across_parents(img: Path) -> None:
    sb = mount(img)
    root = sb.root
    src = root.mkdir(b"src", DIR, 0, 0)
    dst = root.mkdir(b"dst", DIR, 0, 0)
    moved = src.mkdir(b"sub", DIR, 0, 0)
    moved.create(b"file", REG, 0, 0).write(0, b"inside")
    src.rename(b"sub", dst, b"moved")
    assert src.lookup(b"sub") is None and dst.lookup(b"moved") is moved
    assert moved.lookup(b"..") is dst
    assert (src.nlink, dst.nlink, moved.nlink) == (2, 3, 2)
    # over an empty directory
    dst.mkdir(b"empty", DIR, 0, 0)
    dst.rename(b"moved", root, b"top")
    root.mkdir(b"victim", DIR, 0, 0)
    root.rename(b"top", root, b"victim")
    assert root.lookup(b"victim") is moved and moved.lookup(b"..") is root
    evict_orphans(sb)
    sb.sync()
    fsck(img)
    errs = {}
    root.create(b"plain", REG, 0, 0)
    for args in [(b"victim", b"dst"), (b"plain", b"dst"), (b"dst", b"plain"), (b"nope", b"x")]:
        with pytest.raises(KernelError) as e:
            root.rename(args[0], root, args[1])
        errs[args] = e.value.errno
    assert list(errs.values()) == [E.ENOTEMPTY, E.EISDIR, E.ENOTDIR, E.ENOENT]
    umount_and_check(sb, img)
    assert debugfs(img, "cat /victim/file") == b"inside"


def test_revision_0_image_without_filetype(tmp_path: Path) -> None:
    img = mke2fs(tmp_path / "rev0.img", 1024, "8M", "-r", "0")
    sb = mount(img)
    assert not sb.filetype and sb.inode_size == 128
    d = sb.root.mkdir(b"d", DIR, 0, 0)
    d.create(b"f", REG, 0, 0).write(0, b"old format")
    assert [(n, dt) for _, n, _, dt in d.readdir(0)] == [(b".", 0), (b"..", 0), (b"f", 0)]
    umount_and_check(sb, img)
    assert debugfs(img, "cat /d/f") == b"old format"


def test_files_past_2gib_set_large_file(tmp_path: Path) -> None:
    img = mke2fs(tmp_path / "lf.img", 4096, "16M", "-O", "^resize_inode")
    with open(img, "r+b") as f:                   # mke2fs always sets large_file: clear it
        f.seek(1024 + 100)
        ro_compat = int.from_bytes(f.read(4), "little") & ~L.RO_COMPAT_LARGE_FILE
        f.seek(1024 + 100)
        f.write(ro_compat.to_bytes(4, "little"))
    fsck(img)
    sb = mount(img)
    assert not sb.s["s_feature_ro_compat"] & L.RO_COMPAT_LARGE_FILE
    f = sb.root.create(b"huge", REG, 0, 0)
    f.write(3 << 30, b"beyond 2 GiB")
    assert sb.s["s_feature_ro_compat"] & L.RO_COMPAT_LARGE_FILE
    umount_and_check(sb, img)
    assert b"Size: %d" % ((3 << 30) + 12) in debugfs(img, "stat /huge")
    g = mount(img).root.lookup(b"huge")
    assert g.size == (3 << 30) + 12 and g.read(3 << 30, 100) == b"beyond 2 GiB"


def test_readonly_mount_refuses_writes(img: Path) -> None:
    sb = Ext2SuperBlock(BlockDevice(str(img), readonly=True), BufferCache(64))
    assert sb.readonly and sb.root.lookup(b"lost+found") is not None
    for call in (lambda: sb.root.create(b"x", REG, 0, 0), lambda: sb.root.mkdir(b"x", DIR, 0, 0),
                 lambda: sb.root.rename(b"lost+found", sb.root, b"y")):
        with pytest.raises(KernelError) as e:
            call()
        assert e.value.errno == E.EROFS
    sb.put_super()
    fsck(img)


# -- running out of space, damaged images ----------------------------------------------------

def test_enospc_leaves_the_filesystem_consistent(tmp_path: Path, bs: int) -> None:
    img = mke2fs(tmp_path / "small.img", bs, "2M" if bs == 1024 else "4M")
    sb = mount(img)
    f = sb.root.create(b"fill", REG, 0, 0)
    chunk = os.urandom(64 * 1024)
    total = 0
    with pytest.raises(KernelError) as e:
        while True:
            n = f.write(total, chunk)
            total += n
            assert n > 0
    assert e.value.errno == E.ENOSPC
    assert f.size == total and sb.statfs().bfree == 0
    assert f.read(0, total) == (chunk * (total // len(chunk) + 1))[:total]
    with pytest.raises(KernelError) as e:
        sb.root.mkdir(b"nospace", DIR, 0, 0)
    assert e.value.errno == E.ENOSPC
    assert sb.root.lookup(b"nospace") is None
    sb.sync()
    fsck(img)
    f.truncate(0)
    sb.root.mkdir(b"nospace", DIR, 0, 0)
    umount_and_check(sb, img)


def test_out_of_inodes(tmp_path: Path) -> None:
    img = mke2fs(tmp_path / "few.img", 1024, "4M", "-N", "32")
    sb = mount(img)
    made = 0
    with pytest.raises(KernelError) as e:
        while True:
            sb.root.create(b"f%d" % made, REG, 0, 0)
            made += 1
    assert e.value.errno == E.ENOSPC and sb.statfs().ffree == 0
    assert made == sb.statfs().files - 11
    umount_and_check(sb, img)


def test_bad_magic_is_refused(img: Path) -> None:
    with open(img, "r+b") as f:
        f.seek(1024 + 56)
        f.write(b"\0\0")
    with pytest.raises(Ext2Error) as e:
        mount(img)
    assert e.value.errno == E.EINVAL and "magic" in str(e.value)


def test_damaged_images_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.img"
    garbage.write_bytes(os.urandom(1 << 20))
    with pytest.raises(Ext2Error):
        mount(garbage)
    img = mke2fs(tmp_path / "trunc.img", 1024, "8M")
    os.truncate(img, 4 << 20)
    with pytest.raises(Ext2Error) as e:
        mount(img)
    assert "truncated" in str(e.value)
    img = mke2fs(tmp_path / "geom.img", 1024, "8M")
    with open(img, "r+b") as f:                   # inodes per group zeroed
        f.seek(1024 + 40)
        f.write(b"\0\0\0\0")
    with pytest.raises(Ext2Error) as e:
        mount(img)
    assert "inodes per group" in str(e.value)
    ext4 = tmp_path / "ext4.img"
    subprocess.run(["mke2fs", "-F", "-q", "-t", "ext4", str(ext4), "8M"], check=True,
                   capture_output=True)
    with pytest.raises(Ext2Error) as e:
        mount(ext4)
    assert "unsupported" in str(e.value)


# -- property: random operations agree with the host filesystem ---------------------------

PATHS = ["a", "b", "d", "d/a", "d/b", "d/e", "d/e/a", "e", "e/a"]
ops = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(PATHS)),
    st.tuples(st.just("write"), st.sampled_from(PATHS),
              st.sampled_from([0, 1, 1000, 1023, 1024, 12 * 1024, 12 * 1024 + 5, 280 * 1024]),
              st.binary(min_size=1, max_size=3000)),
    st.tuples(st.just("truncate"), st.sampled_from(PATHS),
              st.sampled_from([0, 10, 1024, 13 * 1024, 300 * 1024])),
    st.tuples(st.just("unlink"), st.sampled_from(PATHS)),
    st.tuples(st.just("mkdir"), st.sampled_from(PATHS)),
    st.tuples(st.just("rmdir"), st.sampled_from(PATHS)),
    st.tuples(st.just("rename"), st.sampled_from(PATHS), st.sampled_from(PATHS)),
)


class Ext2Model:
    """Just enough of namei to drive an Ext2 filesystem by path, like the VFS would."""

    def __init__(self, sb: Ext2SuperBlock) -> None:
        self.sb = sb

    def parent(self, path: str) -> tuple[Ext2Inode, bytes]:
        parts = path.encode().split(b"/")
        d = self.sb.root
        for p in parts[:-1]:
            nxt = d.lookup(p)
            if nxt is None:
                raise KernelError(E.ENOENT)
            if not nxt.is_dir():
                raise KernelError(E.ENOTDIR)
            d = nxt
        return d, parts[-1]

    def lookup(self, path: str) -> Ext2Inode:
        d, name = self.parent(path)
        inode = d.lookup(name)
        if inode is None:
            raise KernelError(E.ENOENT)
        return inode

    def apply(self, op: tuple) -> None:
        kind, path = op[0], op[1]
        if kind == "create":
            d, name = self.parent(path)
            found = d.lookup(name)
            if found is None:
                d.create(name, REG, 0, 0)
            elif found.is_dir():
                raise KernelError(E.EISDIR)
        elif kind == "write":
            self.lookup(path).write(op[2], op[3])
        elif kind == "truncate":
            self.lookup(path).truncate(op[2])
        elif kind == "unlink":
            d, name = self.parent(path)
            d.unlink(name)
        elif kind == "mkdir":
            d, name = self.parent(path)
            d.mkdir(name, DIR, 0, 0)
        elif kind == "rmdir":
            d, name = self.parent(path)
            d.rmdir(name)
        elif kind == "rename":
            od, oname = self.parent(path)
            nd, nname = self.parent(op[2])
            if od.lookup(oname) is None:
                raise KernelError(E.ENOENT)
            if op[2].startswith(path + "/"):
                raise KernelError(E.EINVAL)
            if path.startswith(op[2] + "/"):
                raise KernelError(E.ENOTEMPTY)
            od.rename(oname, nd, nname)
        evict_orphans(self.sb)


def host_apply(root: str, op: tuple) -> None:
    kind, p = op[0], os.path.join(root, op[1])
    if kind == "create":
        os.close(os.open(p, os.O_WRONLY | os.O_CREAT, 0o644))
    elif kind == "write":
        fd = os.open(p, os.O_WRONLY)
        try:
            os.pwrite(fd, op[3], op[2])
        finally:
            os.close(fd)
    elif kind == "truncate":
        if os.path.isdir(p):
            raise IsADirectoryError(E.EISDIR, p)
        os.truncate(p, op[2])
    elif kind == "unlink":
        os.unlink(p)
    elif kind == "mkdir":
        os.mkdir(p, 0o755)
    elif kind == "rmdir":
        os.rmdir(p)
    elif kind == "rename":
        os.rename(p, os.path.join(root, op[2]))


def snapshot_host(path: str) -> dict:
    out = {}
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            out[entry.name.encode()] = snapshot_host(entry.path)
        else:
            with open(entry.path, "rb") as f:
                out[entry.name.encode()] = f.read()
    return out


def snapshot_ext2(d: Ext2Inode) -> dict:
    out = {}
    subdirs = 0
    for _, name, ino, dtype in d.readdir(0):
        if name in (b".", b".."):
            continue
        inode = d.sb.ext2_iget(ino)
        if inode.is_dir():
            assert dtype == 4
            subdirs += 1
            out[name] = snapshot_ext2(inode)
        else:
            assert dtype == 8
            out[name] = inode.read(0, inode.size)
    assert d.nlink == 2 + subdirs
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mke2fs(tmp_path_factory.mktemp("tmpl") / "tmpl.img", 1024, "8M")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, min_size=1, max_size=25))
def test_random_operations_match_host(template: Path, seq: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        img = Path(tmp) / "fs.img"
        shutil.copyfile(template, img)
        host = os.path.join(tmp, "host")
        os.mkdir(host)
        os.mkdir(os.path.join(host, "lost+found"))
        sb = mount(img, cache_size=64)              # small cache: exercise eviction too
        model = Ext2Model(sb)
        for op in seq:
            try:
                host_apply(host, op)
                host_err = 0
            except OSError as e:
                host_err = e.errno
            try:
                model.apply(op)
                ours = 0
            except KernelError as e:
                ours = e.errno
            assert ours == host_err, (op, E.NAMES.get(ours), E.NAMES.get(host_err))
        assert snapshot_ext2(sb.root) == snapshot_host(host)
        sb.put_super()
        sb.bdev.close()
        fsck(img)


@pytest.mark.parametrize("bs,limit", [(1024, 17247252480), (2048, 275415851008),
                                      (4096, 2196873666560)])
def test_s_maxbytes_is_linux_ext2_max_size(bs: int, limit: int) -> None:
    """The largest file per block size, as measured with ftruncate on Linux's ext2 (block
    tree reach for 1 KiB, the i_blocks limit with indirect blocks counted for 2 and 4 KiB)."""
    assert ext2_max_size(bs) == limit


def test_fiemap_extents_match_debugfs_blocks(img: Path, bs: int) -> None:
    """FIEMAP's extents are the file's data blocks as e2fsprogs sees them, merged into
    logically and physically contiguous runs, holes skipped."""
    sb = mount(img)
    f = sb.root.create(b"sparse", REG, 0, 0)
    for blk in (0, 1, 4, 9):
        f.write(blk * bs, b"x" * bs)
    ext = list(f.fiemap(0, 1 << 40))
    assert [e[0] // bs for e in ext] == [0, 4, 9] and [e[2] // bs for e in ext] == [2, 1, 1]
    umount_and_check(sb, img)
    phys = [int(b) for b in debugfs(img, "blocks /sparse").split()]
    assert [p * bs for p in phys] == [e[1] + i * bs for e in ext for i in range(e[2] // bs)]
