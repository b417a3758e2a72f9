"""Native AIO contexts and their completion rings (Linux fs/aio.c: ioctx_alloc,
aio_setup_ring, ioctx_add_table, lookup_ioctx, kill_ioctx, aio_complete,
aio_read_events_ring, read_events, exit_aio).

A context (``KioCtx``, struct kioctx) belongs to one address space (``mm.ioctx_table``, the
slot index being ``ctx.id``). Its completion ring is shared memory (a mm/filemap.SharedMem)
mapped into the user's address space MAP_SHARED as "/[aio] (deleted)": the struct aio_ring
header (arch/x86_64/aio.py AIO_RING: id, nr, head, tail, magic, features, header_length) and
then ``nr`` io_events. The kernel writes events at ``tail`` through the frames; the user
may read them from memory and advance ``head`` itself (libaio's io_getevents fast path). The
context id the user gets is the ring's address, and a lookup reads ``ring->id`` from user
memory, as Linux does.

- ``ioctx_alloc(t, nr_events)``: a new context: Linux's rounding (at least 4 events per
  possible CPU, doubled, then as many as the ring's pages hold), the system-wide limit
  (``AioLimits``: /proc/sys/fs/aio-nr and aio-max-nr, EAGAIN past it).
- ``lookup_ioctx(t, ctx_id)`` -> the live context or None; ``kill_ioctx(k, mm, ctx, unmap)``
  (io_destroy, exit_aio): out of the table, the ring unmapped, requests in flight cancelled.
- ``AioKiocb`` (struct aio_kiocb): one request; ``aio_get_req`` takes a ring slot (EAGAIN when
  none), ``aio_complete(req, res, res2)`` posts its io_event, signals its eventfd and wakes
  the context's waiters; ``iocb_destroy`` drops what it holds.
- ``read_events(t, ctx, min_nr, nr, events, deadline)``: io_getevents' wait: copies events
  to user memory as they come until ``min_nr`` are there, the deadline passes or a signal
  arrives; returns the count (or raises an errno when nothing was read).
- ``exit_aio(k, mm)``: the address space is going away (exit, exec): every context dies.

Owns the contexts, their rings' frames (one reference) and the requests in flight.
Submission is fs/aio_submit.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import aio as X
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue, wait_event
from pynix.fs.eventfd import EventFdFile
from pynix.fs.procfs.registry import register_proc_file
from pynix.fs.vfs.file import File
from pynix.kernel.cred import capable
from pynix.machine.physmem import PAGE_SIZE
from pynix.mm.filemap import SharedMem
from pynix.mm.mm import MM
from pynix.mm.mmap import do_mmap, do_munmap
from pynix.mm.uaccess import copy_to_user, get_u32

if TYPE_CHECKING:
    from pynix.kernel.task import Task

NUM_POSSIBLE_CPUS = 1
AIO_EVENTS_PER_PAGE = PAGE_SIZE // X.IO_EVENT.size
AIO_EVENTS_OFFSET = X.AIO_RING.size // X.IO_EVENT.size     # the header's slots
AIO_RING_NAME = "/[aio] (deleted)"


class AioLimits:
    """The system-wide count of events reserved by contexts (aio_nr) and its ceiling."""

    def __init__(self) -> None:
        self.aio_nr = 0
        self.aio_max_nr = X.AIO_MAX_NR_DEFAULT


class KioCtx:
    def __init__(self, mm: MM, mem: SharedMem, nr_events: int, max_reqs: int) -> None:
        self.mm = mm
        self.mem = mem                   # the ring's pages; the context holds one reference
        self.holds_ring = True
        self.nr_pages = mem.npages
        self.nr_events = nr_events       # the trusted copy of ring->nr
        self.max_reqs = max_reqs         # what io_setup asked for (counts against aio-max-nr)
        self.id = 0
        self.user_id = 0                 # the ring's address: the aio_context_t
        self.mmap_base = 0
        self.tail = 0
        self.completed_events = 0
        self.reqs_available = nr_events - 1
        self.active_reqs: list[AioKiocb] = []    # cancellable requests (polls)
        self.inflight = 0                # requests not yet destroyed (io_destroy waits)
        self.dead = False
        self.wait = WaitQueue()          # io_getevents sleepers
        self.done_wait = WaitQueue()     # io_destroy waiting for the requests in flight

    # -- the ring, through the kernel's view of its frames ----------------------------------
    def _frame(self, page: int) -> memoryview:
        return self.mem.phys.frame(self.mem.find_page(page))

    def ring_u32(self, off: int) -> int:
        return int.from_bytes(self._frame(0)[off:off + 4], "little")

    def set_ring_u32(self, off: int, v: int) -> None:
        self._frame(0)[off:off + 4] = (v & 0xFFFFFFFF).to_bytes(4, "little")

    def event_slot(self, i: int) -> tuple[memoryview, int]:
        """The frame and byte offset of io_event slot ``i``."""
        pos = i + AIO_EVENTS_OFFSET
        return self._frame(pos // AIO_EVENTS_PER_PAGE), (pos % AIO_EVENTS_PER_PAGE) * X.IO_EVENT.size

    # -- ring slots (reqs_available) -------------------------------------------------------
    def refill_reqs_available(self, head: int, tail: int) -> None:
        """Give back the slots of completed events the user has consumed since."""
        head %= self.nr_events
        in_ring = tail - head if head <= tail else self.nr_events - (head - tail)
        completed = self.completed_events - in_ring if in_ring < self.completed_events else 0
        if completed:
            self.completed_events -= completed
            self.reqs_available += completed

    def get_reqs_available(self) -> bool:
        if self.reqs_available <= 0 and self.completed_events:
            self.refill_reqs_available(self.ring_u32(X.AIO_RING_HEAD_OFF), self.tail)
        if self.reqs_available <= 0:
            return False
        self.reqs_available -= 1
        return True


class AioKiocb:
    """One request: what its io_event will say, the files it holds, its cancel method."""

    def __init__(self, ctx: KioCtx, obj: int, data: int) -> None:
        self.ctx = ctx
        self.obj = obj                   # the user's iocb address
        self.data = data                 # aio_data, returned as is
        self.filp: File | None = None
        self.eventfd: EventFdFile | None = None
        self.cancel: Callable[[], None] | None = None
        self.done = False


def aio_get_req(ctx: KioCtx, obj: int, data: int) -> AioKiocb:
    if not ctx.get_reqs_available():
        raise KernelError(E.EAGAIN)
    ctx.inflight += 1
    return AioKiocb(ctx, obj, data)


def iocb_destroy(req: AioKiocb) -> None:
    """Drop the request's files; the last request of a dead context frees its ring."""
    if req.filp is not None:
        req.filp.put()
        req.filp = None
    if req.eventfd is not None:
        req.eventfd.put()
        req.eventfd = None
    ctx = req.ctx
    ctx.inflight -= 1
    if ctx.inflight == 0:
        ctx.done_wait.wake_up()
        if ctx.dead:
            _free_ring(ctx)


