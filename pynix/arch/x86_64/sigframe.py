"""x86-64 signal frame layout: siginfo_t, struct sigcontext, struct ucontext, struct
rt_sigframe (arch/x86/include/uapi/asm/sigcontext.h, arch/x86/include/asm/sigframe.h).

ABI facts only: sizes, offsets and packers. kernel/signal.py decides what goes in them.

rt_sigframe as the handler sees it (rsp points at ``pretcode``):
    0     pretcode            restorer address (sa_restorer), popped by the handler's ret
    8     ucontext            uc_flags, uc_link, uc_stack (24), uc_mcontext (256), uc_sigmask (8)
    312   siginfo             128 bytes
    above, 64-aligned: fpstate (pointed to by mcontext.fpstate), the XSAVE-format area of
          arch/x86_64/fpu.py for x87|SSE: 512-byte fxsave image with the _fpx_sw_bytes, the
          64-byte XSAVE header, FP_XSTATE_MAGIC2 (kernel/fpu_signal.py fills it)
"""
from __future__ import annotations

import struct

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import fpu as FPU

SIGINFO_SIZE = 128
# sigcontext register order (struct sigcontext_64)
SIGCONTEXT_REGS = ("r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi", "rsi", "rbp",
                   "rbx", "rdx", "rax", "rcx", "rsp", "rip", "eflags")
SIGCONTEXT = struct.Struct("<18Q HHHH QQQQ Q 64x".replace(" ", ""))   # 256 bytes
STACK_T = struct.Struct("<QiiQ")          # ss_sp, ss_flags, pad, ss_size
UCONTEXT_HDR = struct.Struct("<QQ")        # uc_flags, uc_link
UC_STACK_OFF = 16
UC_MCONTEXT_OFF = 40
UC_SIGMASK_OFF = 40 + 256
UCONTEXT_SIZE = UC_SIGMASK_OFF + 8         # 304 (sigmask is 8 bytes for the kernel ABI)
FRAME_UC_OFF = 8
FRAME_INFO_OFF = FRAME_UC_OFF + UCONTEXT_SIZE          # 312
FRAME_SIZE = FRAME_INFO_OFF + SIGINFO_SIZE             # 440
# xstate_sigframe_size: the standard XSAVE area of the features in XCR0 (x87|SSE) + MAGIC2
FPSTATE_SIZE = FPU.XSTATE_FPSSE_SIZE + FPU.FP_XSTATE_MAGIC2_SIZE     # 580
SC_FPSTATE_OFF = 184                       # sigcontext.fpstate
UC_FP_XSTATE, UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS = 1, 2, 4
REDZONE = 128
USER_CS, USER_SS = 0x33, 0x2B
# eflags: a handler starts with DF clear; sigreturn takes back only the user-changeable flags
# (Linux's FIX_EFLAGS: AC OF DF TF SF ZF AF PF CF; RF is not modelled by the CPU)
X86_EFLAGS_DF = 0x400
FIX_EFLAGS = 0x40DD5
# the signals whose siginfo carries si_addr (the _sigfault member of the union)
SIGFAULT_SIGNALS = (A.SIGSEGV, A.SIGBUS, A.SIGFPE, A.SIGILL, A.SIGTRAP)
SIGINFO_HEAD = struct.Struct("<iii4x")        # si_signo, si_errno, si_code
SIGINFO_RT = struct.Struct("<iIQ")            # at 16: si_pid, si_uid, si_value (kill, rt, tkill)
SIGINFO_RT_OFF = 16


def pack_siginfo(signo: int, code: int, errno: int = 0, pid: int = 0, uid: int = 0,
                 status: int = 0, utime: int = 0, stime: int = 0, addr: int | None = None,
                 value: int = 0, poll: tuple[int, int] | None = None,
                 sigsys: tuple[int, int] | None = None) -> bytes:
    head = SIGINFO_HEAD.pack(signo, errno, code)
    if poll is not None:                                       # SIGIO: si_band, si_fd
        body = struct.pack("<qi", *poll)
    elif sigsys is not None and addr is not None:              # seccomp's SIGSYS: _sigsys
        body = struct.pack("<QiI", addr, *sigsys)
    elif addr is not None:                                       # SIGSEGV/SIGBUS/SIGFPE/SIGILL
        body = struct.pack("<Q", addr)
    elif signo == A.SIGCHLD:
        body = struct.pack("<iIi4xqq", pid, uid, status, utime, stime)
    else:                                                      # kill, sigqueue, tkill
        body = SIGINFO_RT.pack(pid, uid, value)
    return (head + body).ljust(SIGINFO_SIZE, b"\0")


def unpack_siginfo(raw: bytes) -> tuple[int, int, int, int, int, int]:
    """A siginfo_t user space supplies (rt_sigqueueinfo, pidfd_send_signal), read as the
    kill/rt layout: (signo, errno, code, pid, uid, value)."""
    signo, errno, code = SIGINFO_HEAD.unpack_from(raw)
    pid, uid, value = SIGINFO_RT.unpack_from(raw, SIGINFO_RT_OFF)
    return signo, errno, code, pid, uid, value


def pack_sigcontext(regs: dict[str, int], fpstate: int, mask: int, trapno: int = 0,
                    err: int = 0, cr2: int = 0) -> bytes:
    vals = [regs[n] & 0xFFFF_FFFF_FFFF_FFFF for n in SIGCONTEXT_REGS]
    return SIGCONTEXT.pack(*vals, USER_CS, 0, 0, USER_SS, err, trapno, mask, cr2, fpstate)


def unpack_sigcontext(data: bytes) -> dict[str, int]:
    vals = SIGCONTEXT.unpack(data)
    return dict(zip(SIGCONTEXT_REGS, vals[:18]))
