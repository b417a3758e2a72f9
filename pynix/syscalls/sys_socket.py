"""Socket syscalls, setting up: socket, socketpair, bind, listen, connect, accept, accept4,
shutdown, getsockname, getpeername, getsockopt, setsockopt (Linux net/socket.c, the option
parts of net/core/sock.c). Sending and receiving is syscalls/sys_sockmsg.py.

Thin handlers over net/unix.py and net/inet.py: decode sockaddr_un and sockaddr_in, block
through fs/vfs/read_write.rw_wait (EAGAIN under O_NONBLOCK or MSG_DONTWAIT, at most SO_RCVTIMEO /
SO_SNDTIMEO). AF_UNIX and AF_INET (TCP and UDP on the loopback network) exist: other
families get EAFNOSUPPORT. Shared with sys_sockmsg.py: ``sock_of`` (the socket behind a
descriptor, ENOTSOCK), ``sock_cred``, ``sock_block``, ``find_dest`` and ``put_name``.
"""
from __future__ import annotations

from typing import Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import socket as S
from pynix.arch.x86_64.capability import CAP_NET_ADMIN, CAP_NET_BIND_SERVICE
from pynix.base.errors import KernelError
from pynix.base.kconfig import HZ
from pynix.base.timer import monotonic_ns
from pynix.fs.vfs.file import WouldBlock
from pynix.fs.vfs.read_write import rw_wait
from pynix.kernel.cred import capable
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, get_u32, put_u32
from pynix.net.inet import InetSocket, inet_addr, inet_bind, inet_find
from pynix.net.unix import Cred, UnixSocket, unix_socketpair
from pynix.net.unix_addr import unix_bind, unix_find_other, unix_mkname
from pynix.syscalls.util import (
    fget,
    fs_of,
    install_file_pair,
    install_new_file,
    mm_of,
    s32,
)


def sock_cred(t: Task) -> Cred:
    """The credentials a peer sees of the caller (SO_PEERCRED, SCM_CREDENTIALS)."""
    return (t.tgid, t.cred.euid, t.cred.egid)


def sock_of(t: Task, fd: int) -> UnixSocket:
    f = fget(t, fd)
    if not isinstance(f, UnixSocket):
        raise KernelError(E.ENOTSOCK)
    return f


# Socket timeouts count in jiffies, as Linux's sk_rcvtimeo: a timeval is rounded up to whole
# ticks of HZ (base/kconfig.py: 250, as Debian's) and read back so (1 us set -> 4000 us got).


