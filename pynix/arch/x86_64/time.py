"""Time ABI facts beyond struct timespec/timeval (include/uapi/linux/time.h): struct
itimerval and the interval timers, time_t.

ABI facts only.
"""
from __future__ import annotations

import struct

ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF = 0, 1, 2
ITIMERVAL = struct.Struct("<qqqq")      # it_interval {sec, usec}, it_value {sec, usec}
TIME_T = struct.Struct("<q")
