"""io_uring instances: the shared rings and the completion side (Linux io_uring/io_uring.c:
io_uring_create, io_allocate_scq_urings, io_uring_mmap, io_cqring_wait, io_fill_cqe and the
overflow list, io_uring_poll; io_uring/rsrc.c's registered buffers and files; the
/proc/sys/kernel/io_uring_disabled sysctl).

- ``io_uring_create(t, entries, flags, cq_entries)`` -> ``IoRingCtx``: the ring sizes (powers
  of two; CQSIZE, CLAMP), the io_uring_disabled policy (EPERM), and two shared-memory objects
  (mm/filemap.SharedMem): the rings (struct io_rings: SQ/CQ head and tail, masks, entries,
  flags, dropped and overflow counters, the CQEs, then the SQ index array) and the SQE array.
  ``params_offsets()`` gives io_uring_params' sq_off / cq_off for that layout.
- The ring file's ``mmap_region(off, length)`` (f_op->mmap) maps the rings at
  IORING_OFF_SQ_RING or IORING_OFF_CQ_RING (one object: IORING_FEAT_SINGLE_MMAP) and the SQEs
  at IORING_OFF_SQES. The user writes SQEs and the SQ tail, the kernel the SQ head, CQEs and
  the CQ tail, the user the CQ head: all read and written in those frames.
- ``post_cqe(user_data, res)``: a completion at the CQ tail (kept on the overflow list while
  the CQ is full: IORING_FEAT_NODROP), the registered eventfd signalled, the waiters woken,
  and TIMEOUTs counting completions checked.
- ``cqring_wait(t, min_complete)``: io_uring_enter's IORING_ENTER_GETEVENTS wait.
- Requests still pending (POLL_ADD, TIMEOUT) sit in ``pending`` with their cancel method;
  closing the ring cancels them.

Submission and the opcodes are fs/io_uring_ops.py. Owns the rings' frames (one reference
each), the registered files (a reference each) and the registered eventfd.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import io_uring as X
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.arch.x86_64.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue, wait_event
from pynix.fs.anon import anon_inode
from pynix.fs.eventfd import EventFdFile
from pynix.fs.procfs.sys import sysctl_int
from pynix.fs.vfs.file import File
from pynix.kernel.cred import capable
from pynix.machine.physmem import PAGE_SIZE, PhysMem
from pynix.mm.filemap import SharedMem

if TYPE_CHECKING:
    from pynix.kernel.task import Task


class IoUringSysctl:
    """/proc/sys/kernel/io_uring_disabled (0 all, 1 CAP_SYS_ADMIN or io_uring_group, 2 none)
    and io_uring_group (-1: no group); one per kernel (``sysctl_of(k)``)."""

    def __init__(self) -> None:
        self.disabled = 0
        self.group = -1


def sysctl_of(k: Any) -> IoUringSysctl:
    s = getattr(k, "io_uring_sysctl", None)
    if s is None:
        s = k.io_uring_sysctl = IoUringSysctl()
    return s


def roundup_pow_of_two(n: int) -> int:
    return 1 << (n - 1).bit_length() if n > 1 else 1


class IoPending:
    """A request that has not completed yet: its user_data and ``finish(res)``, which ends it
    (off its queues or timer, its CQE posted); ``cancel()`` finishes it with -ECANCELED.
    ``is_timeout`` for TIMEOUT_REMOVE, ``target`` a TIMEOUT's completion count."""

    def __init__(self, user_data: int, finish: Callable[[int], None], is_timeout: bool = False,
                 target: int | None = None) -> None:
        self.user_data = user_data
        self.finish = finish
        self.is_timeout = is_timeout
        self.target = target

    def cancel(self) -> None:
        self.finish(-E.ECANCELED)


