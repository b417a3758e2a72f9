"""The kernel object: boot, the scheduler loop, and the entry points from the CPU.

``Kernel`` ties the machine (CPU, physical memory, clock, console) to the subsystems.
- ``schedule()``: the main loop. Pick a runnable task (round robin), switch to it
  (``switch_to``: save the previous CPU context, load this one, flush the TLB when the address
  space changes), resume its blocked syscall if it has one, deliver signals, then run it in user
  mode until it traps back. Interrupts from host threads (console input, the clock) are
  queued with ``post_irq`` and handled here, between user-mode runs.
- ``syscall_entry()``: called by the CPU's syscall hook; hands the call to syscalls/dispatch.
- ``handle_trap()``: page faults the MM could not resolve and CPU exceptions become signals.
- The clock: a host thread ticks every TIMESLICE and stops the CPU so the loop can preempt.

Owns: the task table, the run queue, the timers, the current task.
"""
from __future__ import annotations

import collections
import os
import sys
import threading
import time
import traceback
from typing import Callable

from pynix.arch.x86_64 import abi as A
from pynix.ipc.util import IpcNamespace
from pynix.kernel.exit import do_exit, do_group_exit
from pynix.kernel.nsproxy import PROC_IPC_INIT_INO, PROC_UTS_INIT_INO, UtsNamespace
from pynix.kernel.pid import PidMap
from pynix.kernel.sched import (RR_TIMESLICE_NS, TASK_DEAD, TASK_RUNNING, TASK_ZOMBIE, TIMESLICE_NS,
                                RunQueue, Timers, monotonic_ns)
from pynix.kernel.signal import WCOREFLAG, do_signal, force_sig_fault
from pynix.kernel.task import Task
from pynix.machine.cpu import CPU, Trap
from pynix.machine.physmem import PhysMem
from pynix.mm import fault
from pynix.mm.mm import MM

VECTOR_SIGNALS = {0: (A.SIGFPE, A.FPE_INTDIV), 1: (A.SIGTRAP, 2), 3: (A.SIGTRAP, A.SI_KERNEL),
                  4: (A.SIGSEGV, A.SI_KERNEL), 5: (A.SIGSEGV, A.SI_KERNEL),
                  6: (A.SIGILL, A.ILL_ILLOPN), 7: (A.SIGFPE, 0), 13: (A.SIGSEGV, A.SI_KERNEL),
                  16: (A.SIGFPE, 0), 17: (A.SIGBUS, 0), 19: (A.SIGFPE, 0)}


