"""sysfs: the kernel's objects as a tree of directories, attribute files and links
(Linux fs/sysfs/, fs/kernfs/, lib/kobject.c), mounted on /sys.

Modules, lowest first: kobject.py (the tree: kobject_add, add_file, add_link, kobject_del),
super.py (``SysfsSuperBlock``: the inodes made from the tree), block.py (``add_disk``: a disk's
directory and its /sys/block, /sys/class/block, /sys/dev/block links), system.py (cpus,
transparent_hugepage, the mount points under /sys/fs and /sys/kernel). Drivers add their own
objects (drivers/loop.py: each loop device and its loop/ group).
"""
from pynix.fs.sysfs import system  # noqa: F401  (registers the fixed objects)
from pynix.fs.sysfs.kobject import KObject, kobject_add, kobject_at, kobject_del
from pynix.fs.sysfs.super import SysfsSuperBlock

__all__ = ["KObject", "SysfsSuperBlock", "kobject_add", "kobject_at", "kobject_del"]