def aio_complete(req: AioKiocb, res: int, res2: int = 0) -> None:
    """Post the request's io_event at the ring's tail, signal its eventfd, wake the
    context's waiters, and destroy the request (aio_complete + iocb_put)."""
    if req.done:
        return
    req.done = True
    ctx = req.ctx
    if req in ctx.active_reqs:
        ctx.active_reqs.remove(req)
    frame, off = ctx.event_slot(ctx.tail)
    X.IO_EVENT.pack_into(frame, off, req.data, req.obj, res, res2)
    ctx.tail = (ctx.tail + 1) % ctx.nr_events
    head = ctx.ring_u32(X.AIO_RING_HEAD_OFF)
    ctx.set_ring_u32(X.AIO_RING_TAIL_OFF, ctx.tail)
    ctx.completed_events += 1
    if ctx.completed_events > 1:
        ctx.refill_reqs_available(head, ctx.tail)
    if req.eventfd is not None:
        req.eventfd.eventfd_signal(1)
    ctx.wait.wake_up()
    iocb_destroy(req)


# -- contexts -------------------------------------------------------------------------------
def aio_ring_size(nr_events: int) -> tuple[int, int]:
    """(pages, events) of the ring for an io_setup of ``nr_events`` (ioctx_alloc's rounding
    and aio_setup_ring's fill of the last page); EINVAL when it would pass 0x10000000 bytes."""
    n = (max(nr_events, NUM_POSSIBLE_CPUS * 4) * 2) & 0xFFFFFFFF
    if n > 0x10000000 // X.IO_EVENT.size:
        raise KernelError(E.EINVAL)
    pages = (X.AIO_RING.size + X.IO_EVENT.size * n + PAGE_SIZE - 1) // PAGE_SIZE
    return pages, (PAGE_SIZE * pages - X.AIO_RING.size) // X.IO_EVENT.size


