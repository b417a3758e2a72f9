"""Page faults: demand paging and copy-on-write (Linux's mm/memory.c; Bach ch. 9 "validity
fault" and "protection fault").

Provides ``handle_mm_fault(mm, vaddr, access) -> (paddr, perms) | None``, ``access`` being one
of machine/mmu.py's UC_MEM_READ / UC_MEM_WRITE / UC_MEM_FETCH. It is called
- by the CPU's TLB-fill hook for every TLB miss (``make_tlb_fill``: the fast path returns the
  PTE when it already grants the access), and
- by uaccess when the kernel touches user memory, so kernel and CPU fault alike.
None means the access is invalid: the caller raises SIGSEGV (or EFAULT in uaccess).
The reason of the last failure is left in ``last_fault``: (SIGSEGV, SEGV_MAPERR or
SEGV_ACCERR), or (SIGBUS, BUS_ADRERR) for a file page wholly past the end of the file.

The steps are Linux's, each a function: ``handle_mm_fault`` finds the area (``expand_stack``
for a stack growing down) and checks the access against its protection; ``handle_pte_fault``
looks at the PTE and calls ``do_anonymous_page`` (first touch of anonymous memory),
``do_fault`` (first touch of a file or shared-memory page, with ``fault_around`` for reads)
or ``do_wp_page`` (a write to a present read-only page: copy-on-write).

Owns nothing: it fills ``mm.pt`` with frames from physmem, the page cache or shared memory.
Frames granted exec are recorded in ``code_frames`` (the kernel flushes translated code when
such a frame is reused).
"""
from __future__ import annotations

from pynix.arch.x86_64.abi import (
    BUS_ADRERR,
    BUS_MCEERR_AR,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
    SEGV_ACCERR,
    SEGV_MAPERR,
    SIGBUS,
    SIGSEGV,
)
from pynix.machine.mmu import UC_MEM_FETCH, UC_MEM_READ, UC_MEM_WRITE
from pynix.machine.physmem import PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, OutOfMemory
from pynix.mm.mm import (
    MM,
    PTE_DIRTY,
    PTE_MARKER_POISONED,
    PTE_PERMS,
    PTE_R,
    PTE_UFFD_WP,
    PTE_W,
    PTE_X,
)
from pynix.mm.userfaultfd import handle_userfault, userfault_flags
from pynix.mm.vma import VM_GROWSDOWN, VMA

STACK_GUARD_GAP = 256 << 12
STACK_LIMIT = 8 << 20

last_fault = (SIGSEGV, SEGV_MAPERR)          # the signal and si_code of the last failure
code_frames: set[int] = set()                      # frames granted exec (translated code)


def vma_perms(vma: VMA) -> int:
    """The PTE permissions an area's protection grants (Linux's vm_get_page_prot)."""
    p = 0
    if vma.prot & (PROT_READ | PROT_WRITE | PROT_EXEC):
        p |= PTE_R
    if vma.prot & PROT_WRITE:
        p |= PTE_W
    if vma.prot & PROT_EXEC:
        p |= PTE_X
    return p


def expand_stack(mm: MM, vaddr: int) -> VMA | None:
    """Grow a VM_GROWSDOWN area down to cover ``vaddr`` (Linux expand_downwards)."""
    nxt = mm.vmas.find_next(vaddr)
    if nxt is None or not nxt.vm_flags & VM_GROWSDOWN or nxt.start - vaddr > STACK_GUARD_GAP + (64 << 10):
        return None
    new_start = vaddr & PAGE_MASK
    if mm.start_stack - new_start > STACK_LIMIT:
        return None
    prev = mm.vmas.find(new_start - 1)
    if prev is not None and prev is not nxt:
        return None
    mm.vmas.remove(nxt)
    nxt.pgoff -= (nxt.start - new_start) >> PAGE_SHIFT
    nxt.start = new_start
    mm.vmas.insert(nxt)
    return nxt


