"""AF_UNIX names: sockaddr_un decoding and encoding, and binding to or finding a socket by a
filesystem path or an abstract name (Linux net/unix/af_unix.c unix_mkname, unix_bind_bsd,
unix_bind_abstract, unix_find_other).

- ``unix_mkname(raw)``: the name in a user sockaddr_un: a path (up to its first NUL) or, when
  sun_path starts with NUL, an abstract name (all the given bytes). EINVAL for short or
  foreign addresses, EAFNOSUPPORT handled by the caller.
- ``unix_bind(fs, sock, name)``: a path name gets an S_IFSOCK inode via vfs_mknod (EADDRINUSE
  when the path exists); the socket is registered under that inode.
- ``unix_find_other(fs, name)``: the socket bound to a name (ENOENT, ECONNREFUSED).
The bytes getsockname/accept/recvfrom return are arch/x86_64/socket.pack_sockaddr_un.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import socket as S
from pynix.base.errors import KernelError
from pynix.fs.vfs.namei import MAY_WRITE, FsContext, namei, permission
from pynix.fs.vfs.ops import vfs_mknod
from pynix.net.unix import UnixSocket, lookup, name_key


def unix_mkname(raw: bytes) -> bytes:
    if len(raw) <= 2 or len(raw) > S.SOCKADDR_UN_SIZE:
        raise KernelError(E.EINVAL)
    path = raw[S.SUN_PATH_OFF:]
    if path[0] == 0:
        return path                          # abstract: every byte counts
    nul = path.find(b"\0")
    return path if nul < 0 else path[:nul]


def unix_bind(fs: FsContext, sock: UnixSocket, name: bytes) -> None:
    if sock.name is not None:
        raise KernelError(E.EINVAL)
    if name[0] == 0:
        sock.bind(name, name_key(name, None))
        return
    try:
        vfs_mknod(fs, name, A.S_IFSOCK | 0o777, 0)
    except KernelError as err:
        raise KernelError(E.EADDRINUSE if err.errno == E.EEXIST else err.errno) from None
    sock.bind(name, name_key(name, namei(fs, name).inode))


def unix_find_other(fs: FsContext, name: bytes) -> UnixSocket:
    if name[0] == 0:
        other = lookup(name_key(name, None))
    else:
        inode = namei(fs, name).inode
        permission(fs.cred, inode, MAY_WRITE)
        if inode.mode & A.S_IFMT != A.S_IFSOCK:
            raise KernelError(E.ECONNREFUSED)
        other = lookup(name_key(name, inode))
    if other is None or other.refs <= 0:
        raise KernelError(E.ECONNREFUSED)
    return other
