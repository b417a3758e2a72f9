"""Task ABI facts: the per-task PF_* flags (include/linux/sched.h; user space sees them in
field 9 of /proc/PID/stat) and struct sched_param (include/uapi/linux/sched/types.h).

ABI facts only.
"""
from __future__ import annotations

import struct

PF_EXITING = 0x00000004          # getting shut down (do_exit)
PF_FORKNOEXEC = 0x00000040       # forked but did not exec (setpgid's EACCES test)
PF_SIGNALED = 0x00000400         # killed by a signal
PF_KTHREAD = 0x00200000          # a kernel thread

SCHED_PARAM = struct.Struct("<i")   # struct sched_param { int sched_priority; }

# struct sched_attr (include/uapi/linux/sched/types.h): size, sched_policy, sched_flags,
# sched_nice, sched_priority, sched_runtime, sched_deadline, sched_period (VER0, 48 bytes),
# then sched_util_min, sched_util_max (VER1, 56 bytes).
SCHED_ATTR = struct.Struct("<IIQiIQQQII")
SCHED_ATTR_SIZE_VER0, SCHED_ATTR_SIZE_VER1 = 48, 56

# sched_attr.sched_flags (include/uapi/linux/sched.h)
SCHED_FLAG_RESET_ON_FORK = 0x01
SCHED_FLAG_RECLAIM = 0x02
SCHED_FLAG_DL_OVERRUN = 0x04
SCHED_FLAG_KEEP_POLICY = 0x08
SCHED_FLAG_KEEP_PARAMS = 0x10
SCHED_FLAG_UTIL_CLAMP_MIN = 0x20
SCHED_FLAG_UTIL_CLAMP_MAX = 0x40
SCHED_FLAG_UTIL_CLAMP = SCHED_FLAG_UTIL_CLAMP_MIN | SCHED_FLAG_UTIL_CLAMP_MAX
SCHED_FLAG_ALL = 0x7F

# kcmp types (include/uapi/linux/kcmp.h) and struct kcmp_epoll_slot {u32 efd, tfd, toff}
KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND, KCMP_IO, KCMP_SYSVSEM, KCMP_EPOLL_TFD = range(8)
KCMP_TYPES = 8
KCMP_EPOLL_SLOT = struct.Struct("<III")

# membarrier commands (include/uapi/linux/membarrier.h)
MEMBARRIER_CMD_QUERY = 0
MEMBARRIER_CMD_GLOBAL = 1 << 0
MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1
MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2
MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3
MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4
MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 5
MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 6
MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ = 1 << 7
MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ = 1 << 8
MEMBARRIER_CMD_GET_REGISTRATIONS = 1 << 9
MEMBARRIER_CMD_FLAG_CPU = 1 << 0