def handle_mm_fault(mm: MM, vaddr: int, access: int, kernel: bool = False) -> tuple[int, int] | None:
    """Resolve a fault at ``vaddr`` (Linux's handle_mm_fault with lock_mm_and_find_vma and
    access_error; Bach's validity and protection faults): find the area, growing the stack
    down if needed, refuse an access its protection forbids, then ``handle_pte_fault``.
    A fault in an area registered with a userfaultfd goes to it (mm/userfaultfd.py):
    ``last_fault`` is then USERFAULT_RETRY and the caller sleeps (``kernel``: a uaccess).
    Returns the physical address of the page and the permissions granted, or None (the
    reason in ``last_fault``)."""
    global last_fault
    vma = mm.vmas.find(vaddr)
    if vma is None:
        vma = expand_stack(mm, vaddr)
        if vma is None:
            last_fault = (SIGSEGV, SEGV_MAPERR)
            return None
    allowed = vma_perms(vma)
    need = PTE_W if access == UC_MEM_WRITE else PTE_X if access == UC_MEM_FETCH else PTE_R
    if not allowed & need:
        last_fault = (SIGSEGV, SEGV_ACCERR)
        return None
    if vma.uffd is not None:
        flags = userfault_flags(mm, vma, vaddr, need)
        if flags is not None:
            last_fault = handle_userfault(vma, vaddr, flags, kernel)
            return None
    try:
        r = handle_pte_fault(mm, vma, vaddr, need, allowed)
    except OutOfMemory:
        last_fault = (SIGSEGV, SEGV_MAPERR)
        return None
    if r is None:
        return None
    pfn, perms = r
    if perms & PTE_X:
        code_frames.add(pfn)
    return pfn << PAGE_SHIFT, perms


def handle_pte_fault(mm: MM, vma: VMA, vaddr: int, need: int, allowed: int) -> tuple[int, int] | None:
    """Fill the PTE of ``vaddr`` for an access needing ``need`` in an area granting
    ``allowed`` (Linux's handle_pte_fault): no PTE yet is a first touch (``do_anonymous_page``
    or ``do_fault``), a write to a present read-only PTE is ``do_wp_page``, anything else only
    widens the PTE to what the area allows. Returns (pfn, perms), or None with ``last_fault``
    set (SIGBUS past the end of a mapped file). May raise OutOfMemory."""
    global last_fault
    vpn = vaddr >> PAGE_SHIFT
    pte = mm.pt.get(vpn)
    if pte is None:
        if mm.pte_markers.get(vpn) == PTE_MARKER_POISONED:
            last_fault = (SIGBUS, BUS_MCEERR_AR)          # UFFDIO_POISON
            return None
        inode = getattr(vma.mapping, "inode", None)
        if inode is not None and vma.page_offset(vaddr) * PAGE_SIZE >= inode.size:
            last_fault = (SIGBUS, BUS_ADRERR)           # past the end of the file
            return None
        if vma.mapping is None:
            pfn, perms = do_anonymous_page(mm, allowed)
        else:
            pfn, perms = do_fault(mm, vma, vaddr, need, allowed)
        pte = 0
    elif need == PTE_W and not pte & PTE_W:
        pfn, perms = do_wp_page(mm, vma, vaddr, pte, allowed)
    else:
        pfn, perms = pte >> PAGE_SHIFT, (pte & PTE_PERMS) | (allowed & need)
    if need == PTE_W and vma.shared:
        pte |= PTE_DIRTY                                # a shared page written: to write back
    mm.pt[vpn] = (pfn << PAGE_SHIFT) | perms | (pte & (PTE_DIRTY | PTE_UFFD_WP))
    return pfn, perms


def do_anonymous_page(mm: MM, allowed: int) -> tuple[int, int]:
    """First touch of anonymous memory: a fresh zeroed frame with the area's permissions
    (Linux's do_anonymous_page; Bach's "demand zero" page). Returns (pfn, perms)."""
    return mm.phys.alloc(), allowed


