"""x86-64 Linux ABI of eventfd and epoll (include/uapi/linux/eventfd.h, eventpoll.h): flags and
the packed struct epoll_event. ABI facts only.
"""
from __future__ import annotations

import struct

EFD_SEMAPHORE, EFD_CLOEXEC, EFD_NONBLOCK = 1, 0o2000000, 0o4000
EFD_MAX = 0xFFFF_FFFF_FFFF_FFFE            # the counter's ceiling (ULLONG_MAX - 1)
TFD_CLOEXEC, TFD_NONBLOCK = 0o2000000, 0o4000
TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET = 1, 2
ITIMERSPEC = struct.Struct("<qqqq")        # it_interval, it_value (struct timespec each)

EPOLL_CLOEXEC = 0o2000000
EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP = 0x1, 0x2, 0x4, 0x8, 0x10
EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG = 0x40, 0x80, 0x100, 0x200, 0x400
EPOLLRDHUP = 0x2000
EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLLONESHOT, EPOLLET = 1 << 28, 1 << 29, 1 << 30, 1 << 31
EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE
EP_MAX_EVENTS = 0x7FFFFFFF // 12

EPOLL_EVENT = struct.Struct("<IQ")          # __attribute__((packed)) on x86-64: events, data
U64 = struct.Struct("<Q")
