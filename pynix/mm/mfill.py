"""Resolving userfaults: the range ioctls that fill, move or protect pages of areas registered
with a userfaultfd (Linux mm/userfaultfd.c: mfill_atomic_copy, mfill_atomic_zeropage,
mfill_atomic_continue, mfill_atomic_poison, move_pages, mwriteprotect_range).

Each function takes the context (mm/userfaultfd.UserfaultCtx) and plain integers, works a
page at a time, and returns the number of bytes done. A failure on the first page raises its
errno; a failure later stops and returns the bytes done so far (the ioctl then reports the
count and EAGAIN, as Linux does). Pages already mapped are EEXIST, an address outside an area
registered with the context ENOENT. Unless the mode says DONTWAKE, the threads waiting on
faults in the range are woken (``ctx.wake_range``).

Owns nothing: it installs frames in ``ctx.mm.pt`` as the fault path would have.
"""
from __future__ import annotations

from typing import Callable

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import userfaultfd as U
from pynix.base.errors import KernelError
from pynix.machine.physmem import PAGE_SHIFT, PAGE_SIZE
from pynix.mm.fault import vma_perms
from pynix.mm.mm import MM, PTE_DIRTY, PTE_MARKER_POISONED, PTE_UFFD_WP, PTE_W
from pynix.mm.uaccess import copy_from_user
from pynix.mm.userfaultfd import UserfaultCtx, validate_range
from pynix.mm.vma import VM_LOCKED, VM_UFFD_MINOR, VM_UFFD_WP, VMA


def _each_page(ctx: UserfaultCtx, start: int, length: int, mode: int, dontwake: int,
               step: Callable[[MM, VMA, int], None]) -> int:
    """mfill_atomic's loop: ``step(mm, vma, addr)`` for each page; bytes done."""
    ctx.check_initialized()
    end = validate_range(start, length)
    mm = ctx.mm
    done = 0
    try:
        for addr in range(start, end, PAGE_SIZE):
            vma = mm.vmas.find(addr)
            if vma is None or vma.uffd is not ctx:
                raise KernelError(E.ENOENT)
            step(mm, vma, addr)
            done += PAGE_SIZE
    except KernelError:
        if not done:
            raise
    finally:
        mm.flush_tlb()
        if done and not mode & dontwake:
            ctx.wake_range(start, start + done)
    return done


def _install(mm: MM, vma: VMA, addr: int, pfn: int, wp: bool, writable: bool = True) -> None:
    """Map ``pfn`` at ``addr`` with the area's permissions (write-protected under WP)."""
    perms = vma_perms(vma)
    if wp or not writable:
        perms &= ~PTE_W
    pte = pfn << PAGE_SHIFT | perms | (PTE_UFFD_WP if wp else 0)
    if vma.shared and perms & PTE_W:
        pte |= PTE_DIRTY
    mm.pt[addr >> PAGE_SHIFT] = pte


def _check_empty(mm: MM, addr: int) -> None:
    vpn = addr >> PAGE_SHIFT
    if vpn in mm.pt or vpn in mm.pte_markers:
        raise KernelError(E.EEXIST)


def _check_wp_mode(vma: VMA, wp: bool) -> None:
    if wp and not vma.vm_flags & VM_UFFD_WP:
        raise KernelError(E.EINVAL)


def _fill(mm: MM, vma: VMA, addr: int, data: bytes | None, wp: bool) -> None:
    """Put a page of ``data`` (zeros when None) at ``addr``: a new anonymous frame, or the
    shmem object's page (mfill_atomic_pte)."""
    _check_empty(mm, addr)
    phys = mm.phys
    if vma.mapping is None:
        pfn = phys.alloc()
    else:
        pfn = phys.get(vma.mapping.find_page(vma.page_offset(addr)))  # type: ignore[attr-defined]
    if data is not None:
        phys.view[pfn << PAGE_SHIFT:(pfn << PAGE_SHIFT) + PAGE_SIZE] = data
    _install(mm, vma, addr, pfn, wp)


def mfill_atomic_copy(ctx: UserfaultCtx, dst: int, src: int, length: int, mode: int) -> int:
    """UFFDIO_COPY: copy pages from ``src`` (the caller's memory) into the missing pages."""
    if mode & ~(U.UFFDIO_COPY_MODE_DONTWAKE | U.UFFDIO_COPY_MODE_WP) or src + length <= src:
        raise KernelError(E.EINVAL)
    wp = bool(mode & U.UFFDIO_COPY_MODE_WP)

    def step(mm: MM, vma: VMA, addr: int) -> None:
        _check_wp_mode(vma, wp)
        _fill(mm, vma, addr, copy_from_user(mm, src + addr - dst, PAGE_SIZE), wp)
    return _each_page(ctx, dst, length, mode, U.UFFDIO_COPY_MODE_DONTWAKE, step)