def do_fault(mm: MM, vma: VMA, vaddr: int, need: int, allowed: int) -> tuple[int, int]:
    """First touch of a page backed by a file or shared memory (Linux's do_fault, which
    dispatches as here): a shared area maps the page-cache frame itself, writable only once
    written (do_shared_fault); a private area written copies the page (do_cow_fault); a
    private area read maps the cached frame read-only, so a later write is a COW, and maps its
    cached neighbours too (do_read_fault with ``fault_around``; Bach's "demand fill" from the
    file). Returns (pfn, perms)."""
    phys = mm.phys
    cached = vma.mapping.find_page(vma.page_offset(vaddr))  # type: ignore[union-attr]
    if vma.shared:                                  # do_shared_fault
        return phys.get(cached), allowed if need == PTE_W else allowed & ~PTE_W
    if need == PTE_W:                               # do_cow_fault
        pfn = phys.alloc(zero=False)
        phys.copy(pfn, cached)
        return pfn, allowed
    perms = allowed & ~PTE_W                        # do_read_fault
    pfn = phys.get(cached)
    fault_around(mm, vma, vaddr >> PAGE_SHIFT, perms)
    return pfn, perms


def do_wp_page(mm: MM, vma: VMA, vaddr: int, pte: int, allowed: int) -> tuple[int, int]:
    """A write to a present page whose PTE lacks PTE_W (Linux's do_wp_page; Bach's protection
    fault on a copy-on-write page). A shared area's page only becomes writable (wp_page_shared;
    the caller marks it dirty). A private page still shared with another address space or with
    the page cache is copied to a new frame and the old reference dropped (wp_page_copy);
    the last user of an anonymous page reuses it in place (wp_page_reuse). Returns (pfn, perms)."""
    pfn = pte >> PAGE_SHIFT
    if vma.shared:                                  # wp_page_shared
        return pfn, (pte & PTE_PERMS) | PTE_W
    phys = mm.phys
    if phys.refcount[pfn] > 1 or (vma.mapping is not None and
                                  getattr(vma.mapping, "pages", {}).get(vma.page_offset(vaddr)) == pfn):
        new = phys.alloc(zero=False)                # wp_page_copy: break COW
        phys.copy(new, pfn)
        phys.put(pfn)
        return new, allowed
    return pfn, allowed                             # wp_page_reuse: the last user


FAULT_AROUND_PAGES = 16


def fault_around(mm: MM, vma: VMA, vpn: int, perms: int) -> None:
    """Map the neighbours of a read-faulted file page that the page cache already holds
    (Linux's do_fault_around): a program's text then costs a few faults, not one per page."""
    mapping = vma.mapping
    pages = mapping.pages  # type: ignore[union-attr]
    pt, get = mm.pt, mm.phys.get
    lo = max(vma.start >> PAGE_SHIFT, vpn & ~(FAULT_AROUND_PAGES - 1))
    hi = min(vma.end >> PAGE_SHIFT, lo + FAULT_AROUND_PAGES)
    first = vma.page_offset(lo << PAGE_SHIFT)
    for v in range(lo, hi):
        if v == vpn or v in pt:
            continue
        pfn = pages.get(first + v - lo)
        if pfn is not None:
            pt[v] = (get(pfn) << PAGE_SHIFT) | perms
            if perms & PTE_X:
                code_frames.add(pfn)


def make_tlb_fill(current_mm: list[MM | None]):  # type: ignore[no-untyped-def]
    """The CPU's TLB-miss handler over the mm in ``current_mm[0]``."""
    need_of = {UC_MEM_READ: PTE_R, UC_MEM_WRITE: PTE_W, UC_MEM_FETCH: PTE_X}

    def tlb_fill(vaddr: int, access: int) -> tuple[int, int] | None:
        mm = current_mm[0]
        if mm is None:
            return None
        pte = mm.pt.get(vaddr >> PAGE_SHIFT)
        if pte is not None and pte & need_of.get(access, PTE_R):
            return pte & ~0xFFF & ~(1 << 63), pte & PTE_PERMS
        return handle_mm_fault(mm, vaddr, access)

    return tlb_fill
