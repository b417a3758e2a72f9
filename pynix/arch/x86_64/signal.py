"""Signal ABI beyond the frame (include/uapi/asm-generic/signal.h, linux/signalfd.h,
the wait status words of wait(2)): struct kernel_sigaction, the sigset size, sigaltstack's
flags, struct signalfd_siginfo and signalfd's flags.

ABI facts only; the frame (siginfo_t, ucontext, rt_sigframe) is arch/x86_64/sigframe.py.
kernel/signal.py, kernel/sigqueue.py, kernel/exit.py and fs/signalfd.py use them.
"""
from __future__ import annotations

import struct

SIGACTION = struct.Struct("<QQQQ")      # struct kernel_sigaction: handler, flags, restorer, mask
SIGSET_SIZE = 8                         # the kernel's sigset_t: 64 signals
SS_AUTODISARM = 1 << 31                 # sigaltstack: disable the stack while a handler runs

# struct signalfd_siginfo: signo errno code pid uid fd tid band overrun trapno status int,
# then ptr utime stime addr (u64), addr_lsb (u16) and padding to 128 bytes
SIGNALFD_SIGINFO = struct.Struct("<IiiIIiIIIIiiQQQQH")
SIGNALFD_SIGINFO_SIZE = 128
SFD_CLOEXEC, SFD_NONBLOCK = 0o2000000, 0o4000

# wait status words (what wait4 stores; glibc's W* macros decode them)
WCOREFLAG = 0x80                        # dumped core, or'ed into a death-by-signal status
W_SIGMASK = 0x7F                        # the signal number of a death by signal
W_STOPPED = 0x7F                        # low byte of a stopped child's status: sig << 8 | 0x7F
W_CONTINUED = 0xFFFF                    # a continued child's status
