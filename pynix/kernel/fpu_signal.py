"""The FPU state in signal frames (Linux's arch/x86/kernel/fpu/signal.c).

The frame format follows what the CPU tells a guest: pynix's CPU reports XSAVE and OSXSAVE in
CPUID leaf 1, XCR0 = x87|SSE and a 576-byte standard XSAVE area in leaf 0xD (checked by
tests/machine/test_fpu.py), so the frame holds what Linux's ``use_xsave()`` path writes: the
fxsave image, ``struct _fpx_sw_bytes`` with FP_XSTATE_MAGIC1 in its software-reserved bytes,
the XSAVE header (XSTATE_BV = x87|SSE, as save_xstate_epilog forces), and FP_XSTATE_MAGIC2
after the 576 bytes: ``sigframe.FPSTATE_SIZE`` = 580 bytes, 64-byte aligned; the ucontext says
UC_FP_XSTATE. A program that only knows the 512-byte fxsave layout finds it at the same place.

Provides:
- ``copy_fpstate_to_sigframe(cpu) -> bytes``: the frame's fpstate area for the current
  registers (copy_fpstate_to_sigframe + save_xstate_epilog).
- ``fpu__restore_sig(cpu, mm, buf) -> bool``: rt_sigreturn loads the registers from the
  fpstate at user address ``buf`` (the sigcontext's fpstate pointer, which the handler may
  have changed): NULL resets the FPU; without both magics only the fxsave part counts
  (fx_only); otherwise the XRSTOR rules: XSTATE_BV picks loaded or init components, MXCSR
  always comes from memory. What the instruction would fault on (misalignment, a compacted
  or reserved header, XSTATE_BV outside XCR0, reserved MXCSR bits, unreadable memory) fails:
  the FPU is reset and False returned, and rt_sigreturn raises SIGSEGV as Linux's badframe.
- ``fpu__clear_user_states(cpu)``: the init state (a handler starts with it; exec's new
  program gets it from the boot context).

Owns nothing: the state is in the CPU and, while the handler runs, in user memory.
"""
from __future__ import annotations

from pynix.arch.x86_64 import fpu as F
from pynix.arch.x86_64 import sigframe as S
from pynix.base.errors import KernelError
from pynix.machine.cpu import CPU
from pynix.machine.fpu import INIT_IMAGE, MXCSR_FEATURE_MASK
from pynix.mm.mm import MM
from pynix.mm.uaccess import access_ok, copy_from_user

XCR0 = F.XFEATURE_MASK_FPSSE               # the features the CPU enables (xgetbv(0))
USER_SIZE = F.XSTATE_FPSSE_SIZE            # fpstate->user_size for XCR0
_SW_BYTES = F.FPX_SW_BYTES.pack(F.FP_XSTATE_MAGIC1, USER_SIZE + F.FP_XSTATE_MAGIC2_SIZE, XCR0,
                                USER_SIZE)
_EPILOG = F.XSAVE_HDR.pack(F.XFEATURE_MASK_FPSSE, 0, 0) + \
    F.FP_XSTATE_MAGIC2.to_bytes(F.FP_XSTATE_MAGIC2_SIZE, "little")
# the parts of the fxsave image each XSAVE component covers
_FP_PARTS = ((F.FX_CWD, F.FX_MXCSR), (F.FX_ST, F.FX_XMM))
_SSE_PART = (F.FX_XMM, F.FX_XMM + F.NR_XMM * F.XMM_BYTES)
assert S.FPSTATE_SIZE == USER_SIZE + F.FP_XSTATE_MAGIC2_SIZE


def copy_fpstate_to_sigframe(cpu: CPU) -> bytes:
    """The ``S.FPSTATE_SIZE`` bytes of the frame's fpstate area."""
    image = cpu.fpu.fxsave()
    return image[:F.FX_SW_RESERVED] + _SW_BYTES + _EPILOG


def fpu__clear_user_states(cpu: CPU) -> None:
    cpu.fpu.init()


class _Fault(Exception):
    """What XRSTOR/FXRSTOR would raise (#GP, or #PF on unreadable memory)."""


def fpu__restore_sig(cpu: CPU, mm: MM, buf: int) -> bool:
    if buf == 0:
        fpu__clear_user_states(cpu)
        return True
    try:
        access_ok(buf, S.FPSTATE_SIZE)
        image = _restore_image(mm, buf)
    except (KernelError, _Fault):
        fpu__clear_user_states(cpu)
        return False
    cpu.fpu.fxrstor(image)
    return True


def _restore_image(mm: MM, buf: int) -> bytes:
    """The fxsave image the registers get (check_xstate_in_sigframe, then what XRSTOR or,
    for fx_only, FXRSTOR would load); raises _Fault or KernelError(EFAULT)."""
    legacy = copy_from_user(mm, buf, F.FXSAVE_SIZE)
    magic1, _ext, xfeatures, _size = F.FPX_SW_BYTES.unpack_from(legacy, F.FX_SW_RESERVED)
    fx_only = magic1 != F.FP_XSTATE_MAGIC1 or int.from_bytes(
        copy_from_user(mm, buf + USER_SIZE, F.FP_XSTATE_MAGIC2_SIZE), "little") != F.FP_XSTATE_MAGIC2
    mxcsr = int.from_bytes(legacy[F.FX_MXCSR:F.FX_MXCSR + 4], "little")
    if fx_only:                                             # fxrstor_from_user_sigframe
        if buf & 15 or mxcsr & ~MXCSR_FEATURE_MASK:
            raise _Fault
        return legacy
    rfbm = xfeatures & XCR0                                 # xrstor_from_user_sigframe
    if buf & 63:
        raise _Fault
    hdr = copy_from_user(mm, buf + F.XSAVE_HDR_OFF, F.XSAVE_HDR_SIZE)
    xstate_bv, xcomp_bv, reserved = F.XSAVE_HDR.unpack(hdr)
    if xstate_bv & ~XCR0 or xcomp_bv or reserved:
        raise _Fault                        # the standard form only: header bytes 23:8 zero
    image = bytearray(INIT_IMAGE)
    if rfbm & F.XFEATURE_MASK_SSE:
        if mxcsr & ~MXCSR_FEATURE_MASK:
            raise _Fault
        image[F.FX_MXCSR:F.FX_MXCSR + 4] = legacy[F.FX_MXCSR:F.FX_MXCSR + 4]
        if xstate_bv & F.XFEATURE_MASK_SSE:
            image[_SSE_PART[0]:_SSE_PART[1]] = legacy[_SSE_PART[0]:_SSE_PART[1]]
    if rfbm & xstate_bv & F.XFEATURE_MASK_FP:
        for lo, hi in _FP_PARTS:
            image[lo:hi] = legacy[lo:hi]
    return bytes(image)
