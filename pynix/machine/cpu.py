"""The CPU: one Unicorn x86-64 core, its MMU hook-up, traps and register access.

Provides ``CPU``:
- ``run(rip)`` enters user mode until a syscall asks to stop, the timer preempts, or a trap;
  it returns a ``Trap`` telling why.
- register access through raw ctypes batches (``read_args``, ``set_ret``, ``regs``/``set_regs``):
  the Python binding costs ~2.6 us per register, the raw batch ~0.3 us.
- ``save_context()`` / ``restore_context(ctx)``: the whole architectural state (GPRs, RIP, RFLAGS,
  FS/GS base, x87/SSE) for context switches, as Linux's switch_to saves a task's thread_struct.
- ``fpu``: the x87/SSE registers as an fxsave image (machine/fpu.py); the boot state, which
  ``new_context()`` hands to a new program, has them in Linux's init state (FCW 0x37F,
  MXCSR 0x1F80, every x87 register empty).
- ``flush_tlb()`` on an address-space switch or page-table change; ``flush_code()`` when a frame
  that held translated code is reused.

The MMU is the kernel's: Unicorn runs in virtual-TLB mode and calls ``mmu_fill(vaddr, access)``
(set by mm/) for every TLB miss; it returns ``(paddr, perms)`` or None for a fault (the access
types and permission bits are named in machine/mmu.py).
Syscalls call ``on_syscall()``; both callbacks are installed by the kernel.

Owns: the Uc instance, the hooks, and the mapping of physical RAM into it.
"""
from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass
from typing import Callable

import unicorn
import unicorn.x86_const as X
from unicorn.unicorn_py3 import unicorn as _ucmod
from unicorn.unicorn_py3.arch import intel as _intel

from pynix.machine.fpu import FPU
from pynix.machine.physmem import PhysMem
from pynix.machine.tbexit import BlockEntryPatcher, disable_midblock_exits, set_midblock_exits

_lib = _ucmod.uclib
# The same library without ctypes argtypes: calls skip per-argument conversion and cost half
# as much (0.65 us against 1.35 us per register write, measured). Arguments must then be
# exact ctypes objects: the engine handle as c_void_p, pointers via byref or arrays.
_raw = ctypes.CDLL(_lib._name)
_uc_err = unicorn.UcError
# the TLB-fill callback with its entry pointer as a bare address (see _install_hooks)
_TLB_FILL_CFUNC = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int,
                                   ctypes.c_void_p, ctypes.c_void_p)

# Registers of the general context, in the order of arch/x86_64 regs tuple (pt_regs-like).
GPR_IDS = (X.UC_X86_REG_RAX, X.UC_X86_REG_RBX, X.UC_X86_REG_RCX, X.UC_X86_REG_RDX,
           X.UC_X86_REG_RSI, X.UC_X86_REG_RDI, X.UC_X86_REG_RBP, X.UC_X86_REG_RSP,
           X.UC_X86_REG_R8, X.UC_X86_REG_R9, X.UC_X86_REG_R10, X.UC_X86_REG_R11,
           X.UC_X86_REG_R12, X.UC_X86_REG_R13, X.UC_X86_REG_R14, X.UC_X86_REG_R15,
           X.UC_X86_REG_RIP, X.UC_X86_REG_EFLAGS)
REG_NAMES = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
             "r12", "r13", "r14", "r15", "rip", "eflags")
# syscall entry: rax (nr), rdi, rsi, rdx, r10, r8, r9 (the x86-64 syscall ABI)
ARG_IDS = (X.UC_X86_REG_RAX, X.UC_X86_REG_RDI, X.UC_X86_REG_RSI, X.UC_X86_REG_RDX,
           X.UC_X86_REG_R10, X.UC_X86_REG_R8, X.UC_X86_REG_R9)

_CTL_TLB_FLUSH = (unicorn.UC_CTL_IO_WRITE << 30) | unicorn.unicorn_const.UC_CTL_TLB_FLUSH
_CTL_TB_FLUSH = (unicorn.UC_CTL_IO_WRITE << 30) | unicorn.unicorn_const.UC_CTL_TB_FLUSH


class _Batch:
    """Pre-built ctypes arrays for uc_reg_{read,write}_batch over a fixed register list."""

    def __init__(self, ids: tuple[int, ...]) -> None:
        n = len(ids)
        self.n = n
        self.ids = (ctypes.c_int * n)(*ids)
        self.vals = (ctypes.c_uint64 * n)()
        self.ptrs = (ctypes.c_void_p * n)(*[ctypes.addressof(self.vals) + 8 * i for i in range(n)])


@dataclass
class Trap:
    """Why ``run`` returned. kind: 'stop' (syscall asked / preempted), 'fault' (page fault on
    ``addr`` with ``access``), 'intr' (exception vector ``vector``), 'error' (other Unicorn
    error: ``detail``)."""

    kind: str
    addr: int = 0
    access: int = 0
    vector: int = -1
    detail: str = ""


