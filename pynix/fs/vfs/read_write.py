"""Reading and writing an open file for a task (Linux fs/read_write.c vfs_read/vfs_write, with
the checks of generic_write_checks in mm/filemap.c and inode_newsize_ok in fs/attr.c).

Provides, for the handlers of syscalls/sys_file.py (which decode arguments and copy data in
and out of user memory) and the socket handlers:
- ``vfs_read(t, f, n)`` -> bytes and ``vfs_write(t, f, data)`` -> bytes written: generators
  that sleep while the file would block. EBADF unless the file is open for that. A write is cut
  at RLIMIT_FSIZE, loops until a pipe has taken all of ``data`` (a write interrupted after part
  of it returns that part's count), and raises SIGPIPE with EPIPE.
- ``rw_wait(t, f, op, deadline, restart)``: the blocking rule in one place: run ``op`` until it
  stops raising WouldBlock, sleeping on the queue it names; EAGAIN under O_NONBLOCK or once
  ``deadline`` passes (a socket's SO_RCVTIMEO / SO_SNDTIMEO).
- ``vfs_pwrite(t, f, data, off)``: a positional write with the same checks; ``vfs_pread(t, f,
  n, off)`` the positional read. All four count rchar/wchar/syscr/syscw in ``t.ioac``
  (base/taskio.py), as Linux's add_rchar/inc_syscr.
- The checks every path shares: ``rw_verify_area(f, off, count)`` (off..off+count within
  loff_t: EINVAL), ``rw_verify_pos`` (pread/pwrite: EINVAL, ESPIPE),
  ``generic_write_check_limits`` (O_APPEND, RLIMIT_FSIZE with SIGXFSZ, the filesystem's
  s_maxbytes: EFBIG or a short write), ``inode_newsize_ok`` (truncate and fallocate growth),
  ``vfs_fallocate_checks`` and ``send_sigpipe`` (MAX_RW_COUNT is arch/x86_64/limits.py's).
- ``kiocb_read(t, f, n, off, nowait)`` and ``kiocb_write(t, f, data, off, nowait, append)``:
  I/O at an offset of its own (Linux's read_iter/write_iter on a kiocb, for io_submit): a
  positional read or write of a seekable file, the stream's read or write otherwise
  (``file_is_stream``: pipes, sockets, eventfds ignore the offset); RWF_NOWAIT is EAGAIN
  where the stream would wait.
- ``vfs_fsync(f)``: fsync of a file that has the operation (EINVAL otherwise).

Owns nothing.
"""
from __future__ import annotations

from typing import Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.wait import wait_event
from pynix.fs.notify.hooks import fsnotify_access, fsnotify_modify
from pynix.fs.pipe import PipeFile
from pynix.fs.vfs.file import MAX_LFS_FILESIZE, File, WouldBlock
from pynix.fs.vfs.inode import Inode, seal_check_size, seal_check_write
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task



def rw_wait(t: Task, f: File, op: Callable[[], object], deadline: int | None = None,
            restart: int = E.ERESTARTSYS, nowait: bool = False) -> Generator[None, None, object]:
    """Run ``op`` until it stops raising WouldBlock; sleep meanwhile (EAGAIN if O_NONBLOCK
    or ``nowait`` (RWF_NOWAIT), or once ``deadline`` (monotonic ns) passes: a socket's
    SO_RCVTIMEO / SO_SNDTIMEO)."""
    while True:
        try:
            return op()
        except WouldBlock as wb:
            if f.flags & A.O_NONBLOCK or nowait:
                raise KernelError(E.EAGAIN) from None
            wq = wb.wq
            wq.add(t)
            # sleep until a wake_up on wq (the waker changed something) or a signal
            if not (yield from wait_event(t, wq, lambda: t not in wq.waiters, deadline,
                                          restart=restart)):
                raise KernelError(E.EAGAIN) from None


