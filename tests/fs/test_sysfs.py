"""sysfs inside one booted (not running) machine: the kobject tree's API (attributes, links,
visibility, removal), the inodes a mount makes of it, and the block devices' directories
read from the live loop devices and disks."""
from __future__ import annotations

from pathlib import Path as HostPath

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.drivers.loop import LOOPS
from pynix.fs.blkdev import DiskStats, Gendisk
from pynix.fs.sysfs import kobject_add, kobject_at, kobject_del
from pynix.fs.sysfs.kobject import link_text
from pynix.fs.vfs.namei import namei
from pynix.fs.vfs.ops import do_open
from pynix.init.main import Config, Machine


@pytest.fixture
def machine(tmp_path: HostPath) -> Machine:
    for d in ("proc", "sys", "tmp", "dev", "mnt"):
        (tmp_path / d).mkdir()
    m = Machine(Config(root=str(tmp_path)))
    m.k.current = m.k.init_task
    return m


def read(m: Machine, path: bytes) -> bytes:
    f = do_open(m.k.init_task.fs, path, A.O_RDONLY, 0)
    out = b""
    while chunk := f.read(4096):
        out += chunk
    f.put()
    return out


def names(m: Machine, path: bytes) -> list[bytes]:
    f = do_open(m.k.init_task.fs, path, A.O_RDONLY | A.O_DIRECTORY, 0)
    out = [name for _, name, _, _ in f.inode.readdir(0)]
    f.put()
    return out


def test_link_text_is_relative() -> None:
    a = kobject_add(kobject_add(None, "t_a"), "x")
    b = kobject_add(kobject_add(kobject_add(None, "t_b"), "y"), "z")
    assert link_text(a, b) == b"../../t_b/y/z"
    kobject_del(a.parent)  # type: ignore[arg-type]
    kobject_del(b.parent.parent)  # type: ignore[union-attr]


def test_attributes_links_and_removal(machine: Machine) -> None:
    state = {"v": 3}
    obj = kobject_add(None, "t_obj")
    obj.add_file("value", lambda: b"%d\n" % state["v"],
                 lambda data: state.__setitem__("v", int(data)))
    other = kobject_add(None, "t_other")
    other.add_link("to_obj", obj)
    assert read(machine, b"/sys/t_obj/value") == b"3\n"
    state["v"] = 7                                  # read from the live object
    assert read(machine, b"/sys/t_other/to_obj/value") == b"7\n"
    f = do_open(machine.k.init_task.fs, b"/sys/t_obj/value", A.O_WRONLY, 0)
    f.write(b"11\n")
    f.put()
    assert state["v"] == 11
    p = namei(machine.k.init_task.fs, b"/sys/t_obj/value")
    assert p.inode.size == 4096 and p.inode.mode & 0o777 == 0o644
    kobject_del(obj)
    with pytest.raises(KernelError) as e:
        namei(machine.k.init_task.fs, b"/sys/t_other/to_obj")
    assert e.value.errno == E.ENOENT
    assert b"to_obj" not in names(machine, b"/sys/t_other")
    kobject_del(other)


def test_hidden_group_appears_when_visible(machine: Machine) -> None:
    shown = {"on": False}
    obj = kobject_add(None, "t_vis")
    kobject_add(obj, "grp", visible=lambda: shown["on"]).add_file("a", lambda: b"1\n")
    assert b"grp" not in names(machine, b"/sys/t_vis")
    shown["on"] = True
    assert read(machine, b"/sys/t_vis/grp/a") == b"1\n"
    kobject_del(obj)


def test_loop_devices_in_sys_block(machine: Machine) -> None:
    assert [b"loop%d" % i for i in range(8)] == [n for n in names(machine, b"/sys/block")
                                                 if n.startswith(b"loop")]
    assert read(machine, b"/sys/block/loop3/dev") == b"7:3\n"
    assert read(machine, b"/sys/dev/block/7:3/uevent").splitlines()[2] == b"DEVNAME=loop3"
    assert read(machine, b"/sys/class/block/loop3/size") == b"0\n"
    assert read(machine, b"/sys/block/loop3/queue/logical_block_size") == b"512\n"
    assert b"loop" not in names(machine, b"/sys/block/loop3")      # not bound
    assert kobject_at("block/loop3/queue") is kobject_at("devices/virtual/block/loop3/queue")
    assert LOOPS[3].disk.sectors() == 0


def test_cpu_masks(machine: Machine) -> None:
    assert read(machine, b"/sys/devices/system/cpu/online") == b"0\n"
    assert b"cpu0" in names(machine, b"/sys/devices/system/cpu")


def test_disk_stats_and_block_size() -> None:
    st = DiskStats()
    st.account(True, 1024, 0.0)
    fields = st.show().split()
    assert len(fields) == 17 and fields[4] == b"1" and fields[6] == b"2" and int(fields[9]) > 0
    d = Gendisk("t", 250, 0, lambda: 4096)
    for bad in (256, 4095, 1 << 17):
        with pytest.raises(KernelError) as e:
            d.set_logical_block_size(bad)
        assert e.value.errno == E.EINVAL
    d.set_logical_block_size(4096)
    assert d.logical_block_size == 4096 and d.sectors() == 8
