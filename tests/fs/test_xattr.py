"""Extended attributes: ext2's EA block read and written in the format e2fsprogs and Linux use
(e2fsck finds the result clean, debugfs reads what pynix wrote and pynix what debugfs wrote),
shared blocks copied before a change, and the VFS checks of fs/xattr.py."""
from __future__ import annotations

import stat
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.xattr import XATTR_CREATE, XATTR_REPLACE
from pynix.base.errors import KernelError
from pynix.fs import xattr as VX
from pynix.fs.ext2 import layout as L
from pynix.fs.ext2 import xattr as X
from pynix.fs.tmpfs import TmpfsSuperBlock
from pynix.kernel.cred import Cred

from .test_ext2 import debugfs, mke2fs, mount, umount_and_check

REG = stat.S_IFREG | 0o644


def _ea_block(img: Path, bs: int, blk: int) -> bytes:
    with open(img, "rb") as f:
        f.seek(blk * bs)
        return f.read(bs)


def test_pynix_reads_and_hashes_as_e2fsprogs_does(tmp_path: Path) -> None:
    """debugfs (128-byte inodes, so the attributes go to an EA block) writes; pynix parses
    the block, computes the same entry hashes, and reads the values."""
    img = mke2fs(tmp_path / "fs.img", 1024, "8M", "-I", "128")
    subprocess.run(["debugfs", "-w", "-R", "write /etc/hostname /f", str(img)], capture_output=True, check=True)
    for name, value in (("user.hello", "world"), ("security.s", "12345678"), ("trusted.t", "x" * 9)):
        subprocess.run(["debugfs", "-w", "-R", f"ea_set /f {name} {value}", str(img)],
                       capture_output=True, check=True)
    sb = mount(img)
    f = sb.root.lookup(b"f")
    assert f is not None and f.file_acl
    raw = _ea_block(img, 1024, f.file_acl)
    parsed = X.parse_block(raw)
    assert parsed is not None and parsed[0] == 1
    off = L.EA_HEADER.size
    for index, name, value in parsed[1]:
        on_disk = L.EA_ENTRY.unpack_from(raw, off)[5]
        assert X.hash_entry(name, value) == on_disk
        off += L.ea_entry_len(len(name))
    assert f.get_xattr(b"user.hello") == b"world"
    assert f.get_xattr(b"trusted.t") == b"xxxxxxxxx"
    assert sorted(f.list_xattr()) == [b"security.s", b"trusted.t", b"user.hello"]
    with pytest.raises(KernelError) as e:
        f.get_xattr(b"user.nope")
    assert e.value.errno == E.ENODATA


@pytest.mark.parametrize("bs", [1024, 4096])
def test_set_remove_e2fsck_and_debugfs_agree(tmp_path: Path, bs: int) -> None:
    img = mke2fs(tmp_path / "fs.img", bs, "16M", "-O", "^ext_attr")
    sb = mount(img)
    f = sb.root.create(b"f", REG, 0, 0)
    f.write(0, b"data")
    before = f.i_blocks
    f.set_xattr(b"user.a", b"hello", 0)
    f.set_xattr(b"user.empty", b"", 0)
    f.set_xattr(b"trusted.t", bytes(range(200)), 0)
    f.set_xattr(b"security.selinux", b"system_u:object_r:tmp_t:s0\0", 0)
    f.set_xattr(b"user.a", b"bye", XATTR_REPLACE)
    with pytest.raises(KernelError) as e:
        f.set_xattr(b"user.a", b"x", XATTR_CREATE)
    assert e.value.errno == E.EEXIST
    assert f.i_blocks == before + bs // 512
    umount_and_check(sb, img)                                 # e2fsck -fn is clean
    assert b"ext_attr" in subprocess.run(["dumpe2fs", "-h", str(img)], capture_output=True).stdout
    listing = debugfs(img, "ea_list /f").decode()
    assert 'user.a (3) = "bye"' in listing and "user.empty (0)" in listing
    assert "trusted.t (200)" in listing and "security.selinux" in listing
    sb = mount(img)
    f = sb.root.lookup(b"f")
    assert f is not None and f.get_xattr(b"trusted.t") == bytes(range(200))
    for name in (b"user.a", b"user.empty", b"trusted.t", b"security.selinux"):
        f.set_xattr(name, None, XATTR_REPLACE)
    assert f.file_acl == 0 and f.i_blocks == before and f.list_xattr() == []
    umount_and_check(sb, img)


