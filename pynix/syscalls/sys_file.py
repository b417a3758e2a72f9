"""File I/O syscalls: read/write families, open, lseek, truncate, sync, sendfile,
copy_file_range (Linux fs/read_write.c, fs/open.c, fs/sync.c). The descriptor table's
calls (close, dup, fcntl, pipe, ioctl...) are in syscalls/sys_fd.py.

Thin handlers: decode arguments, call the VFS, copy results out. Reads and writes that may
wait are generators over fs/vfs/read_write.py's vfs_read and vfs_write, where the blocking
rule and the write limits are.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.wait import wait_event
from pynix.fs.pipe import PipeFile, fifo_partner_ready
from pynix.fs.vfs.file import MAX_LFS_FILESIZE
from pynix.fs.vfs.ops import do_open, do_truncate
from pynix.fs.vfs.read_write import (
    MAX_RW_COUNT,
    generic_write_check_limits,
    inode_newsize_ok,
    rw_verify_area,
    vfs_fsync,
    vfs_read,
    vfs_write,
)
from pynix.kernel.task import Task
from pynix.mm.uaccess import (
    access_ok,
    copy_from_iter,
    copy_from_user,
    copy_to_iter,
    copy_to_user,
    import_iovec,
)
from pynix.syscalls.util import at_base, fget, fs_of, get_path, mm_of, s32, s64


def sys_read(t: Task, fd: int, buf: int, count: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    access_ok(buf, count)
    count = min(count, MAX_RW_COUNT)
    if f.inode is not None and f.inode.is_dir() and not isinstance(f, PipeFile):
        raise KernelError(E.EISDIR)
    data = yield from vfs_read(t, f, count)
    copy_to_user(mm_of(t), buf, data)
    return len(data)


def sys_write(t: Task, fd: int, buf: int, count: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    access_ok(buf, count)
    count = min(count, MAX_RW_COUNT)
    if not f.writable:
        raise KernelError(E.EBADF)
    data = copy_from_user(mm_of(t), buf, count)
    return (yield from vfs_write(t, f, data))


def sys_readv(t: Task, fd: int, iov: int, iovcnt: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    vecs = import_iovec(mm_of(t), iov, s32(iovcnt))
    data = yield from vfs_read(t, f, sum(ln for _, ln in vecs))
    copy_to_iter(mm_of(t), vecs, data)
    return len(data)


def sys_writev(t: Task, fd: int, iov: int, iovcnt: int) -> Generator[None, None, int]:
    f = fget(t, fd)
    data = copy_from_iter(mm_of(t), import_iovec(mm_of(t), iov, s32(iovcnt)))
    if not data:
        if not f.writable:
            raise KernelError(E.EBADF)
        return 0
    return (yield from vfs_write(t, f, data))


def sys_pread64(t: Task, fd: int, buf: int, count: int, off: int) -> int:
    f = fget(t, fd)
    access_ok(buf, count)
    off = s64(off)
    rw_verify_area(f, off, min(count, MAX_RW_COUNT))
    if not f.readable:
        raise KernelError(E.EBADF)
    data = f.pread(min(count, MAX_RW_COUNT), off)
    copy_to_user(mm_of(t), buf, data)
    return len(data)


def sys_pwrite64(t: Task, fd: int, buf: int, count: int, off: int) -> int:
    f = fget(t, fd)
    access_ok(buf, count)
    off = s64(off)
    rw_verify_area(f, off, min(count, MAX_RW_COUNT))
    if not f.writable:
        raise KernelError(E.EBADF)
    count = generic_write_check_limits(t, f, off, min(count, MAX_RW_COUNT))
    return f.pwrite(copy_from_user(mm_of(t), buf, count), off)


def sys_preadv(t: Task, fd: int, iov: int, iovcnt: int, off: int) -> int:
    f = fget(t, fd)
    rw_verify_area(f, s64(off))
    vecs = import_iovec(mm_of(t), iov, s32(iovcnt))
    data = f.pread(sum(ln for _, ln in vecs), s64(off))
    copy_to_iter(mm_of(t), vecs, data)
    return len(data)


def sys_pwritev(t: Task, fd: int, iov: int, iovcnt: int, off: int) -> int:
    f = fget(t, fd)
    rw_verify_area(f, s64(off))
    data = copy_from_iter(mm_of(t), import_iovec(mm_of(t), iov, s32(iovcnt)))
    return f.pwrite(data[:generic_write_check_limits(t, f, s64(off), len(data))], s64(off))


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
        do_truncate(f.inode, off + length)
    return 0


def sys_ftruncate(t: Task, fd: int, length: int) -> int:
    f = fget(t, fd)
    if s64(length) < 0:
        raise KernelError(E.EINVAL)
    if f.flags & A.O_PATH:
        raise KernelError(E.EBADF)
    if not f.writable or f.inode is None or not f.inode.is_reg():
        raise KernelError(E.EINVAL)
    inode_newsize_ok(t, s64(length))
    do_truncate(f.inode, s64(length))
    return 0


def sys_fsync(t: Task, fd: int) -> int:
    vfs_fsync(fget(t, fd))
    return 0


def sys_sync_file_range(t: Task, fd: int, off: int, nbytes: int, flags: int) -> int:
    """Checks as Linux; the write-back itself is the whole file's fsync."""
    f = fget(t, fd)
    off, nbytes = s64(off), s64(nbytes)
    if flags & ~A.SYNC_FILE_RANGE_ALL or off < 0 or nbytes < 0 or off + nbytes < 0:
        raise KernelError(E.EINVAL)
    if isinstance(f, PipeFile) or f.inode is None or not (f.inode.is_reg() or f.inode.is_dir()
                                                          or f.inode.mode & A.S_IFMT == A.S_IFBLK):
        raise KernelError(E.ESPIPE)
    if flags:
        f.inode.fsync()
    return 0


