"""Page faults: demand paging and copy-on-write (Linux's handle_mm_fault, do_anonymous_page,
do_fault, do_wp_page; Bach ch. 9 "validity fault" and "protection fault").

Provides ``handle_mm_fault(mm, vaddr, access) -> (paddr, perms) | None``. It is called
- by the CPU's TLB-fill hook for every TLB miss (``tlb_fill``: the fast path returns the PTE
  when it already grants the access), and
- by uaccess when the kernel touches user memory, so kernel and CPU fault alike.
None means the access is invalid: the caller raises SIGSEGV (or EFAULT in uaccess).
The reason of the last failure is left in ``last_fault``: (SIGSEGV, SEGV_MAPERR or
SEGV_ACCERR), or (SIGBUS, BUS_ADRERR) for a file page wholly past the end of the file.

Owns nothing: it fills ``mm.pt`` with frames from physmem, the page cache or shared memory.
"""
from __future__ import annotations

from pynix.arch.x86_64.abi import (
    BUS_ADRERR,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
    SEGV_ACCERR,
    SEGV_MAPERR,
    SIGBUS,
    SIGSEGV,
)
from pynix.machine.physmem import PAGE_MASK, PAGE_SHIFT, OutOfMemory
from pynix.mm.mm import MM, PTE_DIRTY, PTE_R, PTE_W, PTE_X
from pynix.mm.vma import VM_GROWSDOWN, VMA

ACC_READ, ACC_WRITE, ACC_FETCH = 16, 17, 18        # uc_mem_type values the CPU passes
STACK_GUARD_GAP = 256 << 12
STACK_LIMIT = 8 << 20

last_fault = (SIGSEGV, SEGV_MAPERR)          # the signal and si_code of the last failure
code_frames: set[int] = set()                      # frames granted exec (translated code)


def vma_perms(vma: VMA) -> int:
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


def handle_mm_fault(mm: MM, vaddr: int, access: int) -> tuple[int, int] | None:
    global last_fault
    vma = mm.vmas.find(vaddr)
    if vma is None:
        vma = expand_stack(mm, vaddr)
        if vma is None:
            last_fault = (SIGSEGV, SEGV_MAPERR)          # the signal and si_code of the last failure
            return None
    allowed = vma_perms(vma)
    need = PTE_W if access == ACC_WRITE else PTE_X if access == ACC_FETCH else PTE_R
    if not allowed & need:
        last_fault = (SIGSEGV, SEGV_ACCERR)
        return None
    vpn = vaddr >> PAGE_SHIFT
    phys = mm.phys
    pte = mm.pt.get(vpn)
    try:
        if pte is not None:
            pfn = pte >> PAGE_SHIFT
            perms = pte & 7
            if need == PTE_W and not perms & PTE_W:
                if vma.shared:                              # first write to a shared page
                    perms |= PTE_W
                    pte |= PTE_DIRTY
                elif phys.refcount[pfn] > 1 or (vma.mapping is not None and
                                                 getattr(vma.mapping, "pages", {}).get(
                                                     vma.page_offset(vaddr)) == pfn):
                    new = phys.alloc(zero=False)              # do_wp_page: break COW
                    phys.copy(new, pfn)
                    phys.put(pfn)
                    pfn = new
                    perms = allowed
                else:
                    perms = allowed                          # last user: reuse in place
            else:
                perms |= allowed & need
        else:
            inode = getattr(vma.mapping, "inode", None)
            if inode is not None and vma.page_offset(vaddr) * 4096 >= inode.size:
                last_fault = (SIGBUS, BUS_ADRERR)           # past the end of the file
                return None
            if vma.mapping is None:                         # do_anonymous_page
                pfn = phys.alloc()
                perms = allowed
            elif vma.shared:                                # shared file or shmem page
                pfn = phys.get(vma.mapping.find_page(vma.page_offset(vaddr)))
                perms = allowed if need == PTE_W else allowed & ~PTE_W
            else:                                           # do_fault on a private file page
                cached = vma.mapping.find_page(vma.page_offset(vaddr))
                if need == PTE_W:
                    pfn = phys.alloc(zero=False)
                    phys.copy(pfn, cached)
                    perms = allowed
                else:
                    pfn = phys.get(cached)
                    perms = allowed & ~PTE_W
                    fault_around(mm, vma, vpn, perms)
            pte = 0
        if need == PTE_W and vma.shared:
            pte |= PTE_DIRTY
        mm.pt[vpn] = (pfn << PAGE_SHIFT) | perms | (pte & PTE_DIRTY)
    except OutOfMemory:
        last_fault = (SIGSEGV, SEGV_MAPERR)          # the signal and si_code of the last failure
        return None
    if perms & PTE_X:
        code_frames.add(pfn)
    return pfn << PAGE_SHIFT, perms


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
    need_of = {ACC_READ: PTE_R, ACC_WRITE: PTE_W, ACC_FETCH: PTE_X}

    def tlb_fill(vaddr: int, access: int) -> tuple[int, int] | None:
        mm = current_mm[0]
        if mm is None:
            return None
        pte = mm.pt.get(vaddr >> PAGE_SHIFT)
        if pte is not None and pte & need_of.get(access, PTE_R):
            return pte & ~0xFFF & ~(1 << 63), pte & 7
        return handle_mm_fault(mm, vaddr, access)

    return tlb_fill