def ioctx_alloc(t: Task, nr_events: int) -> KioCtx:
    limits: AioLimits = t.kernel.aio
    mm = t.mm
    assert mm is not None
    pages, events = aio_ring_size(nr_events)
    if nr_events > limits.aio_max_nr or limits.aio_nr + nr_events > limits.aio_max_nr:
        raise KernelError(E.EAGAIN)
    mem = SharedMem(mm.phys, pages)
    for i in range(pages):                       # populated, as MAP_POPULATE does
        mem.find_page(i)
    mem.get()                                    # the area's reference
    try:
        base = do_mmap(mm, 0, pages * PAGE_SIZE, A.PROT_READ | A.PROT_WRITE, A.MAP_SHARED,
                       mem, 0, AIO_RING_NAME)
    except KernelError:
        mem.put()
        mem.put()
        raise
    ctx = KioCtx(mm, mem, events, nr_events)
    ctx.mmap_base = ctx.user_id = base
    table = mm.ioctx_table                       # ioctx_add_table: the lowest free slot
    ctx.id = table.index(None) if None in table else len(table)
    if ctx.id == len(table):
        table.append(ctx)
    table[ctx.id] = ctx
    X.AIO_RING.pack_into(ctx._frame(0), 0, ctx.id, events, 0, 0, X.AIO_RING_MAGIC,
                         X.AIO_RING_COMPAT_FEATURES, X.AIO_RING_INCOMPAT_FEATURES,
                         X.AIO_RING.size)
    limits.aio_nr += nr_events
    return ctx


def table_free(mm: MM, ctx: KioCtx) -> None:
    table = mm.ioctx_table
    if ctx.id < len(table) and table[ctx.id] is ctx:
        table[ctx.id] = None
    while table and table[-1] is None:
        table.pop()


def lookup_ioctx(t: Task, ctx_id: int) -> KioCtx | None:
    """The live context whose ring is at ``ctx_id``: its id is read from the ring in user
    memory (None when that faults), then must name a slot holding that very ring."""
    mm = t.mm
    if mm is None:
        return None
    try:
        idx = get_u32(mm, ctx_id)
    except KernelError:
        return None
    table = mm.ioctx_table
    ctx = table[idx] if idx < len(table) else None
    if ctx is None or ctx.user_id != ctx_id or ctx.dead:
        return None
    return ctx


def _unmap_ring(mm: MM, ctx: KioCtx) -> None:
    """Unmap the ring, if the user has not moved or replaced it."""
    vma = mm.vmas.find(ctx.mmap_base)
    if vma is not None and vma.mapping is ctx.mem and vma.start == ctx.mmap_base:
        do_munmap(mm, ctx.mmap_base, ctx.nr_pages * PAGE_SIZE)


def _free_ring(ctx: KioCtx) -> None:
    """Drop the context's reference on the ring's frames (free_ioctx), once."""
    if ctx.holds_ring:
        ctx.holds_ring = False
        ctx.mem.put()


def kill_ioctx(k: Any, mm: MM, ctx: KioCtx, unmap: bool = True) -> None:
    """Take the context out of service: out of the table, its events off the system-wide
    count, its ring unmapped (not at exit), its cancellable requests cancelled; the ring's
    frames go with the last request. EINVAL if it is already dying."""
    if ctx.dead:
        raise KernelError(E.EINVAL)
    ctx.dead = True
    table_free(mm, ctx)
    ctx.wait.wake_up()
    k.aio.aio_nr -= ctx.max_reqs
    if unmap:
        _unmap_ring(mm, ctx)
    for req in list(ctx.active_reqs):
        ctx.active_reqs.remove(req)
        if req.cancel is not None:
            req.cancel()
    if ctx.inflight == 0:
        _free_ring(ctx)


