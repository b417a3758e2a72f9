"""Thread ABI facts: futex operations and flags, the robust-list head, struct clone_args
(include/uapi/linux/futex.h, include/uapi/linux/sched.h).

ABI facts only; kernel/futex.py, kernel/futex_pi.py, syscalls/sys_thread.py and
syscalls/sys_clone.py use them.
"""
from __future__ import annotations

import struct

FUTEX_WAIT, FUTEX_WAKE, FUTEX_FD, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE = 0, 1, 2, 3, 4
FUTEX_WAKE_OP, FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI = 5, 6, 7, 8
FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET = 9, 10
FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, FUTEX_LOCK_PI2 = 11, 12, 13
FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256
FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
FUTEX_BITSET_MATCH_ANY = 0xFFFF_FFFF

# FUTEX_WAKE_OP's encoded operation: op (4 bits, 8 = oparg is a shift), cmp (4), oparg (12), cmparg (12)
FUTEX_OP_SET, FUTEX_OP_ADD, FUTEX_OP_OR, FUTEX_OP_ANDN, FUTEX_OP_XOR = 0, 1, 2, 3, 4
FUTEX_OP_OPARG_SHIFT = 8
FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_NE, FUTEX_OP_CMP_LT = 0, 1, 2
FUTEX_OP_CMP_LE, FUTEX_OP_CMP_GT, FUTEX_OP_CMP_GE = 3, 4, 5

# the futex word of a robust (owner-tracking) lock
FUTEX_WAITERS = 0x8000_0000
FUTEX_OWNER_DIED = 0x4000_0000
FUTEX_TID_MASK = 0x3FFF_FFFF
ROBUST_LIST_LIMIT = 2048
ROBUST_LIST_HEAD = struct.Struct("<QqQ")     # list.next, futex_offset, list_op_pending

# struct clone_args (clone3): flags, pidfd, child_tid, parent_tid, exit_signal, stack,
# stack_size, tls, then set_tid, set_tid_size (VER1), cgroup (VER2)
CLONE_ARGS = struct.Struct("<QQQQQQQQQQQ")
CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER1, CLONE_ARGS_SIZE_VER2 = 64, 80, 88
CLONE_CLEAR_SIGHAND = 0x1_0000_0000
CLONE_INTO_CGROUP = 0x2_0000_0000
CLONE_NEWTIME = 0x80
MAX_PID_NS_LEVEL = 32

# futex_waitv(2) (include/uapi/linux/futex.h): struct futex_waitv {u64 val, uaddr; u32 flags,
# __reserved}, and the futex2 flags
FUTEX_WAITV = struct.Struct("<QQII")
FUTEX_WAITV_MAX = 128
FUTEX2_SIZE_U32, FUTEX2_SIZE_MASK, FUTEX2_NUMA, FUTEX2_PRIVATE = 0x02, 0x03, 0x04, 128
