"""userfaultfd's context and its page-fault path (Linux fs/userfaultfd.c: userfaultfd_ctx,
handle_userfault, userfaultfd_register/unregister, userfaultfd_release).

Provides
- ``UserfaultCtx(mm, flags)``: one userfaultfd. ``api(features)`` is UFFDIO_API; ``register``
  and ``unregister`` mark areas (VMA.uffd and the VM_UFFD_* flags, splitting at the range's
  ends); ``read_msgs(n)`` hands out queued ``struct uffd_msg``s; ``wake_range`` ends the
  waits of the faults in a range (UFFDIO_WAKE and every resolving ioctl); ``release`` is the
  last close: the areas forget the context and every waiting thread retries its fault.
  ``fd_wqh`` is where readers and pollers wait; ``fault_wqh`` where faulting threads sleep.
- ``userfault_flags(mm, vma, vaddr, need)``: the pagefault flags when a fault in an area
  registered with a context belongs to it (MISSING: no page; MINOR: a shmem page cached but
  not mapped; WP: a write to a page write-protected with UFFDIO_WRITEPROTECT), else None.
- ``handle_userfault(vma, vaddr, flags, kernel)``: called from mm/fault.py for such a fault.
  It returns the ``(signal, code)`` the fault ends with: ``USERFAULT_RETRY`` (0) when the
  thread is to sleep until the fault is resolved and then retry, leaving the fault in
  ``pending``; SIGBUS for UFFD_FEATURE_SIGBUS; a plain failure for a kernel access under
  UFFD_USER_MODE_ONLY (the syscall gets EFAULT).
- ``userfault_sleep(task, fault)``: what the caller does with ``pending``: queue the message
  (with the thread id under UFFD_FEATURE_THREAD_ID) and put ``task`` to sleep on
  ``fault_wqh``, interruptibly. A user-mode fault then re-runs the faulting instruction when
  woken (VM_FAULT_RETRY; kernel/traps.py); a syscall is restarted (syscalls/dispatch.py).
  A second fault on a page already reported queues no second message.

Owns: the message queue and the outstanding faults of each context.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import userfaultfd as U
from pynix.arch.x86_64.abi import BUS_ADRERR, SEGV_MAPERR, SIGBUS, SIGSEGV
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_INTERRUPTIBLE
from pynix.base.wait import WaitQueue
from pynix.machine.physmem import PAGE_MASK, PAGE_SHIFT, PAGE_SIZE
from pynix.mm.filemap import SharedMem
from pynix.mm.mm import MM, PTE_UFFD_WP, PTE_W, TASK_SIZE
from pynix.mm.vma import VM_UFFD_MASK, VM_UFFD_MINOR, VM_UFFD_MISSING, VM_UFFD_WP, VMA

if TYPE_CHECKING:
    from pynix.kernel.task import Task

USERFAULT_RETRY = 0            # the "signal" of a fault handed to a userfaultfd
TMPFS_MAGIC = 0x01021994

# what pynix implements (UFFD_API_FEATURES less hugetlbfs, fork events and the async WP)
UFFD_API_FEATURES = (U.UFFD_FEATURE_PAGEFAULT_FLAG_WP | U.UFFD_FEATURE_EVENT_REMAP
                     | U.UFFD_FEATURE_EVENT_REMOVE | U.UFFD_FEATURE_EVENT_UNMAP
                     | U.UFFD_FEATURE_MISSING_SHMEM | U.UFFD_FEATURE_SIGBUS
                     | U.UFFD_FEATURE_THREAD_ID | U.UFFD_FEATURE_MINOR_SHMEM
                     | U.UFFD_FEATURE_EXACT_ADDRESS | U.UFFD_FEATURE_WP_HUGETLBFS_SHMEM
                     | U.UFFD_FEATURE_POISON | U.UFFD_FEATURE_MOVE)

pending: tuple[UserfaultCtx, int, int] | None = None     # the last fault handed to a context


class UserfaultRetry(KernelError):
    """A kernel access (uaccess) met a userfault: the syscall sleeps in ``userfault_sleep``
    and is restarted once woken (ERESTARTNOINTR: a signal handler runs first)."""

    def __init__(self, fault: tuple[UserfaultCtx, int, int] | None) -> None:
        super().__init__(E.ERESTARTNOINTR)
        self.fault = fault


class UserfaultCtx:
    def __init__(self, mm: MM, flags: int) -> None:
        self.mm = mm
        self.flags = flags                     # UFFD_USER_MODE_ONLY
        self.features = 0
        self.initialized = False               # UFFDIO_API done
        self.released = False
        self.msgs: deque[bytes] = deque()      # unread uffd_msg records
        self.outstanding: dict[int, bytes] = {}   # page -> its pagefault message, until woken
        self.fd_wqh = WaitQueue()
        self.fault_wqh = WaitQueue()

    # -- UFFDIO_API ---------------------------------------------------------------------------
    def api(self, api: int, features: int) -> int:
        """Enable the requested features; returns those pynix offers. EINVAL for a wrong api
        number, an unknown feature, or a second UFFDIO_API."""
        if api != U.UFFD_API or features & ~UFFD_API_FEATURES or self.initialized:
            raise KernelError(E.EINVAL)
        self.features = features
        self.initialized = True
        return UFFD_API_FEATURES

    def check_initialized(self) -> None:
        if not self.initialized:
            raise KernelError(E.EINVAL)

    # -- UFFDIO_REGISTER / UNREGISTER ---------------------------------------------------------
    def register(self, start: int, length: int, mode: int) -> int:
        """Register [start, start+length) for the faults ``mode`` names; returns the range
        ioctls available on it."""
        self.check_initialized()
        modes = U.UFFDIO_REGISTER_MODE_MISSING | U.UFFDIO_REGISTER_MODE_WP | \
            U.UFFDIO_REGISTER_MODE_MINOR
        if not mode or mode & ~modes:
            raise KernelError(E.EINVAL)
        end = validate_range(start, length)
        flags = (VM_UFFD_MISSING if mode & U.UFFDIO_REGISTER_MODE_MISSING else 0) | \
            (VM_UFFD_WP if mode & U.UFFDIO_REGISTER_MODE_WP else 0) | \
            (VM_UFFD_MINOR if mode & U.UFFDIO_REGISTER_MODE_MINOR else 0)
        vmas = self.mm.vmas.overlapping(start, end)
        if not vmas:
            raise KernelError(E.ENOMEM)
        for v in vmas:
            if not vma_can_userfault(v, flags):
                raise KernelError(E.EINVAL)
            if v.uffd is not None and v.uffd is not self:
                raise KernelError(E.EBUSY)
        for v in self.mm.vmas.isolate(start, end):
            v.uffd = self
            v.vm_flags = (v.vm_flags & ~VM_UFFD_MASK) | flags
        ioctls = U.UFFD_API_RANGE_IOCTLS
        if not mode & U.UFFDIO_REGISTER_MODE_WP:
            ioctls &= ~U.IOCTL_BIT_WRITEPROTECT
        if not mode & U.UFFDIO_REGISTER_MODE_MINOR:
            ioctls &= ~U.IOCTL_BIT_CONTINUE
        return ioctls

    def unregister(self, start: int, length: int) -> None:
        self.check_initialized()
        end = validate_range(start, length)
        vmas = self.mm.vmas.overlapping(start, end)
        if not vmas:
            raise KernelError(E.ENOMEM)
        for v in vmas:
            if not vma_can_userfault(v, v.vm_flags & VM_UFFD_MASK or VM_UFFD_MISSING):
                raise KernelError(E.EINVAL)
        for v in self.mm.vmas.isolate(start, end):
            if v.uffd is self:
                self.forget(v)
        self.wake_range(start, end)

    def forget(self, v: VMA) -> None:
        """The area no longer reports to this context; its write-protect marks go too."""
        v.uffd = None
        v.vm_flags &= ~VM_UFFD_MASK
        pt = self.mm.pt
        for vpn in self.mm.resident(v.start, v.end):
            pt[vpn] &= ~PTE_UFFD_WP

    # -- messages -----------------------------------------------------------------------------
    def queue_fault(self, addr: int, flags: int, tid: int) -> None:
        page = addr & PAGE_MASK
        if page in self.outstanding:
            return
        if not self.features & U.UFFD_FEATURE_EXACT_ADDRESS:
            addr = page
        if not self.features & U.UFFD_FEATURE_THREAD_ID:
            tid = 0
        msg = U.UFFD_MSG.pack(U.UFFD_EVENT_PAGEFAULT, 0, 0, 0,
                              U.UFFD_MSG_PAGEFAULT.pack(flags, addr, tid))
        self.outstanding[page] = msg
        self.msgs.append(msg)
        self.fd_wqh.wake_up()

    def queue_event(self, event: int, feature: int, a: int, b: int, c: int = 0) -> None:
        """A non-cooperative event (REMAP, REMOVE, UNMAP) when its feature was asked for."""
        if self.features & feature and not self.released:
            self.msgs.append(U.UFFD_MSG.pack(event, 0, 0, 0, U.UFFD_MSG_3Q.pack(a, b, c)))
            self.fd_wqh.wake_up()

    def read_msgs(self, n: int) -> bytes | None:
        """As many whole messages as fit in ``n`` bytes; None when there is none yet."""
        self.check_initialized()
        if n < U.UFFD_MSG.size:
            raise KernelError(E.EINVAL)
        out = []
        while self.msgs and (len(out) + 1) * U.UFFD_MSG.size <= n:
            out.append(self.msgs.popleft())
        return b"".join(out) if out else None

    def wake_range(self, start: int, end: int) -> None:
        """Wake the threads waiting on faults in [start, end) (__wake_userfault)."""
        done = [p for p in self.outstanding if start <= p < end]
        for p in done:
            msg = self.outstanding.pop(p)
            try:
                self.msgs.remove(msg)             # not read yet: it is no longer news
            except ValueError:
                pass
        self.fault_wqh.wake_up()

    def release(self) -> None:
        """The last close (userfaultfd_release): areas forget the context, faults retry."""
        self.released = True
        for v in self.mm.vmas:
            if v.uffd is self:
                self.forget(v)
        self.outstanding.clear()
        self.msgs.clear()
        self.fault_wqh.wake_up()
        self.fd_wqh.wake_up()


def validate_range(start: int, length: int) -> int:
    """A range the ioctls accept: page-aligned, non-empty, inside user space (EINVAL)."""
    if start & ~PAGE_MASK or length & ~PAGE_MASK or not length or start + length > TASK_SIZE:
        raise KernelError(E.EINVAL)
    return start + length


def vma_is_shmem(v: VMA) -> bool:
    inode = getattr(v.mapping, "inode", None)
    return isinstance(v.mapping, SharedMem) or \
        getattr(getattr(inode, "sb", None), "magic", None) == TMPFS_MAGIC


def vma_can_userfault(v: VMA, flags: int) -> bool:
    """Anonymous private memory and shmem; MINOR only on shmem (vma_can_userfault)."""
    if flags & VM_UFFD_MINOR:
        return vma_is_shmem(v)
    return (v.mapping is None and v.file is None) or vma_is_shmem(v)


def shmem_page_cached(v: VMA, vaddr: int) -> bool:
    """Does the shmem object behind ``v`` hold the page at ``vaddr`` (a MINOR fault)?"""
    pgoff = v.page_offset(vaddr)
    if pgoff in getattr(v.mapping, "pages", {}):
        return True
    size = getattr(getattr(v.mapping, "inode", None), "size", None)
    return size is not None and pgoff * PAGE_SIZE < size


def userfault_flags(mm: MM, vma: VMA, vaddr: int, need: int) -> int | None:
    """The uffd_msg pagefault flags of a fault that goes to ``vma.uffd``, or None."""
    pte = mm.pt.get(vaddr >> PAGE_SHIFT)
    write = U.UFFD_PAGEFAULT_FLAG_WRITE if need == PTE_W else 0
    if pte is None:
        if vaddr >> PAGE_SHIFT in mm.pte_markers:
            return None                         # a poisoned page is not a missing one
        if vma.mapping is None:
            return write if vma.vm_flags & VM_UFFD_MISSING else None
        cached = shmem_page_cached(vma, vaddr)
        if cached and vma.vm_flags & VM_UFFD_MINOR:
            return write | U.UFFD_PAGEFAULT_FLAG_MINOR
        if not cached and vma.vm_flags & VM_UFFD_MISSING:
            return write
        return None
    if write and pte & PTE_UFFD_WP and vma.vm_flags & VM_UFFD_WP:
        return write | U.UFFD_PAGEFAULT_FLAG_WP
    return None


def handle_userfault(vma: VMA, vaddr: int, flags: int, kernel: bool) -> tuple[int, int]:
    """Hand the fault to the area's context; returns how the fault ends (see above)."""
    global pending
    ctx = vma.uffd
    assert isinstance(ctx, UserfaultCtx)
    if ctx.features & U.UFFD_FEATURE_SIGBUS:
        return SIGBUS, BUS_ADRERR
    if kernel and ctx.flags & U.UFFD_USER_MODE_ONLY:
        return SIGSEGV, SEGV_MAPERR
    pending = (ctx, vaddr, flags)
    return USERFAULT_RETRY, 0