def send_sigpipe(t: Task, err: KernelError) -> None:
    """A write that failed with EPIPE also raises SIGPIPE on the writing thread (pipe_write,
    and the sockets' send paths unless MSG_NOSIGNAL)."""
    if err.errno == E.EPIPE:
        send_signal(t, SigInfo(A.SIGPIPE, A.SI_USER, pid=t.tgid, uid=t.cred.uid), group=False)


def _regular(f: File) -> bool:
    return f.inode is not None and f.inode.is_reg() and not isinstance(f, PipeFile)


def generic_write_check_limits(t: Task, f: File, off: int, count: int) -> int:
    """How much of a ``count``-byte write at ``off`` a regular file may take (Linux's
    generic_write_checks and generic_write_check_limits): under O_APPEND the write starts at
    the end; at or past RLIMIT_FSIZE it raises SIGXFSZ and fails with EFBIG, at or past the
    filesystem's s_maxbytes it fails with EFBIG; one crossing either limit is cut short."""
    if not count or not _regular(f):
        return count
    assert f.inode is not None
    if f.flags & A.O_APPEND:
        off = f.inode.size
    seal_check_write(f.inode, off, count)
    limit = t.rlimit(A.RLIMIT_FSIZE)
    if limit != A.RLIM_INFINITY:
        if off >= limit:
            send_signal(t, SigInfo(A.SIGXFSZ, A.SI_USER, pid=t.tgid, uid=t.cred.uid), group=False)
            raise KernelError(E.EFBIG)
        count = min(count, limit - off)
    maxbytes = f.inode.sb.s_maxbytes
    if off >= maxbytes:
        raise KernelError(E.EFBIG)
    return min(count, maxbytes - off)


def inode_newsize_ok(t: Task, size: int, inode: Inode | None = None) -> None:
    """May a file grow to ``size`` (Linux's inode_newsize_ok)? EINVAL below 0; growing past
    RLIMIT_FSIZE is SIGXFSZ and EFBIG, past the filesystem's s_maxbytes EFBIG."""
    if size < 0:
        raise KernelError(E.EINVAL)
    if inode is not None and size <= inode.size:
        return
    limit = t.rlimit(A.RLIMIT_FSIZE)
    if limit != A.RLIM_INFINITY and size > limit:
        send_signal(t, SigInfo(A.SIGXFSZ, A.SI_USER, pid=t.tgid, uid=t.cred.uid), group=False)
        raise KernelError(E.EFBIG)
    if size > (inode.sb.s_maxbytes if inode is not None else MAX_LFS_FILESIZE):
        raise KernelError(E.EFBIG)


def rw_verify_pos(f: File, off: int) -> None:
    """pread/pwrite and their vector forms: a negative offset is EINVAL, a file without
    positional I/O (pipe, socket) ESPIPE (ksys_pread64's checks and FMODE_PREAD)."""
    if off < 0:
        raise KernelError(E.EINVAL)
    if isinstance(f, PipeFile) or f.inode is None:
        raise KernelError(E.ESPIPE)


def file_is_stream(f: File) -> bool:
    """A file without a position (FMODE_STREAM, or no FMODE_PREAD): pipes, FIFOs and the
    files that have no inode of their own (sockets, eventfds, epoll, the console streams)."""
    return isinstance(f, PipeFile) or f.inode is None


def rw_verify_area(f: File, off: int, count: int = 0) -> None:
    """Every read and write of a file with a position (Linux's rw_verify_area): off..off+count
    must lie within loff_t, else EINVAL. ``count`` is what the caller asked for."""
    if isinstance(f, PipeFile) or f.inode is None:
        return                          # a stream: no position to check
    if count < 0 or count >= 1 << 63 or off < 0 or off + count > MAX_LFS_FILESIZE:
        raise KernelError(E.EINVAL)


