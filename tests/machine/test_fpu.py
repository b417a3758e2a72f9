"""machine/fpu.py against the emulated CPU itself: the fxsave image the kernel builds equals
what the guest's own FXSAVE64 stores, FXRSTOR of an image is what the guest then sees, and
CPUID reports the XSAVE format kernel/fpu_signal.py writes into signal frames."""
from __future__ import annotations

import struct

import unicorn.x86_const as X

from pynix.arch.x86_64 import fpu as F
from pynix.machine.cpu import CPU
from pynix.machine.physmem import PhysMem

CODE, DATA = 0x400000, 0x600000


class Guest:
    def __init__(self, code: bytes) -> None:
        self.phys = PhysMem(16 << 20)
        self.cpu = CPU(self.phys)
        self.code, self.data = self.phys.alloc(), self.phys.alloc()
        self.phys.write(self.code << 12, code + b"\x0f\x05")
        pages = {CODE >> 12: (self.code << 12, 5), DATA >> 12: (self.data << 12, 3)}
        self.cpu.mmu_fill = lambda vaddr, _access: pages.get(vaddr >> 12)

        def on_syscall(_h: int, _d: int) -> None:
            self.cpu.stop()
        self.cpu.on_syscall = on_syscall

    def run(self) -> None:
        self.cpu.set_reg(X.UC_X86_REG_RBX, DATA)
        assert self.cpu.run(CODE).kind == "stop"

    def mem(self, off: int, n: int) -> bytes:
        return self.phys.read((self.data << 12) + off, n)


# fld1; fldpi; fldz; mov eax,0x3f80 (round down); push; ldmxcsr [rsp]; pop; fxsave64 [rbx]
FXSAVE_AFTER_OPS = (b"\xd9\xe8\xd9\xeb\xd9\xee" + b"\xb8\x80\x3f\x00\x00\x50\x0f\xae\x14\x24\x58"
                    + b"\x48\x0f\xae\x03")


def _cmp(image: bytes) -> bytes:
    """The parts both sides define (QEMU stores FDP as 0 and never writes FOP)."""
    return image[:F.FX_FOP] + image[F.FX_MXCSR:F.FX_XMM + F.NR_XMM * F.XMM_BYTES]


def test_boot_state_is_linux_init() -> None:
    g = Guest(b"\x48\x0f\xae\x03")            # fxsave64 [rbx]
    g.run()
    cwd, swd, twd = struct.unpack_from("<HHH", g.mem(0, 6))
    mxcsr = struct.unpack_from("<I", g.mem(F.FX_MXCSR, 4))[0]
    assert (cwd, swd, twd & 0xFF, mxcsr) == (F.FCW_DEFAULT, 0, 0, F.MXCSR_DEFAULT)


def test_fxsave_matches_guest_fxsave64() -> None:
    g = Guest(FXSAVE_AFTER_OPS)
    g.cpu.set_reg(X.UC_X86_REG_RSP, DATA + 0x800)
    g.run()
    mine = g.cpu.fpu.fxsave()
    assert _cmp(mine) == _cmp(g.mem(0, F.FXSAVE_SIZE))
    assert mine[F.FX_TWD] == 0b1110_0000        # three registers pushed: physical 7, 6, 5


def test_fxrstor_is_what_the_guest_sees() -> None:
    g = Guest(b"\x48\x0f\xae\x03")
    img = bytearray(g.cpu.fpu.fxsave())
    struct.pack_into("<HH", img, 0, 0x7F | (3 << 10), 5 << 11)    # round to zero, TOP=5
    img[F.FX_TWD] = 0b0010_0000                                   # physical 5 = ST(0) valid
    img[F.FX_ST:F.FX_ST + 10] = struct.pack("<QH", 1 << 63, 0x3FFF)   # 1.0
    struct.pack_into("<I", img, F.FX_MXCSR, 0x7F80)
    img[F.FX_XMM + 16:F.FX_XMM + 32] = bytes(range(16))
    g.cpu.fpu.fxrstor(bytes(img))
    g.run()
    assert _cmp(g.mem(0, F.FXSAVE_SIZE)) == _cmp(bytes(img))


def test_cpuid_reports_the_xsave_frame_format() -> None:
    # mov eax,1; cpuid; mov [rbx],ecx; mov eax,0xd; xor ecx,ecx; cpuid; mov [rbx+4],ebx;
    # xor ecx,ecx; xgetbv; mov [rbx+8],eax
    code = (b"\xb8\x01\x00\x00\x00\x53\x0f\xa2\x5b\x89\x0b"
            b"\xb8\x0d\x00\x00\x00\x31\xc9\x53\x0f\xa2\x89\xd8\x5b\x89\x43\x04"
            b"\x31\xc9\x0f\x01\xd0\x89\x43\x08")
    g = Guest(code)
    g.cpu.set_reg(X.UC_X86_REG_RSP, DATA + 0x800)
    g.run()
    ecx1, size, xcr0 = struct.unpack("<III", g.mem(0, 12))
    assert ecx1 >> 26 & 3 == 3                      # XSAVE and OSXSAVE
    assert xcr0 == F.XFEATURE_MASK_FPSSE
    assert size == F.XSTATE_FPSSE_SIZE
