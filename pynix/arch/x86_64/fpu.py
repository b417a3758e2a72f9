"""x86-64 FPU state layouts: the fxsave image (struct fxregs_state), the XSAVE header and the
software bytes a signal frame carries (arch/x86/include/uapi/asm/sigcontext.h: struct
_fpstate_64, struct _fpx_sw_bytes; asm/fpu/types.h: struct xstate_header), and the values
the FPU holds after FNINIT/at exec (fpstate_init_fx).

ABI facts only: offsets, sizes, magics and the tag-word conversion. machine/fpu.py moves the
registers in and out of this image; kernel/fpu_signal.py puts it in signal frames.

The 512-byte fxsave image (64-bit form, FXSAVE64/XSAVE64):
    0   u16 cwd      x87 control word            2   u16 swd    status word (TOP in 13:11)
    4   u16 twd      abridged tag: bit i set = physical register i not empty
    6   u16 fop      last opcode                 8   u64 rip    last x87 instruction
    16  u64 rdp      last x87 data operand       24  u32 mxcsr  28  u32 mxcsr_mask
    32  ST(0)..ST(7), 16-byte slots (80-bit value + 6 reserved), in stack order
    160 XMM0..XMM15, 16 bytes each               416 48 reserved bytes
    464 sw_reserved: struct _fpx_sw_bytes (48 bytes) in a signal frame
An XSAVE area continues with the 64-byte header at 512 (xfeatures, xcomp_bv, reserved) and,
for FP|SSE only, ends there: 576 bytes. A signal frame puts FP_XSTATE_MAGIC2 right after.
"""
from __future__ import annotations

import struct

# struct fxregs_state offsets
FX_CWD, FX_SWD, FX_TWD, FX_FOP, FX_RIP, FX_RDP = 0, 2, 4, 6, 8, 16
FX_MXCSR, FX_MXCSR_MASK, FX_ST, FX_XMM, FX_SW_RESERVED = 24, 28, 32, 160, 464
FX_ST_SLOT, FX_ST_BYTES, NR_ST, NR_XMM, XMM_BYTES = 16, 10, 8, 16, 16
FXSAVE_SIZE = 512

# the XSAVE header (struct xstate_header) after the legacy area
XSAVE_HDR_OFF, XSAVE_HDR_SIZE = 512, 64
XSAVE_HDR = struct.Struct("<QQQ40x")           # xfeatures (XSTATE_BV), xcomp_bv, reserved[0..]
XFEATURE_MASK_FP, XFEATURE_MASK_SSE = 1, 2
XFEATURE_MASK_FPSSE = XFEATURE_MASK_FP | XFEATURE_MASK_SSE
XFEATURE_MASK_COMPACTED = 1 << 63               # xcomp_bv bit 63: the XSAVEC/XSAVES form
XSTATE_FPSSE_SIZE = XSAVE_HDR_OFF + XSAVE_HDR_SIZE     # 576: the standard form for FP|SSE

# struct _fpx_sw_bytes at FX_SW_RESERVED: magic1, extended_size, xfeatures, xstate_size
FPX_SW_BYTES = struct.Struct("<IIQI28x")
FP_XSTATE_MAGIC1, FP_XSTATE_MAGIC2, FP_XSTATE_MAGIC2_SIZE = 0x46505853, 0x46505845, 4

# the state after FNINIT + LDMXCSR default (Linux's fpstate_init_fx)
FCW_DEFAULT = 0x37F             # all exceptions masked, 64-bit precision, round to nearest
MXCSR_DEFAULT = 0x1F80          # all SSE exceptions masked, round to nearest
FTW_EMPTY = 0xFFFF              # the full tag word: every register empty (11)
MXCSR_RC_SHIFT, FCW_RC_SHIFT = 13, 10

HDR = struct.Struct("<HHHHQQII")               # cwd swd twd fop rip rdp mxcsr mxcsr_mask


def abridged_tag(ftw: int) -> int:
    """The fxsave tag byte from the full tag word (2 bits per physical register, 11 =
    empty): bit i set when register i holds something."""
    return sum(1 << i for i in range(8) if (ftw >> (2 * i)) & 3 != 3)


def full_tag(twd: int) -> int:
    """A full tag word from the abridged byte: an empty register is 11, any other 00 (the
    CPU works out valid/zero/special from the value itself)."""
    return sum(3 << (2 * i) for i in range(8) if not (twd >> i) & 1)