def sys_fadvise64(t: Task, fd: int, off: int, length: int, advice: int) -> int:
    """Advice is accepted and has no effect (there is no read-ahead to tune)."""
    f = fget(t, fd)
    if isinstance(f, PipeFile) or f.inode is None:
        raise KernelError(E.ESPIPE)
    if not 0 <= s32(advice) <= A.POSIX_FADV_NOREUSE or s64(length) < 0:
        raise KernelError(E.EINVAL)
    return 0


def sys_sendfile(t: Task, out_fd: int, in_fd: int, offp: int, count: int) -> Generator[None, None, int]:
    fin, fout = fget(t, in_fd), fget(t, out_fd)
    if not fin.readable or not fout.writable:
        raise KernelError(E.EBADF)
    if fout.flags & A.O_APPEND or fin.inode is None or isinstance(fin, PipeFile):
        raise KernelError(E.EINVAL)     # do_sendfile: no appending, the input must be a file
    mm = mm_of(t)
    if offp:
        off = s64(int.from_bytes(copy_from_user(mm, offp, 8), "little"))
        if off < 0:
            raise KernelError(E.EINVAL)
        data = fin.pread(min(count, MAX_RW_COUNT), off)
        copy_to_user(mm, offp, (off + len(data)).to_bytes(8, "little"))
    else:
        data = yield from vfs_read(t, fin, min(count, MAX_RW_COUNT))
    if not data:
        return 0
    return (yield from vfs_write(t, fout, data))


def sys_copy_file_range(t: Task, fd_in: int, off_in: int, fd_out: int, off_out: int,
                        length: int, flags: int) -> int:
    """Copy between two regular files, at the given offsets (updated) or the files' own."""
    fin, fout = fget(t, fd_in), fget(t, fd_out)
    if flags:
        raise KernelError(E.EINVAL)
    if not fin.readable or not fout.writable or fout.flags & A.O_APPEND:
        raise KernelError(E.EBADF)
    for f in (fin, fout):
        if f.inode is None or isinstance(f, PipeFile) or not f.inode.is_reg():
            raise KernelError(E.EISDIR if f.inode is not None and f.inode.is_dir() else E.EINVAL)
    mm = mm_of(t)
    pin = s64(int.from_bytes(copy_from_user(mm, off_in, 8), "little")) if off_in else fin.pos
    pout = s64(int.from_bytes(copy_from_user(mm, off_out, 8), "little")) if off_out else fout.pos
    n = min(length, MAX_RW_COUNT)
    if pin < 0 or pout < 0 or pin + n > MAX_LFS_FILESIZE or pout + n > MAX_LFS_FILESIZE:
        raise KernelError(E.EINVAL)
    if fin.inode is fout.inode and pin < pout + n and pout < pin + n:
        raise KernelError(E.EINVAL)     # overlapping ranges of one file
    data = fin.pread(n, pin)
    done = fout.pwrite(data[:generic_write_check_limits(t, fout, pout, len(data))], pout) if data else 0
    if off_in:
        copy_to_user(mm, off_in, (pin + done).to_bytes(8, "little"))
    else:
        fin.pos = pin + done
    if off_out:
        copy_to_user(mm, off_out, (pout + done).to_bytes(8, "little"))
    else:
        fout.pos = pout + done
    return done
