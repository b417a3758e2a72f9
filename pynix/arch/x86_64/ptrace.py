"""ptrace ABI facts (include/uapi/linux/ptrace.h, arch/x86/include/asm/user_64.h, elf.h):
request numbers, PTRACE_O_* options and PTRACE_EVENT_* codes, the layout of
``struct user_regs_struct`` and of ``struct user`` (the PEEKUSER/POKEUSER offsets), the note
types of GETREGSET, and ``struct ptrace_syscall_info``. Numbers only; the logic is
kernel/ptrace*.py.
"""
from __future__ import annotations

import struct

PTRACE_TRACEME, PTRACE_PEEKTEXT, PTRACE_PEEKDATA, PTRACE_PEEKUSR = 0, 1, 2, 3
PTRACE_POKETEXT, PTRACE_POKEDATA, PTRACE_POKEUSR, PTRACE_CONT = 4, 5, 6, 7
PTRACE_KILL, PTRACE_SINGLESTEP = 8, 9
PTRACE_GETREGS, PTRACE_SETREGS, PTRACE_GETFPREGS, PTRACE_SETFPREGS = 12, 13, 14, 15
PTRACE_ATTACH, PTRACE_DETACH = 16, 17
PTRACE_GETFPXREGS, PTRACE_SETFPXREGS = 18, 19
PTRACE_SYSCALL = 24
PTRACE_ARCH_PRCTL = 30
PTRACE_SYSEMU, PTRACE_SYSEMU_SINGLESTEP, PTRACE_SINGLEBLOCK = 31, 32, 33
PTRACE_SETOPTIONS, PTRACE_GETEVENTMSG, PTRACE_GETSIGINFO, PTRACE_SETSIGINFO = 0x4200, 0x4201, 0x4202, 0x4203
PTRACE_GETREGSET, PTRACE_SETREGSET = 0x4204, 0x4205
PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_LISTEN, PTRACE_PEEKSIGINFO = 0x4206, 0x4207, 0x4208, 0x4209
PTRACE_GETSIGMASK, PTRACE_SETSIGMASK = 0x420A, 0x420B
PTRACE_SECCOMP_GET_FILTER, PTRACE_SECCOMP_GET_METADATA = 0x420C, 0x420D
PTRACE_GET_SYSCALL_INFO = 0x420E

PTRACE_PEEKSIGINFO_SHARED = 1
PTRACE_SEIZE_DEVEL = 0x80000000

# PTRACE_O_* (SETOPTIONS, SEIZE) and the events they enable (status >> 16)
PTRACE_O_TRACESYSGOOD = 1
PTRACE_O_TRACEFORK, PTRACE_O_TRACEVFORK, PTRACE_O_TRACECLONE = 1 << 1, 1 << 2, 1 << 3
PTRACE_O_TRACEEXEC, PTRACE_O_TRACEVFORKDONE, PTRACE_O_TRACEEXIT = 1 << 4, 1 << 5, 1 << 6
PTRACE_O_TRACESECCOMP = 1 << 7
PTRACE_O_EXITKILL, PTRACE_O_SUSPEND_SECCOMP = 1 << 20, 1 << 21
PTRACE_O_MASK = 0xFF | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP

PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK, PTRACE_EVENT_CLONE, PTRACE_EVENT_EXEC = 1, 2, 3, 4
PTRACE_EVENT_VFORK_DONE, PTRACE_EVENT_EXIT, PTRACE_EVENT_SECCOMP = 5, 6, 7
PTRACE_EVENT_STOP = 128


def event_option(event: int) -> int:
    """The PTRACE_O_TRACE* bit that enables ``event`` (1 << event)."""
    return 1 << event


# si_code of the SIGTRAPs ptrace makes
TRAP_TRACE = 2              # single-step
SI_KERNEL = 0x80

# struct user_regs_struct: 27 unsigned longs in this order
USER_REGS = ("r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx",
             "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base",
             "gs_base", "ds", "es", "fs", "gs")
USER_REGS_STRUCT = struct.Struct("<27Q")
USER_REGS_SIZE = USER_REGS_STRUCT.size          # 216
USER_CS, USER_SS = 0x33, 0x2B

# struct user (PEEKUSER/POKEUSER offsets)
U_FPVALID_OFF = 216
U_I387_OFF = 224                    # struct user_fpregs_struct: the 512-byte fxsave image
USER_FPREGS_SIZE = 512
U_TSIZE_OFF, U_DSIZE_OFF, U_SSIZE_OFF = 736, 744, 752
U_START_CODE_OFF, U_START_STACK_OFF, U_SIGNAL_OFF = 760, 768, 776
U_AR0_OFF, U_FPSTATE_OFF, U_MAGIC_OFF, U_COMM_OFF = 792, 800, 808, 816
U_DEBUGREG_OFF = 848                # unsigned long u_debugreg[8]
USER_SIZE = 912                     # sizeof(struct user)

# debug registers: DR4/DR5 are reserved; DR7's enable and condition bits
DR_STATUS, DR_CONTROL = 6, 7
DR7_RESERVED_ONE = 0x400

# GETREGSET note types (elf.h)
NT_PRSTATUS, NT_PRFPREG, NT_PRPSINFO, NT_TASKSTRUCT = 1, 2, 3, 4
NT_X86_XSTATE = 0x202

# struct ptrace_syscall_info
PTRACE_SYSCALL_INFO_NONE, PTRACE_SYSCALL_INFO_ENTRY = 0, 1
PTRACE_SYSCALL_INFO_EXIT, PTRACE_SYSCALL_INFO_SECCOMP = 2, 3
AUDIT_ARCH_X86_64 = 0xC000003E
SYSCALL_INFO_HEAD = struct.Struct("<B3xIQQ")    # op, arch, instruction_pointer, stack_pointer
SYSCALL_INFO_ENTRY = struct.Struct("<7Q")       # nr, args[6]
SYSCALL_INFO_EXIT = struct.Struct("<qB")        # rval, is_error
SYSCALL_INFO_SECCOMP = struct.Struct("<7QI")    # nr, args[6], ret_data
