"""The kernel object: the machine and the kernel-wide tables, in one place every task reaches
through ``task.kernel`` (what Linux keeps in globals: init_task's lists, the pid hash, the
run queue, the timer wheel).

``Kernel(mem_size)`` builds the machine (physical memory, CPU with its MMU fill hook) and the
empty tables; init/main.py then mounts the root, wires the console and creates the
first tasks. Where the work happens:
- the scheduler loop and the context switch: kernel/sched.py (``schedule(k, until)``);
- traps from user mode and the oops path: kernel/traps.py;
- interrupts from host threads and the clock: base/irq.py (``k.irq.post(fn)``);
- the system call entry: syscalls/dispatch.py (``k.syscalls``), installed by init/main.py.

Owns: the task table (``tasks``: pid -> Task), the pid map, the run queue, the timers, the
futex hash, the initial namespaces, the current task and whose context the CPU holds.
"""
from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from pynix.base.irq import Interrupts
from pynix.base.runqueue import TASK_DEAD, RunQueue
from pynix.base.taskio import set_current_ioac
from pynix.base.timer import Timers, monotonic_ns
from pynix.fs.aio import AioLimits
from pynix.ipc.util import IpcNamespace
from pynix.security.keys import KeyService
from pynix.kernel.ns_common import (
    PROC_IPC_INIT_INO,
    PROC_PID_INIT_INO,
    PROC_UTS_INIT_INO,
    init_namespaces,
)
from pynix.kernel.nsproxy import UtsNamespace
from pynix.kernel.pid import PidMap, PidNamespace, free_pid
from pynix.kernel.task import Task
from pynix.machine.cpu import CPU
from pynix.machine.physmem import PhysMem
from pynix.mm import fault
from pynix.mm.mm import MM

if TYPE_CHECKING:
    from pynix.fs.vfs.mount import VFS
    from pynix.kernel.task import FsStruct
    from pynix.syscalls.dispatch import Dispatcher


class Kernel:
    def __init__(self, mem_size: int = 1 << 30) -> None:
        self.phys = PhysMem(mem_size)
        self.cpu = CPU(self.phys)
        self.cpu.snapshot_boot()
        self.irq = Interrupts(self.cpu)
        self.timers = Timers()
        self.rq = RunQueue(self.timers)
        self.pids = PidMap()                     # the initial pid namespace's map
        self.init_pid_ns = PidNamespace(None, PROC_PID_INIT_INO, self.pids)   # kernel/pid.py
        self.futex_hash: dict = {}               # kernel/futex.py: key -> waiters
        self.sysctl: dict[str, object] = {}      # fs/procfs/sys.py: tunables nothing else reads
        self.tasks: dict[int, Task] = {}
        self.current: Task | None = None
        self.loaded: Task | None = None          # whose context is in the CPU
        self.current_mm: list[MM | None] = [None]
        self.init_task: Task | None = None
        self.boot_ns = monotonic_ns()
        self.boot_wall_ns = time.time_ns()
        self.exec_start = 0                      # when the running task got the CPU (cputime.py)
        self.tb_stale = False
        self.oops_count = 0                      # kernel/traps.py
        self.total_forks = 0                     # forks since boot (/proc/stat processes)
        self.log = sys.stderr
        self.syscalls: Dispatcher | None = None  # set by boot
        self.need_resched = False
        self.power_state: Any = None             # kernel/reboot.py: set when the machine stops
        self.init_uts_ns = UtsNamespace(inum=PROC_UTS_INIT_INO)   # hostname (kernel/nsproxy.py)
        self.vfs: VFS | None = None              # set by boot
        self.init_fs: FsStruct | None = None
        self.kthreadd: Task | None = None
        self.init_ipc_ns = IpcNamespace(PROC_IPC_INIT_INO)   # SysV IPC registry (ipc/util.py)
        for kind, ns in init_namespaces().items():          # init_net_ns, init_user_ns, ...
            setattr(self, "init_%s_ns" % kind, ns)
        self.keys = KeyService()                 # key retention service (security/keys/)
        self.aio = AioLimits()                   # aio-nr, aio-max-nr (fs/aio.py)
        self.cpu.mmu_fill = fault.make_tlb_fill(self.current_mm)
        MM.flush_hook = staticmethod(self._mm_changed)
        set_current_ioac(lambda: self.current.ioac if self.current is not None else None)
        self.phys.on_free.append(self._frame_freed)

    # -- the task table -------------------------------------------------------------------------
    def add_task(self, t: Task) -> None:
        self.tasks[t.pid] = t
        self.rq.enqueue(t)

    def forget_task(self, t: Task) -> None:
        """release_task's last step: the pid is free and the task is gone from the table."""
        if self.tasks.get(t.pid) is t:
            del self.tasks[t.pid]
            free_pid(t.thread_pid)
        t.ctx = None
        if self.loaded is t:
            self.loaded = None

    def find_task(self, pid: int) -> Task | None:
        """find_task_by_vpid: a live (not yet released) task by pid."""
        t = self.tasks.get(pid)
        return t if t is not None and t.state != TASK_DEAD else None

    # -- MMU plumbing ---------------------------------------------------------------------------
    def _mm_changed(self, mm: MM) -> None:
        if self.current_mm[0] is mm:
            self.cpu.flush_tlb()

    def _frame_freed(self, pfn: int) -> None:
        if pfn in fault.code_frames:
            fault.code_frames.discard(pfn)
            self.tb_stale = True
            self.cpu.stop()
