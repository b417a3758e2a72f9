"""seccomp(2), the ABI (include/uapi/linux/seccomp.h, audit.h's AUDIT_ARCH_X86_64): modes,
operations, filter flags, filter return actions and ``struct seccomp_data``, the input a
filter reads. Facts only; the logic is kernel/seccomp.py.
"""
from __future__ import annotations

import struct

SECCOMP_MODE_DISABLED, SECCOMP_MODE_STRICT, SECCOMP_MODE_FILTER = 0, 1, 2
SECCOMP_MODE_DEAD = SECCOMP_MODE_FILTER + 1     # internal: killed, never runs a syscall again

# seccomp(2) operations
SECCOMP_SET_MODE_STRICT, SECCOMP_SET_MODE_FILTER = 0, 1
SECCOMP_GET_ACTION_AVAIL, SECCOMP_GET_NOTIF_SIZES = 2, 3

# SECCOMP_SET_MODE_FILTER flags
SECCOMP_FILTER_FLAG_TSYNC = 1 << 0
SECCOMP_FILTER_FLAG_LOG = 1 << 1
SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4
SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5

# filter return values: the action in the high 16 bits, data in the low
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_KILL_THREAD = 0x00000000
SECCOMP_RET_KILL = SECCOMP_RET_KILL_THREAD
SECCOMP_RET_TRAP = 0x00030000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_USER_NOTIF = 0x7FC00000
SECCOMP_RET_TRACE = 0x7FF00000
SECCOMP_RET_LOG = 0x7FFC0000
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ACTION_FULL = 0xFFFF0000
SECCOMP_RET_ACTION = 0x7FFF0000
SECCOMP_RET_DATA = 0x0000FFFF

# struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }
SECCOMP_DATA = struct.Struct("<iIQ6Q")
AUDIT_ARCH_X86_64 = 0xC000003E                  # EM_X86_64 | __AUDIT_ARCH_64BIT | LE

# struct seccomp_notif_sizes { u16 seccomp_notif, seccomp_notif_resp, seccomp_data; }
SECCOMP_NOTIF_SIZES = struct.Struct("<HHH")
SECCOMP_NOTIF_SIZE, SECCOMP_NOTIF_RESP_SIZE = 80, 24

SYS_SECCOMP = 1                                 # si_code of a SECCOMP_RET_TRAP SIGSYS
# struct siginfo's _sigsys: void *_call_addr; int _syscall; unsigned int _arch (after the head)
SIGINFO_SIGSYS = struct.Struct("<QiI")

# mode 1's whitelist (x86-64 numbers): read, write, exit, rt_sigreturn
STRICT_SYSCALLS = frozenset({0, 1, 60, 15})