def exit_aio(k: Any, mm: MM) -> None:
    """The last user of ``mm`` is gone: kill every context (no submission can be in progress,
    and cancelled polls complete at once)."""
    for ctx in list(mm.ioctx_table):
        if ctx is not None:
            kill_ioctx(k, mm, ctx, unmap=False)
    mm.ioctx_table.clear()


def wait_ioctx_done(t: Task, ctx: KioCtx) -> Generator[None, None, None]:
    """io_destroy's wait for the requests still in flight (uninterruptible, as Linux's
    wait_for_completion)."""
    yield from wait_event(t, ctx.done_wait, lambda: ctx.inflight == 0, interruptible=False)


# -- reaping events -------------------------------------------------------------------------
def aio_read_events_ring(ctx: KioCtx, mm: MM, events: int, nr: int) -> int:
    """Copy up to ``nr`` events from head to tail out to ``events``, advancing the ring's
    head; -EFAULT (the head left alone) when the user buffer faults."""
    head = ctx.ring_u32(X.AIO_RING_HEAD_OFF)
    tail = ctx.ring_u32(X.AIO_RING_TAIL_OFF)
    if head == tail:
        return 0
    head %= ctx.nr_events
    tail %= ctx.nr_events
    ret = 0
    while ret < nr and head != tail:
        avail = (tail if head <= tail else ctx.nr_events) - head
        frame, off = ctx.event_slot(head)
        avail = min(avail, nr - ret, AIO_EVENTS_PER_PAGE - off // X.IO_EVENT.size)
        try:
            copy_to_user(mm, events + ret * X.IO_EVENT.size, frame[off:off + avail * X.IO_EVENT.size])
        except KernelError:
            return -E.EFAULT
        ret += avail
        head = (head + avail) % ctx.nr_events
    ctx.set_ring_u32(X.AIO_RING_HEAD_OFF, head)
    return ret


def read_events(t: Task, ctx: KioCtx, min_nr: int, nr: int, events: int,
                deadline: int | None, nonblock: bool) -> Generator[None, None, int]:
    """Reap at least ``min_nr`` (at most ``nr``) events, waiting until ``deadline`` (None:
    forever; ``nonblock``: a zero timeout, no wait). A signal or the timeout ends the wait
    with what was read. A dead context is EINVAL, a bad buffer EFAULT, if nothing was read."""
    mm = t.mm
    assert mm is not None
    got = 0

    def aio_read_events() -> bool:
        nonlocal got
        ret = aio_read_events_ring(ctx, mm, events + got * X.IO_EVENT.size, nr - got)
        if ret > 0:
            got += ret
        if ctx.dead:
            ret = -E.EINVAL
        if not got:
            got = ret
        return ret < 0 or got >= min_nr

    if nonblock:
        aio_read_events()
    else:
        try:
            yield from wait_event(t, ctx.wait, aio_read_events, deadline, restart=E.EINTR)
        except KernelError as err:
            if err.errno != E.EINTR:
                raise
    if got < 0:
        raise KernelError(-got)
    return got


# -- /proc/sys/fs/aio-nr and aio-max-nr -----------------------------------------------------
def _store_aio_max_nr(k: Any, task: Any, data: bytes) -> None:
    if task is not None and not capable(task, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    try:
        v = int(data.split()[0]) if data.split() else -1
    except ValueError:
        raise KernelError(E.EINVAL) from None
    if not 0 <= v < 1 << 64:
        raise KernelError(E.EINVAL)
    k.aio.aio_max_nr = v


register_proc_file("sys/fs/aio-nr", lambda k: b"%d\n" % k.aio.aio_nr)
register_proc_file("sys/fs/aio-max-nr", lambda k: b"%d\n" % k.aio.aio_max_nr, _store_aio_max_nr)
