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
