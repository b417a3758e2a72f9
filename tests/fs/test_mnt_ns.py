"""Mount namespaces and propagation (fs/vfs/mnt_ns.py, fs/vfs/pnode.py) and the statmount /
listmount queries (fs/vfs/statmount.py), on a machine's real mount tree."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import mount_api as M
from pynix.base.errors import KernelError
from pynix.fs.procfs.files import show_mountinfo
from pynix.fs.vfs.dcache import MS_BIND, MS_PRIVATE, MS_REC, MNT_UNIQUE_ID_OFFSET
from pynix.fs.vfs.mnt_ns import copy_mnt_ns
from pynix.fs.vfs.namei import namei
from pynix.fs.vfs.namespace import path_mount, path_umount
from pynix.fs.vfs.ops import vfs_mkdir
from pynix.fs.vfs.statmount import listmount, statmount
from pynix.init.main import Machine




def _tmpfs(t, path: bytes) -> None:
    vfs_mkdir(t.fs, path, 0o755)
    path_mount(t, b"none", namei(t.fs, path), b"tmpfs", 0, b"size=1m")


def test_copy_mnt_ns_gives_new_mounts_and_moves_root(machine: Machine) -> None:
    t = machine.k.init_task
    old = t.fs.mounts
    _tmpfs(t, b"/mnt/a")
    new = copy_mnt_ns(t.fs, machine.k.vfs)
    assert new is t.fs.mounts and new is not old and new.inum != old.inum
    assert len(new.mounts) == len(old.mounts)
    assert not {id(m) for m in new.mounts} & {id(m) for m in old.mounts}
    assert t.fs.root.mnt in new.mounts and t.fs.cwd.mnt in new.mounts
    _tmpfs(t, b"/mnt/b")                   # only the new namespace has it
    assert len(new.mounts) == len(old.mounts) + 1


def test_shared_peers_and_slaves(machine: Machine) -> None:
    t = machine.k.init_task
    _tmpfs(t, b"/mnt/top")
    for d in (b"/mnt/top/a", b"/mnt/top/b"):
        vfs_mkdir(t.fs, d, 0o755)
    path_mount(t, b"/mnt/top/a", namei(t.fs, b"/mnt/top/a"), None, MS_BIND, b"")
    path_mount(t, None, namei(t.fs, b"/mnt/top/a"), None, A.MS_SHARED, b"")
    a = namei(t.fs, b"/mnt/top/a").mnt
    assert a.peers is not None and a.group_id > 0
    path_mount(t, b"/mnt/top/a", namei(t.fs, b"/mnt/top/b"), None, MS_BIND, b"")
    b = namei(t.fs, b"/mnt/top/b").mnt
    assert b.group_id == a.group_id and b in a.peers
    assert b"shared:%d" % a.group_id in show_mountinfo(t)
    _tmpfs(t, b"/mnt/top/a/x")               # propagates to b
    assert namei(t.fs, b"/mnt/top/b/x").mnt is not b
    path_umount(t, b"/mnt/top/b/x", 0)       # and the umount back to a
    assert namei(t.fs, b"/mnt/top/a/x").mnt is a
    path_mount(t, None, namei(t.fs, b"/mnt/top/b"), None, A.MS_SLAVE, b"")
    assert b.master is a and b.peers is None and b"master:%d" % a.group_id in show_mountinfo(t)
    path_mount(t, None, namei(t.fs, b"/mnt/top"), None, MS_REC | MS_PRIVATE, b"")
    assert a.peers is None and b.master is None


def test_unbindable_refuses_bind(machine: Machine) -> None:
    t = machine.k.init_task
    _tmpfs(t, b"/mnt/u")
    vfs_mkdir(t.fs, b"/mnt/v", 0o755)
    path_mount(t, None, namei(t.fs, b"/mnt/u"), None, A.MS_UNBINDABLE, b"")
    with pytest.raises(KernelError) as e:
        path_mount(t, b"/mnt/u", namei(t.fs, b"/mnt/v"), None, MS_BIND, b"")
    assert e.value.errno == E.EINVAL
    assert b" unbindable - tmpfs" in show_mountinfo(t)


def test_statmount_and_listmount(machine: Machine) -> None:
    t = machine.k.init_task
    _tmpfs(t, b"/mnt/s")
    m = namei(t.fs, b"/mnt/s").mnt
    assert m.mnt_id_unique > MNT_UNIQUE_ID_OFFSET
    mask = M.STATMOUNT_MNT_BASIC | M.STATMOUNT_FS_TYPE | M.STATMOUNT_MNT_POINT
    raw = statmount(t, m.mnt_id_unique, mask, 1024)
    f = M.STATMOUNT.unpack(raw[:M.STATMOUNT.size])
    strs = raw[M.STATMOUNT.size:]
    assert f[0] == len(raw) and f[2] == mask and f[8] == m.mnt_id_unique
    assert f[10] == m.mnt_id and f[13] == MS_PRIVATE
    assert strs[f[7]:].split(b"\0")[0] == b"tmpfs"
    assert strs[f[18]:].split(b"\0")[0] == b"/mnt/s"
    with pytest.raises(KernelError) as e:
        statmount(t, m.mnt_id_unique, M.STATMOUNT_MNT_POINT, 512)
    assert e.value.errno == E.EOVERFLOW
    with pytest.raises(KernelError) as e:
        statmount(t, M.LSMT_ROOT, 0, 512)
    assert e.value.errno == E.ENOENT
    ids = listmount(t, M.LSMT_ROOT, 0, 100)
    assert ids == sorted(ids) and m.mnt_id_unique in ids
    assert ids[0] == t.fs.root.mnt.mnt_id_unique
    assert listmount(t, M.LSMT_ROOT, ids[0], 2) == ids[1:3]
    assert listmount(t, m.mnt_id_unique, 0, 10) == []
