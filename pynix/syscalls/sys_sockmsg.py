"""Socket syscalls, sending and receiving: sendto, recvfrom, sendmsg, recvmsg, sendmmsg,
recvmmsg (Linux net/socket.c __sys_sendmsg / __sys_recvmsg / __sys_sendmmsg / do_recvmmsg, the AF_UNIX parts of net/core/scm.c).

Thin handlers over net/unix.py and net/inet.py: decode struct msghdr, gather and scatter
iovecs, parse and build the SCM_RIGHTS / SCM_CREDENTIALS control messages (``scm_send``,
``scm_recv``: descriptors are installed only when they fit), and write back msg_namelen,
msg_controllen and msg_flags. A send that fails with EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
Addresses, blocking and the socket behind a descriptor come from syscalls/sys_socket.py.
"""
from __future__ import annotations

from typing import Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.limits import MAX_RW_COUNT, UIO_MAXIOV
from pynix.arch.x86_64 import socket as S
from pynix.arch.x86_64.capability import CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.fs.vfs.file import File
from pynix.fs.vfs.read_write import send_sigpipe
from pynix.kernel.cred import capable
from pynix.kernel.task import Task
from pynix.mm.uaccess import (
    copy_from_user,
    copy_to_iter,
    copy_to_user,
    get_i32,
    import_iovec,
    put_i32,
    put_u32,
    put_u64,
)
from pynix.net.inet import InetSocket, inet_addr, inet_find
from pynix.net.unix import Cred, UnixSocket
from pynix.syscalls.sys_socket import (
    find_dest,
    put_name,
    sock_block,
    sock_cred,
    sock_of,
)
from pynix.syscalls.util import fget_raw, get_timespec, install_new_file, mm_of, s32

OPTMEM_MAX = 20480                 # net.core.optmem_max: the most control data sendmsg takes


def sock_sendmsg(t: Task, sock: UnixSocket, data: bytes, fds: list[File], cred: Cred,
                 dest: tuple[int, int] | None, flags: int) -> Generator[None, None, int]:
    """Send to the connected peer, or to the address at dest (pointer, length)
    (Linux's sock_sendmsg; a UDP datagram to a port nobody has is dropped). Datagram
    sockets have no urgent data (MSG_OOB: EOPNOTSUPP); a UDP datagram holds at most
    UDP_MAX_PAYLOAD bytes (EMSGSIZE)."""
    if flags & S.MSG_OOB and sock.type != S.SOCK_STREAM:
        raise KernelError(E.EOPNOTSUPP)
    to = find_dest(t, sock, *dest) if dest is not None and sock.type == S.SOCK_DGRAM else None
    if isinstance(sock, InetSocket) and sock.type == S.SOCK_DGRAM:
        if len(data) > S.UDP_MAX_PAYLOAD:
            raise KernelError(E.EMSGSIZE)
        if dest is None and sock.peer_addr is not None:     # connected UDP: whoever is there now
            to = inet_find(sock, *inet_addr(sock.peer_addr))
        elif dest is None:
            raise KernelError(E.EDESTADDRREQ)
        sock.autobind()
        if to is None:
            return len(data)                   # no listener on lo: the datagram is dropped
        dest = dest or (0, 0)
    has_to = dest is not None
    try:
        n = yield from sock_block(t, sock, lambda: sock.sendmsg(data, fds, cred, to, has_to), flags,
                                  sock.sndtimeo)
    except KernelError as err:
        if not flags & S.MSG_NOSIGNAL:
            send_sigpipe(t, err)
        raise
    return n  # type: ignore[return-value]


def sys_sendto(t: Task, fd: int, buf: int, n: int, flags: int, addr: int, addrlen: int) -> Generator[None, None, int]:
    sock = sock_of(t, fd)
    data = copy_from_user(mm_of(t), buf, min(n, MAX_RW_COUNT))
    dest = (addr, addrlen) if addr else None
    return (yield from sock_sendmsg(t, sock, data, [], sock_cred(t), dest, flags))


def sys_recvfrom(t: Task, fd: int, buf: int, n: int, flags: int, addr: int, lenp: int) -> Generator[None, None, int]:
    sock = sock_of(t, fd)
    res = yield from sock_block(t, sock, lambda: sock.recvmsg(min(n, MAX_RW_COUNT), flags), flags,
                                sock.rcvtimeo)
    data, files, _cred_, name, mflags = res  # type: ignore[misc]
    for f in files:
        f.put()
    copy_to_user(mm_of(t), buf, data)
    if addr:
        put_name(t, addr, lenp, sock.msg_name(name))
    return len(data)


