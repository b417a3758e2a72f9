"""pynix's mkfs: images e2fsck accepts, laid out like mke2fs's, filled from a host tree."""
from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from pynix.fs.bio import BlockDevice, BufferCache
from pynix.fs.ext2 import Ext2SuperBlock
from pynix.fs.ext2 import layout as L
from pynix.fs.mkfs import mkfs

MiB = 1024 * 1024


def fsck(img: Path, *extra: str) -> str:
    r = subprocess.run(["e2fsck", "-fn", *extra, str(img)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def debugfs(img: Path, cmd: str) -> bytes:
    return subprocess.run(["debugfs", "-R", cmd, str(img)], capture_output=True,
                          check=True).stdout


def dumpe2fs(img: Path) -> str:
    return subprocess.run(["dumpe2fs", str(img)], capture_output=True, text=True,
                          check=True).stdout


def mount(img: Path) -> Ext2SuperBlock:
    return Ext2SuperBlock(BlockDevice(str(img)), BufferCache(256))


@pytest.mark.parametrize("bs,size", [(1024, 16 * MiB), (4096, 32 * MiB), (1024, 100 * MiB + 3072),
                                     (4096, 300 * MiB), (2048, 8 * MiB + 4096)])
def test_empty_filesystem_passes_e2fsck(tmp_path: Path, bs: int, size: int) -> None:
    img = tmp_path / "empty.img"
    mkfs(str(img), size, bs)
    fsck(img)
    out = dumpe2fs(img)
    assert "Filesystem features:      filetype sparse_super large_file" in out
    assert f"Block size:               {bs}" in out
    assert "Filesystem state:         clean" in out
    listing = debugfs(img, "ls -l /").decode()
    assert "lost+found" in listing
    sb = mount(img)
    assert sb.root.lookup(b"lost+found").ino == 11
    assert sb.ext2_iget(11).size >= 2 * bs
    assert sb.statfs().ffree == sb.inodes_count - 11


@pytest.mark.parametrize("bs,size,groups", [(1024, 100 * MiB, [1, 3, 5, 7, 9]),
                                             (4096, 300 * MiB, [1])])
def test_backup_superblocks_are_valid(tmp_path: Path, bs: int, size: int,
                                      groups: list[int]) -> None:
    img = tmp_path / "backups.img"
    mkfs(str(img), size, bs)
    out = dumpe2fs(img)
    backups = re.findall(r"Group (\d+): .*\n\s+Backup superblock at (\d+)", out)
    assert [int(g) for g, _ in backups] == groups
    first_data_block = 1 if bs == 1024 else 0
    for g, blk in backups:                             # e2fsck from each backup
        assert int(blk) == first_data_block + int(g) * 8 * bs
        fsck(img, "-b", blk, "-B", str(bs))


def test_runt_last_group_is_dropped(tmp_path: Path) -> None:
    img = tmp_path / "runt.img"
    mkfs(str(img), 8 * MiB + 20 * 1024, 1024)        # 20 blocks past 8 MiB: too small a group
    fsck(img)
    sb = mount(img)
    assert sb.ngroups == 1 and sb.blocks_count == 8193     # block 0 + one full group


def test_too_small_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        mkfs(str(tmp_path / "tiny.img"), 20 * 1024, 1024)
    with pytest.raises(ValueError):
        mkfs(str(tmp_path / "bs.img"), 8 * MiB, 512)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "etc").mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "deep/a/b/c").mkdir(parents=True)
    (root / "etc/passwd").write_bytes(b"root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc/empty").write_bytes(b"")
    (root / "bin/big").write_bytes(os.urandom(3 * MiB + 123))     # double indirect at 1 KiB
    os.chmod(root / "bin/big", 0o755)
    with open(root / "sparse", "wb") as f:
        f.write(b"head")
        f.seek(2 * MiB)
        f.write(b"tail")
    (root / "deep/a/b/c/leaf").write_bytes(b"leaf\n")
    os.symlink("../etc/passwd", root / "bin/fastlink")
    os.symlink("/" + "x" * 120, root / "slowlink")
    os.link(root / "etc/passwd", root / "etc/passwd.hard")
    os.mkfifo(root / "fifo")
    os.chmod(root / "etc", 0o711)
    os.utime(root / "etc/passwd", ns=(1_500_000_000_000_000_000, 1_600_000_000_250_000_000))
    return root


@pytest.mark.parametrize("bs", [1024, 4096])
def test_filled_from_host_directory(tmp_path: Path, tree: Path, bs: int) -> None:
    img = tmp_path / "full.img"
    mkfs(str(img), 32 * MiB, bs, from_dir=str(tree))
    fsck(img)
    assert debugfs(img, "cat /bin/big") == (tree / "bin/big").read_bytes()
    assert debugfs(img, "cat /deep/a/b/c/leaf") == b"leaf\n"
    assert debugfs(img, "cat /sparse") == (tree / "sparse").read_bytes()
    st_etc = debugfs(img, "stat /etc").decode()
    assert "Mode:  0711" in st_etc and "User:     0   Group:     0" in st_etc

    sb = mount(img)
    root = sb.root
    etc = root.lookup(b"etc")
    passwd = etc.lookup(b"passwd")
    assert passwd.read(0, 100) == b"root:x:0:0:root:/root:/bin/sh\n"
    assert passwd is etc.lookup(b"passwd.hard") and passwd.nlink == 2
    assert passwd.mtime == 1_600_000_000_250_000_000
    assert stat.S_IMODE(root.lookup(b"bin").lookup(b"big").mode) == 0o755
    assert root.lookup(b"bin").lookup(b"fastlink").readlink() == b"../etc/passwd"
    assert root.lookup(b"slowlink").readlink() == b"/" + b"x" * 120
    assert stat.S_ISFIFO(root.lookup(b"fifo").mode)
    assert etc.lookup(b"empty").size == 0
    sparse = root.lookup(b"sparse")
    assert sparse.blocks < 8 * (bs // 512)                           # holes stayed holes
    names = sorted(n for _, n, _, _ in root.readdir(0))
    assert names == sorted([b".", b"..", b"lost+found", b"etc", b"bin", b"deep", b"sparse",
                            b"slowlink", b"fifo"])
    # the image stays writable through the ext2 layer
    root.lookup(b"deep").create(b"new", stat.S_IFREG | 0o600, 0, 0).write(0, b"x" * 5000)
    sb.put_super()
    sb.bdev.close()
    fsck(img)


def test_owner_none_keeps_host_ids(tmp_path: Path, tree: Path) -> None:
    img = tmp_path / "ids.img"
    mkfs(str(img), 16 * MiB, 1024, from_dir=str(tree), owner=None)
    fsck(img)
    sb = mount(img)
    passwd = sb.root.lookup(b"etc").lookup(b"passwd")
    st = os.stat(tree / "etc/passwd")
    assert (passwd.uid, passwd.gid) == (st.st_uid, st.st_gid)


def test_host_mke2fs_and_pynix_mkfs_agree_on_geometry(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.img", tmp_path / "theirs.img"
    mkfs(str(ours), 64 * MiB, 1024)
    subprocess.run(["mke2fs", "-F", "-q", "-t", "ext2", "-b", "1024", "-O", "^resize_inode",
                    str(theirs), "64M"], check=True, capture_output=True)
    a, b = mount(ours), mount(theirs)
    assert (a.blocks_count, a.ngroups, a.blocks_per_group) == \
           (b.blocks_count, b.ngroups, b.blocks_per_group)
    assert a.inodes_count == b.inodes_count and a.inode_size == b.inode_size
    assert a.s["s_rev_level"] == L.EXT2_DYNAMIC_REV
