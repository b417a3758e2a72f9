"""A stopped tracee's registers, as ptrace shows them (Linux arch/x86/kernel/ptrace.c getreg,
putreg, genregs_get/set, xfpregs_get/set, the debug registers of ptrace_get_debugreg, and
the regsets of x86_64_regsets).

A task that is not on the CPU keeps its state in ``task.ctx`` (a saved Unicorn context) plus
the register writes queued for its return (``reg_patch``, ``tls_patch``, ``fresh_cpu``).
``tracee_cpu(k, t)`` is a context manager that puts ``t``'s state on the CPU for the length of
one request, applying the queued writes, and saves it back into ``t.ctx`` afterwards; the
caller's own state is restored. Everything below reads and writes through it:
- ``get_user_regs(k, t)`` / ``set_user_regs(k, t, values)``: struct user_regs_struct as a
  dict (orig_rax is ``t.syscall_nr``; rax shows -ERESTART* while a restart is pending, as
  Linux's pt_regs hold it); segment selectors are fixed, writes to them are checked.
- ``get_fpregs`` / ``set_fpregs``: the 512-byte fxsave image (user_fpregs_struct);
  ``get_xstate`` / ``set_xstate``: the XSAVE image of NT_X86_XSTATE (FP and SSE components).
- ``peek_user(k, t, off)`` / ``poke_user(k, t, off, value)``: PEEKUSER/POKEUSER on struct
  user: the registers, the i387 area, the debug registers (``t.debugreg``), other fields 0.
Owns ``task.debugreg`` (kept, not armed: Unicorn has no hardware breakpoints).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from pynix.arch.x86_64 import ptrace as P
from pynix.arch.x86_64 import fpu as F
from pynix.arch.x86_64 import sigframe as S
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.kernel.fpu_signal import copy_fpstate_to_sigframe
from pynix.kernel.sched import apply_patches
from pynix.kernel.task import Task
from pynix.machine.cpu import CPU, REG_NAMES, X

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel

SEGMENTS = {"cs": P.USER_CS, "ss": P.USER_SS, "ds": 0, "es": 0, "fs": 0, "gs": 0}
# the eflags bits a tracer may change (FLAG_MASK of arch/x86/kernel/ptrace.c)
FLAG_MASK = 0x00040DD5 | 0x100 | 0x200000   # CF PF AF ZF SF TF DF OF AC ID
XSTATE_SIZE = S.FPSTATE_SIZE - F.FP_XSTATE_MAGIC2_SIZE


@contextmanager
def tracee_cpu(k: Kernel, t: Task) -> Iterator[CPU]:
    """``t``'s registers on the CPU for the duration of the block (the current task's are
    put back after). A task that is itself loaded is used in place."""
    cpu = k.cpu
    if k.loaded is t:
        yield cpu
        return
    mine, loaded = cpu.save_context(), k.loaded
    try:
        cpu.restore_context(t.ctx if t.ctx is not None else cpu.new_context())
        k.loaded = t
        apply_patches(k, t)             # the queued writes, as the return to user mode would
        yield cpu
        t.ctx = cpu.save_context()
    finally:
        k.loaded = loaded
        cpu.restore_context(mine)


def get_user_regs(k: Kernel, t: Task) -> dict[str, int]:
    with tracee_cpu(k, t) as cpu:
        r = dict(zip(REG_NAMES, cpu.regs()))
        r["fs_base"] = cpu.fs_base
        r["gs_base"] = cpu.reg(X.UC_X86_REG_GS_BASE)
    r.update(SEGMENTS)
    r["orig_rax"] = t.syscall_nr & 0xFFFF_FFFF_FFFF_FFFF
    if t.restart is not None:
        r["rax"] = -t.restart & 0xFFFF_FFFF_FFFF_FFFF
    return r


def set_user_regs(k: Kernel, t: Task, new: dict[str, int]) -> None:
    """putreg for each register: selectors must keep their values (EIO otherwise, as a
    selector with the wrong RPL), eflags changes only FLAG_MASK bits, orig_rax is the syscall
    number the task will run (or -1 to skip it)."""
    for seg, val in SEGMENTS.items():
        if seg in new and new[seg] & 0xFFFF != val and not (seg in ("ds", "es", "fs", "gs") and
                                                          new[seg] & 3 == 3 or new[seg] == 0):
            raise KernelError(E.EIO)
    for base in ("fs_base", "gs_base"):
        if base in new and new[base] >= 1 << 47 and new[base] < 0xFFFF_8000_0000_0000:
            raise KernelError(E.EIO)          # not canonical
    with tracee_cpu(k, t) as cpu:
        cur = dict(zip(REG_NAMES, cpu.regs()))
        for n in REG_NAMES:
            if n in new:
                cur[n] = new[n]
        if "eflags" in new:
            old = cpu.regs()[REG_NAMES.index("eflags")]
            cur["eflags"] = (old & ~FLAG_MASK) | (new["eflags"] & FLAG_MASK)
        cpu.set_regs([cur[n] for n in REG_NAMES])
        if "fs_base" in new:
            cpu.fs_base = new["fs_base"]
        if "gs_base" in new:
            cpu.set_reg(X.UC_X86_REG_GS_BASE, new["gs_base"])
    if "orig_rax" in new:
        nr = new["orig_rax"]
        t.syscall_nr = nr - (1 << 64) if nr >= 1 << 63 else nr
    if "rax" in new and t.restart is not None:
        t.restart = None            # the tracer set the result: no restart


def pack_user_regs(r: dict[str, int]) -> bytes:
    return P.USER_REGS_STRUCT.pack(*(r[n] & 0xFFFF_FFFF_FFFF_FFFF for n in P.USER_REGS))


def unpack_user_regs(raw: bytes) -> dict[str, int]:
    return dict(zip(P.USER_REGS, P.USER_REGS_STRUCT.unpack(raw[:P.USER_REGS_SIZE])))


def get_fpregs(k: Kernel, t: Task) -> bytes:
    with tracee_cpu(k, t) as cpu:
        return cpu.fpu.fxsave()


def set_fpregs(k: Kernel, t: Task, image: bytes) -> None:
    """xfpregs_set: MXCSR bits the CPU lacks are cleared, as Linux masks them."""
    img = bytearray(image[:P.USER_FPREGS_SIZE].ljust(P.USER_FPREGS_SIZE, b"\0"))
    mxcsr = int.from_bytes(img[F.FX_MXCSR:F.FX_MXCSR + 4], "little") & 0xFFFF
    img[F.FX_MXCSR:F.FX_MXCSR + 4] = mxcsr.to_bytes(4, "little")
    with tracee_cpu(k, t) as cpu:
        cpu.fpu.fxrstor(bytes(img))


def get_xstate(k: Kernel, t: Task) -> bytes:
    """NT_X86_XSTATE: the XSAVE standard form (legacy area, sw bytes, header)."""
    with tracee_cpu(k, t) as cpu:
        return copy_fpstate_to_sigframe(cpu)[:XSTATE_SIZE]


def set_xstate(k: Kernel, t: Task, image: bytes) -> None:
    set_fpregs(k, t, image[:P.USER_FPREGS_SIZE])


# -- struct user ------------------------------------------------------------------------------
def _check_off(off: int) -> None:
    if off & 7 or off < 0 or off >= P.USER_SIZE:
        raise KernelError(E.EIO)


def peek_user(k: Kernel, t: Task, off: int) -> int:
    _check_off(off)
    if off < P.USER_REGS_SIZE:
        return get_user_regs(k, t)[P.USER_REGS[off // 8]]
    if P.U_I387_OFF <= off < P.U_I387_OFF + P.USER_FPREGS_SIZE:
        img = get_fpregs(k, t)
        o = off - P.U_I387_OFF
        return int.from_bytes(img[o:o + 8], "little")
    if P.U_DEBUGREG_OFF <= off < P.U_DEBUGREG_OFF + 64:
        return debugreg(t)[(off - P.U_DEBUGREG_OFF) // 8]
    return 0


def poke_user(k: Kernel, t: Task, off: int, value: int) -> None:
    _check_off(off)
    if off < P.USER_REGS_SIZE:
        set_user_regs(k, t, {P.USER_REGS[off // 8]: value})
        return
    if P.U_DEBUGREG_OFF <= off < P.U_DEBUGREG_OFF + 64:
        set_debugreg(t, (off - P.U_DEBUGREG_OFF) // 8, value)
        return
    raise KernelError(E.EIO)     # Linux's arch_ptrace: only regs and u_debugreg are writable


def debugreg(t: Task) -> list[int]:
    return t.ptrace_state.debugreg


def set_debugreg(t: Task, n: int, value: int) -> None:
    """ptrace_set_debugreg: DR0-3 addresses must be user addresses, DR4/5 are reserved
    (EIO), DR7 keeps only its defined bits; a DR7 enabling a breakpoint is refused with EIO
    because this CPU cannot arm hardware breakpoints (Linux would program them)."""
    dr = debugreg(t)
    if n in (4, 5):
        raise KernelError(E.EIO)
    if n < 4:
        if value >= (1 << 47) - 8:
            raise KernelError(E.EIO)
        dr[n] = value
    elif n == P.DR_STATUS:
        dr[n] = value & 0xFFFF_FFFF
    else:
        if value & 0xFF:
            raise KernelError(E.EIO)          # enabling: no hardware breakpoints here
        dr[n] = value & 0xFFFF_FFFF
