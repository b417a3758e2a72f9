"""Open files and file descriptor tables (Linux's struct file and files_struct; Bach's file
table and user file descriptor table).

Provides:
- ``File``: one open of an object, shared by dup and fork with a single offset and status
  flags. Subclasses implement ``read(n)``, ``write(data)``, ``poll()``; a read or write that
  must wait raises ``WouldBlock(wq)`` and the syscall layer sleeps on ``wq`` (or returns EAGAIN
  under O_NONBLOCK). ``InodeFile`` is the file of a regular file or directory.
- ``FdTable``: descriptor -> (File, close-on-exec); lowest free descriptor first, RLIMIT_NOFILE.

Owns: file reference counts (``get``/``put``); the last ``put`` calls ``release``.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from pynix.base.errors import KernelError
from pynix.fs.notify.dnotify import dnotify_flush
from pynix.fs.notify.hooks import fsnotify_close
from pynix.fs.vfs.icache import iget, iput
from pynix.fs.vfs.fileattr import fileattr_ioctl
from pynix.fs.vfs.remap import file_ioctl
from pynix.fs.vfs.inode import (
    MAX_LFS_FILESIZE,
    Inode,
    allow_write_access,
    deny_write_access,
    get_write_access,
    put_write_access,
    touch_atime,
)


class NrOpen:
    """sysctl fs.nr_open (Linux's sysctl_nr_open): the most descriptors a table may hold; a
    larger RLIMIT_NOFILE is EPERM, and a table with a descriptor at or past it cannot be
    copied (fork, unshare(CLONE_FILES): EMFILE). Kept between 64 and 2^31 - 64."""
    value = 1 << 20
    MIN = 64
    MAX = (1 << 31) - 64


class WouldBlock(Exception):
    """The operation must wait on ``wq`` (a base.wait.WaitQueue)."""

    def __init__(self, wq: object) -> None:
        super().__init__()
        self.wq = wq


class File:
    # FMODE_NOWAIT: preadv2/pwritev2 may pass RWF_NOWAIT (else EOPNOTSUPP)
    fmode_nowait = False
    # file_operations' splice_read / splice_write: may splice(2) read from / write to this
    # file (regular files, sockets, pipes, memory devices, terminals); EINVAL otherwise
    splice_read = False
    splice_write = False

    def __init__(self, flags: int, path: object = None, inode: Inode | None = None) -> None:
        self.flags = flags              # O_* status flags (access mode, O_APPEND, O_NONBLOCK)
        self.path = path                # vfs Path, for /proc/pid/fd and fchdir
        self.inode = inode
        self.pos = 0
        self.refs = 1
        self.anon: Inode | None = None  # nameless inode (pipefs, sockfs) for fstat
        self.created = False            # FMODE_CREATED: this open made the file (O_CREAT)

    @property
    def stat_inode(self) -> Inode | None:
        """The inode fstat reports: the file's own, else its anonymous one."""
        return self.inode if self.inode is not None else self.anon

    def wait_queues(self) -> list:
        """Wait queues a poller sleeps on until poll() may change."""
        return []

    @property
    def readable(self) -> bool:
        return (self.flags & A.O_ACCMODE) in (A.O_RDONLY, A.O_RDWR) and not self.flags & A.O_PATH

    @property
    def writable(self) -> bool:
        return (self.flags & A.O_ACCMODE) in (A.O_WRONLY, A.O_RDWR) and not self.flags & A.O_PATH

    def get(self) -> File:
        self.refs += 1
        return self

    def put(self) -> None:
        self.refs -= 1
        if self.refs == 0:
            self.release()

    # -- operations (file_operations) ---------------------------------------------------------
    def read(self, n: int) -> bytes:
        raise KernelError(E.EINVAL)

    def write(self, data: bytes) -> int:
        raise KernelError(E.EINVAL)

    def pread(self, n: int, off: int) -> bytes:
        raise KernelError(E.ESPIPE)

    def pwrite(self, data: bytes, off: int) -> int:
        raise KernelError(E.ESPIPE)

    def lseek(self, off: int, whence: int) -> int:
        raise KernelError(E.ESPIPE)

    def poll(self) -> int:
        """vfs_poll: the file's readiness; files without a poll operation of their own are
        always ready (DEFAULT_POLLMASK)."""
        return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM

    def can_poll(self) -> bool:
        """file_can_poll: the file has a poll operation of its own (epoll refuses the rest
        with EPERM: regular files, directories, /dev/zero, block devices)."""
        return type(self).poll is not File.poll

    def ioctl(self, task: object, req: int, arg: int) -> int:
        raise KernelError(E.ENOTTY)

    def fasync(self, on: bool) -> None:
        """F_SETFL turned O_ASYNC on or off (f_op->fasync); files that signal readiness keep
        themselves on their object's list (fs/fasync.py)."""

    def readdir(self, pos: int) -> object:
        raise KernelError(E.ENOTDIR)

    def release(self) -> None:
        """The last reference is gone (close of the last descriptor)."""

    def isatty(self) -> bool:
        return False


class InodeFile(File):
    """An open regular file, directory, or symlink (O_PATH). Opening a regular file for
    writing takes write access (ETXTBSY while it runs); ``deny_write`` is exec's open of the
    program, which keeps writers out for as long as the file lives (the mm's exe_file)."""

    fmode_nowait = True             # its reads and writes never wait for the disk
    splice_read = splice_write = True

    def __init__(self, flags: int, path: object, inode: Inode, on_write: object = None,
                 deny_write: bool = False) -> None:
        super().__init__(flags, path, inode)
        self.write_access = 0           # +1 took write access, -1 denies it, 0 neither
        if deny_write:
            deny_write_access(inode)
            self.write_access = -1
        elif self.writable and inode.is_reg():
            get_write_access(inode)
            self.write_access = 1
        self.read_only = self.readable and not self.writable and inode.is_reg()
        if self.read_only:
            inode.i_readcount += 1      # i_readcount_inc
        iget(inode)
        self.on_write = on_write        # page-cache coherence hook (filemap update)

    def ioctl(self, task: object, req: int, arg: int) -> int | bytes:
        """The VFS's own file requests (fs/vfs/remap.py: FIEMAP, FICLONE, FIGETBSZ) and
        the inode-flag requests (fs/vfs/fileattr.py); ENOTTY for anything else."""
        if self.inode.is_reg():
            r = file_ioctl(task, self, req, arg)
            if r is not None:
                return r
        mnt = getattr(self.path, "mnt", None)
        return fileattr_ioctl(task, self.inode, bool(mnt is not None and mnt.readonly), req, arg)

    def read(self, n: int) -> bytes:
        data = self.pread(n, self.pos)
        self.pos += len(data)
        return data

    def pread(self, n: int, off: int) -> bytes:
        assert self.inode is not None
        if self.inode.is_dir():
            raise KernelError(E.EISDIR)
        self.accessed()
        mapping = getattr(self.inode, "mapping", None)
        data = mapping.read(off, n) if mapping is not None else self.inode.read(off, n)
        if n:
            self.accessed()
        return data

    def accessed(self) -> None:
        """file_accessed: a read or a listing touches the access time (not with O_NOATIME, or
        on a read-only mount)."""
        assert self.inode is not None
        mnt = getattr(self.path, "mnt", None)
        if not self.flags & A.O_NOATIME and not (mnt is not None and mnt.readonly):
            touch_atime(self.inode)

    def write(self, data: bytes) -> int:
        assert self.inode is not None
        if self.flags & A.O_APPEND:
            self.pos = self.inode.size
        n = self.pwrite(data, self.pos)
        self.pos += n
        return n

    def punch_hole(self, off: int, length: int) -> None:
        """fallocate's PUNCH_HOLE inside the file's size; the page cache reads zeros too."""
        assert self.inode is not None
        end = min(off + length, self.inode.size)
        if end <= off:
            return
        self.inode.punch_hole(off, end - off)
        mapping = getattr(self.inode, "mapping", None)
        if mapping is not None:
            mapping.update(off, bytes(end - off))

    def pwrite(self, data: bytes, off: int, append: bool | None = None) -> int:
        """Write at ``off``, or at the end when appending: O_APPEND unless ``append`` says
        otherwise (RWF_APPEND / RWF_NOAPPEND of pwritev2)."""
        assert self.inode is not None
        if not data:
            return 0                        # generic_write_checks: nothing to do, no mtime
        if self.flags & A.O_APPEND if append is None else append:
            off = self.inode.size           # IOCB_APPEND: even pwrite appends, as on Linux
        n = self.inode.write(off, data)
        mapping = getattr(self.inode, "mapping", None)
        if mapping is not None:
            mapping.update(off, data[:n])
        return n

    def lseek(self, off: int, whence: int) -> int:
        assert self.inode is not None
        if whence == A.SEEK_SET:
            new = off
        elif whence == A.SEEK_CUR:
            new = self.pos + off
        elif whence == A.SEEK_END:
            new = self.inode.size + off
        elif whence in (A.SEEK_DATA, A.SEEK_HOLE) and not self.inode.is_dir():
            holes = getattr(self.inode, "seek_data_hole", None)   # a fs that knows its holes
            if off < 0 or off >= self.inode.size:
                raise KernelError(E.ENXIO)
            if holes is not None:
                new = holes(off, whence == A.SEEK_HOLE)
            else:                   # generic: all data, one hole at the end
                new = off if whence == A.SEEK_DATA else self.inode.size
        else:
            raise KernelError(E.EINVAL)
        limit = self.inode.sb.s_maxbytes if self.inode.is_reg() else MAX_LFS_FILESIZE
        if not 0 <= new <= limit:       # generic_file_llseek: not past s_maxbytes
            raise KernelError(E.EINVAL)
        self.pos = new
        return new

    def readdir(self, pos: int) -> object:
        assert self.inode is not None
        self.accessed()
        return self.inode.readdir(pos)

    def release(self) -> None:
        assert self.inode is not None
        locks = getattr(self.inode, "i_flock", None)    # fs/locks.InodeLocks, if ever locked
        if locks is not None:
            locks.remove_flock(self)              # flock locks go with the description
        leases = getattr(self.inode, "i_leases", None)  # fs/leases.InodeLeases, if ever leased
        if leases is not None:
            leases.remove(self)
        if self.write_access > 0:
            put_write_access(self.inode)
        elif self.write_access < 0:
            allow_write_access(self.inode)
        if self.read_only:
            self.inode.i_readcount -= 1
        fsnotify_close(self)
        iput(self.inode)


class FdTable:
    """A task's descriptor table (files_struct), shared under CLONE_FILES."""

    def __init__(self) -> None:
        self.fds: dict[int, File] = {}
        self.cloexec: set[int] = set()
        self.users = 1
        self.max_fds = 1024          # RLIMIT_NOFILE soft limit, kept in sync by setrlimit

    def get(self, fd: int) -> File:
        """fdget: the open file at ``fd``; EBADF if there is none or it is an O_PATH file
        (FMODE_PATH), which only the calls that take ``get_raw`` accept."""
        f = self.peek(fd)
        if f is None:
            raise KernelError(E.EBADF)
        return f

    def get_raw(self, fd: int) -> File:
        """fdget_raw: the open file at ``fd``, O_PATH ones included (close, dup, fcntl,
        fstat, fstatfs, fchdir, a dirfd of an *at call, SCM_RIGHTS); EBADF if none."""
        f = self.fds.get(fd)
        if f is None:
            raise KernelError(E.EBADF)
        return f

    def peek(self, fd: int) -> File | None:
        """The file fdget would give, or None (poll's POLLNVAL, select's EBADF)."""
        f = self.fds.get(fd)
        return None if f is None or f.flags & A.O_PATH else f

    def alloc(self, f: File, lowest: int = 0, cloexec: bool = False) -> int:
        fd = lowest
        while fd in self.fds:
            fd += 1
        if fd >= self.max_fds:
            raise KernelError(E.EMFILE if lowest < self.max_fds else E.EINVAL)
        self.install(fd, f, cloexec)
        return fd

    def install_new(self, f: File, cloexec: bool = False) -> int:
        """A freshly made file's descriptor (Linux's get_unused_fd_flags + fd_install); on
        failure the file is dropped."""
        try:
            return self.alloc(f, cloexec=cloexec)
        except KernelError:
            f.put()
            raise

    def install(self, fd: int, f: File, cloexec: bool = False) -> None:
        old = self.fds.get(fd)
        self.fds[fd] = f
        if cloexec:
            self.cloexec.add(fd)
        else:
            self.cloexec.discard(fd)
        if old is not None:
            old.put()

    def close(self, fd: int) -> None:
        f = self.fds.pop(fd, None)
        if f is None:
            raise KernelError(E.EBADF)
        self.cloexec.discard(fd)
        locks = getattr(f.inode, "i_flock", None)       # fs/locks.InodeLocks, if ever locked
        if locks is not None:
            locks.remove_posix(self)              # closing any fd drops the owner's locks
        dnotify_flush(f, self)                    # and the F_NOTIFY requests made through it
        f.put()

    def copy(self) -> FdTable:
        """dup_fd for fork without CLONE_FILES and unshare(CLONE_FILES)."""
        if self.fds and max(self.fds) >= NrOpen.value:
            raise KernelError(E.EMFILE)          # more open than nr_open allows
        new = FdTable()
        new.max_fds = self.max_fds
        for fd, f in self.fds.items():
            new.fds[fd] = f.get()
        new.cloexec = set(self.cloexec)
        return new

    def close_on_exec(self) -> None:
        for fd in sorted(self.cloexec):
            self.close(fd)

    def close_all(self) -> None:
        for fd in list(self.fds):
            self.close(fd)
