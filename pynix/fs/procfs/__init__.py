"""procfs: the process information pseudo filesystem (Linux fs/proc/).

``ProcSuperBlock(kernel)`` makes an instance to mount on /proc; ``register_proc_file`` and
``register_proc_symlink`` let any subsystem add a system-wide entry. Modules: super.py (inodes,
registry), pid.py (per-process directories), array.py (stat/status/statm/maps text),
files.py (meminfo, stat, uptime, loadavg, ...), sys.py (/proc/sys); ipc/procfs.py adds the
System V IPC entries.
"""
from pynix.fs.procfs import files, sys  # noqa: F401  (they register their entries)
from pynix.fs.procfs.super import (
    ProcSuperBlock,
    register_proc_file,
    register_proc_symlink,
)
from pynix.ipc import procfs as ipc_procfs  # noqa: F401  (/proc/sysvipc, /proc/sys/kernel/msg*)

__all__ = ["ProcSuperBlock", "register_proc_file", "register_proc_symlink"]
