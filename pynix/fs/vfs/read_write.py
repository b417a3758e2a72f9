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
- ``rw_verify_area(f, off, count)`` for positional I/O, ``generic_write_check_limits`` and
  ``inode_newsize_ok`` (RLIMIT_FSIZE, with SIGXFSZ), ``send_sigpipe``; ``MAX_RW_COUNT``
  (arch/x86_64/limits.py) for the handlers.
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
from pynix.arch.x86_64.limits import MAX_RW_COUNT
from pynix.base.errors import KernelError
from pynix.base.wait import wait_event
from pynix.fs.pipe import PipeFile
from pynix.fs.vfs.file import MAX_LFS_FILESIZE, File, WouldBlock
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task



def rw_wait(t: Task, f: File, op: Callable[[], object], deadline: int | None = None,
            restart: int = E.ERESTARTSYS, nowait: bool = False) -> Generator[None, None, object]:
    """Run ``op`` until it stops raising WouldBlock; sleep meanwhile (EAGAIN if O_NONBLOCK or
    ``nowait`` (RWF_NOWAIT), or once ``deadline`` (monotonic ns) passes: a socket's
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


def generic_write_check_limits(t: Task, f: File, off: int, count: int) -> int:
    """How much of a ``count``-byte write at ``off`` a regular file may take under
    RLIMIT_FSIZE (Linux's generic_write_check_limits). A write starting at or past the limit
    raises SIGXFSZ and fails with EFBIG; one crossing it is cut short."""
    limit = t.rlimit(A.RLIMIT_FSIZE)
    if limit == A.RLIM_INFINITY or not count or f.inode is None or not f.inode.is_reg():
        return count
    if f.flags & A.O_APPEND:
        off = f.inode.size
    if off >= limit:
        send_signal(t, SigInfo(A.SIGXFSZ, A.SI_USER, pid=t.tgid, uid=t.cred.uid), group=False)
        raise KernelError(E.EFBIG)
    return min(count, limit - off)


def inode_newsize_ok(t: Task, size: int) -> None:
    """Truncating a file up past RLIMIT_FSIZE is SIGXFSZ and EFBIG (Linux's inode_newsize_ok)."""
    limit = t.rlimit(A.RLIMIT_FSIZE)
    if limit != A.RLIM_INFINITY and size > limit:
        send_signal(t, SigInfo(A.SIGXFSZ, A.SI_USER, pid=t.tgid, uid=t.cred.uid), group=False)
        raise KernelError(E.EFBIG)


def file_is_stream(f: File) -> bool:
    """A file without a position (FMODE_STREAM, or no FMODE_PREAD): pipes, FIFOs and the
    files that have no inode of their own (sockets, eventfds, epoll, the console streams)."""
    return isinstance(f, PipeFile) or f.inode is None


def rw_verify_area(f: File, off: int, count: int = 0) -> None:
    """For pread/pwrite and their vector forms (Linux's rw_verify_area with the FMODE_PREAD
    check): a seekable file (ESPIPE), and off..off+count within loff_t (EINVAL)."""
    if file_is_stream(f):
        raise KernelError(E.ESPIPE)
    if off < 0 or off + count > MAX_LFS_FILESIZE:
        raise KernelError(E.EINVAL)


def vfs_read(t: Task, f: File, n: int) -> Generator[None, None, bytes]:
    """Read up to ``n`` bytes at the file's position (Linux's vfs_read; Bach's read): EBADF
    unless open for reading, then the file's read, waiting while it would block."""
    if not f.readable:
        raise KernelError(E.EBADF)
    data = yield from rw_wait(t, f, lambda: f.read(n))
    return data  # type: ignore[return-value]


def vfs_write(t: Task, f: File, data: bytes, nowait: bool = False) -> Generator[None, None, int]:
    """Write ``data`` at the file's position (Linux's vfs_write and pipe_write's loop; Bach's
    write): EBADF unless open for writing; cut at RLIMIT_FSIZE; a pipe takes all of it unless
    interrupted after a partial write (then the count so far); EPIPE raises SIGPIPE.
    ``nowait``: EAGAIN (or the count so far) where it would wait."""
    if not f.writable:
        raise KernelError(E.EBADF)
    data = data[:generic_write_check_limits(t, f, f.pos, len(data))]
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
        if done >= len(data) or not isinstance(f, PipeFile):
            return done


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
        return (yield from vfs_write(t, f, data, nowait))
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
