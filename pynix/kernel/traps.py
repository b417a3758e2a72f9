"""Traps from user mode, and the oops (Linux arch/x86/kernel/traps.c do_trap/exc_page_fault's
bad_area path, and kernel/panic.c's oops reporting; Bach ch. 6.4.1 interrupts and exceptions).

- ``handle_trap(k, t, trap)``: the CPU left user mode for a reason other than a syscall or a
  stop request: a page fault the MM could not resolve (mm/fault.py left the signal and code
  in ``fault.last_fault``), a CPU exception (arch/x86_64/traps.VECTOR_SIGNALS), or an
  instruction Unicorn cannot run. Each becomes a signal forced on the task
  (``force_sig_fault``), with ``si_addr`` the exact byte for a page fault (CR2) - except a
  fault handed to a userfaultfd: the task sleeps until it is resolved, then re-runs the
  faulting instruction (mm/userfaultfd.userfault_sleep).
- ``oops(k, t, what, exc)``: a bug in the kernel met by task ``t``: report it with the
  traceback and the instruction at rip, kill the task's thread group, keep running. The kernel
  never dies from guest input.

Owns: the oops counter (``k.oops_count``).
"""
from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64.traps import VECTOR_SIGNALS
from pynix.kernel.exit import do_group_exit
from pynix.kernel.sigqueue import force_sig_fault
from pynix.machine.cpu import REG_NAMES, Trap, X
from pynix.machine.decode import fault_address
from pynix.mm import fault, userfaultfd
from pynix.mm.uaccess import copy_from_user
from pynix.mm.userfaultfd import USERFAULT_RETRY, userfault_sleep

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task


def handle_trap(k: Kernel, t: Task, trap: Trap) -> None:
    cpu = k.cpu
    if trap.kind == "fault":
        sig, code = fault.last_fault
        if sig == USERFAULT_RETRY:           # a userfaultfd provides the page: sleep, retry
            userfault_sleep(t, userfaultfd.pending)
            return
        force_sig_fault(t, sig, code, exact_fault_address(k, t, trap.addr))
    elif trap.kind == "intr":
        sig, code = VECTOR_SIGNALS.get(trap.vector, (A.SIGSEGV, A.SI_KERNEL))
        force_sig_fault(t, sig, code, cpu.reg(X.UC_X86_REG_RIP))
    elif trap.kind == "error":
        if "UC_ERR_INSN_INVALID" in trap.detail or "Invalid instruction" in trap.detail:
            force_sig_fault(t, A.SIGILL, A.ILL_ILLOPN, cpu.reg(X.UC_X86_REG_RIP))
        elif "FETCH" in trap.detail or "READ" in trap.detail or "WRITE" in trap.detail:
            force_sig_fault(t, A.SIGSEGV, A.SEGV_MAPERR, trap.addr)
        else:
            oops(k, t, f"CPU error: {trap.detail}")


def exact_fault_address(k: Kernel, t: Task, page: int) -> int:
    """si_addr: decode the faulting instruction for the byte it touched (CR2)."""
    cpu = k.cpu
    regs = dict(zip(REG_NAMES, cpu.regs()))
    try:
        assert t.mm is not None
        code = copy_from_user(t.mm, regs["rip"], 15)
    except Exception:
        return page
    return fault_address(code, regs["rip"], regs, cpu.fs_base, cpu.reg(X.UC_X86_REG_GS_BASE), page)


def oops(k: Kernel, t: Task, what: str, exc: BaseException | None = None) -> None:
    """A bug in the kernel met by this task: report it, kill the task, keep running."""
    k.oops_count += 1
    rip = k.cpu.reg(X.UC_X86_REG_RIP)
    lines = [f"pynix: oops: task {t.pid} ({t.comm.decode(errors='replace')}): {what} at rip {rip:#x}"]
    if exc is not None:
        lines += traceback.format_exception(exc)
    lines.append(disassemble(t, rip))
    k.log.write("\n".join(lines) + "\n")
    k.log.flush()
    do_group_exit(t, A.SIGKILL)


def disassemble(t: Task, rip: int) -> str:
    try:
        import capstone  # start-up time: capstone is imported only for an oops
        assert t.mm is not None
        code = copy_from_user(t.mm, rip, 16)
        md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        ins = next(md.disasm(code, rip), None)
        return f"  {rip:#x}: {ins.mnemonic} {ins.op_str}" if ins else ""
    except Exception:
        return ""
