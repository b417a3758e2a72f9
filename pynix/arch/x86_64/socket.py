"""x86-64 Linux socket ABI (include/linux/socket.h, uapi/linux/un.h, uapi/linux/in.h,
asm-generic/socket.h): address families, socket types and flags, message flags, socket options,
and the layouts of sockaddr_un, sockaddr_in, msghdr, cmsghdr, ucred, linger and the int arrays
of SCM_RIGHTS. ABI facts only: values, layouts and their packers, no checks.
"""
from __future__ import annotations

import struct

AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 0, 1, 2, 10, 16
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET = 1, 2, 3, 5
SOCK_TYPE_MASK = 0xF
SOCK_MAX = 11                      # SOCK_PACKET + 1
NPROTO = 46                        # AF_MAX: families are 0 .. NPROTO-1
SOCK_NONBLOCK, SOCK_CLOEXEC = 0o4000, 0o2000000
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2

MSG_OOB, MSG_PEEK, MSG_DONTROUTE, MSG_CTRUNC, MSG_TRUNC = 1, 2, 4, 8, 0x20
MSG_DONTWAIT, MSG_EOR, MSG_WAITALL, MSG_NOSIGNAL = 0x40, 0x80, 0x100, 0x4000
MSG_CMSG_CLOEXEC = 0x40000000
MSG_WAITFORONE, MSG_CMSG_COMPAT = 0x10000, 0x80000000
MMSGHDR_SIZE, MMSGHDR_LEN_OFF = 64, 56     # struct mmsghdr { struct msghdr; unsigned msg_len; }
MSG_ERRQUEUE = 0x2000
UDP_MAX_PAYLOAD = 0xFFFF - 20 - 8     # an IPv4 datagram less its IP and UDP headers

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
SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33
SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF, SYSCTL_WMEM_MAX = 4608, 2304, 212992   # net.core.[wr]mem_max
# the option names each protocol level knows (others: ENOPROTOOPT)
IP_OPTNAMES = frozenset(range(1, 27)) | frozenset(range(32, 53))      # IP_TOS .. IP_PROTOCOL
TCP_OPTNAMES = frozenset(range(1, 38))                                 # TCP_NODELAY .. TCP_TX_DELAY
UDP_OPTNAMES = frozenset((1, 100, 101, 102, 103, 104, 105))            # UDP_CORK, UDP_ENCAP ..
INADDR_ANY, INADDR_LOOPBACK = 0, 0x7F000001
SOCKADDR_IN = struct.Struct("!HHI8x")     # sin_family (little-endian, fixed up), port, addr: 16 bytes
IP_LOCAL_PORT_RANGE = (32768, 60999)      # net.ipv4.ip_local_port_range
PROT_SOCK = 1024                          # ports below need CAP_NET_BIND_SERVICE

UNIX_PATH_MAX = 108
SOCKADDR_UN_SIZE = 110
SA_FAMILY = struct.Struct("<H")
MSGHDR = struct.Struct("<QI4xQQQQi4x")   # name, namelen, iov, iovlen, control, controllen, flags
# offsets of the fields recvmsg writes back into the caller's struct msghdr
MSGHDR_NAMELEN_OFF, MSGHDR_CONTROLLEN_OFF, MSGHDR_FLAGS_OFF = 8, 40, 48
CMSGHDR = struct.Struct("<Qii")           # cmsg_len, cmsg_level, cmsg_type (data 8-aligned)
UCRED = struct.Struct("<iII")             # pid, uid, gid
SOMAXCONN = 4096
SOCKADDR_STORAGE_SIZE = 128               # sizeof(struct sockaddr_storage): the longest address
SCM_MAX_FD = 253                          # descriptors one SCM_RIGHTS message may carry

INT = struct.Struct("<i")                 # an int option value; one descriptor of SCM_RIGHTS
SUN_PATH_OFF = SA_FAMILY.size             # offsetof(struct sockaddr_un, sun_path)


def cmsg_align(n: int) -> int:
    return (n + 7) & ~7


def sa_family(raw: bytes) -> int:
    """The sa_family of a user sockaddr (at least 2 bytes)."""
    return SA_FAMILY.unpack_from(raw)[0]


def pack_sockaddr_un(name: bytes | None) -> bytes:
    """The struct sockaddr_un of a name, as getsockname/accept/recvfrom return it: the family
    alone when unnamed, an abstract name (it starts with NUL) as it is, a path with its NUL."""
    fam = SA_FAMILY.pack(AF_UNIX)
    if not name:
        return fam
    if name[0] == 0:
        return fam + name
    return fam + name + b"\0"


def pack_sockaddr_in(ip: int, port: int) -> bytes:
    """struct sockaddr_in: sin_family in host order, port and address in network order."""
    return SA_FAMILY.pack(AF_INET) + SOCKADDR_IN.pack(0, port, ip)[2:]


def unpack_sockaddr_in(raw: bytes) -> tuple[int, int]:
    """(ip, port) of a struct sockaddr_in of at least SOCKADDR_IN.size bytes."""
    _, port, ip = SOCKADDR_IN.unpack_from(raw)
    return ip, port


def pack_cmsg(level: int, ctype: int, body: bytes) -> bytes:
    """One control message: struct cmsghdr (cmsg_len = CMSG_LEN(len(body))) and its data."""
    return CMSGHDR.pack(CMSGHDR.size + len(body), level, ctype) + body


def pack_fds(fds: list[int]) -> bytes:
    """The int array of an SCM_RIGHTS message."""
    return b"".join(INT.pack(fd) for fd in fds)


def unpack_fds(body: bytes) -> list[int]:
    """The descriptors of an SCM_RIGHTS body (a trailing partial int is ignored)."""
    return [INT.unpack_from(body, i)[0] for i in range(0, len(body) - 3, INT.size)]