class Kernel:
    def __init__(self, mem_size: int = 1 << 30) -> None:
        self.phys = PhysMem(mem_size)
        self.cpu = CPU(self.phys)
        self.cpu.snapshot_boot()
        self.rq = RunQueue()
        self.timers = Timers()
        self.pids = PidMap()
        self.futex_hash: dict = {}               # kernel/futex.py: key -> waiters
        self.tasks: dict[int, Task] = {}
        self.current: Task | None = None
        self.loaded: Task | None = None          # whose context is in the CPU
        self.current_mm: list[MM | None] = [None]
        self.init_task: Task | None = None
        self.boot_ns = monotonic_ns()
        self.boot_wall_ns = time.time_ns()
        self.irqs: collections.deque[Callable[[], None]] = collections.deque()
        self.irq_event = threading.Event()
        self.tick = False
        self.exec_start = 0                      # when the running task got the CPU (cputime.py)
        self.stopping = False
        self.tb_stale = False
        self.fpu_frames: dict[int, list] = {}   # tid -> [(frame addr, saved context)]
        self.oops_count = 0
        self.total_forks = 0                     # forks since boot (/proc/stat processes)
        self.log = sys.stderr
        self.syscalls = None                     # syscalls.dispatch.Dispatcher, set by boot
        self.need_resched = False
        self.init_uts_ns = UtsNamespace(inum=PROC_UTS_INIT_INO)   # hostname (kernel/nsproxy.py)
        self.vfs = None                          # fs.vfs.mount.VFS, set by boot
        self.init_fs = None
        self.kthreadd: Task | None = None
        self.init_ipc_ns = IpcNamespace(PROC_IPC_INIT_INO)   # SysV IPC registry (ipc/util.py)
        self.cpu.mmu_fill = fault.make_tlb_fill(self.current_mm)
        MM.flush_hook = staticmethod(self._mm_changed)
        self.phys.on_free.append(self._frame_freed)
        self._clock: threading.Thread | None = None

    # -- task table ---------------------------------------------------------------------------
    def add_task(self, t: Task) -> None:
        self.tasks[t.pid] = t
        self.rq.enqueue(t)

    def forget_task(self, t: Task) -> None:
        if self.tasks.get(t.pid) is t:
            del self.tasks[t.pid]
            self.pids.free(t.pid)
        self.fpu_frames.pop(t.pid, None)
        t.ctx = None
        if self.loaded is t:
            self.loaded = None

    def swap_leader(self, t: Task, leader: Task) -> None:
        """exec from a non-leader thread: ``t`` takes the exited leader's place and pid; the
        leader, a zombie nobody is told about, is forgotten (the end of Linux's de_thread)."""
        del self.tasks[t.pid]
        self.fpu_frames.pop(t.pid, None)
        self.fpu_frames.pop(leader.pid, None)
        self.tasks[leader.pid] = t
        t.pid = leader.pid
        t.group_leader = t
        t.thread_group = [t]
        t.start_time = leader.start_time
        t.real_parent = t.parent = leader.real_parent
        t.exit_signal = leader.exit_signal
        if t.real_parent is not None:
            ch = t.real_parent.children
            ch[ch.index(leader)] = t
        t.children += leader.children
        for c in t.children:
            c.real_parent = c.parent = t
        leader.children = []
        leader.state = TASK_DEAD
        leader.real_parent = leader.parent = None
        leader.ctx = None
        if self.loaded is leader:
            self.loaded = None
        t.signal.nr_threads = 1

    def wake_waiters(self, parent: Task) -> None:
        sig = parent.signal
        sig.wait_seq += 1
        sig.wait_chldexit.wake_up()

    def find_task(self, pid: int) -> Task | None:
        t = self.tasks.get(pid)
        return t if t is not None and t.state != TASK_DEAD else None

    # -- hooks other subsystems fill in (threads: futex; IPC: sem undo, shm detach) ---------------
    def futex_exit(self, t: Task) -> None:
        from pynix.kernel.futex import futex_exit_release
        futex_exit_release(t)

    def ipc_exit(self, t: Task) -> None:
        """exit_sem: apply SEM_UNDO adjustments (shm areas went with exit_mm)."""
        from pynix.ipc.sem import exit_sem
        exit_sem(t)

    def ipc_exec(self, t: Task) -> None:
        """Nothing left to do: exec's exit_mm already detached the shm areas (shm_close), and
        semaphore adjustments survive exec as in Linux."""

    def exec_notify(self, t: Task) -> None:
        if self.current is t:
            self.cpu.stop()

    # -- MMU plumbing -------------------------------------------------------------------------------
    def _mm_changed(self, mm: MM) -> None:
        if self.current_mm[0] is mm:
            self.cpu.flush_tlb()

    def _frame_freed(self, pfn: int) -> None:
        if pfn in fault.code_frames:
            fault.code_frames.discard(pfn)
            self.tb_stale = True
            self.cpu.stop()

    # -- interrupts ---------------------------------------------------------------------------------
    def post_irq(self, fn: Callable[[], None]) -> None:
        """From any host thread: run ``fn`` in the kernel loop soon."""
        self.irqs.append(fn)
        self.irq_event.set()
        if self.cpu.running:
            self.cpu.stop()

    def _clock_loop(self) -> None:
        period = TIMESLICE_NS / 1e9
        preempt = self.cpu.async_stop_safe       # else: preemption only at syscalls
        while not self.stopping:
            time.sleep(period)
            self.tick = True
            if preempt and self.cpu.running:
                self.cpu.stop()

    def start_clock(self) -> None:
        if self._clock is None:
            self._clock = threading.Thread(target=self._clock_loop, name="pynix-clock", daemon=True)
            self._clock.start()

    def do_irqs(self) -> None:
        self.irq_event.clear()
        while self.irqs:
            self.irqs.popleft()()
        self.timers.expire(monotonic_ns())

    def idle(self) -> None:
        """No runnable task: wait for the next timer or an interrupt (the idle task, pid 0)."""
        dl = self.timers.next_deadline()
        timeout = None if dl is None else max(0.0, (dl - monotonic_ns()) / 1e9)
        if not self.irqs:
            self.irq_event.wait(timeout if timeout is not None else 0.5)

    # -- context switch -----------------------------------------------------------------------------
    def switch_to(self, t: Task) -> None:
        cpu = self.cpu
        prev = self.loaded
        if prev is not t:
            if prev is not None and prev.state not in (TASK_DEAD, TASK_ZOMBIE):
                prev.ctx = cpu.save_context()
            cpu.restore_context(t.ctx if t.ctx is not None else cpu.new_context())
            self.loaded = t
            self.rq.nr_switches += 1
        self.apply_patches(t)
        if self.current_mm[0] is not t.mm:
            self.current_mm[0] = t.mm
            cpu.flush_tlb()
        self.current = t

    def apply_patches(self, t: Task) -> None:
        cpu = self.cpu
        if t.fresh_cpu and self.loaded is t:
            cpu.restore_context(cpu.new_context())            # exec: clean FPU/SSE state
            t.fresh_cpu = False
        if t.reg_patch is not None:
            cpu.set_regs(t.reg_patch)
            t.reg_patch = None
        if t.tls_patch is not None:
            cpu.fs_base = t.tls_patch
            t.tls_patch = None

    def save_fpu(self, t: Task, frame: int) -> None:
        """Keep the FPU/SSE state across a signal handler (the fxsave area of the frame)."""
        lst = self.fpu_frames.setdefault(t.pid, [])
        lst.append((frame, self.cpu.save_context()))
        del lst[:-32]

    def restore_fpu(self, t: Task, frame: int) -> None:
        lst = self.fpu_frames.get(t.pid, [])
        while lst:
            addr, ctx = lst.pop()
            if addr == frame:
                regs = self.cpu.regs()
                fs = self.cpu.fs_base
                self.cpu.restore_context(ctx)
                self.cpu.set_regs(regs)
                self.cpu.fs_base = fs
                return

    # -- the loop -----------------------------------------------------------------------------------
    def schedule(self, until: Callable[[], bool]) -> None:
        """Run tasks until ``until()`` is true."""
        self.start_clock()
        while not until():
            if self.irqs or self.irq_event.is_set() or self.timers.heap:
                self.do_irqs()
            t = self.rq.pick_next()
            if t is None:
                self.idle()
                continue
            self.exec_start = monotonic_ns()
            try:
                self.run_task(t)
            except Exception as exc:          # a kernel bug outside a syscall: still an oops
                self.oops(t, "exception on the way to or from user mode", exc)
            t.sum_exec_runtime += monotonic_ns() - self.exec_start

    def run_task(self, t: Task) -> None:
        if t.is_kthread:
            from pynix.kernel.kthread import run_kthread
            run_kthread(self, t)
            return
        cpu = self.cpu
        self.switch_to(t)
        if t.kstack is not None:
            if not self.syscalls.resume(t):                       # still blocked
                return
        slice_start = mark = monotonic_ns()
        while True:
            if t.state != TASK_RUNNING:
                break
            restart = self.syscalls.take_restart(t)
            if restart is not None or t.pending or t.signal.shared_pending or t.signal.group_exit \
                    or t.saved_sigmask is not None:
                do_signal(self, t, restart)
                self.apply_patches(t)
                if t.state != TASK_RUNNING:
                    break
            if self.tb_stale:
                self.tb_stale = False
                cpu.flush_code()
            if self.current_mm[0] is not t.mm:
                self.current_mm[0] = t.mm
                cpu.flush_tlb()
            self.tick = False
            entered = monotonic_ns()
            trap = cpu.run(cpu_rip(cpu))
            now = monotonic_ns()
            t.user_ns += now - entered            # guest code and syscall hooks (cputime.py)
            self.apply_patches(t)
            if trap.kind != "stop":
                self.handle_trap(t, trap)
            if t.kstack is not None or t.state != TASK_RUNNING:
                break
            if self.irqs or self.tick:
                self.do_irqs()
            if self.need_resched:                 # sched_yield
                self.need_resched = False
                if len(self.rq):
                    self.rq.enqueue(t)
                    break
            if t.rt_priority:
                self.rq.account_rt(now - mark)
            mark = now
            if self.rq.should_preempt(t, now - slice_start):  # slice used up, or a better task
                t.nivcsw += 1
                self.rq.enqueue(t)
                break
            if now - slice_start >= TIMESLICE_NS and not t.rt_priority or \
                    now - slice_start >= RR_TIMESLICE_NS:
                slice_start = now                              # nobody waiting: a new slice
        if t.state == TASK_RUNNING and t.kstack is None and not t.on_rq and self.current is t \
                and t.state != TASK_ZOMBIE:
            self.rq.enqueue(t)
        self.current = None

    def handle_trap(self, t: Task, trap: Trap) -> None:
        if trap.kind == "fault":
            sig, code = fault.last_fault
            force_sig_fault(t, sig, code, self.exact_fault_address(t, trap.addr))
        elif trap.kind == "intr":
            sig, code = VECTOR_SIGNALS.get(trap.vector, (A.SIGSEGV, A.SI_KERNEL))
            force_sig_fault(t, sig, code, cpu_rip(self.cpu))
        elif trap.kind == "error":
            if "UC_ERR_INSN_INVALID" in trap.detail or "Invalid instruction" in trap.detail:
                force_sig_fault(t, A.SIGILL, A.ILL_ILLOPN, cpu_rip(self.cpu))
            elif "FETCH" in trap.detail or "READ" in trap.detail or "WRITE" in trap.detail:
                force_sig_fault(t, A.SIGSEGV, A.SEGV_MAPERR, trap.addr)
            else:
                self.oops(t, f"CPU error: {trap.detail}")

    def exact_fault_address(self, t: Task, page: int) -> int:
        """si_addr: decode the faulting instruction for the byte it touched (CR2)."""
        from pynix.machine.cpu import REG_NAMES, X
        from pynix.machine.decode import fault_address
        from pynix.mm.uaccess import copy_from_user
        cpu = self.cpu
        regs = dict(zip(REG_NAMES, cpu.regs()))
        try:
            assert t.mm is not None
            code = copy_from_user(t.mm, regs["rip"], 15)
        except Exception:
            return page
        return fault_address(code, regs["rip"], regs, cpu.fs_base, cpu.reg(X.UC_X86_REG_GS_BASE), page)

    def oops(self, t: Task, what: str, exc: BaseException | None = None) -> None:
        """A bug in the kernel met by this task: report it, kill the task, keep running."""
        self.oops_count += 1
        rip = cpu_rip(self.cpu)
        lines = [f"pynix: oops: task {t.pid} ({t.comm.decode(errors='replace')}): {what} at rip {rip:#x}"]
        if exc is not None:
            lines += traceback.format_exception(exc)
        lines.append(self.disassemble(t, rip))
        self.log.write("\n".join(lines) + "\n")
        self.log.flush()
        do_group_exit(t, A.SIGKILL)

    def disassemble(self, t: Task, rip: int) -> str:
        try:
            import capstone
            from pynix.mm.uaccess import copy_from_user
            assert t.mm is not None
            code = copy_from_user(t.mm, rip, 16)
            md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
            ins = next(md.disasm(code, rip), None)
            return f"  {rip:#x}: {ins.mnemonic} {ins.op_str}" if ins else ""
        except Exception:
            return ""


def cpu_rip(cpu: CPU) -> int:
    from pynix.machine.cpu import X
    return cpu.reg(X.UC_X86_REG_RIP)
