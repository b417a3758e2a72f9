"""File I/O syscalls: read/write families, open, lseek, truncate, sync, sendfile,
copy_file_range (whose copies are fs/splice.py's) (Linux fs/read_write.c, fs/open.c, fs/sync.c). The descriptor table's
calls (close, dup, fcntl, pipe, ioctl...) are in syscalls/sys_fd.py.

Thin handlers: decode arguments, call the VFS, copy results out. Reads and writes that may
wait are generators over fs/vfs/read_write.py's vfs_read and vfs_write, where the blocking
rule and the write limits are.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.limits import MAX_RW_COUNT
from pynix.machine.physmem import PAGE_SIZE
from pynix.base.errors import KernelError
from pynix.base.wait import wait_event
from pynix.fs.pipe import PipeFile, fifo_partner_ready
from pynix.fs.splice import do_splice_direct, vfs_copy_file_range
from pynix.fs.vfs.namei import SCOPED
from pynix.fs.vfs.open_how import build_open_how
from pynix.fs.leases import break_lease
from pynix.fs.vfs.ops import do_open, do_truncate
from pynix.fs.vfs.read_write import (
    inode_newsize_ok,
    kiocb_set_rw_flags,
    rw_verify_area,
    rw_verify_pos,
    vfs_fallocate_checks,
    vfs_pwrite,
    rwf_append,
    rwf_sync,
    vfs_fsync,
    vfs_pread,
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
    get_u64,
    import_iovec,
    put_u64,
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
    asked, count = count, min(count, MAX_RW_COUNT)
    if not f.writable:
        raise KernelError(E.EBADF)
    data = copy_from_user(mm_of(t), buf, count)
    return (yield from vfs_write(t, f, data, asked))


def sys_readv(t: Task, fd: int, iov: int, iovcnt: int) -> Generator[None, None, int]:
    return (yield from do_readv(t, fd, iov, iovcnt, False))


def do_readv(t: Task, fd: int, iov: int, iovcnt: int, nowait: bool) -> Generator[None, None, int]:
    f = fget(t, fd)
    vecs = import_iovec(mm_of(t), iov, s32(iovcnt))
    data = yield from vfs_read(t, f, sum(ln for _, ln in vecs), nowait)
    return copy_to_iter(mm_of(t), vecs, data)


def sys_writev(t: Task, fd: int, iov: int, iovcnt: int) -> Generator[None, None, int]:
    return (yield from do_writev(t, fd, iov, iovcnt, False))


def do_writev(t: Task, fd: int, iov: int, iovcnt: int, nowait: bool) -> Generator[None, None, int]:
    f = fget(t, fd)
    vecs = import_iovec(mm_of(t), iov, s32(iovcnt))
    data = copy_from_iter(mm_of(t), vecs)
    if not data:
        if not f.writable:
            raise KernelError(E.EBADF)
        return 0
    return (yield from vfs_write(t, f, data, sum(ln for _, ln in vecs), nowait))


def sys_pread64(t: Task, fd: int, buf: int, count: int, off: int) -> int:
    f = fget(t, fd)
    access_ok(buf, count)
    off = s64(off)
    rw_verify_pos(f, off)
    if not f.readable:
        raise KernelError(E.EBADF)
    rw_verify_area(f, off, count)
    data = vfs_pread(t, f, min(count, MAX_RW_COUNT), off)
    copy_to_user(mm_of(t), buf, data)
    return len(data)


def sys_pwrite64(t: Task, fd: int, buf: int, count: int, off: int) -> int:
    f = fget(t, fd)
    access_ok(buf, count)
    off = s64(off)
    rw_verify_pos(f, off)
    if not f.writable:
        raise KernelError(E.EBADF)
    rw_verify_area(f, off, count)
    return vfs_pwrite(t, f, copy_from_user(mm_of(t), buf, min(count, MAX_RW_COUNT)), off, count)


def sys_preadv(t: Task, fd: int, iov: int, iovcnt: int, off: int) -> int:
    f = fget(t, fd)
    rw_verify_pos(f, s64(off))
    vecs = import_iovec(mm_of(t), iov, s32(iovcnt))
    if not f.readable:
        raise KernelError(E.EBADF)
    total = sum(ln for _, ln in vecs)
    if not total:
        return 0
    rw_verify_area(f, s64(off), total)
    return copy_to_iter(mm_of(t), vecs, vfs_pread(t, f, total, s64(off)))


def sys_pwritev(t: Task, fd: int, iov: int, iovcnt: int, off: int) -> int:
    return do_pwritev(t, fd, iov, iovcnt, off, None)


def do_pwritev(t: Task, fd: int, iov: int, iovcnt: int, off: int, append: bool | None) -> int:
    f = fget(t, fd)
    rw_verify_pos(f, s64(off))
    vecs = import_iovec(mm_of(t), iov, s32(iovcnt))
    if not f.writable:
        raise KernelError(E.EBADF)
    data = copy_from_iter(mm_of(t), vecs)
    if not data:
        return 0
    return vfs_pwrite(t, f, data, s64(off), sum(ln for _, ln in vecs), append)


def sys_preadv2(t: Task, fd: int, iov: int, iovcnt: int, off: int, _off_hi: int,
                flags: int) -> Generator[None, None, int]:
    """preadv with RWF_* flags; offset -1 reads at (and moves) the file's position."""
    f = fget(t, fd)
    kiocb_set_rw_flags(f, flags)
    if s64(off) == -1:
        return (yield from do_readv(t, fd, iov, iovcnt, bool(flags & A.RWF_NOWAIT)))
    return sys_preadv(t, fd, iov, iovcnt, off)


