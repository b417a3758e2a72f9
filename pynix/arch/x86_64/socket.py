"""x86-64 Linux socket ABI (include/linux/socket.h, uapi/linux/un.h, asm-generic/socket.h):
address families, socket types and flags, message flags, socket options, and the layouts of
sockaddr_un, sockaddr_in, msghdr, cmsghdr and ucred. ABI facts only.
"""
from __future__ import annotations

import struct

AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 0, 1, 2, 10, 16
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET = 1, 2, 3, 5
SOCK_TYPE_MASK = 0xF
SOCK_NONBLOCK, SOCK_CLOEXEC = 0o4000, 0o2000000
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2

MSG_OOB, MSG_PEEK, MSG_DONTROUTE, MSG_CTRUNC, MSG_TRUNC = 1, 2, 4, 8, 0x20
MSG_DONTWAIT, MSG_EOR, MSG_WAITALL, MSG_NOSIGNAL = 0x40, 0x80, 0x100, 0x4000
MSG_CMSG_CLOEXEC = 0x40000000

SOL_SOCKET = 1
SO_DEBUG, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST = 1, 2, 3, 4, 5, 6
SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE, SO_OOBINLINE, SO_LINGER = 7, 8, 9, 10, 13
SO_PASSCRED, SO_PEERCRED, SO_RCVLOWAT, SO_SNDLOWAT = 16, 17, 18, 19
SO_RCVTIMEO, SO_SNDTIMEO = 20, 21                     # struct timeval (SO_*TIMEO_OLD)
SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW = 66, 67             # struct __kernel_sock_timeval: same here
LINGER = struct.Struct("<ii")                        # struct linger: l_onoff, l_linger
SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN, SO_REUSEPORT = 30, 38, 39, 15
SCM_RIGHTS, SCM_CREDENTIALS = 1, 2

IPPROTO_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP = 0, 1, 6, 17
INADDR_ANY, INADDR_LOOPBACK = 0, 0x7F000001
SOCKADDR_IN = struct.Struct("!HHI8x")     # sin_family (little-endian, fixed up), port, addr: 16 bytes
IP_LOCAL_PORT_RANGE = (32768, 60999)      # net.ipv4.ip_local_port_range
PROT_SOCK = 1024                          # ports below need CAP_NET_BIND_SERVICE

UNIX_PATH_MAX = 108
SOCKADDR_UN_SIZE = 110
SA_FAMILY = struct.Struct("<H")
MSGHDR = struct.Struct("<QI4xQQQQi4x")   # name, namelen, iov, iovlen, control, controllen, flags
CMSGHDR = struct.Struct("<Qii")           # cmsg_len, cmsg_level, cmsg_type (data 8-aligned)
UCRED = struct.Struct("<iII")             # pid, uid, gid
SOMAXCONN = 4096


def cmsg_align(n: int) -> int:
    return (n + 7) & ~7
