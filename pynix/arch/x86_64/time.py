"""Time ABI facts beyond struct timespec/timeval (include/uapi/linux/time.h): struct
itimerval and the interval timers, time_t.

ABI facts only.
"""
from __future__ import annotations

import struct

ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF = 0, 1, 2
ITIMERVAL = struct.Struct("<qqqq")      # it_interval {sec, usec}, it_value {sec, usec}
TIME_T = struct.Struct("<q")

# CPU-time clockids (include/linux/posix-timers_types.h): ~pid << 3 | perthread | which.
CPUCLOCK_PROF, CPUCLOCK_VIRT, CPUCLOCK_SCHED = 0, 1, 2
CPUCLOCK_MAX = 3
CPUCLOCK_CLOCK_MASK = 3
CPUCLOCK_PERTHREAD_MASK = 4
CLOCKFD = 3                             # which == 3 on a negative clockid: a dynamic clock fd
CLOCKFD_MASK = CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_CLOCK_MASK
