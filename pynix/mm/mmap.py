"""Address-space calls: do_mmap, do_munmap, do_mprotect, do_brk, do_mremap, do_madvise,
do_mincore, do_mlock (with mm_populate), do_remap_file_pages, and get_unmapped_area (Linux mm/mmap.c, mm/mprotect.c, mm/mremap.c,
mm/madvise.c, mm/mincore.c, mm/mlock.c). msync is ``MM.writeback_range`` (mm/mm.py).

Each function takes the ``MM`` and plain integers, changes areas and PTEs, and returns the
syscall's result or raises ``KernelError``. Frames appear later, on fault (demand paging), except
that a plain mlock faults its range in at once.
Owns nothing beyond the MM it is given.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.userfaultfd import UFFD_EVENT_REMOVE, UFFD_EVENT_UNMAP
from pynix.base.errors import KernelError
from pynix.machine.mmu import UC_MEM_READ, UC_MEM_WRITE
from pynix.machine.physmem import PAGE_SHIFT, PAGE_SIZE
from pynix.mm.fault import STACK_GUARD_GAP, handle_mm_fault, vma_perms
from pynix.mm.filemap import SharedMem
from pynix.mm.mm import MM, MMAP_MIN, TASK_SIZE
from pynix.mm.mseal import can_modify_mm, can_modify_mm_madv
from pynix.mm.userfaultfd import userfault_event, userfault_remap
from pynix.mm.vma import VM_GROWSDOWN, VM_LOCKED, VM_LOCKONFAULT, VM_NOMAYWRITE, VMA, MaxMapCount


def page_align(n: int) -> int:
    return (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def get_unmapped_area(mm: MM, length: int, hint: int = 0) -> int:
    """Find room for ``length`` bytes: at ``hint`` if free, else top-down below mmap_base."""
    if hint and hint >= MMAP_MIN and hint + length <= TASK_SIZE and mm.vmas.is_free(hint, hint + length):
        return hint
    for lo, hi in mm.vmas.gaps_topdown(MMAP_MIN, mm.mmap_base):
        if hi - lo >= length:
            return hi - length
    raise KernelError(E.ENOMEM)


def do_munmap(mm: MM, addr: int, length: int) -> None:
    if addr & (PAGE_SIZE - 1) or length <= 0 or addr + length > TASK_SIZE:
        raise KernelError(E.EINVAL)
    end = addr + page_align(length)
    can_modify_mm(mm, addr, end)
    userfault_event(mm, addr, end, UFFD_EVENT_UNMAP)
    victims = mm.vmas.isolate(addr, end)
    for v in victims:
        if v.shared:
            mm.writeback_range(v.start, v.end)
    mm.zap_range(addr, end)
    for v in victims:
        mm.vmas.remove(v)
        v.put_backing()


def do_mmap(mm: MM, addr: int, length: int, prot: int, flags: int, mapping: object = None,
            pgoff: int = 0, name: str = "", file: object = None, maywrite: bool = True) -> int:
    """Create a mapping. ``mapping`` is a file's AddressSpace for file mappings, else None;
    ``maywrite`` False keeps mprotect from making a shared mapping writable (a sealed file)."""
    if length <= 0:
        raise KernelError(E.EINVAL)
    maptype = flags & A.MAP_TYPE
    if maptype not in (A.MAP_SHARED, A.MAP_PRIVATE, A.MAP_SHARED_VALIDATE):
        raise KernelError(E.EINVAL)
    if maptype == A.MAP_SHARED_VALIDATE:         # only files validate; anonymous memory refuses
        if file is None:
            raise KernelError(E.EINVAL)
        if flags & ~(A.LEGACY_MAP_MASK | A.MAP_FIXED_NOREPLACE):
            raise KernelError(E.EOPNOTSUPP)
    length = page_align(length)
    if length > TASK_SIZE or len(mm.vmas) > MaxMapCount.value:
        raise KernelError(E.ENOMEM)
    if flags & (A.MAP_FIXED | A.MAP_FIXED_NOREPLACE):
        if addr & (PAGE_SIZE - 1):
            raise KernelError(E.EINVAL)
        if addr + length > TASK_SIZE or addr < MMAP_MIN and addr != 0:
            raise KernelError(E.ENOMEM if addr + length > TASK_SIZE else E.EPERM)
        if flags & A.MAP_FIXED_NOREPLACE and not mm.vmas.is_free(addr, addr + length):
            raise KernelError(E.EEXIST)
        if not mm.vmas.is_free(addr, addr + length):
            do_munmap(mm, addr, length)
    else:
        addr = get_unmapped_area(mm, length, addr & ~(PAGE_SIZE - 1))
    shared = maptype != A.MAP_PRIVATE
    if mapping is None and shared:
        mapping = SharedMem(mm.phys, length >> PAGE_SHIFT)
        pgoff = 0
    vm_flags = VM_GROWSDOWN if flags & A.MAP_GROWSDOWN else 0
    if flags & A.MAP_LOCKED or mm.locked:
        vm_flags |= VM_LOCKED
    if shared and not maywrite:
        vm_flags |= VM_NOMAYWRITE
    vma = VMA(addr, addr + length, prot & 7, A.MAP_SHARED if shared else A.MAP_PRIVATE,
              mapping, pgoff, name, vm_flags, file)
    if file is not None:
        file.get()                      # the area keeps the file open (vm_file)
    mm.vmas.insert(vma)
    return addr


def do_remap_file_pages(mm: MM, start: int, size: int, prot: int, pgoff: int, flags: int) -> None:
    """remap_file_pages, as Linux emulates it since nonlinear mappings went: an mmap
    MAP_SHARED|MAP_FIXED of the same file at ``pgoff`` with the area's protection. The range
    must lie in shared areas of one file with the same flags, contiguous (EINVAL)."""
    if prot:
        raise KernelError(E.EINVAL)
    start &= ~(PAGE_SIZE - 1)
    size &= ~(PAGE_SIZE - 1)
    if start + size <= start or pgoff + (size >> PAGE_SHIFT) >= 1 << 64:
        raise KernelError(E.EINVAL)
    vma = mm.vmas.find(start)
    if vma is None or not vma.shared:
        raise KernelError(E.EINVAL)
    prev = vma
    while start + size > prev.end:
        nxt = mm.vmas.find(prev.end)
        if nxt is None or nxt.file is not vma.file or nxt.mapping is not vma.mapping \
                or nxt.vm_flags != vma.vm_flags or nxt.prot != vma.prot:
            raise KernelError(E.EINVAL)
        prev = nxt
    flags = A.MAP_SHARED | A.MAP_FIXED | (A.MAP_LOCKED if vma.vm_flags & VM_LOCKED else 0)
    mapping, file = vma.mapping, vma.file
    if isinstance(mapping, SharedMem):
        mapping.get()                   # the new area's reference, taken before the unmap
    if file is not None:
        file.get()                      # held across the unmap (get_file ... fput)
    try:
        do_mmap(mm, start, size, vma.prot, flags, mapping, pgoff, vma.name, file)
    finally:
        if file is not None:
            file.put()


def do_mprotect(mm: MM, addr: int, length: int, prot: int) -> None:
    if addr & (PAGE_SIZE - 1) or prot & ~(7 | A.PROT_GROWSDOWN | A.PROT_GROWSUP):
        raise KernelError(E.EINVAL)
    end = addr + page_align(length)
    if end <= addr:
        if length == 0:
            return
        raise KernelError(E.ENOMEM)
    if mm.vmas.has_holes(addr, end):       # every page must be mapped, as Linux checks
        raise KernelError(E.ENOMEM)
    can_modify_mm(mm, addr, end)
    for v in mm.vmas.isolate(addr, end):
        if v.shared and prot & A.PROT_WRITE and (v.vm_flags & VM_NOMAYWRITE or v.file is not None
                                                  and not getattr(v.file, "writable", True)):
            raise KernelError(E.EACCES)
        v.prot = prot & 7
        allowed = vma_perms(v)
        # narrow to the new protection; widening happens on the next fault, which also
        # keeps copy-on-write pages read-only until written
        for vpn in mm.resident(v.start, v.end):
            pte = mm.pt[vpn]
            mm.pt[vpn] = (pte & ~7) | (pte & allowed & 7)
    mm.flush_tlb()


def do_brk(mm: MM, brk: int) -> int:
    """Move the program break; returns the new (or unchanged, on failure) break."""
    if brk < mm.start_brk:
        return mm.brk
    old_end, new_end = page_align(mm.brk), page_align(brk)
    if new_end < old_end:
        do_munmap(mm, new_end, old_end - new_end)
    elif new_end > old_end:
        # the heap may not run into the next mapping, nor into a stack's guard gap
        nxt = mm.vmas.find_next(old_end)
        if nxt is not None:
            limit = nxt.start - (STACK_GUARD_GAP if nxt.vm_flags & VM_GROWSDOWN else 0)
            if new_end + PAGE_SIZE > limit:
                return mm.brk
        heap = mm.vmas.find(old_end - 1) if old_end > mm.start_brk else None
        if heap is not None and heap.name == "[heap]":
            mm.vmas.remove(heap)
            heap.end = new_end
            mm.vmas.insert(heap)
        else:
            mm.vmas.insert(VMA(old_end, new_end, A.PROT_READ | A.PROT_WRITE, A.MAP_PRIVATE,
                               name="[heap]"))
    mm.brk = brk
    return brk


def do_mremap(mm: MM, addr: int, old_len: int, new_len: int, flags: int, new_addr: int) -> int:
    if addr & (PAGE_SIZE - 1) or flags & ~7 or new_len == 0:
        raise KernelError(E.EINVAL)
    if flags & (A.MREMAP_FIXED | A.MREMAP_DONTUNMAP) and not flags & A.MREMAP_MAYMOVE:
        raise KernelError(E.EINVAL)
    if flags & A.MREMAP_DONTUNMAP and old_len != new_len:
        raise KernelError(E.EINVAL)
    old_len, new_len = page_align(old_len), page_align(new_len)
    if flags & A.MREMAP_FIXED:
        # mremap_to: the target aligned, inside user space, not overlapping the source
        if new_addr & (PAGE_SIZE - 1) or new_len > TASK_SIZE or new_addr > TASK_SIZE - new_len \
                or (addr + old_len > new_addr and new_addr + new_len > addr):
            raise KernelError(E.EINVAL)
        can_modify_mm(mm, new_addr, new_addr + new_len)
    can_modify_mm(mm, addr, addr + old_len)
    vma = mm.vmas.find(addr)
    if vma is None or addr + old_len > vma.end:
        raise KernelError(E.EFAULT)
    keep = bool(flags & A.MREMAP_DONTUNMAP)
    if flags & A.MREMAP_FIXED:
        return _move(mm, vma, addr, old_len, new_len, new_addr, keep)
    if keep:
        return _move(mm, vma, addr, old_len, new_len, get_unmapped_area(mm, new_len), keep)
    if new_len <= old_len:
        if new_len < old_len:
            do_munmap(mm, addr + new_len, old_len - new_len)
        return addr
    if addr + old_len == vma.end and mm.vmas.is_free(vma.end, addr + new_len) \
            and addr + new_len <= TASK_SIZE:
        mm.vmas.remove(vma)
        vma.end = addr + new_len
        mm.vmas.insert(vma)
        return addr
    if not flags & A.MREMAP_MAYMOVE:
        raise KernelError(E.ENOMEM)
    return _move(mm, vma, addr, old_len, new_len, get_unmapped_area(mm, new_len))


def _move(mm: MM, vma: VMA, addr: int, old_len: int, new_len: int, new_addr: int,
          keep: bool = False) -> int:
    """move_vma: carry the PTEs of [addr, addr+old_len) to ``new_addr``. With ``keep``
    (MREMAP_DONTUNMAP) the old range stays mapped, emptied and unlocked: its next touch
    faults afresh (a zero page, the file's data, or a userfaultfd MISSING fault)."""
    if new_addr & (PAGE_SIZE - 1):
        raise KernelError(E.EINVAL)
    if not mm.vmas.is_free(new_addr, new_addr + new_len):
        do_munmap(mm, new_addr, new_len)
    moved = vma.copy()
    moved.start, moved.end, moved.pgoff = new_addr, new_addr + new_len, vma.page_offset(addr)
    delta = (new_addr - addr) >> PAGE_SHIFT
    for vpn in mm.resident(addr, addr + min(old_len, new_len)):
        mm.pt[vpn + delta] = mm.pt.pop(vpn)
    if keep:
        for v in mm.vmas.isolate(addr, addr + old_len):
            v.vm_flags &= ~(VM_LOCKED | VM_LOCKONFAULT)
    else:
        do_munmap(mm, addr, old_len)
    mm.vmas.insert(moved)
    userfault_remap(moved, addr, new_addr, old_len)
    mm.flush_tlb()
    return new_addr


# the advice pynix takes as a hint: 16/17 MADV_DONTDUMP/DODUMP; MERGEABLE (12) and
# HUGEPAGE (14) with their opposites are EINVAL, as on a Linux without CONFIG_KSM and THP
MADV_HINTS = (A.MADV_NORMAL, A.MADV_RANDOM, A.MADV_SEQUENTIAL, A.MADV_WILLNEED,
              A.MADV_DONTFORK, A.MADV_DOFORK, 16, 17)


def do_madvise(mm: MM, addr: int, length: int, advice: int) -> None:
    """madvise: the advice is applied to the mapped parts of the range; a hole in it is
    ENOMEM afterwards, as Linux's madvise_walk_vmas reports."""
    if addr & (PAGE_SIZE - 1) or advice not in (A.MADV_DONTNEED, A.MADV_FREE) + MADV_HINTS:
        raise KernelError(E.EINVAL)
    end = addr + page_align(length)
    if end == addr:
        return
    can_modify_mm_madv(mm, addr, end, advice)
    if advice in (A.MADV_DONTNEED, A.MADV_FREE):
        userfault_event(mm, addr, end, UFFD_EVENT_REMOVE)
        for v in mm.vmas.overlapping(addr, end):
            if v.vm_flags & VM_LOCKED:
                raise KernelError(E.EINVAL)
            # private pages are dropped: the next touch sees zeros (or the file's data)
            mm.zap_range(max(addr, v.start), min(end, v.end))
    elif advice in (A.MADV_DONTFORK, A.MADV_DOFORK):
        for v in mm.vmas.isolate(addr, end):
            v.vm_flags = (v.vm_flags | 1) if advice == A.MADV_DONTFORK else (v.vm_flags & ~1)
    if mm.vmas.has_holes(addr, end):
        raise KernelError(E.ENOMEM)


def do_mincore(mm: MM, addr: int, length: int) -> bytes:
    """mincore: one byte per page of [addr, addr+length), 1 when the page is in memory:
    mapped in the page table, or held by its shared object or file cache (a file page
    within the file's size is cached: pynix never evicts). Unmapped parts are ENOMEM."""
    if addr & (PAGE_SIZE - 1):
        raise KernelError(E.EINVAL)
    end = addr + page_align(length)
    if end > TASK_SIZE or mm.vmas.has_holes(addr, end):
        raise KernelError(E.ENOMEM)
    out = bytearray(page_align(length) >> PAGE_SHIFT)
    mapped = set(mm.resident(addr, end))
    for v in mm.vmas.overlapping(addr, end):
        size = getattr(getattr(v.file, "inode", None), "size", None)
        pages = getattr(v.mapping, "pages", {})
        for va in range(max(addr, v.start), min(end, v.end), PAGE_SIZE):
            pgoff = v.page_offset(va)
            if (va >> PAGE_SHIFT in mapped or pgoff in pages
                    or size is not None and pgoff * PAGE_SIZE < size):
                out[(va - addr) >> PAGE_SHIFT] = 1
    return bytes(out)


def do_mlock(mm: MM, addr: int, length: int, lock: bool, onfault: bool = False) -> None:
    """mlock/mlock2/munlock (mm/mlock.c do_mlock, apply_vma_lock_flags): mark the areas
    VM_LOCKED (with VM_LOCKONFAULT for MLOCK_ONFAULT) or clear both, then, for a plain lock,
    fault every page in (__mm_populate; there is no swap to pin against: the flag is reported
    in /proc/pid/status VmLck). ENOMEM when part of the range is unmapped."""
    start = addr & ~(PAGE_SIZE - 1)
    end = page_align(addr + length)
    flags = VM_LOCKED | (VM_LOCKONFAULT if onfault else 0)
    for v in mm.vmas.isolate(start, end):
        v.vm_flags = (v.vm_flags & ~(VM_LOCKED | VM_LOCKONFAULT)) | (flags if lock else 0)
    covered = sum(v.end - v.start for v in mm.vmas.overlapping(start, end))
    if covered < end - start:
        raise KernelError(E.ENOMEM)
    if lock and not onfault:
        mm_populate(mm, start, end)


def mm_populate(mm: MM, start: int, end: int) -> None:
    """__mm_populate (mm/gup.c, errors ignored as mlock does): fault in each page of the
    accessible areas in [start, end), by a write for a private writable area so that its
    copy-on-write is broken as Linux's FOLL_WRITE does, by a read otherwise."""
    for v in mm.vmas.overlapping(start, end):
        if not v.prot & (A.PROT_READ | A.PROT_WRITE | A.PROT_EXEC):
            continue
        access = UC_MEM_WRITE if v.prot & A.PROT_WRITE and not v.shared else UC_MEM_READ
        for va in range(max(v.start, start), min(v.end, end), PAGE_SIZE):
            handle_mm_fault(mm, va, access)
