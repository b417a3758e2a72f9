"""File I/O syscalls: read/write families, open/close, dup, fcntl, pipe, ioctl, lseek
(Linux fs/read_write.c, fs/open.c, fs/fcntl.c, fs/pipe.c).

Thin handlers: decode arguments, call the VFS, copy results out. Reads and writes that may
wait are generators; the blocking rule is in one place, ``rw_wait``.
"""
from __future__ import annotations

from typing import Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.fs.pipe import PipeFile, fifo_partner_ready, make_pipe
from pynix.fs.vfs.file import File, WouldBlock
from pynix.fs.vfs.ops import do_open, do_truncate
from pynix.kernel.errors import KernelError
from pynix.kernel.sched import wait_event
from pynix.kernel.signal import send_signal
from pynix.kernel.task import SigInfo, Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, put_i32
from pynix.syscalls.util import (at_base, fget, fs_of, get_path, install_file_pair, install_new_file, mm_of,
                                 s32, s64)

MAX_RW = 0x7FFFF000
CHUNK = 1 << 20


def rw_wait(t: Task, f: File, op: Callable[[], object]) -> Generator[None, None, object]:
    """Run ``op`` until it stops raising WouldBlock; sleep meanwhile (EAGAIN if O_NONBLOCK)."""
    while True:
        try:
            return op()
        except WouldBlock as wb:
            if f.flags & A.O_NONBLOCK:
                raise KernelError(E.EAGAIN) from None
            wq = wb.wq
            wq.add(t)
            # sleep until a wake_up on wq (the waker changed something) or a signal
            yield from wait_event(t, wq, lambda: t not in wq.waiters)


def _epipe(t: Task, err: KernelError) -> None:
    if err.errno == E.EPIPE:
        send_signal(t, SigInfo(A.SIGPIPE, A.SI_USER, pid=t.tgid, uid=t.cred.uid), group=False)


def _xfsz(t: Task) -> KernelError:
    send_signal(t, SigInfo(A.SIGXFSZ, A.SI_USER, pid=t.tgid, uid=t.cred.uid), group=False)
    return KernelError(E.EFBIG)


def write_check_limits(t: Task, f: File, pos: int, n: int) -> int:
    """How many of ``n`` bytes written at ``pos`` a regular file takes under RLIMIT_FSIZE
    (Linux generic_write_check_limits): none left is SIGXFSZ and EFBIG."""
    if n == 0 or f.inode is None or isinstance(f, PipeFile) or not f.inode.is_reg():
        return n
    limit = t.rlimit(A.RLIMIT_FSIZE)
    if limit == A.RLIM_INFINITY:
        return n
    if pos >= limit:
        raise _xfsz(t)
    return min(n, limit - pos)


def newsize_ok(t: Task, inode: object, size: int) -> None:
    """Growing a file past RLIMIT_FSIZE by truncate is SIGXFSZ and EFBIG (inode_newsize_ok)."""
    limit = t.rlimit(A.RLIMIT_FSIZE)
    if size > getattr(inode, "size", 0) and limit != A.RLIM_INFINITY and size > limit:
        raise _xfsz(t)


def do_read(t: Task, f: File, n: int) -> Generator[None, None, bytes]:
    if not f.readable:
        raise KernelError(E.EBADF)
    data = yield from rw_wait(t, f, lambda: f.read(n))
    return data  # type: ignore[return-value]


def do_write(t: Task, f: File, data: bytes) -> Generator[None, None, int]:
    """Write all of ``data`` unless interrupted after a partial write (pipes may block)."""
    if not f.writable:
        raise KernelError(E.EBADF)
    if f.inode is not None and f.inode.is_reg() and not isinstance(f, PipeFile):
        pos = f.inode.size if f.flags & A.O_APPEND else getattr(f, "pos", 0)
        data = data[:write_check_limits(t, f, pos, len(data))]
    done = 0
    while True:
        try:
            n = yield from rw_wait(t, f, lambda: f.write(data[done:]))
        except KernelError as err:
            if done and err.errno in (E.ERESTARTSYS, E.EAGAIN):
                return done
            _epipe(t, err)
            raise
        done += n  # type: ignore[operator]
        if done >= len(data) or not isinstance(f, PipeFile):
            return done


