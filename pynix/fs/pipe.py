"""Pipes and FIFOs (Bach ch. 5.12; Linux fs/pipe.c).

Provides ``Pipe`` (a bounded byte buffer, ``PipeBuffer``, with reader and writer counts and
two wait queues), ``PipeFile`` (one end, as returned by pipe2 or by opening a FIFO),
``make_pipe()``, ``fifo_open(inode, flags, path)``, ``open_pipe_end(pipe, flags, path)`` and ``fifo_partner_ready(f)`` (what a
blocking FIFO open waits for).

Semantics as Linux: reads return what is there (at least one byte) or wait; EOF when no writer
is left; writes of at most PIPE_BUF bytes are atomic; a write with no reader raises SIGPIPE and
fails with EPIPE; opening a FIFO waits for the other end unless O_NONBLOCK (a write-only
non-blocking open with no reader fails with ENXIO).

The buffer is Linux's ring of page-sized slots (``size // PAGE_SIZE`` of them): a write fills new
pages, after merging its first ``len % PAGE_SIZE`` bytes into the last page if they fit there,
so a slot half-read is not writable room and a full pipe stays full until a page drains.

Owns: the buffer. Blocking is expressed by raising WouldBlock(wq).
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.poll import (
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLRDNORM,
    POLLWRNORM,
)
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue
from pynix.fs.anon import anon_inode
from pynix.fs.fasync import fasync_helper, kill_fasync
from pynix.fs.pipe_acct import pipe_account_new, pipe_unaccount
from pynix.fs.vfs.file import File, WouldBlock
from pynix.fs.vfs.icache import iget, iput
from pynix.fs.vfs.inode import Inode
from pynix.machine.physmem import PAGE_SIZE

PIPE_DEF_SIZE = 65536


class PipeBuffer:
    """One slot: a page holding ``data``, which starts ``offset`` bytes into the page."""

    __slots__ = ("offset", "data")

    def __init__(self, data: bytes) -> None:
        self.offset = 0
        self.data = bytearray(data)


class Pipe:
    def __init__(self) -> None:
        self.bufs: list[PipeBuffer] = []
        self.size = PIPE_DEF_SIZE        # bytes; size // PAGE_SIZE slots (Linux max_usage)
        self.readers = 0
        self.writers = 0
        self.rd_wait = WaitQueue()       # readers wait here for data or EOF
        self.wr_wait = WaitQueue()       # writers wait here for room
        self.open_wait = WaitQueue()     # FIFO opens wait here for the other end
        self.r_counter = 0               # opens so far (lets a FIFO open see a partner come and go)
        self.w_counter = 0
        self.user: int | None = None     # the uid charged for its slots (fs/pipe_acct.py)
        self.nr_accounted = 0
        self.fasync_readers: list[File] = []   # O_ASYNC ends told of data (fs/fasync.py)
        self.fasync_writers: list[File] = []   # ... and of room

    def __len__(self) -> int:
        """Bytes waiting to be read (FIONREAD)."""
        return sum(len(b.data) for b in self.bufs)

    def full(self) -> bool:
        return len(self.bufs) >= self.size // PAGE_SIZE

    def take(self, n: int) -> bytes:
        out = bytearray()
        while self.bufs and len(out) < n:
            b = self.bufs[0]
            k = min(n - len(out), len(b.data))
            out += b.data[:k]
            del b.data[:k]
            b.offset += k
            if not b.data:
                self.bufs.pop(0)
        return bytes(out)

    def peek(self, n: int) -> bytes:
        """Up to ``n`` bytes from the front without consuming them (splice to a file)."""
        out = bytearray()
        for b in self.bufs:
            if len(out) >= n:
                break
            out += b.data[:n - len(out)]
        return bytes(out)

    def put_slot(self, data: bytes) -> None:
        """A new slot holding ``data`` (splice and tee link slots, never merge)."""
        self.bufs.append(PipeBuffer(data))

    def put(self, data: bytes) -> int:
        """pipe_write's copy: the first ``len % PAGE_SIZE`` bytes into the last page if they fit
        there (the rest is then page-aligned), then new pages while slots are free.
        Returns the bytes taken (0 when full)."""
        chars = len(data) % PAGE_SIZE
        done = 0
        if chars and self.bufs:
            last = self.bufs[-1]
            if last.offset + len(last.data) + chars <= PAGE_SIZE:
                last.data += data[:chars]
                done = chars
        while done < len(data) and not self.full():
            self.bufs.append(PipeBuffer(data[done:done + PAGE_SIZE]))
            done += len(self.bufs[-1].data)
        return done


class PipeFile(File):
    fmode_nowait = True
    splice_read = splice_write = True

    def __init__(self, pipe: Pipe, flags: int, path: object = None, inode: Inode | None = None) -> None:
        super().__init__(flags, path, inode)
        self.pipe = pipe
        self.w_seen = pipe.w_counter    # writers opened before us (FIFO POLLHUP, Linux f_version)
        self.r_seen = pipe.r_counter
        if self.readable:
            pipe.readers += 1
        if self.writable:
            pipe.writers += 1

    def read(self, n: int) -> bytes:
        p = self.pipe
        if not n:
            return b""                  # pipe_read: a zero-length read never waits
        if not p.bufs:
            if p.writers == 0:
                return b""
            raise WouldBlock(p.rd_wait)
        data = p.take(n)
        p.wr_wait.wake_up()
        kill_fasync(p.fasync_writers, A.POLL_OUT)
        return data

    def write(self, data: bytes) -> int:
        p = self.pipe
        if not data:
            return 0                    # pipe_write: nothing to write, no EPIPE, no wait
        if p.readers == 0:
            raise KernelError(E.EPIPE)
        n = p.put(data)
        if not n:
            raise WouldBlock(p.wr_wait)
        p.rd_wait.wake_up()
        kill_fasync(p.fasync_readers, A.POLL_IN)
        return n

    def fasync(self, on: bool) -> None:
        """O_ASYNC set or cleared by F_SETFL (pipe_fasync)."""
        if self.readable:
            fasync_helper(self.pipe.fasync_readers, self, on)
        if self.writable:
            fasync_helper(self.pipe.fasync_writers, self, on)

    def poll(self) -> int:
        p = self.pipe
        mask = 0
        if self.readable:
            if p.bufs:
                mask |= POLLIN | POLLRDNORM
            if p.writers == 0 and p.w_counter != self.w_seen:
                mask |= POLLHUP
        if self.writable:
            if not p.full():
                mask |= POLLOUT | POLLWRNORM
            if p.readers == 0:
                mask |= POLLERR
        return mask

    def wait_queues(self) -> list[WaitQueue]:
        return [self.pipe.rd_wait, self.pipe.wr_wait]

    def poll_keys(self) -> list[tuple[WaitQueue, int]]:
        """What a wake-up of each queue means, for epoll (Linux's wake-up keys): readers are
        woken when data (or EOF) comes, writers when room does."""
        return [(self.pipe.rd_wait, POLLIN | POLLRDNORM), (self.pipe.wr_wait, POLLOUT | POLLWRNORM)]

    def ioctl(self, task: object, req: int, arg: int) -> int:
        if req == A.FIONREAD:
            return len(self.pipe)
        raise KernelError(E.ENOTTY)

    def release(self) -> None:
        p = self.pipe
        self.fasync(False)
        if self.readable:
            p.readers -= 1
        if self.writable:
            p.writers -= 1
        p.rd_wait.wake_up()
        p.wr_wait.wake_up()
        p.open_wait.wake_up()
        if p.readers == 0 and p.writers == 0:
            pipe_unaccount(p)
            if self.inode is not None:
                p.bufs.clear()
        if self.inode is not None:
            iput(self.inode)


def make_pipe(flags: int, uid: int = 0, unprivileged: bool = False) -> tuple[PipeFile, PipeFile]:
    """pipe2's pair, its slots charged to ``uid`` (ENFILE past pipe-user-pages-hard)."""
    p = Pipe()
    pipe_account_new(p, uid, unprivileged)
    extra = flags & A.O_NONBLOCK
    r, w = PipeFile(p, A.O_RDONLY | extra), PipeFile(p, A.O_WRONLY | extra)
    p.r_counter = p.w_counter = 1
    r.anon = w.anon = anon_inode("pipefs", A.S_IFIFO | 0o600)
    return r, w


def fifo_open(inode: Inode, flags: int, path: object) -> PipeFile:
    """Open one end of a FIFO (Linux's fifo_open): the inode's pipe, made on first open, gets
    a new end, which holds a reference on the inode. A blocking open then waits in the
    syscall layer until ``fifo_partner_ready``."""
    if inode.pipe is None:
        inode.pipe = Pipe()
    assert isinstance(inode.pipe, Pipe)
    f = open_pipe_end(inode.pipe, flags, path, inode)
    iget(inode)
    return f


def open_pipe_end(p: Pipe, flags: int, path: object, inode: Inode | None = None) -> PipeFile:
    """A new end of pipe ``p`` (fifo_open's work on the pipe): ENXIO for a non-blocking
    write-only open with no reader; counts the open and wakes whoever waits for a partner.
    /proc/PID/fd of a pipe opens one with no inode (no FIFO, so no wait for a partner)."""
    acc = flags & A.O_ACCMODE
    if acc == A.O_WRONLY and flags & A.O_NONBLOCK and p.readers == 0:
        raise KernelError(E.ENXIO)
    f = PipeFile(p, flags, path, inode)
    if f.readable:
        p.r_counter += 1
    if f.writable:
        p.w_counter += 1
    p.open_wait.wake_up()
    p.rd_wait.wake_up()
    p.wr_wait.wake_up()
    return f


def fifo_partner_ready(f: PipeFile) -> bool:
    """For a blocking FIFO open (wait_for_partner): is the other end open, or has it been
    opened since we started waiting (a partner that opened and closed at once counts)?"""
    p = f.pipe
    if f.readable and f.writable:
        return True
    if f.readable:
        return p.writers > 0 or p.w_counter != f.w_seen
    return p.readers > 0 or p.r_counter != f.r_seen