def test_limits_erange_and_enospc(tmp_path: Path) -> None:
    sb = mount(mke2fs(tmp_path / "fs.img", 1024, "8M"))
    f = sb.root.create(b"f", REG, 0, 0)
    with pytest.raises(KernelError) as e:
        f.set_xattr(b"user.big", bytes(1025), 0)               # more than a block
    assert e.value.errno == E.ERANGE
    f.set_xattr(b"user.fits", bytes(900), 0)
    with pytest.raises(KernelError) as e:
        f.set_xattr(b"user.more", bytes(200), 0)               # the block is full
    assert e.value.errno == E.ENOSPC
    assert f.get_xattr(b"user.fits") == bytes(900)


def test_shared_block_is_copied_before_a_change(tmp_path: Path) -> None:
    """Linux shares one EA block among inodes with equal attributes (h_refcount 2 here);
    changing one inode's attributes must leave the other's intact, and e2fsck agrees."""
    img = mke2fs(tmp_path / "fs.img", 1024, "8M")
    sb = mount(img)
    a = sb.root.create(b"a", REG, 0, 0)
    b = sb.root.create(b"b", REG, 0, 0)
    a.set_xattr(b"user.k", b"shared", 0)
    buf = sb.cache.bread(sb.bdev, a.file_acl)                  # make b share a's block
    struct.pack_into("<I", buf.data, 4, 2)
    sb.cache.bdwrite(buf)
    sb.cache.brelse(buf)
    b.file_acl, b.i_blocks = a.file_acl, b.i_blocks + 2
    b.mark_dirty()
    umount_and_check(sb, img)
    sb = mount(img)
    a, b = sb.root.lookup(b"a"), sb.root.lookup(b"b")
    assert a is not None and b is not None and b.get_xattr(b"user.k") == b"shared"
    b.set_xattr(b"user.k", b"mine", 0)
    assert b.file_acl != a.file_acl
    assert a.get_xattr(b"user.k") == b"shared" and b.get_xattr(b"user.k") == b"mine"
    assert X.parse_block(_ea_block_cached(sb, a.file_acl))[0] == 1  # type: ignore[index]
    sb.root.unlink(b"a")
    a.evict()                                                   # its block goes with it
    umount_and_check(sb, img)


def _ea_block_cached(sb: object, blk: int) -> bytes:
    buf = sb.cache.bread(sb.bdev, blk)  # type: ignore[attr-defined]
    try:
        return bytes(buf.data)
    finally:
        sb.cache.brelse(buf)  # type: ignore[attr-defined]


# -- the VFS checks ----------------------------------------------------------------------

@dataclass
class FakeTask:
    cred: Cred


def _errno(fn, *args) -> int:  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except KernelError as err:
        return err.errno
    return 0


def test_vfs_checks_on_tmpfs() -> None:
    sb = TmpfsSuperBlock()
    f = sb.root.create(b"f", REG, 0, 0)
    root, user = FakeTask(Cred()), FakeTask(Cred(*[1000] * 8))
    VX.vfs_setxattr(root, f, b"user.a", b"1", 0)  # type: ignore[arg-type]
    VX.vfs_setxattr(root, f, b"trusted.t", b"2", 0)  # type: ignore[arg-type]
    assert VX.vfs_listxattr(root, f) == b"trusted.t\0user.a\0"  # type: ignore[arg-type]
    assert VX.vfs_listxattr(user, f) == b"user.a\0"  # type: ignore[arg-type]
    assert _errno(VX.vfs_getxattr, user, f, b"trusted.t") == E.ENODATA
    assert _errno(VX.vfs_setxattr, user, f, b"user.a", b"x", 0) == E.EACCES
    assert _errno(VX.vfs_setxattr, user, f, b"security.x", b"x", 0) == E.EPERM
    assert _errno(VX.vfs_setxattr, root, f, b"system.posix_acl_access", b"x", 0) == E.EOPNOTSUPP
    assert _errno(VX.vfs_setxattr, root, f, b"user.", b"x", 0) == E.EINVAL
    assert _errno(VX.getxattr_sized, root, f, b"user.a", 0) == 0
    assert _errno(VX.listxattr_sized, root, f, 3) == E.ERANGE
    link = sb.root.symlink(b"l", b"f", 0, 0)
    assert _errno(VX.vfs_setxattr, root, link, b"user.a", b"x", 0) == E.EPERM
    assert _errno(VX.vfs_removexattr, root, f, b"user.zz") == E.ENODATA
    VX.vfs_removexattr(root, f, b"user.a")  # type: ignore[arg-type]
    assert VX.vfs_listxattr(root, f) == b"trusted.t\0"  # type: ignore[arg-type]
