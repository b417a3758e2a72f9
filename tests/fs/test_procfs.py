"""procfs and mount(2) inside one booted (not running) machine: the formats of the generated
files, lookups that follow the task table, magic links, the registration API, and the mount
namespace operations behind mount/umount2."""
from __future__ import annotations

import re

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.procfs import register_proc_file
from pynix.fs.procfs.array import (
    MAPS_NAME_COLUMN,
    proc_pid_maps,
    proc_pid_stat,
    proc_pid_status,
)
from pynix.fs.procfs.files import kb_line, mangle, show_meminfo, show_mounts
from pynix.fs.vfs.dcache import MS_BIND
from pynix.fs.vfs.namei import namei
from pynix.fs.vfs.namespace import path_mount, path_umount
from pynix.fs.vfs.ops import do_open, vfs_mkdir
from pynix.init.main import Machine
from pynix.kernel.task import Task
from pynix.mm.mm import MM
from pynix.mm.vma import VM_GROWSDOWN, VMA




def read(m: Machine, path: bytes) -> bytes:
    t = m.k.init_task
    f = do_open(t.fs, path, A.O_RDONLY, 0)
    out = b""
    while chunk := f.read(4096):
        out += chunk
    f.put()
    return out


def test_kb_line_matches_linux_columns() -> None:
    assert kb_line("MemTotal", 24684092) == "MemTotal:       24684092 kB"
    assert kb_line("Hugepagesize", 2048) == "Hugepagesize:       2048 kB"


def test_meminfo_lines(machine: Machine) -> None:
    text = show_meminfo(machine.k).decode()
    assert text.startswith("MemTotal:")
    total = int(text.split()[1])
    assert total == machine.k.phys.size >> 10
    for line in text.splitlines():
        assert re.fullmatch(r"[A-Za-z_()]+:\s+\d+( kB)?", line), line


def test_stat_of_a_kernel_thread(machine: Machine) -> None:
    t = machine.k.init_task
    fields = proc_pid_stat(t, True, t.kernel.init_pid_ns).decode().split()
    assert len(fields) == 52
    assert fields[0] == str(t.pid) and fields[1] == "(init)" and fields[3] == "0"
    assert read(machine, b"/proc/1/cmdline") == b""               # ps prints [init]
    status = proc_pid_status(t, True, t.kernel.init_pid_ns).decode()
    assert "\nKthread:\t1\n" in status and "VmRSS" not in status


def test_maps_name_column(machine: Machine) -> None:
    k = machine.k
    t = Task(k, 4242, b"prog")
    t.mm = MM(k.phys)
    t.mm.vmas.insert(VMA(0x5000, 0x7000, A.PROT_READ | A.PROT_WRITE, A.MAP_PRIVATE, name="[heap]"))
    t.mm.vmas.insert(VMA(0x7FF000, 0x800000, A.PROT_READ | A.PROT_WRITE, A.MAP_PRIVATE,
                         name="[stack]", vm_flags=VM_GROWSDOWN))
    t.mm.vmas.insert(VMA(0x9000, 0xA000, A.PROT_READ, A.MAP_PRIVATE))
    lines = proc_pid_maps(t, None).decode().splitlines()
    assert lines[0] == "00005000-00007000 rw-p 00000000 00:00 0".ljust(MAPS_NAME_COLUMN) + "[heap]"
    assert lines[1] == "00009000-0000a000 r--p 00000000 00:00 0 "
    assert lines[2].endswith(" [stack]") and lines[2].index("[") == MAPS_NAME_COLUMN


def test_root_lists_pids_and_entries(machine: Machine) -> None:
    t = machine.k.init_task
    names = {n for _, n, _, _ in namei(t.fs, b"/proc").inode.readdir(0)}
    assert {b"self", b"thread-self", b"meminfo", b"mounts", b"sys", b"1"} <= names
    assert namei(t.fs, b"/proc/self", follow=False).inode.readlink() == b"1"
    assert read(machine, b"/proc/self/comm") == b"init\n"


def test_dead_pid_vanishes(machine: Machine) -> None:
    k = machine.k
    t = Task(k, 77, b"ghost")
    t.fs = k.init_task.fs
    k.add_task(t)
    fs = k.init_task.fs
    assert read(machine, b"/proc/77/comm") == b"ghost\n"
    k.forget_task(t)
    with pytest.raises(KernelError) as e:
        namei(fs, b"/proc/77/comm")
    assert e.value.errno == E.ENOENT


def test_register_proc_file(machine: Machine) -> None:
    register_proc_file("pynixtest/hello", lambda k: b"hi %s\n" % k.init_uts_ns.hostname)
    assert read(machine, b"/proc/pynixtest/hello") == b"hi pynix\n"


