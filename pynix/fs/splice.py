"""Moving data through a pipe's buffers without a user copy (Linux fs/splice.c).

Provides, for syscalls/sys_splice.py:
- ``do_splice(t, fin, off_in, fout, off_out, n, flags)`` -> (bytes moved, new off_in, new
  off_out): pipe->pipe (splice_pipe_to_pipe), file or socket -> pipe (splice_file_to_pipe),
  pipe -> file or socket (iter_file_splice_write). ``off_in`` / ``off_out`` are None when the
  syscall's offset pointer is NULL: then the file's own position is used and advanced.
- ``do_tee(t, fin, fout, n, flags)``: link_pipe, copy the slots of one pipe into another
  without consuming them.
- ``vmsplice_to_pipe(t, f, data, flags)`` and ``vmsplice_to_user(t, f, n, flags)``: the two
  directions of vmsplice, over bytes the handler gathered from or scatters to user memory.
- ``do_splice_direct(t, fin, off, fout, n)`` for sendfile and ``vfs_copy_file_range(t, fin,
  pin, fout, pout, n)`` for copy_file_range: file to file, with their checks.

Blocking as Linux: wait_for_space / pipe_wait_readable on the pipe's wait queues; EAGAIN
under SPLICE_F_NONBLOCK or O_NONBLOCK on the pipe; EPIPE (with SIGPIPE) when a pipe written
to has no reader. SPLICE_F_MOVE, SPLICE_F_MORE and SPLICE_F_GIFT are hints, accepted.

Owns nothing; the data is in the pipes' PipeBuffers.
"""
from __future__ import annotations

from typing import Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.limits import MAX_RW_COUNT
from pynix.base.errors import KernelError
from pynix.fs.pipe import Pipe, PipeFile
from pynix.fs.vfs.file import File, WouldBlock
from pynix.fs.vfs.read_write import (
    generic_write_check_limits,
    rw_verify_area,
    rw_wait,
    send_sigpipe,
    vfs_pread_limit,
    vfs_pwrite,
    vfs_read,
    vfs_write,
)
from pynix.kernel.task import Task
from pynix.machine.physmem import PAGE_SIZE


def _wait(t: Task, f: File, flags: int, op: Callable[[], object]) -> Generator[None, None, object]:
    """rw_wait with SPLICE_F_NONBLOCK as a second way to ask for EAGAIN."""
    if flags & A.SPLICE_F_NONBLOCK:
        try:
            return op()
        except WouldBlock:
            raise KernelError(E.EAGAIN) from None
    return (yield from rw_wait(t, f, op))


def _readable_op(p: Pipe) -> Callable[[], bool]:
    """pipe_wait_readable's condition: data, or no writer left (False: EOF)."""
    def op() -> bool:
        if p.bufs:
            return True
        if p.writers == 0:
            return False
        raise WouldBlock(p.rd_wait)
    return op


def _space_op(t: Task, p: Pipe) -> Callable[[], None]:
    """wait_for_space's condition: a reader (else EPIPE and SIGPIPE) and a free slot."""
    def op() -> None:
        if p.readers == 0:
            err = KernelError(E.EPIPE)
            send_sigpipe(t, err)
            raise err
        if p.full():
            raise WouldBlock(p.wr_wait)
    return op


