"""procfs: the process information pseudo filesystem (Linux fs/proc/).

``ProcSuperBlock(kernel)`` makes an instance to mount on /proc; ``register_proc_file`` and
``register_proc_symlink`` let any subsystem add a system-wide entry. Modules, lowest first:
inode.py (generated files, links, directories), registry.py (the registered entries),
array.py (stat/status/statm/maps text), files.py (meminfo, stat, uptime, loadavg, ...),
sys.py (/proc/sys), page.py (kpagecount, kpageflags), task_mmu.py (smaps, pagemap),
pid.py (per-process directories), super.py (the superblock and its root).
Other subsystems register their own files (fs/filesystems.py, ipc/procfs.py).
"""
from pynix.fs.procfs import files, page, sys  # noqa: F401  (they register their entries)
from pynix.fs.procfs.registry import register_proc_file, register_proc_symlink
from pynix.fs.procfs.super import ProcSuperBlock

__all__ = ["ProcSuperBlock", "register_proc_file", "register_proc_symlink"]