def vfs_fallocate_checks(t: Task, f: File, mode: int, off: int, length: int) -> None:
    """fallocate's checks in Linux's order (vfs_fallocate, with the filesystem's
    inode_newsize_ok): EINVAL, EOPNOTSUPP, EBADF, ESPIPE, EISDIR, ENODEV, then EFBIG past
    s_maxbytes or loff_t, and RLIMIT_FSIZE."""
    if off < 0 or length <= 0:
        raise KernelError(E.EINVAL)
    if mode & ~(A.FALLOC_FL_KEEP_SIZE | A.FALLOC_FL_PUNCH_HOLE) or \
            mode & A.FALLOC_FL_PUNCH_HOLE and not mode & A.FALLOC_FL_KEEP_SIZE:
        raise KernelError(E.EOPNOTSUPP)
    if not f.writable:
        raise KernelError(E.EBADF)
    if f.inode is None or isinstance(f, PipeFile):
        raise KernelError(E.ESPIPE)
    if f.inode.is_dir():
        raise KernelError(E.EISDIR)
    if not f.inode.is_reg():
        raise KernelError(E.ENODEV)
    if off + length > f.inode.sb.s_maxbytes:
        raise KernelError(E.EFBIG)
    inode_newsize_ok(t, off + length, f.inode)
    if mode & A.FALLOC_FL_PUNCH_HOLE and (f.inode.seals or 0) & (A.F_SEAL_WRITE
                                                                | A.F_SEAL_FUTURE_WRITE):
        raise KernelError(E.EPERM)              # shmem_fallocate: punching writes
    if not mode & A.FALLOC_FL_KEEP_SIZE:
        seal_check_size(f.inode, max(f.inode.size, off + length))


def kiocb_set_rw_flags(f: File, flags: int) -> None:
    """The RWF_* flags of preadv2/pwritev2 (Linux's kiocb_set_rw_flags): EOPNOTSUPP for an
    unknown flag, RWF_ATOMIC (no file here has atomic writes), or RWF_NOWAIT on a file
    without FMODE_NOWAIT."""
    if flags & ~A.RWF_SUPPORTED or flags & A.RWF_NOWAIT and not f.fmode_nowait:
        raise KernelError(E.EOPNOTSUPP)


def rwf_append(f: File, flags: int) -> bool | None:
    """Whether a pwritev2 appends: RWF_APPEND forces it, RWF_NOAPPEND cancels O_APPEND
    (None: as the file's O_APPEND says)."""
    if flags & A.RWF_APPEND:
        return True
    if flags & A.RWF_NOAPPEND:
        return False
    return None


def rwf_sync(f: File, flags: int) -> None:
    """RWF_DSYNC / RWF_SYNC: the written data reaches the disk before the call returns."""
    if flags & (A.RWF_DSYNC | A.RWF_SYNC) and f.inode is not None and f.inode.is_reg():
        f.inode.fsync()


def vfs_read(t: Task, f: File, n: int, nowait: bool = False) -> Generator[None, None, bytes]:
    """Read up to ``n`` bytes at the file's position (Linux's vfs_read; Bach's read): EBADF
    unless open for reading, then the file's read, waiting while it would block (EAGAIN
    instead with ``nowait``)."""
    if not f.readable:
        raise KernelError(E.EBADF)
    rw_verify_area(f, f.pos, n)
    try:
        data = yield from rw_wait(t, f, lambda: f.read(n), nowait=nowait)
    finally:
        t.ioac.syscr += 1                  # inc_syscr, whether or not it read anything
    if data:
        fsnotify_access(f)
        t.ioac.rchar += len(data)  # type: ignore[arg-type]
    return data  # type: ignore[return-value]


def vfs_pread(t: Task, f: File, n: int, off: int) -> bytes:
    """A positional read (pread64, preadv) after its checks: the file's pread, counted in the
    task's I/O accounting as vfs_read counts."""
    try:
        data = f.pread(n, off)
    finally:
        t.ioac.syscr += 1
    if data:
        fsnotify_access(f)
    t.ioac.rchar += len(data)
    return data