def userfault_sleep(task: Task, fault: tuple[UserfaultCtx, int, int] | None) -> None:
    """Report ``fault`` and sleep until it is resolved (or a signal comes)."""
    global pending
    pending = None
    if fault is None:
        return
    ctx, addr, flags = fault
    if ctx.released or task.signal_pending():
        return                                  # retry at once: the signal goes first
    ctx.queue_fault(addr, flags, task.pid)
    ctx.fault_wqh.add(task)
    task.state = TASK_INTERRUPTIBLE


def userfault_event(mm: MM, start: int, end: int, event: int) -> None:
    """Tell the contexts of the areas in [start, end) about an unmap or a madvise removal
    (userfaultfd_unmap_prep / userfaultfd_remove)."""
    feature = U.UFFD_FEATURE_EVENT_UNMAP if event == U.UFFD_EVENT_UNMAP else \
        U.UFFD_FEATURE_EVENT_REMOVE
    seen: list[UserfaultCtx] = []
    for v in mm.vmas.overlapping(start, end):
        ctx = v.uffd
        if isinstance(ctx, UserfaultCtx) and ctx not in seen:
            seen.append(ctx)
            ctx.queue_event(event, feature, start, end)


def userfault_remap(moved: VMA, old: int, new: int, length: int) -> None:
    """mremap moved an area (mremap_userfaultfd_complete): with UFFD_FEATURE_EVENT_REMAP its
    context keeps it and is told (from, to, len); without, the moved area forgets it."""
    ctx = moved.uffd
    if not isinstance(ctx, UserfaultCtx):
        return
    if ctx.features & U.UFFD_FEATURE_EVENT_REMAP:
        ctx.queue_event(U.UFFD_EVENT_REMAP, U.UFFD_FEATURE_EVENT_REMAP, old, new, length)
    else:
        ctx.forget(moved)
