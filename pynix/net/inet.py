"""AF_INET sockets on the loopback network: TCP as a byte stream and UDP as datagrams between
processes of this machine (Linux net/ipv4/af_inet.c, inet_connection_sock.c, udp.c, over lo).

Provides ``InetSocket`` (a UnixSocket whose names are IPv4 addresses and ports) and the address
helpers the socket syscalls use:
- ``inet_addr(raw)``: (ip, port) from a user sockaddr_in (EINVAL when short, EAFNOSUPPORT for
  another family; arch/x86_64/socket.pack_sockaddr_in packs one);
- ``inet_bind(sock, ip, port, uid)``: the local address; port 0 picks a free ephemeral port;
  EADDRNOTAVAIL for an address that is not this machine's (only 127.0.0.0/8 and INADDR_ANY
  are), EACCES for a port below 1024 without root, EADDRINUSE when taken;
- ``inet_find(sock, ip, port)``: the socket bound to a destination on this machine (None when
  nobody is: ECONNREFUSED for TCP, the datagram is dropped for UDP as the ICMP error is not
  reported to an unconnected socket), ENETUNREACH for other networks (there is only lo).
TCP and UDP have separate port spaces. Connection, data, shutdown and close semantics are the
stream and datagram ones of net/unix.py (a listener queues connections before accept, as the
kernel completes the handshake; closing with unread data resets the peer).

Owns: nothing beyond UnixSocket's name table, where ports are registered.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import socket as S
from pynix.base.errors import KernelError
from pynix.fs.vfs.file import File
from pynix.net.unix import Cred, UnixSocket, lookup

LOOPBACK_NET = 0x7F000000


def is_local(ip: int) -> bool:
    return ip == S.INADDR_ANY or ip & 0xFF000000 == LOOPBACK_NET


def inet_addr(raw: bytes) -> tuple[int, int]:
    if len(raw) < S.SOCKADDR_IN.size:
        raise KernelError(E.EINVAL)
    if S.sa_family(raw) != S.AF_INET:
        raise KernelError(E.EAFNOSUPPORT)
    return S.unpack_sockaddr_in(raw)


class InetSocket(UnixSocket):
    family = S.AF_INET

    def __init__(self, stype: int, flags: int = 0) -> None:
        super().__init__(stype, flags)
        self.peer_addr: bytes | None = None              # a connected UDP socket's destination
        self.proto_opts: dict[tuple[int, int], int] = {}  # IPPROTO_TCP/IP options, kept

    def recvmsg(self, n: int, flags: int) -> tuple[bytes, list[File], Cred, bytes, int]:
        """MSG_ERRQUEUE reads the error queue (ip_recv_error), before any state check: no
        ICMP errors are queued here, so it is always empty: EAGAIN."""
        if flags & S.MSG_ERRQUEUE:
            raise KernelError(E.EAGAIN)
        return super().recvmsg(n, flags)

    def sendmsg(self, data: bytes, fds: list[File], cred: Cred, to: UnixSocket | None,
                has_to: bool) -> int:
        """TCP ignores a destination address (tcp_sendmsg never reads msg_name) and a
        socket that is not connected is EPIPE (sk_stream_wait_connect), unlike AF_UNIX's
        EISCONN / ENOTCONN."""
        if self.type == S.SOCK_STREAM:
            if not self.connected:
                raise KernelError(E.EPIPE)
            has_to = False
        return super().sendmsg(data, fds, cred, to, has_to)

    def msg_name(self, name: bytes) -> bytes:
        """TCP reports no sender address; UDP the sender's."""
        return b"" if self.type == S.SOCK_STREAM else self.addr_of(name)

    @property
    def proto(self) -> int:
        return S.IPPROTO_TCP if self.type == S.SOCK_STREAM else S.IPPROTO_UDP

    def port_key(self, port: int) -> object:
        return ("inet", self.proto, port)

    def local(self) -> tuple[int, int]:
        """(ip, port) this socket is bound to; (0, 0) when unbound."""
        return inet_addr(self.name) if self.name else (S.INADDR_ANY, 0)

    def addr_of(self, name: bytes | None) -> bytes:
        return name if name else S.pack_sockaddr_in(S.INADDR_ANY, 0)

    def source_name(self) -> bytes:
        """Where our datagrams come from: a wildcard address is seen as 127.0.0.1."""
        self.autobind()
        ip, port = self.local()
        return S.pack_sockaddr_in(ip or S.INADDR_LOOPBACK, port)

    def child_name(self) -> bytes | None:
        ip, port = self.local()
        return S.pack_sockaddr_in(ip or S.INADDR_LOOPBACK, port)

    def bind_source(self) -> None:
        """At connect: bound to a port if not yet, and to the loopback address that reaches the
        destination if bound to INADDR_ANY (inet_hash_connect, ip_route_connect)."""
        self.autobind()
        ip, port = self.local()
        if ip == S.INADDR_ANY:
            self.name = S.pack_sockaddr_in(S.INADDR_LOOPBACK, port)

    def autobind(self) -> None:
        """inet_autobind: an unbound socket that connects, listens or sends gets a free port."""
        if self.name is None:
            inet_bind(self, S.INADDR_ANY, 0, False)


def inet_bind(sock: InetSocket, ip: int, port: int, may_bind_service: bool) -> None:
    if sock.name is not None:
        raise KernelError(E.EINVAL)
    if not is_local(ip):
        raise KernelError(E.EADDRNOTAVAIL)
    if 0 < port < S.PROT_SOCK and not may_bind_service:   # CAP_NET_BIND_SERVICE
        raise KernelError(E.EACCES)
    if port == 0:
        lo, hi = S.IP_LOCAL_PORT_RANGE
        port = next((p for p in range(lo, hi + 1) if lookup(sock.port_key(p)) is None), 0)
        if not port:
            raise KernelError(E.EADDRINUSE)
    sock.bind(S.pack_sockaddr_in(ip, port), sock.port_key(port))


def inet_find(sock: InetSocket, ip: int, port: int) -> InetSocket | None:
    if not is_local(ip):
        raise KernelError(E.ENETUNREACH)
    other = lookup(sock.port_key(port))
    if not isinstance(other, InetSocket) or other.refs <= 0:
        return None
    return other