def vfs_write(t: Task, f: File, data: bytes, asked: int | None = None,
              nowait: bool = False) -> Generator[None, None, int]:
    """Write ``data`` at the file's position (Linux's vfs_write and pipe_write's loop; Bach's
    write): EBADF unless open for writing; rw_verify_area on the ``asked`` count (default
    len(data)); cut at RLIMIT_FSIZE and s_maxbytes; a pipe takes all of it unless interrupted
    after a partial write (then the count so far); EPIPE raises SIGPIPE."""
    if not f.writable:
        raise KernelError(E.EBADF)
    rw_verify_area(f, f.pos, len(data) if asked is None else asked)
    data = data[:generic_write_check_limits(t, f, f.pos, len(data))]
    t.ioac.syscw += 1                      # inc_syscw
    done = 0
    while True:
        try:
            n = yield from rw_wait(t, f, lambda: f.write(data[done:]), nowait=nowait)
        except KernelError as err:
            if done and err.errno in (E.ERESTARTSYS, E.EAGAIN):
                return done
            send_sigpipe(t, err)
            raise
        done += n  # type: ignore[operator]
        t.ioac.wchar += n  # type: ignore[operator]
        if done >= len(data) or not isinstance(f, PipeFile):
            if done:
                fsnotify_modify(f)
            return done


def vfs_pwrite(t: Task, f: File, data: bytes, off: int, asked: int | None = None,
               append: bool | None = None) -> int:
    """A positional write (pwrite64, pwritev(2), copy_file_range, sendfile with an offset):
    the same checks as vfs_write at ``off``; the file's position does not move. ``append``
    overrides O_APPEND (pwritev2's RWF_APPEND / RWF_NOAPPEND)."""
    if not f.writable:
        raise KernelError(E.EBADF)
    rw_verify_area(f, off, len(data) if asked is None else asked)
    data = data[:generic_write_check_limits(t, f, off, len(data))]
    t.ioac.syscw += 1
    if not data:
        return 0
    n = f.pwrite(data, off) if append is None else \
        f.pwrite(data, off, append=append)  # type: ignore[call-arg]
    if n:
        fsnotify_modify(f)
    t.ioac.wchar += n
    return n


def vfs_pread_limit(fin: File, fout: File, off: int, count: int) -> int:
    """sendfile's bound on the input position (do_sendfile): not past the smaller s_maxbytes
    of the two files' filesystems; starting there is EOVERFLOW, crossing it cuts the count."""
    limit = min(f.inode.sb.s_maxbytes if f.inode is not None else MAX_LFS_FILESIZE for f in (fin, fout))
    if off + count > limit:
        if off >= limit:
            raise KernelError(E.EOVERFLOW)
        count = limit - off
    return count


def kiocb_read(t: Task, f: File, n: int, off: int, nowait: bool = False) -> Generator[None, None, bytes]:
    """Read up to ``n`` bytes at ``off`` without moving the file's position (read_iter on a
    kiocb); a stream reads from its head and may wait (EAGAIN with ``nowait``)."""
    if file_is_stream(f):
        data = yield from rw_wait(t, f, lambda: f.read(n), nowait=nowait)
        return data  # type: ignore[return-value]
    return f.pread(n, off)


def kiocb_write(t: Task, f: File, data: bytes, off: int, nowait: bool = False,
                append: bool = False) -> Generator[None, None, int]:
    """Write ``data`` at ``off`` (at the end with ``append``: RWF_APPEND) without moving the
    file's position (write_iter on a kiocb); a stream writes as write(2) does."""
    if file_is_stream(f):
        return (yield from vfs_write(t, f, data, nowait=nowait))
    assert f.inode is not None
    if append:
        off = f.inode.size
    data = data[:generic_write_check_limits(t, f, off, len(data))]
    return f.pwrite(data, off)


def vfs_fsync(f: File) -> None:
    """fsync: only files with the operation (regular files, directories, block devices); pipes,
    sockets and character devices are EINVAL as on Linux, O_PATH descriptors EBADF."""
    if f.flags & A.O_PATH:
        raise KernelError(E.EBADF)
    if file_is_stream(f) or f.inode is None or not (
            f.inode.is_reg() or f.inode.is_dir() or f.inode.mode & A.S_IFMT == A.S_IFBLK):
        raise KernelError(E.EINVAL)
    f.inode.fsync()