def mfill_atomic_zeropage(ctx: UserfaultCtx, start: int, length: int, mode: int) -> int:
    """UFFDIO_ZEROPAGE: map zero-filled pages."""
    if mode & ~U.UFFDIO_ZEROPAGE_MODE_DONTWAKE:
        raise KernelError(E.EINVAL)
    return _each_page(ctx, start, length, mode, U.UFFDIO_ZEROPAGE_MODE_DONTWAKE,
                      lambda mm, vma, addr: _fill(mm, vma, addr, None, False))


def mfill_atomic_continue(ctx: UserfaultCtx, start: int, length: int, mode: int) -> int:
    """UFFDIO_CONTINUE: map the page the shmem object already holds (a MINOR fault's end)."""
    if mode & ~(U.UFFDIO_CONTINUE_MODE_DONTWAKE | U.UFFDIO_CONTINUE_MODE_WP):
        raise KernelError(E.EINVAL)
    wp = bool(mode & U.UFFDIO_CONTINUE_MODE_WP)

    def step(mm: MM, vma: VMA, addr: int) -> None:
        if not vma.vm_flags & VM_UFFD_MINOR:
            raise KernelError(E.EINVAL)
        _check_wp_mode(vma, wp)
        _check_empty(mm, addr)
        pfn = mm.phys.get(vma.mapping.find_page(vma.page_offset(addr)))  # type: ignore[union-attr]
        _install(mm, vma, addr, pfn, wp, writable=False)   # written: a shared write fault
    return _each_page(ctx, start, length, mode, U.UFFDIO_CONTINUE_MODE_DONTWAKE, step)


def mfill_atomic_poison(ctx: UserfaultCtx, start: int, length: int, mode: int) -> int:
    """UFFDIO_POISON: mark missing pages poisoned; touching one is SIGBUS (BUS_MCEERR_AR)."""
    if mode & ~U.UFFDIO_POISON_MODE_DONTWAKE:
        raise KernelError(E.EINVAL)

    def step(mm: MM, vma: VMA, addr: int) -> None:
        _check_empty(mm, addr)
        mm.pte_markers[addr >> PAGE_SHIFT] = PTE_MARKER_POISONED
    return _each_page(ctx, start, length, mode, U.UFFDIO_POISON_MODE_DONTWAKE, step)


def mwriteprotect_range(ctx: UserfaultCtx, start: int, length: int, mode: int) -> None:
    """UFFDIO_WRITEPROTECT: set or clear the write protection of the mapped pages; clearing
    it wakes the writers waiting on the range unless DONTWAKE."""
    wp = bool(mode & U.UFFDIO_WRITEPROTECT_MODE_WP)
    dontwake = bool(mode & U.UFFDIO_WRITEPROTECT_MODE_DONTWAKE)
    if mode & ~(U.UFFDIO_WRITEPROTECT_MODE_WP | U.UFFDIO_WRITEPROTECT_MODE_DONTWAKE) \
            or wp and dontwake:
        raise KernelError(E.EINVAL)
    ctx.check_initialized()
    end = validate_range(start, length)
    mm = ctx.mm
    if mm.vmas.has_holes(start, end) or any(
            v.uffd is not ctx or not v.vm_flags & VM_UFFD_WP for v in mm.vmas.overlapping(start, end)):
        raise KernelError(E.ENOENT)
    pt = mm.pt
    for vpn in mm.resident(start, end):
        pt[vpn] = (pt[vpn] & ~PTE_W) | PTE_UFFD_WP if wp else pt[vpn] & ~PTE_UFFD_WP
    mm.flush_tlb()
    if not wp and not dontwake:
        ctx.wake_range(start, end)


def move_pages(ctx: UserfaultCtx, dst: int, src: int, length: int, mode: int) -> int:
    """UFFDIO_MOVE: carry anonymous pages from ``src`` to the missing pages at ``dst``
    without copying. A source page shared with another address space is EBUSY, a missing
    one ENOENT unless ALLOW_SRC_HOLES."""
    if mode & ~(U.UFFDIO_MOVE_MODE_DONTWAKE | U.UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES) \
            or src & (PAGE_SIZE - 1) or (src < dst + length and dst < src + length):
        raise KernelError(E.EINVAL)
    validate_range(src, length)

    def step(mm: MM, vma: VMA, addr: int) -> None:
        s = src + addr - dst
        svma = mm.vmas.find(s)
        if svma is None or svma.mapping is not None or svma.file is not None or \
                vma.mapping is not None or svma.vm_flags & VM_LOCKED:
            raise KernelError(E.EINVAL if svma is not None else E.ENOENT)
        _check_empty(mm, addr)
        pte = mm.pt.get(s >> PAGE_SHIFT)
        if pte is None:
            if mode & U.UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES:
                return
            raise KernelError(E.ENOENT)
        pfn = pte >> PAGE_SHIFT
        if mm.phys.refcount[pfn] > 1:
            raise KernelError(E.EBUSY)
        del mm.pt[s >> PAGE_SHIFT]
        _install(mm, vma, addr, pfn, False)
    return _each_page(ctx, dst, length, mode, U.UFFDIO_MOVE_MODE_DONTWAKE, step)
