"""The scheduler loop and the context switch (Bach ch. 6.7 "context switch" and ch. 8;
Love ch. 4; Linux kernel/sched/core.c __schedule, context_switch, and the return to user mode
of kernel/entry/common.c).

- ``schedule(k, until)``: the main loop, run until ``until()`` is true. Between user-mode runs
  it handles interrupts and due timers (base/irq.py), picks the next runnable task
  (base/runqueue.py), and gives it the CPU (``run_task``). With nothing runnable it idles.
- ``run_task(k, t)``: a kernel thread (kernel/kthread.py) runs its body (``run_kthread``:
  do_exit when it returns, an oops when it raises); a user task is switched to
  (``context_switch``), its blocked syscall resumed if it has one, pending signals delivered
  (exit_to_user_mode: kernel/signal.do_signal), then it runs in user mode until it traps back
  (kernel/traps.py), blocks, or uses up its slice.
- ``context_switch(k, t)``: save the previous task's CPU context, load ``t``'s, flush the TLB
  when the address space changes (Unicorn's TLB has no address-space tags).
- ``apply_patches(k, t)``: register writes the kernel queued for ``t`` (exec's fresh CPU,
  sigreturn's registers, a new TLS base) take effect before it runs again.

Owns: which task is current and whose context is loaded (``k.current``, ``k.loaded``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from pynix.arch.x86_64 import abi as A
from pynix.base.runqueue import (
    RR_TIMESLICE_NS,
    TASK_DEAD,
    TASK_RUNNING,
    TASK_ZOMBIE,
    TIMESLICE_NS,
)
from pynix.base.timer import monotonic_ns
from pynix.kernel.exit import do_exit
from pynix.kernel.posix_cpu_timers import run_posix_cpu_timers
from pynix.kernel.ptrace import single_step_trap
from pynix.kernel.signal import do_signal
from pynix.kernel.traps import handle_trap, oops
from pynix.machine.cpu import X

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task


def schedule(k: Kernel, until: Callable[[], bool]) -> None:
    """Run tasks until ``until()`` is true."""
    irq = k.irq
    irq.start_clock()
    while not until():
        if irq.pending() or k.timers.heap:
            irq.run(k.timers)
        t = k.rq.pick_next()
        if t is None:
            irq.idle(k.timers)
            continue
        k.exec_start = monotonic_ns()
        try:
            run_task(k, t)
        except Exception as exc:          # a kernel bug outside a syscall: still an oops
            oops(k, t, "exception on the way to or from user mode", exc)
        t.sum_exec_runtime += monotonic_ns() - k.exec_start


def context_switch(k: Kernel, t: Task) -> None:
    cpu = k.cpu
    prev = k.loaded
    if prev is not t:
        if prev is not None and prev.state not in (TASK_DEAD, TASK_ZOMBIE):
            prev.ctx = cpu.save_context()
        cpu.restore_context(t.ctx if t.ctx is not None else cpu.new_context())
        k.loaded = t
        k.rq.nr_switches += 1
    apply_patches(k, t)
    switch_mm(k, t)
    k.current = t


def switch_mm(k: Kernel, t: Task) -> None:
    """Make ``t``'s address space the one the MMU translates (Linux's switch_mm)."""
    if k.current_mm[0] is not t.mm:
        k.current_mm[0] = t.mm
        k.cpu.flush_tlb()


def apply_patches(k: Kernel, t: Task) -> None:
    cpu = k.cpu
    if t.fresh_cpu and k.loaded is t:
        cpu.restore_context(cpu.new_context())            # exec: clean FPU/SSE state
        t.fresh_cpu = False
    if t.reg_patch is not None:
        cpu.set_regs(t.reg_patch)
        t.reg_patch = None
    if t.tls_patch is not None:
        cpu.fs_base = t.tls_patch
        t.tls_patch = None


def run_kthread(k: Kernel, t: Task) -> None:
    """Give the CPU to a kernel thread until it sleeps or ends (Linux's kthread(): the
    thread function, then do_exit when it returns)."""
    gen = t.kstack
    assert gen is not None
    k.current = t
    try:
        next(gen)
    except StopIteration:
        t.kstack = None
        do_exit(t, 0)
    except Exception as exc:
        t.kstack = None
        oops(k, t, "exception in kernel thread", exc)
    finally:
        k.current = None
    if t.state == TASK_RUNNING and t.kstack is not None:
        k.rq.enqueue(t)


def run_task(k: Kernel, t: Task) -> None:
    if t.is_kthread:
        run_kthread(k, t)
        return
    cpu = k.cpu
    irq = k.irq
    context_switch(k, t)
    if t.kstack is not None:
        if not k.syscalls.resume(t):                       # still blocked
            return
    slice_start = mark = monotonic_ns()
    while True:
        if t.state != TASK_RUNNING:
            break
        restart = k.syscalls.take_restart(t)
        if restart is not None or t.pending or t.signal.shared_pending or t.signal.group_exit \
                or t.saved_sigmask is not None or t.ptrace_state is not None:
            do_signal(k, t, restart)
            apply_patches(k, t)
            if t.state != TASK_RUNNING:
                break
        if k.tb_stale:
            k.tb_stale = False
            cpu.flush_code()
        switch_mm(k, t)
        irq.tick = False
        entered = monotonic_ns()
        st = t.ptrace_state
        step = st is not None and st.resume == "step"
        trap = cpu.run(cpu.reg(X.UC_X86_REG_RIP), 1 if step else 0)
        now = monotonic_ns()
        if step and trap.kind == "stop" and t.kstack is None and t.state == TASK_RUNNING:
            single_step_trap(t)               # the debug trap after one instruction
        t.user_ns += now - entered            # guest code and syscall hooks (cputime.py)
        apply_patches(k, t)
        if t.cpu_expires is not None or t.signal.cpu_expires is not None:
            run_posix_cpu_timers(t)           # CPU timers armed: itimers, POSIX CPU timers
        if trap.kind != "stop":
            handle_trap(k, t, trap)
        if t.kstack is not None or t.state != TASK_RUNNING:
            break
        if irq.queue or irq.tick:
            irq.run(k.timers)
        if k.need_resched:                 # sched_yield
            k.need_resched = False
            if len(k.rq):
                k.rq.enqueue(t)
                break
        if t.rt_priority:
            k.rq.account_rt(now - mark)
        elif t.dl is not None and t.policy == A.SCHED_DEADLINE:
            k.rq.account_dl(t, now - mark)
        mark = now
        if k.rq.should_preempt(t, now - slice_start):  # slice used up, or a better task
            t.nivcsw += 1
            k.rq.enqueue(t)
            break
        if now - slice_start >= TIMESLICE_NS and not t.rt_priority or \
                now - slice_start >= RR_TIMESLICE_NS:
            slice_start = now                              # nobody waiting: a new slice
    if t.state == TASK_RUNNING and t.kstack is None and not t.on_rq and k.current is t \
            and t.state != TASK_ZOMBIE:
        k.rq.enqueue(t)
    k.current = None