class CPU:
    def __init__(self, phys: PhysMem) -> None:
        self.phys = phys
        self.uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        self.h = self.uc._uch
        self.hv = ctypes.c_void_p(self.h.value)
        uc = self.uc
        uc.ctl_set_tlb_mode(unicorn.UC_TLB_VIRTUAL)
        uc.mem_map_ptr(0, phys.size, unicorn.UC_PROT_ALL, phys.host_addr)
        # SSE on: CR0.EM clear, CR0.MP set; CR4.OSFXSR|OSXMMEXCPT (glibc dies on pxor otherwise)
        cr0 = uc.reg_read(X.UC_X86_REG_CR0)
        uc.reg_write(X.UC_X86_REG_CR0, (cr0 & ~0x4) | 0x2)
        uc.reg_write(X.UC_X86_REG_CR4, uc.reg_read(X.UC_X86_REG_CR4) | 0x600)
        # Unicorn's reset leaves FCW and MXCSR 0 (single precision, exceptions unmasked)
        self.fpu = FPU(self.hv, _raw)
        self.fpu.init()
        self._args = _Batch(ARG_IDS)
        self._gprs = _Batch(GPR_IDS)
        self._one = ctypes.c_uint64()
        self._one_p = ctypes.byref(self._one)
        # callbacks installed by the kernel
        self.mmu_fill: Callable[[int, int], tuple[int, int] | None] = lambda v, a: None
        self.fault: Trap | None = None
        self.vector = -1
        self.running = False
        # a single step is running: asynchronous stops (the clock, posted work) must wait
        # for it, or the step would end before its instruction and be reported twice
        self.stepping = False
        self._install_hooks()
        # stops only at block entries, and that check inline (see tbexit.py)
        self.async_stop_safe = disable_midblock_exits(self.h.value, _raw.uc_emu_stop)
        self.tb_patcher = BlockEntryPatcher.attach(self.h.value, _raw, self._set_rax_rcx) \
            if self.async_stop_safe else None
        # the syscall registers straight from env.regs[] when its place is known and checked
        self._regs: ctypes.Array | None = None
        if self.tb_patcher is not None:
            regs = (ctypes.c_uint64 * 16).from_address(self.tb_patcher.env)
            if self._env_regs_agree(regs):
                self._regs = regs

    def _env_regs_agree(self, regs: ctypes.Array) -> bool:
        """env.regs[] and Unicorn's register API must see the same values both ways."""
        ids = (X.UC_X86_REG_RAX, X.UC_X86_REG_RDI, X.UC_X86_REG_R10, X.UC_X86_REG_R15)
        idx = (0, 7, 10, 15)
        ok = True
        for n, (rid, i) in enumerate(zip(ids, idx)):
            self.set_reg(rid, 0x1111_0000_0000 + n)
            ok = ok and regs[i] == 0x1111_0000_0000 + n
            regs[i] = 0x2222_0000_0000 + n
            ok = ok and self.reg(rid) == 0x2222_0000_0000 + n
            self.set_reg(rid, 0)
        return ok

    def _set_rax_rcx(self, rax: int, rcx: int) -> None:
        self.set_reg(X.UC_X86_REG_RAX, rax)
        self.set_reg(X.UC_X86_REG_RCX, rcx)

    # -- hooks -------------------------------------------------------------------------------
    def _install_hooks(self) -> None:
        pack_entry = struct.Struct("<QI").pack_into     # struct uc_tlb_entry {paddr; perms}
        entry_view = (ctypes.c_char * 12)

        def tlb_fill(_h: int, vaddr: int, access: int, entry: int, _d: int) -> bool:
            try:
                r = self.mmu_fill(vaddr, access)
                if r is None:
                    if self.fault is None:
                        self.fault = Trap("fault", vaddr, access)
                    return False
                # the entry arrives as a plain address: no ctypes pointer object per miss
                pack_entry(entry_view.from_address(entry), 0, r[0], r[1])
                return True
            except BaseException as exc:  # never unwind through C
                self.fault = Trap("error", vaddr, access, detail=repr(exc))
                return False

        def intr(_h: int, intno: int, _d: int) -> None:
            self.vector = intno
            self.stop()

        self._cb_tlb = _TLB_FILL_CFUNC(tlb_fill)
        self._cb_intr = _ucmod.HOOK_INTR_CFUNC(intr)
        self._hook(unicorn.UC_HOOK_TLB_FILL, self._cb_tlb)
        self._hook(unicorn.UC_HOOK_INTR, self._cb_intr)
        self._sys_hook: _ucmod.uc_hook_h | None = None

    @property
    def on_syscall(self) -> Callable[[int, int], None]:
        return self._on_syscall

    @on_syscall.setter
    def on_syscall(self, fn: Callable[[int, int], None]) -> None:
        """The syscall instruction calls ``fn(handle, user_data)`` directly from C: no wrapper
        frame on the hottest path. ``fn`` must not raise (the dispatcher turns every
        exception into an oops)."""
        if self._sys_hook is not None:
            _lib.uc_hook_del(self.h, self._sys_hook)
        self._on_syscall = fn
        self._cb_sys = _intel.HOOK_INSN_SYSCALL_CFUNC(fn)
        self._sys_hook = self._hook(unicorn.UC_HOOK_INSN, self._cb_sys,
                                    ctypes.c_int(X.UC_X86_INS_SYSCALL))

    def _hook(self, htype: int, cb: object, *extra: object) -> _ucmod.uc_hook_h:
        handle = _ucmod.uc_hook_h()
        err = _lib.uc_hook_add(self.h, ctypes.byref(handle), htype, cb, None,
                               ctypes.c_uint64(1), ctypes.c_uint64(0), *extra)
        if err:
            raise _uc_err(err)
        return handle

    # -- running -----------------------------------------------------------------------------
    def run(self, rip: int, count: int = 0) -> Trap:
        """Enter user mode at ``rip`` (iretq/sysret). Returns when something needs the kernel,
        or after ``count`` instructions (1: a single step, as EFLAGS.TF's debug trap)."""
        self.fault = None
        self.vector = -1
        self.running = True
        if count:
            self.stepping = True
            set_midblock_exits(self.h.value, True)
            err = _lib.uc_emu_start(self.h, rip, 0, 0, count)
            set_midblock_exits(self.h.value, False)
            self.stepping = False
        else:
            err = _lib.uc_emu_start(self.h, rip, 0, 0, 0)
        self.running = False
        if self.tb_patcher is not None:
            self.tb_patcher.patch_new()
        if self.fault is not None and (err or self.fault.kind == "error"):
            return self.fault
        if self.vector >= 0:
            return Trap("intr", vector=self.vector)
        if err:
            return Trap("error", detail=str(_uc_err(err)))
        return Trap("stop")

    def stop(self) -> None:
        """Leave user mode at the next instruction boundary (timer interrupt, need_resched)."""
        _raw.uc_emu_stop(self.hv)

    def interrupt(self) -> None:
        """An asynchronous stop from another host thread (the clock, posted work): a single
        step is left to finish its one instruction, after which the kernel looks anyway."""
        if self.running and not self.stepping:
            _raw.uc_emu_stop(self.hv)

    # -- registers ---------------------------------------------------------------------------
    def read_args(self) -> tuple[int, ...] | ctypes.Array:
        """[nr, a0..a5] at syscall entry (rip is then the syscall instruction itself): rax,
        rdi, rsi, rdx, r10, r8, r9 read from env.regs[] when it is known (0.1 us), else one
        batched register read (~1 us)."""
        r = self._regs
        if r is not None:
            return r[0], r[7], r[6], r[2], r[10], r[8], r[9]
        b = self._args
        _raw.uc_reg_read_batch(self.hv, b.ids, b.ptrs, b.n)
        return b.vals

    def set_ret(self, value: int) -> None:
        r = self._regs
        if r is not None:
            r[0] = value & 0xFFFF_FFFF_FFFF_FFFF
            return
        self._one.value = value & 0xFFFF_FFFF_FFFF_FFFF
        _raw.uc_reg_write(self.hv, X.UC_X86_REG_RAX, self._one_p)

    def syscall_ip(self) -> int:
        """At syscall entry, the address the call returns to (Linux's regs->ip): past the
        two-byte syscall instruction rip still points at."""
        return self.reg(X.UC_X86_REG_RIP) + 2

    def reg(self, reg_id: int) -> int:
        _raw.uc_reg_read(self.hv, reg_id, self._one_p)
        return self._one.value

    def set_reg(self, reg_id: int, value: int) -> None:
        self._one.value = value & 0xFFFF_FFFF_FFFF_FFFF
        _raw.uc_reg_write(self.hv, reg_id, self._one_p)

    def regs(self) -> list[int]:
        """The general registers in REG_NAMES order (pt_regs)."""
        b = self._gprs
        _raw.uc_reg_read_batch(self.hv, b.ids, b.ptrs, b.n)
        return list(b.vals)

    def set_regs(self, values: list[int]) -> None:
        b = self._gprs
        for i, v in enumerate(values):
            b.vals[i] = v & 0xFFFF_FFFF_FFFF_FFFF
        _raw.uc_reg_write_batch(self.hv, b.ids, b.ptrs, b.n)

    @property
    def fs_base(self) -> int:
        return self.reg(X.UC_X86_REG_FS_BASE)

    @fs_base.setter
    def fs_base(self, v: int) -> None:
        self.set_reg(X.UC_X86_REG_FS_BASE, v)

    # -- context switch ----------------------------------------------------------------------
    def save_context(self) -> unicorn.UcContext:
        return self.uc.context_save()

    def restore_context(self, ctx: unicorn.UcContext) -> None:
        self.uc.context_restore(ctx)

    def new_context(self) -> unicorn.UcContext:
        """A fresh context: the boot CPU state (flat 64-bit segments, SSE enabled, the FPU in
        its init state)."""
        return self._boot_ctx

    def snapshot_boot(self) -> None:
        self._boot_ctx = self.uc.context_save()

    # -- MMU ---------------------------------------------------------------------------------
    def flush_tlb(self) -> None:
        _lib.uc_ctl(self.h, _CTL_TLB_FLUSH)

    def flush_code(self) -> None:
        _lib.uc_ctl(self.h, _CTL_TB_FLUSH)
        if self.tb_patcher is not None:
            self.tb_patcher.reset()