def _msghdr(t: Task, msg: int) -> tuple[int, ...]:
    """__copy_msghdr: a struct msghdr; a negative msg_namelen is EINVAL, a longer one than
    any address is cut to sizeof(struct sockaddr_storage); over UIO_MAXIOV iovecs EMSGSIZE."""
    name, namelen, iov, iovlen, *rest = S.MSGHDR.unpack(copy_from_user(mm_of(t), msg, S.MSGHDR.size))
    if s32(namelen) < 0:
        raise KernelError(E.EINVAL)
    if iovlen > UIO_MAXIOV:
        raise KernelError(E.EMSGSIZE)
    return (name, min(namelen, S.SOCKADDR_STORAGE_SIZE), iov, iovlen, *rest)


def scm_send(t: Task, control: bytes) -> tuple[list[File], Cred]:
    """__scm_send: the files of SCM_RIGHTS messages and the credentials (SCM_CREDENTIALS,
    only the caller's own unless root) of sendmsg's control data; EINVAL for anything else."""
    fds: list[File] = []
    cred = sock_cred(t)
    off = 0
    while off + S.CMSGHDR.size <= len(control):
        clen, level, ctype = S.CMSGHDR.unpack_from(control, off)
        if clen < S.CMSGHDR.size or off + clen > len(control):
            raise KernelError(E.EINVAL)
        body = control[off + S.CMSGHDR.size:off + clen]
        if level == S.SOL_SOCKET and ctype == S.SCM_RIGHTS:
            nums = S.unpack_fds(body)
            if not nums or len(nums) + len(fds) > S.SCM_MAX_FD:
                raise KernelError(E.EINVAL)
            fds += [fget_raw(t, fd) for fd in nums]
        elif level == S.SOL_SOCKET and ctype == S.SCM_CREDENTIALS and len(body) >= S.UCRED.size:
            pid, uid, gid = S.UCRED.unpack_from(body)
            if not (pid == t.tgid or capable(t, CAP_SYS_ADMIN)) \
                    or not (uid == t.cred.euid or capable(t, CAP_SETUID)) \
                    or not (gid == t.cred.egid or capable(t, CAP_SETGID)):     # scm_check_creds
                raise KernelError(E.EPERM)
            cred = (pid, uid, gid)
        else:
            raise KernelError(E.EINVAL)
        off += S.cmsg_align(clen)
    return fds, cred


def sys_sendmsg(t: Task, fd: int, msg: int, flags: int) -> Generator[None, None, int]:
    return (yield from _sendmsg(t, sock_of(t, fd), msg, flags))


def _sendmsg(t: Task, sock: UnixSocket, msg: int, flags: int) -> Generator[None, None, int]:
    """___sys_sendmsg: one struct msghdr at ``msg``."""
    name_p, namelen, iov, iovlen, control, controllen, _ = _msghdr(t, msg)
    mm = mm_of(t)
    data = b"".join(copy_from_user(mm, base, ln) for base, ln in import_iovec(mm, iov, iovlen))
    if controllen > OPTMEM_MAX:
        raise KernelError(E.ENOBUFS)
    fds, cred = scm_send(t, copy_from_user(mm, control, controllen) if control and controllen else b"")
    dest = (name_p, namelen) if name_p and namelen else None
    return (yield from sock_sendmsg(t, sock, data, fds, cred, dest, flags))