def sys_read(t: Task, fd: int, buf: int, count: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    count = min(count, MAX_RW)
    if f.inode is not None and f.inode.is_dir() and not isinstance(f, PipeFile):
        raise KernelError(E.EISDIR)
    data = yield from do_read(t, f, count)
    copy_to_user(mm_of(t), buf, data)
    return len(data)


def sys_write(t: Task, fd: int, buf: int, count: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    count = min(count, MAX_RW)
    if not f.writable:
        raise KernelError(E.EBADF)
    data = copy_from_user(mm_of(t), buf, count)
    return (yield from do_write(t, f, data))


def _iovecs(t: Task, iov: int, iovcnt: int) -> list[tuple[int, int]]:
    if iovcnt > 1024:
        raise KernelError(E.EINVAL)
    raw = copy_from_user(mm_of(t), iov, A.IOVEC.size * iovcnt)
    vecs = [A.IOVEC.unpack_from(raw, i * A.IOVEC.size) for i in range(iovcnt)]
    if any(ln > MAX_RW for _, ln in vecs):
        raise KernelError(E.EINVAL)
    return vecs


def sys_readv(t: Task, fd: int, iov: int, iovcnt: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    vecs = _iovecs(t, iov, s32(iovcnt))
    total = sum(ln for _, ln in vecs)
    data = yield from do_read(t, f, total)
    pos = 0
    for base, ln in vecs:
        if pos >= len(data):
            break
        copy_to_user(mm_of(t), base, data[pos:pos + ln])
        pos += ln
    return len(data)


def sys_writev(t: Task, fd: int, iov: int, iovcnt: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    vecs = _iovecs(t, iov, s32(iovcnt))
    data = b"".join(copy_from_user(mm_of(t), base, ln) for base, ln in vecs)
    if not data:
        if not f.writable:
            raise KernelError(E.EBADF)
        return 0
    return (yield from do_write(t, f, data))


def _positional(f: File, off: int) -> None:
    if isinstance(f, PipeFile) or f.inode is None:
        raise KernelError(E.ESPIPE)
    if off < 0:
        raise KernelError(E.EINVAL)


def sys_pread64(t: Task, fd: int, buf: int, count: int, off: int) -> int:
    f = fget(t, fd)
    off = s64(off)
    _positional(f, off)
    if not f.readable:
        raise KernelError(E.EBADF)
    data = f.pread(min(count, MAX_RW), off)
    copy_to_user(mm_of(t), buf, data)
    return len(data)


def sys_pwrite64(t: Task, fd: int, buf: int, count: int, off: int) -> int:
    f = fget(t, fd)
    off = s64(off)
    _positional(f, off)
    if not f.writable:
        raise KernelError(E.EBADF)
    count = write_check_limits(t, f, off, min(count, MAX_RW))
    return f.pwrite(copy_from_user(mm_of(t), buf, count), off)


def sys_preadv(t: Task, fd: int, iov: int, iovcnt: int, off: int) -> int:
    f = fget(t, fd)
    _positional(f, s64(off))
    vecs = _iovecs(t, iov, s32(iovcnt))
    data = f.pread(sum(ln for _, ln in vecs), s64(off))
    pos = 0
    for base, ln in vecs:
        copy_to_user(mm_of(t), base, data[pos:pos + ln])
        pos += ln
    return len(data)


def sys_pwritev(t: Task, fd: int, iov: int, iovcnt: int, off: int) -> int:
    f = fget(t, fd)
    _positional(f, s64(off))
    vecs = _iovecs(t, iov, s32(iovcnt))
    data = b"".join(copy_from_user(mm_of(t), b, ln) for b, ln in vecs)
    return f.pwrite(data[:write_check_limits(t, f, s64(off), len(data))], s64(off))


def sys_lseek(t: Task, fd: int, off: int, whence: int) -> int:
    return fget(t, fd).lseek(s64(off), whence)


def open_file(t: Task, dirfd: int, pathp: int, flags: int, mode: int) -> Generator[None, None, int]:
    path = get_path(t, pathp)
    assert t.files is not None
    f = do_open(fs_of(t), path, flags & 0xFFFFFFFF, mode, at_base(t, dirfd, path))
    if isinstance(f, PipeFile) and f.inode is not None and not flags & A.O_NONBLOCK:
        try:
            yield from wait_event(t, f.pipe.open_wait, lambda: fifo_partner_ready(f))
        except KernelError:
            f.put()
            raise
    try:
        return t.files.alloc(f, cloexec=bool(flags & A.O_CLOEXEC))
    except KernelError:
        f.put()
        raise


def sys_open(t: Task, path: int, flags: int, mode: int) -> Generator[None, None, int]:
    return (yield from open_file(t, A.AT_FDCWD, path, flags, mode))


def sys_openat(t: Task, dirfd: int, path: int, flags: int, mode: int) -> Generator[None, None, int]:
    return (yield from open_file(t, dirfd, path, flags, mode))


def sys_creat(t: Task, path: int, mode: int) -> Generator[None, None, int]:
    return (yield from open_file(t, A.AT_FDCWD, path, A.O_CREAT | A.O_WRONLY | A.O_TRUNC, mode))


def sys_close(t: Task, fd: int) -> int:
    assert t.files is not None
    t.files.close(s32(fd))
    return 0


def sys_close_range(t: Task, first: int, last: int, flags: int) -> int:
    """Close (or, with CLOSE_RANGE_CLOEXEC, mark close-on-exec) every descriptor from first to
    last; CLOSE_RANGE_UNSHARE first gives the caller a private table."""
    assert t.files is not None
    first, last = first & 0xFFFFFFFF, last & 0xFFFFFFFF
    if flags & ~(A.CLOSE_RANGE_UNSHARE | A.CLOSE_RANGE_CLOEXEC) or first > last:
        raise KernelError(E.EINVAL)
    if flags & A.CLOSE_RANGE_UNSHARE and t.files.users > 1:
        t.files.users -= 1
        t.files = t.files.copy()
    for fd in sorted(fd for fd in t.files.fds if first <= fd <= last):
        if flags & A.CLOSE_RANGE_CLOEXEC:
            t.files.cloexec.add(fd)
        else:
            t.files.close(fd)
    return 0


def sys_memfd_create(t: Task, namep: int, flags: int) -> int:
    from pynix.fs.memfd import MEMFD_NAME_MAX, memfd_file
    from pynix.mm.uaccess import strncpy_from_user
    known = A.MFD_CLOEXEC | A.MFD_ALLOW_SEALING | A.MFD_NOEXEC_SEAL | A.MFD_EXEC
    if flags & ~known or flags & A.MFD_NOEXEC_SEAL and flags & A.MFD_EXEC:
        raise KernelError(E.EINVAL)
    try:
        name = strncpy_from_user(mm_of(t), namep, MEMFD_NAME_MAX + 1)
    except KernelError as e:
        raise KernelError(E.EINVAL if e.errno == E.ENAMETOOLONG else e.errno) from None
    f = memfd_file(t.kernel, name, t.cred.fsuid, t.cred.fsgid)
    return install_new_file(t, f, bool(flags & A.MFD_CLOEXEC))


def sys_dup(t: Task, fd: int) -> int:
    assert t.files is not None
    return t.files.alloc(fget(t, fd).get())


def sys_dup3(t: Task, old: int, new: int, flags: int) -> int:
    assert t.files is not None
    old, new = s32(old), s32(new)
    if flags & ~A.O_CLOEXEC or old == new:
        raise KernelError(E.EINVAL)
    if not 0 <= new < t.files.max_fds:
        raise KernelError(E.EBADF)
    t.files.install(new, fget(t, old).get(), cloexec=bool(flags & A.O_CLOEXEC))
    return new


def sys_dup2(t: Task, old: int, new: int) -> int:
    if s32(old) == s32(new):
        fget(t, old)
        return s32(new)
    return sys_dup3(t, old, new, 0)


def sys_fallocate(t: Task, fd: int, mode: int, off: int, length: int) -> int:
    """Reserve space: extend the file (unless KEEP_SIZE); blocks appear as it is written.
    Hole punching is not supported (EOPNOTSUPP, as on filesystems without it)."""
    f = fget(t, fd)
    off, length = s64(off), s64(length)
    if off < 0 or length <= 0:
        raise KernelError(E.EINVAL)
    if not f.writable:
        raise KernelError(E.EBADF)
    if f.inode is None or isinstance(f, PipeFile):
        raise KernelError(E.ESPIPE)
    if not f.inode.is_reg():
        raise KernelError(E.ENODEV)
    if mode & ~A.FALLOC_FL_KEEP_SIZE:
        raise KernelError(E.EOPNOTSUPP)
    if not mode & A.FALLOC_FL_KEEP_SIZE and off + length > f.inode.size:
        newsize_ok(t, f.inode, off + length)
        do_truncate(f.inode, off + length)
    return 0


def sys_fcntl(t: Task, fd: int, cmd: int, arg: int) -> Generator[None, None, int]:
    assert t.files is not None
    fd = s32(fd)
    f = fget(t, fd)
    if cmd in (A.F_GETLK, A.F_SETLK, A.F_SETLKW):
        from pynix.syscalls.sys_lock import do_record_lock
        return (yield from do_record_lock(t, f, cmd, arg))
    if cmd in (A.F_DUPFD, A.F_DUPFD_CLOEXEC):
        if s32(arg) < 0:
            raise KernelError(E.EINVAL)
        return t.files.alloc(f.get(), lowest=s32(arg), cloexec=cmd == A.F_DUPFD_CLOEXEC)
    if cmd == A.F_GETFD:
        return A.FD_CLOEXEC if fd in t.files.cloexec else 0
    if cmd == A.F_SETFD:
        if arg & A.FD_CLOEXEC:
            t.files.cloexec.add(fd)
        else:
            t.files.cloexec.discard(fd)
        return 0
    if cmd == A.F_GETFL:
        return f.flags & ~A.O_CLOEXEC
    if cmd == A.F_SETFL:
        settable = A.O_APPEND | A.O_NONBLOCK | A.O_ASYNC | A.O_DIRECT | A.O_NOATIME
        f.flags = (f.flags & ~settable) | (arg & settable)
        return 0
    if cmd == A.F_GETPIPE_SZ and isinstance(f, PipeFile):
        return f.pipe.size
    if cmd == A.F_SETPIPE_SZ and isinstance(f, PipeFile):
        size = max(4096, 1 << (max(arg, 1) - 1).bit_length())
        if size > 1 << 20:
            raise KernelError(E.EPERM if t.cred.euid else E.EINVAL)
        if size < len(f.pipe.buf):
            raise KernelError(E.EBUSY)
        f.pipe.size = size
        return size
    if cmd in (A.F_GETOWN, A.F_SETOWN):
        return 0 if cmd == A.F_GETOWN else (setattr(f, "owner", s32(arg)) or 0)
    raise KernelError(E.EINVAL)


def sys_pipe2(t: Task, fds: int, flags: int) -> int:
    assert t.files is not None
    if flags & ~(A.O_CLOEXEC | A.O_NONBLOCK | A.O_DIRECT):
        raise KernelError(E.EINVAL)
    r, w = make_pipe(flags)
    install_file_pair(t, r, w, bool(flags & A.O_CLOEXEC), fds)
    return 0


def sys_pipe(t: Task, fds: int) -> int:
    return sys_pipe2(t, fds, 0)


def sys_ioctl(t: Task, fd: int, req: int, arg: int) -> int:
    assert t.files is not None
    f = fget(t, fd)
    req &= 0xFFFFFFFF
    if req == A.FIOCLEX:
        t.files.cloexec.add(s32(fd))
        return 0
    if req == A.FIONCLEX:
        t.files.cloexec.discard(s32(fd))
        return 0
    if req == A.FIONBIO:
        on = int.from_bytes(copy_from_user(mm_of(t), arg, 4), "little")
        f.flags = (f.flags | A.O_NONBLOCK) if on else (f.flags & ~A.O_NONBLOCK)
        return 0
    r = f.ioctl(t, req, arg)
    if isinstance(r, (bytes, bytearray)):
        copy_to_user(mm_of(t), arg, r)
        return 0
    if req == A.FIONREAD:
        put_i32(mm_of(t), arg, r)
        return 0
    return r


def sys_ftruncate(t: Task, fd: int, length: int) -> int:
    f = fget(t, fd)
    if s64(length) < 0:
        raise KernelError(E.EINVAL)
    if not f.writable or f.inode is None:
        raise KernelError(E.EINVAL if f.inode is None or not f.inode.is_reg() else E.EBADF)
    newsize_ok(t, f.inode, s64(length))
    do_truncate(f.inode, s64(length))
    return 0


def sys_fsync(t: Task, fd: int) -> int:
    f = fget(t, fd)
    if f.inode is not None:
        f.inode.fsync()
    return 0


def sys_copy_file_range(t: Task, fd_in: int, off_in: int, fd_out: int, off_out: int, length: int,
                        flags: int) -> int:
    """Copy bytes between two regular files, at the given offsets or the file positions."""
    fin, fout = fget(t, fd_in), fget(t, fd_out)
    if flags:
        raise KernelError(E.EINVAL)
    if not fin.readable or not fout.writable or fout.flags & A.O_APPEND:
        raise KernelError(E.EBADF)
    for f in (fin, fout):
        if f.inode is None or isinstance(f, PipeFile) or f.inode.is_dir():
            raise KernelError(E.EISDIR if f.inode is not None and f.inode.is_dir() else E.EINVAL)
        if not f.inode.is_reg():
            raise KernelError(E.EINVAL)
    mm = mm_of(t)
    src = s64(int.from_bytes(copy_from_user(mm, off_in, 8), "little")) if off_in else fin.pos
    dst = s64(int.from_bytes(copy_from_user(mm, off_out, 8), "little")) if off_out else fout.pos
    n = min(length, MAX_RW)
    if src < 0 or dst < 0:
        raise KernelError(E.EINVAL)
    if fin.inode is fout.inode and src < dst + n and dst < src + n:
        raise KernelError(E.EINVAL)          # overlapping ranges of one file
    data = fin.pread(n, src)
    done = fout.pwrite(data[:write_check_limits(t, fout, dst, len(data))], dst) if data else 0
    for ptr, f, pos in ((off_in, fin, src), (off_out, fout, dst)):
        if ptr:
            copy_to_user(mm, ptr, (pos + done).to_bytes(8, "little"))
        else:
            f.pos = pos + done
    return done


def sys_sendfile(t: Task, out_fd: int, in_fd: int, offp: int, count: int) -> Generator[None, None, int]:
    fin, fout = fget(t, in_fd), fget(t, out_fd)
    if not fin.readable or not fout.writable:
        raise KernelError(E.EBADF)
    mm = mm_of(t)
    if offp:
        off = int.from_bytes(copy_from_user(mm, offp, 8), "little")
        data = fin.pread(min(count, MAX_RW), off)
        copy_to_user(mm, offp, (off + len(data)).to_bytes(8, "little"))
    else:
        data = yield from do_read(t, fin, min(count, MAX_RW))
    if not data:
        return 0
    return (yield from do_write(t, fout, data))
