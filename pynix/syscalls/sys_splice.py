"""splice, tee and vmsplice (Linux fs/splice.c's syscalls). Thin handlers: decode the flags,
the descriptors, the offset pointers and the iovecs, call fs/splice.py, copy results out.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.limits import UIO_MAXIOV
from pynix.base.errors import KernelError
from pynix.fs.pipe import PipeFile
from pynix.fs.splice import do_splice, do_tee, vmsplice_to_pipe, vmsplice_to_user
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_iter, copy_to_iter, get_u64, import_iovec, put_u64
from pynix.syscalls.util import fget, mm_of, s32, s64


def _get_off(t: Task, p: int) -> int | None:
    if not p:
        return None
    off = s64(get_u64(mm_of(t), p))
    if off < 0:
        raise KernelError(E.EINVAL)
    return off


def sys_splice(t: Task, fd_in: int, off_in: int, fd_out: int, off_out: int, length: int,
               flags: int) -> Generator[None, None, int]:
    if flags & ~A.SPLICE_F_ALL:
        raise KernelError(E.EINVAL)
    fin, fout = fget(t, s32(fd_in)), fget(t, s32(fd_out))
    if not length:
        return 0
    if isinstance(fin, PipeFile) and off_in:
        raise KernelError(E.ESPIPE)
    if isinstance(fout, PipeFile) and off_out:
        raise KernelError(E.ESPIPE)
    pin, pout = _get_off(t, off_in), _get_off(t, off_out)
    done, pin, pout = yield from do_splice(t, fin, pin, fout, pout, length, flags)
    if off_in and pin is not None:
        put_u64(mm_of(t), off_in, pin)
    if off_out and pout is not None:
        put_u64(mm_of(t), off_out, pout)
    return done


def sys_tee(t: Task, fd_in: int, fd_out: int, length: int, flags: int) -> Generator[None, None, int]:
    if flags & ~A.SPLICE_F_ALL:
        raise KernelError(E.EINVAL)
    if not length:
        return 0
    fin, fout = fget(t, s32(fd_in)), fget(t, s32(fd_out))
    if not fin.readable or not fout.writable:
        raise KernelError(E.EBADF)
    return (yield from do_tee(t, fin, fout, length, flags))


def sys_vmsplice(t: Task, fd: int, iov: int, nr_segs: int, flags: int) -> Generator[None, None, int]:
    """Write end: the iovecs' bytes into the pipe; read end: the pipe's bytes out to them."""
    if flags & ~A.SPLICE_F_ALL:
        raise KernelError(E.EINVAL)
    f = fget(t, s32(fd))
    if nr_segs > UIO_MAXIOV:
        raise KernelError(E.EINVAL)
    if not isinstance(f, PipeFile) or not (f.readable or f.writable):
        raise KernelError(E.EBADF)
    vecs = import_iovec(mm_of(t), iov, nr_segs)
    total = sum(ln for _, ln in vecs)
    if not total:
        return 0
    if f.writable:
        return (yield from vmsplice_to_pipe(t, f, copy_from_iter(mm_of(t), vecs), flags))
    data = yield from vmsplice_to_user(t, f, total, flags)
    return copy_to_iter(mm_of(t), vecs, data)
