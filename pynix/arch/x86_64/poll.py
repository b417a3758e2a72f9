"""poll(2) ABI (include/uapi/asm-generic/poll.h): the event bits every file's ``poll()``
returns, the struct pollfd poll and ppoll pass, and the {sigset pointer, size} pair that
pselect6 takes. The same bits are epoll's
(arch/x86_64/event.py's EPOLL*) for the events they share.

ABI facts only.
"""
from __future__ import annotations

import struct

POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL = 1, 2, 4, 8, 16, 32
POLLRDNORM, POLLWRNORM = 0x40, 0x100
POLLRDBAND, POLLWRBAND, POLLMSG = 0x80, 0x200, 0x400
POLLFD = struct.Struct("<ihh")          # struct pollfd: fd, events, revents
SIGSET_ARGPACK = struct.Struct("<QQ")   # pselect6's sixth argument: sigset_t *ss, size_t ss_len