def sys_pwritev2(t: Task, fd: int, iov: int, iovcnt: int, off: int, _off_hi: int,
                 flags: int) -> Generator[None, None, int]:
    """pwritev with RWF_* flags (RWF_APPEND / RWF_NOAPPEND override O_APPEND, RWF_DSYNC /
    RWF_SYNC write through); offset -1 writes at (and moves) the file's position."""
    f = fget(t, fd)
    kiocb_set_rw_flags(f, flags)
    append = rwf_append(f, flags)
    if s64(off) == -1 and (append is None or f.inode is None or not f.inode.is_reg()):
        n = yield from do_writev(t, fd, iov, iovcnt, bool(flags & A.RWF_NOWAIT))
    elif s64(off) == -1:                # a regular file's position, appending or not
        n = do_pwritev(t, fd, iov, iovcnt, f.inode.size if append else f.pos, append)
        f.pos = (f.inode.size if append else f.pos + n)
    else:
        n = do_pwritev(t, fd, iov, iovcnt, off, append)
    rwf_sync(f, flags)
    return n


def sys_lseek(t: Task, fd: int, off: int, whence: int) -> int:
    return fget(t, fd).lseek(s64(off), whence)


def open_file(t: Task, dirfd: int, pathp: int, flags: int, mode: int,
              resolve: int = 0) -> Generator[None, None, int]:
    path = get_path(t, pathp)
    assert t.files is not None
    # a scoped lookup (RESOLVE_BENEATH / IN_ROOT) is rooted at dirfd even for "/..." names
    base = at_base(t, dirfd, b"." if resolve & SCOPED and path else path)
    f = do_open(fs_of(t), path, flags & 0xFFFFFFFF, mode, base, resolve)
    if f.inode is not None and f.inode.is_reg() and not flags & A.O_PATH:
        try:
            yield from break_lease(t, f.inode, flags, f)
        except KernelError:
            f.put()
            raise
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


def sys_openat2(t: Task, dirfd: int, pathp: int, how: int, size: int) -> Generator[None, None, int]:
    """openat with a struct open_how of ``size`` bytes (fs/vfs/open_how.py checks it)."""
    if size < A.OPEN_HOW_SIZE_VER0:
        raise KernelError(E.EINVAL)
    if size > PAGE_SIZE:
        raise KernelError(E.E2BIG)
    flags, mode, resolve = build_open_how(copy_from_user(mm_of(t), how, size))
    return (yield from open_file(t, dirfd, pathp, flags, mode, resolve))


def sys_creat(t: Task, path: int, mode: int) -> Generator[None, None, int]:
    return (yield from open_file(t, A.AT_FDCWD, path, A.O_CREAT | A.O_WRONLY | A.O_TRUNC, mode))


def sys_fallocate(t: Task, fd: int, mode: int, off: int, length: int) -> int:
    """Reserve space: extend the file (unless KEEP_SIZE); blocks appear as it is written.
    FALLOC_FL_PUNCH_HOLE frees a range where the filesystem can (tmpfs; EOPNOTSUPP elsewhere)."""
    f = fget(t, fd)
    off, length = s64(off), s64(length)
    vfs_fallocate_checks(t, f, s32(mode), off, length)
    assert f.inode is not None
    if mode & A.FALLOC_FL_PUNCH_HOLE:
        f.punch_hole(off, length)
        return 0
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
    inode_newsize_ok(t, s64(length), f.inode)
    do_truncate(f.inode, s64(length), getattr(f.path, "dentry", None))
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


def sys_readahead(t: Task, fd: int, off: int, count: int) -> int:
    """ksys_readahead: a file open for reading (EBADF) with a page cache, i.e. a regular
    file or block device (EINVAL); then POSIX_FADV_WILLNEED advice, which has no effect
    here since reads never wait for the disk."""
    f = fget(t, fd)
    if not f.readable:
        raise KernelError(E.EBADF)
    if isinstance(f, PipeFile) or f.inode is None or not (
            f.inode.is_reg() or f.inode.mode & A.S_IFMT == A.S_IFBLK):
        raise KernelError(E.EINVAL)
    return 0


def sys_sendfile(t: Task, out_fd: int, in_fd: int, offp: int, count: int) -> Generator[None, None, int]:
    fin, fout = fget(t, in_fd), fget(t, out_fd)
    mm = mm_of(t)
    off = s64(get_u64(mm, offp)) if offp else None
    done, off = yield from do_splice_direct(t, fin, off, fout, count)
    if offp and off is not None:
        put_u64(mm, offp, off)
    return done


def sys_copy_file_range(t: Task, fd_in: int, off_in: int, fd_out: int, off_out: int,
                        length: int, flags: int) -> int:
    """Copy between two regular files, at the given offsets (updated) or the files' own."""
    fin, fout = fget(t, fd_in), fget(t, fd_out)
    if flags:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    pin = s64(get_u64(mm, off_in)) if off_in else fin.pos
    pout = s64(get_u64(mm, off_out)) if off_out else fout.pos
    done = vfs_copy_file_range(t, fin, pin, fout, pout, length)
    if off_in:
        put_u64(mm, off_in, pin + done)
    else:
        fin.pos = pin + done
    if off_out:
        put_u64(mm, off_out, pout + done)
    else:
        fout.pos = pout + done
    return done