def _room(p: Pipe) -> int:
    """Bytes the free slots of ``p`` hold (a splice into a pipe fills new slots)."""
    return max(0, p.size // PAGE_SIZE - len(p.bufs)) * PAGE_SIZE


def _nonblock(flags: int, *files: File) -> int:
    """O_NONBLOCK on a pipe end makes the splice non-blocking too (do_splice)."""
    if any(f.flags & A.O_NONBLOCK for f in files):
        flags |= A.SPLICE_F_NONBLOCK
    return flags


def _link(src: Pipe, dst: Pipe, n: int, consume: bool) -> int:
    """Copy up to ``n`` bytes of ``src``'s slots into new slots of ``dst`` (a slot copied in
    part gives a shorter slot); with ``consume`` they leave ``src`` (splice), else they stay
    (tee). Returns the bytes moved."""
    done = 0
    for b in list(src.bufs):
        if done >= n or dst.full():
            break
        k = min(n - done, len(b.data))
        dst.put_slot(bytes(b.data[:k]))
        done += k
    if consume and done:
        src.take(done)
    return done


def splice_pipe_to_pipe(t: Task, fin: PipeFile, fout: PipeFile, n: int,
                        flags: int, consume: bool = True) -> Generator[None, None, int]:
    """Linux's splice_pipe_to_pipe (and link_pipe for tee): wait for data in the input and
    room in the output, then move slots."""
    ip, op = fin.pipe, fout.pipe
    if ip is op:
        raise KernelError(E.EINVAL)
    flags = _nonblock(flags, fin, fout)
    if not (yield from _wait(t, fin, flags, _readable_op(ip))):
        return 0
    yield from _wait(t, fout, flags, _space_op(t, op))
    done = _link(ip, op, n, consume)
    if done:
        if consume:
            ip.wr_wait.wake_up()
        op.rd_wait.wake_up()
    return done


def do_tee(t: Task, fin: File, fout: File, n: int, flags: int) -> Generator[None, None, int]:
    """Linux's do_tee: both ends pipes (EINVAL otherwise, or when they are one pipe)."""
    if not isinstance(fin, PipeFile) or not isinstance(fout, PipeFile):
        raise KernelError(E.EINVAL)
    return (yield from splice_pipe_to_pipe(t, fin, fout, n, flags, consume=False))


def splice_file_to_pipe(t: Task, fin: File, fout: PipeFile, off: int | None, n: int,
                        flags: int) -> Generator[None, None, tuple[int, int | None]]:
    """Read from a file or socket into new slots of the pipe (Linux's splice_file_to_pipe
    over the file's splice_read): wait for room, read at most what the free slots hold, at
    ``off`` or (None) at the file's position. Returns (bytes, new offset)."""
    if not fin.splice_read or fin.inode is not None and fin.inode.is_dir():
        raise KernelError(E.EINVAL)     # no splice_read (do_splice_read's warn_unsupported)
    p = fout.pipe
    flags = _nonblock(flags, fout)
    yield from _wait(t, fout, flags, _space_op(t, p))
    n = min(n, _room(p), MAX_RW_COUNT)
    if off is not None:
        data = fin.pread(n, off)
        off += len(data)
    else:
        data = yield from _wait(t, fin, flags, lambda: fin.read(n))  # type: ignore[assignment]
    done = p.put(data) if data else 0
    if done:
        p.rd_wait.wake_up()
    return done, off


def iter_file_splice_write(t: Task, fin: PipeFile, fout: File, off: int | None, n: int,
                           flags: int) -> Generator[None, None, tuple[int, int | None]]:
    """Write the pipe's data to a file or socket (Linux's iter_file_splice_write): wait for
    data (0 at EOF), write what is there up to ``n`` at ``off`` or (None) at the file's
    position, and consume from the pipe only what the file took."""
    if not fout.splice_write or fout.inode is not None and fout.inode.is_dir():
        raise KernelError(E.EINVAL)     # no splice_write (do_splice_from)
    p = fin.pipe
    flags = _nonblock(flags, fin)
    if not (yield from _wait(t, fin, flags, _readable_op(p))):
        return 0, off
    data = p.peek(min(n, MAX_RW_COUNT))
    if off is not None:
        data = data[:generic_write_check_limits(t, fout, off, len(data))]
        done = fout.pwrite(data, off)
        off += done
    else:
        data = data[:generic_write_check_limits(t, fout, fout.pos, len(data))]
        try:
            done = yield from _wait(t, fout, flags, lambda: fout.write(data))  # type: ignore[assignment]
        except KernelError as err:
            send_sigpipe(t, err)
            raise
    p.take(done)
    if done:
        p.wr_wait.wake_up()
    return done, off


def do_splice(t: Task, fin: File, off_in: int | None, fout: File, off_out: int | None,
              n: int, flags: int) -> Generator[None, None, tuple[int, int | None, int | None]]:
    """Linux's do_splice: EBADF unless the input is open for reading and the output for
    writing; a pipe end with an offset is ESPIPE; one end must be a pipe (EINVAL), not the
    same pipe both ends, and an O_APPEND output is EINVAL. Returns (bytes, off_in, off_out)."""
    if not fin.readable or not fout.writable:
        raise KernelError(E.EBADF)
    ipipe, opipe = isinstance(fin, PipeFile), isinstance(fout, PipeFile)
    if ipipe and opipe:
        if off_in is not None or off_out is not None:
            raise KernelError(E.ESPIPE)
        done = yield from splice_pipe_to_pipe(t, fin, fout, n, flags)  # type: ignore[arg-type]
        return done, None, None
    if ipipe:
        if off_in is not None:
            raise KernelError(E.ESPIPE)
        if off_out is not None:
            rw_verify_area(fout, off_out, n)
        if fout.flags & A.O_APPEND:
            raise KernelError(E.EINVAL)
        done, off_out = yield from iter_file_splice_write(t, fin, fout, off_out, n, flags)  # type: ignore[arg-type]
        return done, None, off_out
    if opipe:
        if off_out is not None:
            raise KernelError(E.ESPIPE)
        if off_in is not None:
            rw_verify_area(fin, off_in, n)
        done, off_in = yield from splice_file_to_pipe(t, fin, fout, off_in, n, flags)  # type: ignore[arg-type]
        return done, off_in, None
    raise KernelError(E.EINVAL)


def vmsplice_to_pipe(t: Task, f: PipeFile, data: bytes, flags: int) -> Generator[None, None, int]:
    """vmsplice into the write end: wait for room, then as much of ``data`` as fits."""
    p = f.pipe
    flags = _nonblock(flags, f)
    yield from _wait(t, f, flags, _space_op(t, p))
    done = p.put(data)
    if done:
        p.rd_wait.wake_up()
    return done


def vmsplice_to_user(t: Task, f: PipeFile, n: int, flags: int) -> Generator[None, None, bytes]:
    """vmsplice from the read end: wait for data (b"" at EOF), then consume up to ``n``."""
    p = f.pipe
    flags = _nonblock(flags, f)
    if not (yield from _wait(t, f, flags, _readable_op(p))):
        return b""
    data = p.take(n)
    if data:
        p.wr_wait.wake_up()
    return data


def do_splice_direct(t: Task, fin: File, off: int | None, fout: File,
                     n: int) -> Generator[None, None, tuple[int, int | None]]:
    """sendfile's copy (Linux's do_sendfile over do_splice_direct), its checks in Linux's
    order: the input's (EBADF unless open for reading, ESPIPE for an offset on a stream,
    rw_verify_area), then the output's (EBADF unless open for writing; EINVAL for O_APPEND
    or an input that is not a file); the input position may not pass the smaller s_maxbytes
    (EOVERFLOW). Reads at ``off`` (advanced) or, with None, at the file's position, then
    writes to ``fout``; a short write gives back the unwritten part of the input position.
    Returns (bytes written, new offset)."""
    if not fin.readable:
        raise KernelError(E.EBADF)
    if off is not None and (fin.inode is None or isinstance(fin, PipeFile)):
        raise KernelError(E.ESPIPE)
    rw_verify_area(fin, fin.pos if off is None else off, n)
    n = min(n, MAX_RW_COUNT)
    if not fout.writable:
        raise KernelError(E.EBADF)
    if fout.flags & A.O_APPEND or fin.inode is None or isinstance(fin, PipeFile):
        raise KernelError(E.EINVAL)
    n = vfs_pread_limit(fin, fout, fin.pos if off is None else off, n)
    rw_verify_area(fout, fout.pos, n)
    if off is not None:
        data = fin.pread(n, off)
    else:
        data = yield from vfs_read(t, fin, n)
    if not data:
        return 0, off
    done = yield from vfs_write(t, fout, data)
    if off is not None:
        off += done
    elif done < len(data):
        fin.pos -= len(data) - done
    return done, off


def vfs_copy_file_range(t: Task, fin: File, pin: int, fout: File, pout: int, length: int) -> int:
    """copy_file_range between two regular files (Linux's vfs_copy_file_range with
    generic_copy_file_checks, copying as splice_file_range does): EISDIR / EINVAL for
    non-regular files, then EBADF for the wrong modes or an O_APPEND output, EINVAL for negative offsets and
    overlapping ranges of one file, EOVERFLOW for ranges that wrap; the count is cut at the
    input's end and the output's limits (EFBIG at s_maxbytes). Returns the bytes copied."""
    files = (fin, fout)                 # generic_file_rw_checks: types first, then modes
    if any(f.inode is not None and f.inode.is_dir() for f in files):
        raise KernelError(E.EISDIR)
    if any(f.inode is None or isinstance(f, PipeFile) or not f.inode.is_reg() for f in files):
        raise KernelError(E.EINVAL)
    if not fin.readable or not fout.writable or fout.flags & A.O_APPEND:
        raise KernelError(E.EBADF)
    assert fin.inode is not None and fout.inode is not None
    if pin < 0 or pout < 0:
        raise KernelError(E.EINVAL)
    if pin + length >= 1 << 64 or pout + length >= 1 << 64:
        raise KernelError(E.EOVERFLOW)
    n = 0 if pin >= fin.inode.size else min(length, fin.inode.size - pin)
    n = generic_write_check_limits(t, fout, pout, n) if n else n
    if not n and pout >= fout.inode.sb.s_maxbytes:
        raise KernelError(E.EFBIG)
    if fin.inode is fout.inode and pin < pout + n and pout < pin + n:
        raise KernelError(E.EINVAL)     # overlapping ranges of one file
    rw_verify_area(fin, pin, n)
    rw_verify_area(fout, pout, n)
    n = min(n, MAX_RW_COUNT)
    data = fin.pread(n, pin) if n else b""
    return vfs_pwrite(t, fout, data, pout) if data else 0