def _timeo_set(raw: bytes) -> int | None:
    """sock_set_timeout: {0, 0} is forever; a negative time is 'do not wait'."""
    sec, usec = A.TIMEVAL.unpack_from(raw)
    if not 0 <= usec < 1_000_000:
        raise KernelError(E.EDOM)
    if sec < 0:
        return 0
    if sec == 0 and usec == 0:
        return None
    return sec * HZ + -(-usec // (1_000_000 // HZ))


def _timeo_get(timeo: int | None) -> bytes:
    if timeo is None:
        return A.TIMEVAL.pack(0, 0)
    return A.TIMEVAL.pack(timeo // HZ, (timeo % HZ) * (1_000_000 // HZ))


def sock_block(t: Task, sock: UnixSocket, op: Callable[[], object], flags: int,
           timeo: int | None = None) -> Generator[None, None, object]:
    """Run a socket operation, sleeping while it would block: not at all under MSG_DONTWAIT,
    at most ``timeo`` jiffies (SO_RCVTIMEO / SO_SNDTIMEO: then EAGAIN, and a signal is EINTR
    even under SA_RESTART, as Linux's sock_intr_errno)."""
    if flags & S.MSG_DONTWAIT or timeo == 0:
        try:
            return op()
        except WouldBlock:
            raise KernelError(E.EAGAIN) from None
    if timeo is None:
        return (yield from rw_wait(t, sock, op))
    deadline = monotonic_ns() + timeo * (1_000_000_000 // HZ)
    return (yield from rw_wait(t, sock, op, deadline, restart=E.EINTR))


def _name(t: Task, addr: int, addrlen: int) -> bytes:
    if not 0 <= s32(addrlen) <= S.SOCKADDR_UN_SIZE:
        raise KernelError(E.EINVAL)
    raw = copy_from_user(mm_of(t), addr, s32(addrlen))
    if len(raw) < S.SA_FAMILY.size or S.sa_family(raw) != S.AF_UNIX:
        raise KernelError(E.EINVAL)
    return unix_mkname(raw)


def _raw_addr(t: Task, addr: int, addrlen: int) -> bytes:
    if not 0 <= s32(addrlen) <= S.SOCKADDR_STORAGE_SIZE:
        raise KernelError(E.EINVAL)
    return copy_from_user(mm_of(t), addr, s32(addrlen))


def find_dest(t: Task, sock: UnixSocket, addr: int, addrlen: int) -> UnixSocket | None:
    """The socket a destination address names (None: nobody at that IP port)."""
    if isinstance(sock, InetSocket):
        return inet_find(sock, *inet_addr(_raw_addr(t, addr, addrlen)))
    return unix_find_other(fs_of(t), _name(t, addr, addrlen))


def put_name(t: Task, addr: int, lenp: int, raw: bytes) -> None:
    """move_addr_to_user: copy the address, truncated to *lenp (EINVAL if negative; EFAULT
    for a bad buffer, NULL too), and store its full length. accept and recvfrom skip it for
    a NULL ``addr``; getsockname and getpeername do not."""
    mm = mm_of(t)
    room = s32(get_u32(mm, lenp))
    if room < 0:
        raise KernelError(E.EINVAL)
    if min(room, len(raw)):
        copy_to_user(mm, addr, raw[:room])
    put_u32(mm, lenp, len(raw))


def sock_create(family: int, stype: int, protocol: int) -> type[UnixSocket]:
    """The checks of socket and socketpair (__sys_socket_create, __sock_create and the
    family's create): flags beyond SOCK_NONBLOCK | SOCK_CLOEXEC or a type past SOCK_MAX are
    EINVAL, an unknown family EAFNOSUPPORT, then the family refuses what it lacks."""
    kind = stype & S.SOCK_TYPE_MASK
    if stype & ~(S.SOCK_TYPE_MASK | S.SOCK_NONBLOCK | S.SOCK_CLOEXEC):
        raise KernelError(E.EINVAL)
    if not 0 <= family < S.NPROTO:
        raise KernelError(E.EAFNOSUPPORT)
    if kind >= S.SOCK_MAX:
        raise KernelError(E.EINVAL)
    if family == S.AF_INET:
        protos = {S.SOCK_STREAM: S.IPPROTO_TCP, S.SOCK_DGRAM: S.IPPROTO_UDP}
        if kind not in protos or protocol not in (0, protos[kind]):
            raise KernelError(E.EPROTONOSUPPORT if kind in protos or kind == S.SOCK_RAW
                              else E.ESOCKTNOSUPPORT)
        return InetSocket
    if family == S.AF_UNIX:
        if kind not in (S.SOCK_STREAM, S.SOCK_DGRAM, S.SOCK_SEQPACKET):
            raise KernelError(E.ESOCKTNOSUPPORT)
        if protocol not in (0, S.AF_UNIX):
            raise KernelError(E.EPROTONOSUPPORT)
        return UnixSocket
    raise KernelError(E.EAFNOSUPPORT)


def sys_socket(t: Task, family: int, stype: int, protocol: int) -> int:
    cls = sock_create(family, stype, protocol)
    sock = cls(stype & S.SOCK_TYPE_MASK, stype & S.SOCK_NONBLOCK)
    sock.cred = sock_cred(t)
    return install_new_file(t, sock, bool(stype & S.SOCK_CLOEXEC))


def sys_socketpair(t: Task, family: int, stype: int, protocol: int, sv: int) -> int:
    if sock_create(family, stype, protocol) is not UnixSocket:
        raise KernelError(E.EOPNOTSUPP)             # inet's sock_no_socketpair
    a, b = unix_socketpair(stype & S.SOCK_TYPE_MASK, stype & S.SOCK_NONBLOCK, sock_cred(t))
    install_file_pair(t, a, b, bool(stype & S.SOCK_CLOEXEC), sv)
    return 0


def sys_bind(t: Task, fd: int, addr: int, addrlen: int) -> int:
    sock = sock_of(t, fd)
    if isinstance(sock, InetSocket):
        inet_bind(sock, *inet_addr(_raw_addr(t, addr, addrlen)), capable(t, CAP_NET_BIND_SERVICE))
    else:
        unix_bind(fs_of(t), sock, _name(t, addr, addrlen))
    return 0


def sys_listen(t: Task, fd: int, backlog: int) -> int:
    sock = sock_of(t, fd)
    sock.cred = sock_cred(t)
    if isinstance(sock, InetSocket) and sock.connection_oriented and not sock.connected:
        sock.autobind()
    sock.listen(s32(backlog))
    return 0


def sys_connect(t: Task, fd: int, addr: int, addrlen: int) -> Generator[None, None, int]:
    sock = sock_of(t, fd)
    raw = copy_from_user(mm_of(t), addr, min(max(s32(addrlen), 0), S.SOCKADDR_UN_SIZE))
    if sock.type == S.SOCK_DGRAM and len(raw) >= S.SA_FAMILY.size and S.sa_family(raw) == S.AF_UNSPEC:
        sock.peer = None                      # dissolve the association
        sock.peer_addr = None
        return 0
    other = find_dest(t, sock, addr, addrlen)
    if isinstance(sock, InetSocket):
        ip, port = inet_addr(raw)
        if sock.connected:
            raise KernelError(E.EISCONN)
        sock.bind_source()
        if sock.type == S.SOCK_DGRAM:         # UDP connects to an address, open or not
            sock.peer, sock.peer_addr = other, S.pack_sockaddr_in(ip or S.INADDR_LOOPBACK, port)
            return 0
    if sock.type == S.SOCK_DGRAM:
        sock.connect_dgram(other)
        return 0
    yield from sock_block(t, sock, lambda: sock.connect_stream(other, sock_cred(t)), 0, sock.sndtimeo)
    return 0


def sys_accept4(t: Task, fd: int, addr: int, lenp: int, flags: int) -> Generator[None, None, int]:
    if flags & ~(S.SOCK_NONBLOCK | S.SOCK_CLOEXEC):
        raise KernelError(E.EINVAL)
    sock = sock_of(t, fd)
    if not sock.connection_oriented:
        raise KernelError(E.EOPNOTSUPP)
    new = yield from sock_block(t, sock, sock.accept, 0, sock.rcvtimeo)
    assert isinstance(new, UnixSocket)
    new.flags |= flags & S.SOCK_NONBLOCK
    nfd = install_new_file(t, new, bool(flags & S.SOCK_CLOEXEC))
    if addr:
        put_name(t, addr, lenp, sock.addr_of(new.peer.name if new.peer is not None else None))
    return nfd


def sys_accept(t: Task, fd: int, addr: int, lenp: int) -> Generator[None, None, int]:
    return (yield from sys_accept4(t, fd, addr, lenp, 0))


def sys_shutdown(t: Task, fd: int, how: int) -> int:
    sock_of(t, fd).shutdown(s32(how))
    return 0


def sys_getsockname(t: Task, fd: int, addr: int, lenp: int) -> int:
    sock = sock_of(t, fd)
    put_name(t, addr, lenp, sock.addr_of(sock.name))
    return 0


def sys_getpeername(t: Task, fd: int, addr: int, lenp: int) -> int:
    sock = sock_of(t, fd)
    if isinstance(sock, InetSocket) and sock.type == S.SOCK_DGRAM and sock.peer_addr is not None:
        put_name(t, addr, lenp, sock.peer_addr)
        return 0
    if sock.peer is None or (isinstance(sock, InetSocket) and sock.peer_gone):
        raise KernelError(E.ENOTCONN)
    put_name(t, addr, lenp, sock.addr_of(sock.peer.name))
    return 0


_TIMEO_OPTS = {S.SO_RCVTIMEO: "rcvtimeo", S.SO_RCVTIMEO_NEW: "rcvtimeo",
               S.SO_SNDTIMEO: "sndtimeo", S.SO_SNDTIMEO_NEW: "sndtimeo"}
STORED_OPTS = (S.SO_REUSEADDR, S.SO_KEEPALIVE, S.SO_PASSCRED, S.SO_SNDBUF, S.SO_RCVBUF, S.SO_REUSEPORT,
               S.SO_OOBINLINE, S.SO_DEBUG, S.SO_DONTROUTE, S.SO_BROADCAST)
_BUF_OPTS = {S.SO_SNDBUF: (S.SO_SNDBUF, S.SOCK_MIN_SNDBUF), S.SO_RCVBUF: (S.SO_RCVBUF, S.SOCK_MIN_RCVBUF),
             S.SO_SNDBUFFORCE: (S.SO_SNDBUF, S.SOCK_MIN_SNDBUF),
             S.SO_RCVBUFFORCE: (S.SO_RCVBUF, S.SOCK_MIN_RCVBUF)}


def _inet_optnames(sock: InetSocket, level: int, unknown: int) -> frozenset[int]:
    """The option names an inet socket's protocol knows at ``level`` (tcp_/udp_setsockopt
    hand any other level to ip_setsockopt, which refuses what is not SOL_IP: ``unknown``,
    ENOPROTOOPT for set, EOPNOTSUPP for get)."""
    if level == sock.proto == S.IPPROTO_TCP:
        return S.TCP_OPTNAMES
    if level == sock.proto == S.IPPROTO_UDP:
        return S.UDP_OPTNAMES
    if level == S.IPPROTO_IP:
        return S.IP_OPTNAMES
    raise KernelError(unknown)


def sys_getsockopt(t: Task, fd: int, level: int, opt: int, val: int, lenp: int) -> int:
    sock = sock_of(t, fd)
    mm = mm_of(t)
    if isinstance(sock, InetSocket) and s32(level) != S.SOL_SOCKET:
        names = _inet_optnames(sock, s32(level), E.EOPNOTSUPP)
        room = s32(get_u32(mm, lenp))
        if room < 0:
            raise KernelError(E.EINVAL)
        if s32(opt) not in names:
            raise KernelError(E.ENOPROTOOPT)
        raw = S.INT.pack(sock.proto_opts.get((s32(level), s32(opt)), 0))
        copy_to_user(mm, val, raw[:room])
        put_u32(mm, lenp, min(room, len(raw)))
        return 0
    if s32(level) != S.SOL_SOCKET:
        raise KernelError(E.EOPNOTSUPP)
    room = s32(get_u32(mm, lenp))
    if room < 0:
        raise KernelError(E.EINVAL)
    if opt == S.SO_PEERCRED:
        pid, uid, gid = sock.peercred if sock.peercred is not None else (0, 0xFFFFFFFF, 0xFFFFFFFF)
        raw = S.UCRED.pack(pid, uid, gid)
    elif opt in _TIMEO_OPTS:
        raw = _timeo_get(getattr(sock, _TIMEO_OPTS[opt]))
    elif opt == S.SO_LINGER:
        raw = S.LINGER.pack(*sock.linger)
    else:
        if opt == S.SO_TYPE:
            v = sock.type
        elif opt == S.SO_ERROR:
            v, sock.err = sock.err, 0
        elif opt == S.SO_ACCEPTCONN:
            v = int(sock.listening)
        elif opt == S.SO_DOMAIN:
            v = sock.family
        elif opt == S.SO_PROTOCOL:
            v = sock.proto if isinstance(sock, InetSocket) else 0
        elif opt in STORED_OPTS:
            v = sock.opts.get(opt, 0)
        else:
            raise KernelError(E.ENOPROTOOPT)
        raw = S.INT.pack(v)
    copy_to_user(mm, val, raw[:room])
    put_u32(mm, lenp, min(room, len(raw)))
    return 0


def sys_setsockopt(t: Task, fd: int, level: int, opt: int, val: int, optlen: int) -> int:
    sock = sock_of(t, fd)
    if isinstance(sock, InetSocket) and s32(level) != S.SOL_SOCKET:
        if s32(opt) not in _inet_optnames(sock, s32(level), E.ENOPROTOOPT):
            raise KernelError(E.ENOPROTOOPT)
        if s32(optlen) < S.INT.size:                   # TCP_NODELAY and the like: kept, not acted on
            raise KernelError(E.EINVAL)
        sock.proto_opts[(s32(level), s32(opt))] = s32(get_u32(mm_of(t), val))
        return 0
    if s32(level) != S.SOL_SOCKET:
        raise KernelError(E.EOPNOTSUPP)
    if opt in _TIMEO_OPTS:
        if s32(optlen) < A.TIMEVAL.size:
            raise KernelError(E.EINVAL)
        setattr(sock, _TIMEO_OPTS[opt], _timeo_set(copy_from_user(mm_of(t), val, A.TIMEVAL.size)))
        return 0
    if opt == S.SO_LINGER:
        if s32(optlen) < S.LINGER.size:
            raise KernelError(E.EINVAL)
        onoff, secs = S.LINGER.unpack(copy_from_user(mm_of(t), val, S.LINGER.size))
        sock.linger = (int(onoff != 0), max(secs, 0)) if onoff else (0, sock.linger[1])
        return 0
    if opt not in STORED_OPTS and opt not in _BUF_OPTS:
        raise KernelError(E.ENOPROTOOPT)
    if s32(optlen) < S.INT.size:
        raise KernelError(E.EINVAL)
    v = s32(get_u32(mm_of(t), val))
    if opt in _BUF_OPTS:                       # __sock_set_sndbuf / __sock_set_rcvbuf
        if opt in (S.SO_SNDBUFFORCE, S.SO_RCVBUFFORCE):
            if not capable(t, CAP_NET_ADMIN):
                raise KernelError(E.EPERM)
            v = max(v, 0)                      # no negative sizes: they would be doubled
        else:
            v = min(v & 0xFFFF_FFFF, S.SYSCTL_WMEM_MAX)   # capped at [wr]mem_max, as a u32
        opt, least = _BUF_OPTS[opt]
        v = max(min(v, 0x7FFF_FFFF // 2) * 2, least)     # doubled for bookkeeping overhead
    else:
        v = int(v != 0)
    sock.opts[opt] = v
    return 0