class IoRingCtx(File):
    """The io_uring file (struct io_ring_ctx)."""

    def __init__(self, phys: PhysMem, sq_entries: int, cq_entries: int, flags: int) -> None:
        super().__init__(A.O_RDWR)
        self.anon = anon_inode("anon_inodefs", 0o600)
        self.setup_flags = flags
        self.sq_entries, self.cq_entries = sq_entries, cq_entries
        self.array_off = X.CQES_OFF + cq_entries * X.CQE.size
        self.rings_size = self.array_off + sq_entries * 4
        self.rings = SharedMem(phys, (self.rings_size + PAGE_SIZE - 1) // PAGE_SIZE)
        self.sqes_size = sq_entries * X.SQE.size
        self.sqes = SharedMem(phys, (self.sqes_size + PAGE_SIZE - 1) // PAGE_SIZE)
        self.sq_head = 0                 # the kernel's copies of the indices it owns
        self.cq_tail = 0
        self.cq_seq = 0                  # completions posted (TIMEOUT's count)
        self.overflow: list[tuple[int, int, int]] = []
        self.pending: list[IoPending] = []
        self.bufs: list[tuple[int, int]] = []          # IORING_REGISTER_BUFFERS
        self.files: list[File | None] | None = None    # IORING_REGISTER_FILES
        self.eventfd: EventFdFile | None = None
        self.cq_wait = WaitQueue()       # io_uring_enter GETEVENTS sleepers
        self.poll_wq = WaitQueue()       # pollers of the ring file
        self.dead = False
        for off, v in ((X.SQ_RING_MASK, sq_entries - 1), (X.CQ_RING_MASK, cq_entries - 1),
                       (X.SQ_RING_ENTRIES, sq_entries), (X.CQ_RING_ENTRIES, cq_entries)):
            self.set_u32(off, v)

    # -- the shared memory, through the kernel's view of its frames ------------------------
    def _at(self, mem: SharedMem, off: int) -> tuple[memoryview, int]:
        return mem.phys.frame(mem.find_page(off // PAGE_SIZE)), off % PAGE_SIZE

    def u32(self, off: int) -> int:
        frame, o = self._at(self.rings, off)
        return int.from_bytes(frame[o:o + 4], "little")

    def set_u32(self, off: int, v: int) -> None:
        frame, o = self._at(self.rings, off)
        frame[o:o + 4] = (v & 0xFFFFFFFF).to_bytes(4, "little")

    def sqe(self, idx: int) -> tuple[Any, ...]:
        frame, o = self._at(self.sqes, idx * X.SQE.size)
        return X.SQE.unpack_from(frame, o)

    def sq_index(self, head: int) -> int:
        return self.u32(self.array_off + 4 * (head & (self.sq_entries - 1)))

    def mmap_region(self, off: int, length: int) -> tuple[SharedMem, int, str]:
        """io_uring_mmap: the object behind ``off`` (its IORING_OFF_MMAP_MASK bits; EINVAL
        for another, or a length
        past the object); the caller's area takes a reference."""
        off &= X.IORING_OFF_MMAP_MASK
        if off in (X.IORING_OFF_SQ_RING, X.IORING_OFF_CQ_RING):
            mem, size = self.rings, self.rings.npages * PAGE_SIZE
        elif off == X.IORING_OFF_SQES:
            mem, size = self.sqes, self.sqes.npages * PAGE_SIZE
        else:
            raise KernelError(E.EINVAL)
        if length > size:
            raise KernelError(E.EINVAL)
        return mem, 0, "anon_inode:[io_uring]"

    # -- completions ---------------------------------------------------------------------
    def cq_ready(self) -> int:
        return (self.cq_tail - self.u32(X.CQ_HEAD)) & 0xFFFFFFFF

    def sq_ready(self) -> int:
        return (self.u32(X.SQ_TAIL) - self.sq_head) & 0xFFFFFFFF

    def _fill_cqe(self, user_data: int, res: int, flags: int) -> bool:
        if self.cq_ready() >= self.cq_entries:
            return False
        frame, o = self._at(self.rings, X.CQES_OFF + (self.cq_tail & (self.cq_entries - 1)) * X.CQE.size)
        X.CQE.pack_into(frame, o, user_data & (1 << 64) - 1, res, flags)
        self.cq_tail = (self.cq_tail + 1) & 0xFFFFFFFF
        self.set_u32(X.CQ_TAIL, self.cq_tail)
        return True

    def flush_overflow(self) -> None:
        """io_cqring_overflow_flush: move what waited for room into the CQ."""
        while self.overflow and self._fill_cqe(*self.overflow[0]):
            self.overflow.pop(0)
        sq_flags = self.u32(X.SQ_FLAGS)
        self.set_u32(X.SQ_FLAGS, sq_flags | 1 << 1 if self.overflow else sq_flags & ~(1 << 1))

    def post_cqe(self, user_data: int, res: int, flags: int = 0, counts: bool = True) -> None:
        """io_req_complete_post: the CQE, or the overflow list while the CQ is full."""
        if self.dead:
            return
        self.flush_overflow()
        if self.overflow or not self._fill_cqe(user_data, res, flags):
            self.overflow.append((user_data, res, flags))
            self.flush_overflow()
        if counts:
            self.cq_seq += 1
            for p in [p for p in self.pending if p.target is not None and self.cq_seq >= p.target]:
                p.target = None
                p.finish(0)
        if self.eventfd is not None:
            self.eventfd.eventfd_signal(1)
        self.cq_wait.wake_up()
        self.poll_wq.wake_up()

    def find_pending(self, user_data: int, timeout: bool | None = None) -> IoPending | None:
        for p in self.pending:
            if p.user_data == user_data and (timeout is None or p.is_timeout == timeout):
                return p
        return None

    # -- the file -------------------------------------------------------------------------
    def poll(self) -> int:
        self.flush_overflow()
        mask = POLLIN | POLLRDNORM if self.cq_ready() else 0
        if self.sq_ready() < self.sq_entries:
            mask |= POLLOUT | POLLWRNORM
        return mask

    def wait_queues(self) -> list[WaitQueue]:
        return [self.poll_wq]

    def release(self) -> None:
        """io_ring_ctx_free: cancel what is pending, drop registrations and the rings."""
        for p in list(self.pending):
            p.cancel()
        self.dead = True
        self.pending.clear()
        self.unregister_files()
        if self.eventfd is not None:
            self.eventfd.put()
            self.eventfd = None
        self.rings.put()
        self.sqes.put()

    def unregister_files(self) -> None:
        for f in self.files or []:
            if f is not None:
                f.put()
        self.files = None


def io_uring_allowed(t: Task) -> None:
    """The io_uring_disabled sysctl: EPERM when io_uring is off for this task."""
    sc = sysctl_of(t.kernel)
    if sc.disabled == 2:
        raise KernelError(E.EPERM)
    if sc.disabled == 1 and not capable(t, CAP_SYS_ADMIN):
        cred = t.cred
        if sc.group < 0 or sc.group not in (cred.egid, *cred.groups):
            raise KernelError(E.EPERM)


def _ring_size(n: int, limit: int, flags: int) -> int:
    """A ring's requested size: EINVAL for 0, and past ``limit`` unless IORING_SETUP_CLAMP."""
    if not n or n > limit and not flags & X.IORING_SETUP_CLAMP:
        raise KernelError(E.EINVAL)
    return min(n, limit)


def io_uring_create(t: Task, entries: int, flags: int, cq_entries: int) -> IoRingCtx:
    """io_uring_setup's checks and sizes, then the instance."""
    io_uring_allowed(t)
    if flags & ~(X.IORING_SETUP_CQSIZE | X.IORING_SETUP_CLAMP):
        raise KernelError(E.EINVAL)             # SQPOLL, IOPOLL, ...: see the table's note
    sq = roundup_pow_of_two(_ring_size(entries, X.IORING_MAX_ENTRIES, flags))
    if flags & X.IORING_SETUP_CQSIZE:
        cq_entries = _ring_size(cq_entries, X.IORING_MAX_CQ_ENTRIES, flags)
        cq = roundup_pow_of_two(cq_entries)
        if cq < sq:
            raise KernelError(E.EINVAL)
    else:
        cq = 2 * sq
    return IoRingCtx(t.kernel.phys, sq, cq, flags)


def params_offsets(ctx: IoRingCtx) -> tuple[int, ...]:
    """io_uring_params' sq_off and cq_off (user_addr 0) for the ring layout."""
    sq_off = (X.SQ_HEAD, X.SQ_TAIL, X.SQ_RING_MASK, X.SQ_RING_ENTRIES, X.SQ_FLAGS,
              X.SQ_DROPPED, ctx.array_off, 0, 0)
    cq_off = (X.CQ_HEAD, X.CQ_TAIL, X.CQ_RING_MASK, X.CQ_RING_ENTRIES, X.CQ_OVERFLOW,
              X.CQES_OFF, X.CQ_FLAGS, 0, 0)
    return sq_off + cq_off


FEATURES = (X.IORING_FEAT_SINGLE_MMAP | X.IORING_FEAT_NODROP | X.IORING_FEAT_SUBMIT_STABLE
            | X.IORING_FEAT_RW_CUR_POS)


def cqring_wait(t: Task, ctx: IoRingCtx, min_complete: int) -> Generator[None, None, None]:
    """io_cqring_wait: until ``min_complete`` CQEs are in the ring; EINTR on a signal."""
    want = min(min_complete, ctx.cq_entries)

    def ready() -> bool:
        ctx.flush_overflow()
        return ctx.cq_ready() >= want
    yield from wait_event(t, ctx.cq_wait, ready, restart=E.EINTR)


# -- /proc/sys/kernel/io_uring_disabled and io_uring_group ------------------------------------
sysctl_int("kernel/io_uring_disabled", lambda k: sysctl_of(k).disabled,
           lambda k, v: setattr(sysctl_of(k), "disabled", v), 0, 2)
sysctl_int("kernel/io_uring_group", lambda k: sysctl_of(k).group,
           lambda k, v: setattr(sysctl_of(k), "group", v), -1)