def scm_recv(t: Task, sock: UnixSocket, files: list[File], cred: Cred, room: int,
             flags: int) -> tuple[bytes, int]:
    """scm_recv: the control messages that fit in ``room`` bytes (SCM_CREDENTIALS with
    SO_PASSCRED, then SCM_RIGHTS) and the MSG_CTRUNC flag; passed files that fit are
    installed, the others dropped."""
    assert t.files is not None
    out = b""
    mflags = 0
    if sock.opts.get(S.SO_PASSCRED):
        body = S.UCRED.pack(*cred)
        if room - len(out) >= S.CMSGHDR.size + len(body):
            out += S.pack_cmsg(S.SOL_SOCKET, S.SCM_CREDENTIALS, body)
            out += bytes(S.cmsg_align(len(out)) - len(out))
        else:
            mflags |= S.MSG_CTRUNC
    if files:
        fit = max(0, (room - len(out) - S.CMSGHDR.size) // S.INT.size)
        nums = [install_new_file(t, f, bool(flags & S.MSG_CMSG_CLOEXEC)) for f in files[:fit]]
        for f in files[fit:]:
            f.put()
        if len(nums) < len(files):
            mflags |= S.MSG_CTRUNC
        if nums:
            out += S.pack_cmsg(S.SOL_SOCKET, S.SCM_RIGHTS, S.pack_fds(nums))
    return out, mflags


def sys_recvmsg(t: Task, fd: int, msg: int, flags: int) -> Generator[None, None, int]:
    return (yield from _recvmsg(t, sock_of(t, fd), msg, flags))


def _recvmsg(t: Task, sock: UnixSocket, msg: int, flags: int) -> Generator[None, None, int]:
    """___sys_recvmsg: one struct msghdr at ``msg``."""
    name_p, namelen, iov, iovlen, control, controllen, _ = _msghdr(t, msg)
    vecs = import_iovec(mm_of(t), iov, iovlen)
    res = yield from sock_block(t, sock, lambda: sock.recvmsg(sum(ln for _, ln in vecs), flags),
                                flags, sock.rcvtimeo)
    data, files, cred, name, mflags = res  # type: ignore[misc]
    mm = mm_of(t)
    copy_to_iter(mm, vecs, data)
    cmsgs, cflags = scm_recv(t, sock, files, cred, controllen if control else 0, flags)
    if cmsgs:
        copy_to_user(mm, control, cmsgs)
    raw = sock.msg_name(name)
    if name_p:
        copy_to_user(mm, name_p, raw[:namelen])
    put_u32(mm, msg + S.MSGHDR_NAMELEN_OFF, len(raw) if name_p else 0)
    put_u64(mm, msg + S.MSGHDR_CONTROLLEN_OFF, len(cmsgs))
    put_i32(mm, msg + S.MSGHDR_FLAGS_OFF, mflags | cflags)
    return len(data)


def sys_sendmmsg(t: Task, fd: int, mmsg: int, vlen: int, flags: int) -> Generator[None, None, int]:
    """__sys_sendmmsg: up to UIO_MAXIOV messages, each one's count stored in its msg_len; an
    error after the first message ends the batch and the count sent is returned."""
    sock = sock_of(t, fd)
    return (yield from _each_mmsg(t, mmsg, min(vlen & 0xFFFFFFFF, UIO_MAXIOV),
                                  lambda entry: _sendmsg(t, sock, entry, flags)))


def _each_mmsg(t: Task, mmsg: int, vlen: int, op: Callable[[int], Generator[None, None, int]],
               stop: Callable[[int], bool] | None = None) -> Generator[None, None, int]:
    """The loop of sendmmsg and recvmmsg: ``op`` on each struct mmsghdr in turn, its count
    stored in msg_len; an error ends the batch (raised only for the first message), as does
    ``stop(entry)`` after a message. Returns how many messages went."""
    done = 0
    while done < vlen:
        entry = mmsg + done * S.MMSGHDR_SIZE
        try:
            n = yield from op(entry)
            put_u32(mm_of(t), entry + S.MMSGHDR_LEN_OFF, n)
        except KernelError:
            if done == 0:
                raise
            break
        done += 1
        if stop is not None and stop(entry):
            break
    return done


def sys_recvmmsg(t: Task, fd: int, mmsg: int, vlen: int, flags: int,
                 timeout: int) -> Generator[None, None, int]:
    """do_recvmmsg: messages into the array until ``vlen``, the first error (returned only
    if nothing was received), MSG_OOB data, or the timeout, which as in Linux is looked at
    only after each message (a wait for one is not cut short) and written back with the time
    left. MSG_WAITFORONE makes every message after the first non-blocking."""
    if flags & S.MSG_CMSG_COMPAT:
        raise KernelError(E.EINVAL)
    end = monotonic_ns() + get_timespec(t, timeout) if timeout else None
    sock = sock_of(t, fd)
    mode = [flags & ~S.MSG_WAITFORONE]

    def stop(entry: int) -> bool:
        if flags & S.MSG_WAITFORONE:
            mode[0] |= S.MSG_DONTWAIT               # every message after the first
        if end is not None and monotonic_ns() >= end:
            return True
        return bool(get_i32(mm_of(t), entry + S.MSGHDR_FLAGS_OFF) & S.MSG_OOB)  # urgent data
    done = yield from _each_mmsg(t, mmsg, vlen & 0xFFFFFFFF,
                                 lambda entry: _recvmsg(t, sock, entry, mode[0]), stop)
    if end is not None and done > 0:
        left = max(0, end - monotonic_ns())
        copy_to_user(mm_of(t), timeout, A.TIMESPEC.pack(left // 10**9, left % 10**9))
    return done
