"""procfs: the superblock and its root (Linux fs/proc/root.c: proc_fill_super, proc_root_lookup,
proc_root_readdir).

``ProcSuperBlock(kernel)`` is a proc instance to mount on /proc (boot, mount -t proc); its root
lists the registered system-wide entries (fs/procfs/registry.py), ``self``, ``thread-self`` and
one directory per thread group (fs/procfs/pid.py). ``current()`` is the task doing the lookup
or read, whose view (root, namespaces) the files show.

Owns: nothing beyond the instance; figures come from the kernel's own tables.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynix.fs.procfs.inode import ProcDir
from pynix.fs.procfs.pid import proc_root_entries, proc_root_find
from pynix.fs.vfs.inode import StatFs, SuperBlock

if TYPE_CHECKING:
    from pynix.kernel.task import Task

PROC_SUPER_MAGIC = 0x9FA0
PROC_ROOT_INO = 1


class ProcSuperBlock(SuperBlock):
    fs_name = "proc"
    magic = PROC_SUPER_MAGIC

    def __init__(self, kernel: Any, pid_ns: Any = None) -> None:
        super().__init__()
        self.kernel = kernel
        self.pid_ns = pid_ns if pid_ns is not None else kernel.init_pid_ns   # whose pids it shows
        self.root = ProcDir(self, PROC_ROOT_INO, 0o555, lambda: proc_root_entries(self),
                            nlink=3, find=lambda name: proc_root_find(self, name))

    def statfs(self) -> StatFs:
        return StatFs(self.magic, 4096, 0, 0, 0, 0, 0)

    def current(self) -> Task | None:
        """The task doing the lookup or read (the kernel's current)."""
        return self.kernel.current
