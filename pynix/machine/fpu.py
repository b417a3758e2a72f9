"""The CPU's x87/SSE register file as an fxsave image (what FXSAVE64/FXRSTOR64 move).

Provides ``FPU`` (``cpu.fpu``), built by machine/cpu.py over the Unicorn handle:
- ``fxsave() -> bytes``: the 512-byte image of the current registers in the layout of
  arch/x86_64/fpu.py (control/status/abridged tag words, FOP, FIP, FDP, MXCSR and
  MXCSR_MASK, ST(0)..ST(7) in 16-byte slots, XMM0..XMM15); the reserved bytes are zero.
- ``fxrstor(image)``: load the registers from such an image (the caller checks MXCSR
  against ``MXCSR_FEATURE_MASK`` first, as the instruction would #GP).
- ``init()``: the state after FNINIT and LDMXCSR 0x1F80, Linux's fpstate_init_fx: FCW
  0x37F, every register empty and zero, MXCSR 0x1F80, XMM zero.

Both directions are a single uc_reg_{read,write}_batch over a pre-built list whose value
pointers go straight into the image buffer, so a signal frame costs one call each way.

Owns: nothing but the two scratch buffers; the state itself lives in Unicorn's CPU (and in
the task's saved context when the task is switched out).
"""
from __future__ import annotations

import ctypes

import unicorn.x86_const as X

from pynix.arch.x86_64 import fpu as F

# what this CPU's FXSAVE stores as MXCSR_MASK (QEMU's emulation: bits 15:0 exist, DAZ
# included); a set bit outside it makes FXRSTOR/XRSTOR fault (#GP)
MXCSR_FEATURE_MASK = 0x0000FFFF
_TAG_SCRATCH = F.FXSAVE_SIZE               # the full tag word is read/written past the image

_ST_IDS = tuple(X.UC_X86_REG_ST0 + i for i in range(F.NR_ST))
_XMM_IDS = tuple(getattr(X, f"UC_X86_REG_XMM{i}") for i in range(F.NR_XMM))
# (register, offset of its value in the buffer): FPSW before the ST registers, whose
# numbering is relative to the TOP field it carries
_LAYOUT = ((X.UC_X86_REG_FPSW, F.FX_SWD), (X.UC_X86_REG_FPCW, F.FX_CWD),
           (X.UC_X86_REG_FPTAG, _TAG_SCRATCH), (X.UC_X86_REG_FOP, F.FX_FOP),
           (X.UC_X86_REG_FIP, F.FX_RIP), (X.UC_X86_REG_FDP, F.FX_RDP),
           (X.UC_X86_REG_MXCSR, F.FX_MXCSR)) \
    + tuple((r, F.FX_ST + F.FX_ST_SLOT * i) for i, r in enumerate(_ST_IDS)) \
    + tuple((r, F.FX_XMM + F.XMM_BYTES * i) for i, r in enumerate(_XMM_IDS))


_FULL_TAG = tuple(F.full_tag(i).to_bytes(2, "little") for i in range(256))
_ABRIDGED: dict[int, int] = {}             # full tag word -> abridged byte, filled as seen


class _RegBatch:
    """uc_reg_*_batch arguments over ``layout``, the values in ``buf`` at their offsets."""

    def __init__(self, layout: tuple[tuple[int, int], ...], buf: ctypes.Array) -> None:
        self.n = len(layout)
        self.ids = (ctypes.c_int * self.n)(*(r for r, _ in layout))
        base = ctypes.addressof(buf)
        self.ptrs = (ctypes.c_void_p * self.n)(*(base + off for _, off in layout))


class FPU:
    def __init__(self, hv: ctypes.c_void_p, raw: ctypes.CDLL) -> None:
        self._hv = hv
        self._raw = raw
        self._out = (ctypes.c_char * (F.FXSAVE_SIZE + 8))()
        self._in = (ctypes.c_char * (F.FXSAVE_SIZE + 8))()
        self._read = _RegBatch(_LAYOUT, self._out)
        self._write = _RegBatch(_LAYOUT, self._in)

    def fxsave(self) -> bytes:
        out = self._out
        ctypes.memset(out, 0, F.FXSAVE_SIZE)
        b = self._read
        self._raw.uc_reg_read_batch(self._hv, b.ids, b.ptrs, b.n)
        ftw = int.from_bytes(out[_TAG_SCRATCH:_TAG_SCRATCH + 2], "little")
        twd = _ABRIDGED.get(ftw)
        if twd is None:
            twd = _ABRIDGED[ftw] = F.abridged_tag(ftw)
        out[F.FX_TWD] = twd
        out[F.FX_MXCSR_MASK:F.FX_MXCSR_MASK + 4] = MXCSR_FEATURE_MASK.to_bytes(4, "little")
        return out.raw[:F.FXSAVE_SIZE]

    def fxrstor(self, image: bytes) -> None:
        buf = self._in
        ctypes.memmove(buf, image, F.FXSAVE_SIZE)     # slice stores into ctypes are slow
        ctypes.memmove(ctypes.addressof(buf) + _TAG_SCRATCH, _FULL_TAG[image[F.FX_TWD]], 2)
        b = self._write
        self._raw.uc_reg_write_batch(self._hv, b.ids, b.ptrs, b.n)

    def init(self) -> None:
        self.fxrstor(INIT_IMAGE)


def _init_image() -> bytes:
    img = bytearray(F.FXSAVE_SIZE)
    F.HDR.pack_into(img, 0, F.FCW_DEFAULT, 0, F.abridged_tag(F.FTW_EMPTY), 0, 0, 0,
                    F.MXCSR_DEFAULT, MXCSR_FEATURE_MASK)
    return bytes(img)


# the fxsave image of the init state (Linux's init_fpstate for FP|SSE)
INIT_IMAGE = _init_image()