def test_hostname_sysctl_writes_uname(machine: Machine) -> None:
    fs = machine.k.init_task.fs
    f = do_open(fs, b"/proc/sys/kernel/hostname", A.O_WRONLY | A.O_TRUNC, 0)
    f.write(b"box\n")
    f.put()
    assert machine.k.init_uts_ns.hostname == b"box"
    assert read(machine, b"/proc/sys/kernel/hostname") == b"box\n"


def test_magic_link_jumps_to_the_object(machine: Machine) -> None:
    t = machine.k.init_task
    f = do_open(t.fs, b"/tmp", A.O_RDONLY | A.O_DIRECTORY, 0)
    fd = t.files.alloc(f)
    link = b"/proc/self/fd/%d" % fd
    assert namei(t.fs, link, follow=False).inode.readlink() == b"/tmp"
    assert namei(t.fs, link).inode is namei(t.fs, b"/tmp").inode
    assert namei(t.fs, b"/proc/self/cwd").inode is namei(t.fs, b"/").inode


def test_mounts_format_and_mangling(machine: Machine) -> None:
    text = show_mounts(machine.k.init_task).decode()
    assert "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n" in text
    assert mangle(b"a b\\c") == b"a\\040b\\134c"


def test_mount_umount_tmpfs(machine: Machine) -> None:
    t = machine.k.init_task
    vfs_mkdir(t.fs, b"/mnt/x", 0o755)
    at = namei(t.fs, b"/mnt/x")
    path_mount(t, b"none", at, b"tmpfs", 0, b"size=1m")
    p = namei(t.fs, b"/mnt/x")
    assert p.inode.sb.fs_name == "tmpfs" and p.inode.sb.statfs().blocks == 256
    assert b"none /mnt/x tmpfs rw,relatime 0 0\n" in show_mounts(t)
    with pytest.raises(KernelError) as e:
        path_mount(t, b"none", p, b"nosuchfs", 0, b"")
    assert e.value.errno == E.ENODEV
    with pytest.raises(KernelError) as e:
        path_umount(t, b"/mnt", 0)
    assert e.value.errno == E.EINVAL
    path_umount(t, b"/mnt/x", 0)
    assert namei(t.fs, b"/mnt/x").inode.sb.fs_name == "hostfs"


def test_umount_busy_and_root(machine: Machine) -> None:
    t = machine.k.init_task
    with pytest.raises(KernelError) as e:
        path_umount(t, b"/", 0)
    assert e.value.errno == E.EBUSY
    old = t.fs.cwd
    t.fs.cwd = namei(t.fs, b"/tmp")
    with pytest.raises(KernelError) as e:
        path_umount(t, b"/tmp", 0)
    assert e.value.errno == E.EBUSY
    t.fs.cwd = old
    path_umount(t, b"/tmp", 0)


def test_lazy_umount_keeps_the_superblock_for_its_users(machine: Machine) -> None:
    t = machine.k.init_task
    vfs_mkdir(t.fs, b"/mnt/lazy", 0o755)
    path_mount(t, b"none", namei(t.fs, b"/mnt/lazy"), b"tmpfs", 0, b"")
    f = do_open(t.fs, b"/mnt/lazy/file", A.O_CREAT | A.O_RDWR, 0o644)
    f.write(b"kept")
    fd = t.files.alloc(f)
    with pytest.raises(KernelError) as e:
        path_umount(t, b"/mnt/lazy", 0)
    assert e.value.errno == E.EBUSY
    sb = f.inode.sb
    path_umount(t, b"/mnt/lazy", A.MNT_DETACH)
    assert namei(t.fs, b"/mnt/lazy").inode.sb is not sb
    assert sb in machine.k.vfs.supers and f.pread(4, 0) == b"kept"
    t.files.close(fd)


def test_mountinfo_fields(machine: Machine) -> None:
    from pynix.fs.procfs.files import show_mountinfo
    t = machine.k.init_task
    vfs_mkdir(t.fs, b"/mnt/b", 0o755)
    path_mount(t, b"/proc", namei(t.fs, b"/mnt/b"), None, MS_BIND, b"")
    lines = show_mountinfo(t).decode().splitlines()
    ids = {line.split()[4]: line.split() for line in lines}
    assert ids["/"][0] == ids["/"][1]                       # the root is its own parent
    proc = ids["/proc"]
    assert proc[1] == ids["/"][0] and proc[5] == "rw,nosuid,nodev,noexec,relatime"
    assert proc[6:] == ["-", "proc", "proc", "rw"]
    assert ids["/mnt/b"][3] == "/" and ids["/mnt/b"][2] == proc[2]   # a bind of proc's root

