"""A disk's directory in sysfs (Linux block/genhd.c device_add_disk and disk_attrs,
block/blk-sysfs.c queue_attrs, block/partitions/core.c part_stat_show).

``add_disk(disk)`` puts /sys/devices/virtual/block/<name> in the tree with the attributes
programs read (dev, size in 512-byte sectors, ro, removable, stat, uevent, range,
capability and queue/: logical_block_size, physical_block_size, hw_sector_size,
dma_alignment, read_ahead_kb (writable), rotational, minimum_io_size, optimal_io_size,
max_sectors_kb) and the links /sys/block/<name>, /sys/class/block/<name> and
/sys/dev/block/<major>:<minor> to it; it returns the kobject, under which a driver adds its
own group (the loop driver's loop/). ``del_disk(kobj)`` takes it away again.

Owns: nothing; every value is read from the ``Gendisk`` (fs/blkdev.py) when the file is.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.blkdev import PAGE_SECTORS, Gendisk
from pynix.fs.sysfs.kobject import KObject, kobject_add, kobject_del

block_class = kobject_add(kobject_add(None, "class"), "block")
sys_block = kobject_add(None, "block")
dev_block = kobject_add(kobject_add(None, "dev"), "block")
virtual_block = kobject_add(kobject_add(kobject_add(None, "devices"), "virtual"), "block")


def _int(v: int) -> bytes:
    return b"%d\n" % v


def _store_read_ahead(disk: Gendisk, data: bytes) -> None:
    try:
        kb = int(data.strip())
    except ValueError:
        raise KernelError(E.EINVAL) from None
    if kb < 0:
        raise KernelError(E.EINVAL)
    disk.ra_pages = kb // 4


def add_disk(disk: Gendisk) -> KObject:
    kobj = kobject_add(virtual_block, disk.name)
    kobj.add_file("dev", lambda: b"%d:%d\n" % (disk.major, disk.minor))
    kobj.add_file("size", lambda: _int(disk.sectors()))
    kobj.add_file("ro", lambda: _int(int(disk.readonly)))
    kobj.add_file("removable", lambda: _int(int(disk.removable)))
    kobj.add_file("range", lambda: _int(1))
    kobj.add_file("ext_range", lambda: _int(1))
    kobj.add_file("capability", lambda: b"0\n")
    kobj.add_file("stat", disk.stats.show)
    kobj.add_file("uevent", lambda: b"MAJOR=%d\nMINOR=%d\nDEVNAME=%s\nDEVTYPE=disk\n" % (
        disk.major, disk.minor, disk.name.encode()), mode=0o644)
    kobj.add_link("subsystem", block_class)
    q = kobject_add(kobj, "queue")
    q.add_file("logical_block_size", lambda: _int(disk.logical_block_size))
    q.add_file("physical_block_size", lambda: _int(disk.physical_block_size))
    q.add_file("hw_sector_size", lambda: _int(disk.logical_block_size))
    q.add_file("minimum_io_size", lambda: _int(disk.physical_block_size))
    q.add_file("optimal_io_size", lambda: _int(0))
    q.add_file("dma_alignment", lambda: _int(511))
    q.add_file("rotational", lambda: _int(0))
    q.add_file("max_sectors_kb", lambda: _int(1280))
    q.add_file("read_ahead_kb", lambda: _int(disk.ra_pages * PAGE_SECTORS // 2),
               lambda data: _store_read_ahead(disk, data))
    sys_block.add_link(disk.name, kobj)
    block_class.add_link(disk.name, kobj)
    dev_block.add_link("%d:%d" % (disk.major, disk.minor), kobj)
    return kobj


def del_disk(kobj: KObject) -> None:
    kobject_del(kobj)
