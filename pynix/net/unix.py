"""AF_UNIX sockets: stream, datagram and seqpacket sockets between processes of one machine
(Linux net/unix/af_unix.c; Stevens' UNIX domain protocols).

Provides ``UnixSocket`` (a File: struct socket + struct unix_sock) and ``unix_socketpair``.
- names: ``bind`` makes an S_IFSOCK inode through the VFS (EADDRINUSE when the path exists);
  a name starting with NUL is abstract (no inode). ``lookup(kernel, name)`` finds the socket
  bound to a name (the table is keyed by the inode, so any path to it works);
- connections: ``listen``, ``connect`` (the server side is made at once and queued on the
  listener, as unix_stream_connect does; ECONNREFUSED without a listener), ``accept``;
- data: ``sendmsg(data, fds, cred, to)`` and ``recvmsg(n, flags)`` queue ``Skb``s on the
  receiver; a stream reader gathers bytes across them (never past one carrying descriptors);
  datagram and seqpacket readers take one message (truncated with MSG_TRUNC);
- SCM_RIGHTS: an Skb holds references on the passed files until the reader installs them;
- ``shutdown``, peer credentials (SO_PEERCRED), poll, close (the peer sees EOF, or
  ECONNRESET when unread data or unaccepted connections are dropped).
Blocking is WouldBlock(sock.wq), as for pipes. One wait queue per socket.

Owns the receive queues, the listener backlogs and the name table.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.arch.x86_64 import socket as S
from pynix.arch.x86_64.poll import (
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLRDNORM,
    POLLWRNORM,
)
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import File, WouldBlock

SNDBUF = 212992                    # bytes a stream peer may have unread before senders wait
MAX_DGRAM_QLEN = 10                # datagrams queued on a receiver (net.unix.max_dgram_qlen)
Cred = tuple[int, int, int]        # pid, uid, gid


@dataclass
class Skb:
    data: bytes
    fds: list[File] = field(default_factory=list)
    cred: Cred = (0, 0, 0)
    addr: bytes = b""              # the sender's name (datagrams)


# name -> bound socket; a path name is keyed by its inode so every path to it works
_bound: dict[object, UnixSocket] = {}


def name_key(name: bytes, inode: object | None) -> object:
    return name if inode is None else ("inode", id(inode.sb), inode.ino)  # type: ignore[attr-defined]


def lookup(key: object) -> UnixSocket | None:
    return _bound.get(key)


class UnixSocket(File):
    fmode_nowait = True
    splice_read = splice_write = True

    def __init__(self, stype: int, flags: int = 0) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.type = stype
        self.name: bytes | None = None
        self.key: object = None
        self.peer: UnixSocket | None = None
        self.listening = False
        self.connected = False        # connection-oriented and connected (or a pair)
        self.backlog: deque[UnixSocket] = deque()
        self.max_backlog = 0
        self.recvq: deque[Skb] = deque()
        self.rcv_bytes = 0
        self.shut_rd = self.shut_wr = False
        self.peer_gone = False        # the peer closed: EOF after the queue
        self.err = 0                  # pending error (SO_ERROR), e.g. ECONNRESET
        self.peercred: Cred | None = None
        self.cred: Cred = (0, 0, 0)   # ours, as the peer will see it
        self.opts: dict[int, int] = {S.SO_SNDBUF: SNDBUF, S.SO_RCVBUF: SNDBUF}
        self.rcvtimeo: int | None = None      # SO_RCVTIMEO / SO_SNDTIMEO in jiffies; None: forever
        self.sndtimeo: int | None = None
        self.linger = (0, 0)                  # SO_LINGER (l_onoff, l_linger): kept, not acted on
        self.wq = WaitQueue()
        self.anon = anon_inode("sockfs", A.S_IFSOCK | 0o777)

    family = S.AF_UNIX

    @property
    def connection_oriented(self) -> bool:
        return self.type != S.SOCK_DGRAM

    # -- what the address family decides (net/inet.py overrides these) --------------------------
    def addr_of(self, name: bytes | None) -> bytes:
        """The sockaddr getsockname, accept and recvfrom return for a name."""
        return S.pack_sockaddr_un(name)

    def source_name(self) -> bytes:
        """The name a receiver sees on our datagrams."""
        return self.name or b""

    def msg_name(self, name: bytes) -> bytes:
        """The sender address recvfrom/recvmsg report for a message from ``name``."""
        return self.addr_of(name) if name else b""

    def child_name(self) -> bytes | None:
        """The name of the server-side socket a connection to this listener makes."""
        return self.name

    def wake(self) -> None:
        self.wq.wake_up()

    # -- names and connections -------------------------------------------------------------------
    def bind(self, name: bytes, key: object) -> None:
        if self.name is not None:
            raise KernelError(E.EINVAL)
        if key in _bound:
            raise KernelError(E.EADDRINUSE)
        self.name, self.key = name, key
        _bound[key] = self

    def listen(self, backlog: int) -> None:
        if not self.connection_oriented:
            raise KernelError(E.EOPNOTSUPP)
        if self.name is None or self.connected:
            raise KernelError(E.EINVAL)
        self.listening = True
        self.max_backlog = min(max(backlog, 0), S.SOMAXCONN)
        self.wake()

    def connect_stream(self, server: UnixSocket | None, cred: Cred) -> None:
        """unix_stream_connect: queue a new server-side socket on the listener."""
        if self.connected:
            raise KernelError(E.EISCONN)
        if self.listening:
            raise KernelError(E.EINVAL)
        if server is None or not server.listening:
            raise KernelError(E.ECONNREFUSED)
        if server.type != self.type:
            raise KernelError(E.EPROTOTYPE)
        if len(server.backlog) > server.max_backlog:
            raise WouldBlock(server.wq)
        new = type(server)(self.type)
        new.name, new.cred = server.child_name(), server.cred
        self.cred = cred
        _pair(self, new)
        new.peercred, self.peercred = cred, server.cred
        server.backlog.append(new)
        server.wake()

    def connect_dgram(self, target: UnixSocket | None) -> None:
        if target is None:
            raise KernelError(E.ECONNREFUSED)
        if target.type != self.type:
            raise KernelError(E.EPROTOTYPE)
        self.peer = target
        self.peercred = target.cred

    def accept(self) -> UnixSocket:
        if not self.listening:
            raise KernelError(E.EINVAL)
        if not self.backlog:
            raise WouldBlock(self.wq)
        new = self.backlog.popleft()
        self.wake()
        return new

    # -- data -------------------------------------------------------------------------------------
    def sendmsg(self, data: bytes, fds: list[File], cred: Cred, to: UnixSocket | None,
                has_to: bool) -> int:
        if self.connection_oriented:
            if has_to and self.type == S.SOCK_STREAM:
                raise KernelError(E.EISCONN if self.connected else E.EOPNOTSUPP)
            if not self.connected:
                raise KernelError(E.ENOTCONN)
            other = self.peer
            if self.shut_wr or other is None or self.peer_gone or other.shut_rd:
                raise KernelError(E.EPIPE)
            if not data and self.type == S.SOCK_STREAM:
                return 0                               # nothing queued, fds not sent either
            if other.rcv_bytes >= SNDBUF:
                raise WouldBlock(other.wq)
        else:
            other = to if has_to else self.peer
            if other is None:
                raise KernelError(E.ECONNREFUSED if has_to else E.ENOTCONN)
            if other.refs <= 0:                        # closed: the association dissolves
                if other is self.peer:
                    self.peer = None
                raise KernelError(E.ECONNREFUSED)
            if self.shut_wr:
                raise KernelError(E.EPIPE)
            if other.peer is not None and other.peer is not self and other.peer.refs > 0:
                raise KernelError(E.EPERM)             # connected elsewhere
            if len(data) > SNDBUF:
                raise KernelError(E.EMSGSIZE)
            if len(other.recvq) >= MAX_DGRAM_QLEN:
                raise WouldBlock(other.wq)
        for f in fds:
            f.get()
        other.recvq.append(Skb(data, list(fds), cred, self.source_name()))
        other.rcv_bytes += len(data)
        other.wake()
        return len(data)

    def _eof(self) -> bool:
        return self.shut_rd or self.peer_gone or (self.peer is not None and self.peer.shut_wr)

    def recvmsg(self, n: int, flags: int) -> tuple[bytes, list[File], Cred, bytes, int]:
        """Returns (data, files, sender cred, sender name, msg_flags)."""
        if self.listening or (self.connection_oriented and not self.connected and not self.peer_gone):
            raise KernelError(E.EINVAL if self.type == S.SOCK_STREAM else E.ENOTCONN)
        if flags & S.MSG_OOB and (self.type == S.SOCK_STREAM or self.family == S.AF_UNIX):
            # no urgent data is ever queued (tcp_recv_urg, unix_stream_recv_urg); unix
            # datagram and seqpacket sockets have no MSG_OOB (UDP ignores the flag)
            raise KernelError(E.EINVAL if self.type == S.SOCK_STREAM else E.EOPNOTSUPP)
        if not self.recvq:
            if self.err:
                err, self.err = self.err, 0
                raise KernelError(err)
            if self.connection_oriented and self._eof() or self.type == S.SOCK_DGRAM and self.shut_rd:
                return b"", [], (0, 0, 0), b"", 0
            raise WouldBlock(self.wq)
        peek = bool(flags & S.MSG_PEEK)
        was_full = self._full()
        if self.type != S.SOCK_STREAM:
            skb = self.recvq[0]
            if not peek:
                self._unlink()
                self._room_made(was_full)
            mflags = S.MSG_TRUNC if len(skb.data) > n else 0
            return skb.data[:n], ([] if peek else skb.fds), skb.cred, skb.addr, mflags
        if flags & S.MSG_WAITALL and self.rcv_bytes < n and not self._eof():
            raise WouldBlock(self.wq)
        out: list[bytes] = []
        got = 0
        files: list[File] = []
        first = self.recvq[0]
        for skb in list(self.recvq):
            if got >= n or (skb.fds and skb is not first):
                break
            take = skb.data[:n - got]
            out.append(take)
            got += len(take)
            if peek:
                continue
            if skb.fds:
                files, skb.fds = skb.fds, []
            if len(take) == len(skb.data):
                self._unlink()
            else:
                skb.data = skb.data[len(take):]
                self.rcv_bytes -= len(take)
        self._room_made(was_full)
        return b"".join(out), files, first.cred, first.addr, 0

    def _unlink(self) -> None:
        skb = self.recvq.popleft()
        self.rcv_bytes -= len(skb.data)

    def _full(self) -> bool:
        """Would a sender to us wait (so a read that makes room must wake it)?"""
        return self.rcv_bytes >= SNDBUF or (self.type == S.SOCK_DGRAM and len(self.recvq) >= MAX_DGRAM_QLEN)

    def _room_made(self, was_full: bool) -> None:
        """Wake blocked senders (they sleep on our queue) and the peer's POLLOUT pollers, only
        when the queue was full: waking them on every read would make a ping-pong pair wake
        the reader it is talking to for nothing."""
        if was_full and not self._full():
            self.wake()
            if self.peer is not None:
                self.peer.wake()

    def read(self, n: int) -> bytes:
        data, files, _, _, _ = self.recvmsg(n, 0)
        for f in files:
            f.put()
        return data

    def write(self, data: bytes) -> int:
        return self.sendmsg(data, [], self.cred, None, False)

    def shutdown(self, how: int) -> None:
        if how not in (S.SHUT_RD, S.SHUT_WR, S.SHUT_RDWR):
            raise KernelError(E.EINVAL)
        if self.connection_oriented and not self.connected:
            raise KernelError(E.ENOTCONN)
        if how != S.SHUT_WR:
            self.shut_rd = True
        if how != S.SHUT_RD:
            self.shut_wr = True
        self.wake()
        if self.peer is not None:
            self.peer.wake()

    # -- poll and close -----------------------------------------------------------------------------
    def poll(self) -> int:
        mask = 0
        if self.err:
            mask |= POLLERR
        if self.listening:
            return mask | (POLLIN | POLLRDNORM if self.backlog else 0)
        if self.recvq:
            mask |= POLLIN | POLLRDNORM
        peer = self.peer
        rd_shut = self.shut_rd or self.peer_gone or (peer is not None and peer.shut_wr)
        wr_shut = self.shut_wr or self.peer_gone or (peer is not None and peer.shut_rd)
        if rd_shut:
            mask |= POLLIN | POLLRDNORM | V.EPOLLRDHUP          # poll's POLLRDHUP is this bit
        if rd_shut and wr_shut:
            mask |= POLLHUP
        if self.connection_oriented and not self.connected:
            mask |= POLLHUP | POLLOUT | POLLWRNORM            # never connected (TCP_CLOSE)
        elif peer is None or self.peer_gone or peer.rcv_bytes < SNDBUF and len(peer.recvq) < (
                MAX_DGRAM_QLEN if self.type == S.SOCK_DGRAM else 1 << 30):
            mask |= POLLOUT | POLLWRNORM
        return mask

    def wait_queues(self) -> list[WaitQueue]:
        return [self.wq]

    def release(self) -> None:
        """unix_release_sock: drop the name, unaccepted connections and unread messages."""
        if self.key is not None and _bound.get(self.key) is self:
            del _bound[self.key]
        while self.backlog:
            embryo = self.backlog.popleft()
            embryo.release_embryo()
        unread = bool(self.recvq)
        for skb in self.recvq:
            for f in skb.fds:
                f.put()
        self.recvq.clear()
        peer = self.peer
        if peer is not None and self.connection_oriented:
            peer.peer_gone = True
            if unread:
                peer.err = E.ECONNRESET
            peer.wake()
        self.wake()

    def release_embryo(self) -> None:
        self.release()
        if self.peer is not None:
            self.peer.err = E.ECONNRESET


def _pair(a: UnixSocket, b: UnixSocket) -> None:
    a.peer, b.peer = b, a
    a.connected = b.connected = True


def unix_socketpair(stype: int, flags: int, cred: Cred) -> tuple[UnixSocket, UnixSocket]:
    a, b = UnixSocket(stype, flags), UnixSocket(stype, flags)
    a.cred = b.cred = cred
    _pair(a, b)
    a.peercred = b.peercred = cred
    if stype == S.SOCK_DGRAM:
        a.connected = b.connected = False
    return a, b
