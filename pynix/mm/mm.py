"""The address space: page table plus areas (Linux's mm_struct).

Provides ``MM``:
- ``pt``: the page table the kernel owns, a dict from virtual page number to a PTE integer
  ``pfn << 12 | perms`` (perms: PTE_R 1, PTE_W 2, PTE_X 4, as granted to the CPU's TLB).
  A page is copy-on-write when its area is private and writable but its PTE lacks PTE_W.
- ``vmas``: the VMAList; ``brk``/``start_brk``, ``start_stack``, arg/env bounds, ``exe`` and ``exe_file``.
- ``dup_mmap(child)``: fork's copy (shared frames, private writable pages turned COW in both).
- ``set_pte``, ``resident(start, end)`` (the mapped pages, for mincore), ``rss_pages`` and
  ``total_vm_pages`` (for /proc).
- ``zap_range(start, end)``: unmap pages and drop their frames (unmap_page_range).
- ``writeback_range(start, end)``: write dirty shared file pages back (msync).
- ``exit_mmap()``: release everything at the last user (mmput).

The CPU sees PTEs only through mm/fault.py (the TLB fill handler); every change that removes or
narrows a PTE must call ``flush_tlb()``.

Owns: the page table and the frame references it holds.
"""
from __future__ import annotations

from typing import Callable

from pynix.arch.x86_64.abi import PROT_WRITE
from pynix.machine.mmu import UC_PROT_EXEC, UC_PROT_READ, UC_PROT_WRITE
from pynix.machine.physmem import PAGE_SHIFT, PhysMem
from pynix.mm.vma import VM_DONTFORK, VM_UFFD_MASK, VMAList

PTE_R, PTE_W, PTE_X = UC_PROT_READ, UC_PROT_WRITE, UC_PROT_EXEC   # the TLB entry's bits
PTE_PERMS = 7
PTE_DIRTY = 8            # written since mapped (shared file pages: to write back)
PTE_UFFD_WP = 16         # write-protected by UFFDIO_WRITEPROTECT: a write goes to the uffd
PTE_MARKER_POISONED = 2  # mm.pte_markers value: UFFDIO_POISON'ed, touching it is SIGBUS

TASK_SIZE = 0x7FFF_FFFF_F000
STACK_TOP = 0x7FFF_FFFF_F000
MMAP_BASE = 0x7FFF_F7FF_F000
MMAP_MIN = 0x10000
ELF_ET_DYN_BASE = 0x5555_5555_4000


class MM:
    # set by the kernel at boot: called when a PTE of the mm loaded in the CPU narrows
    flush_hook: Callable[[MM], None] = staticmethod(lambda mm: None)

    def __init__(self, phys: PhysMem) -> None:
        self.phys = phys
        self.pt: dict[int, int] = {}
        self.pte_markers: dict[int, int] = {}   # vpn -> marker, for pages with no frame
        self.membarrier_state = 0          # mm/membarrier.py: the REGISTER commands done
        self.vmas = VMAList()
        self.users = 1                 # mm_users: tasks sharing it (CLONE_VM)
        self.start_code = self.end_code = self.start_data = self.end_data = 0
        self.start_brk = self.brk = 0
        self.start_stack = 0
        self.arg_start = self.arg_end = self.env_start = self.env_end = 0
        self.mmap_base = MMAP_BASE
        self.exe: object = None        # the executable's dentry/path for /proc/pid/exe
        self.exe_file: object = None   # its open file (denies writers) until the last mmput
        self.locked = False            # mlockall(MCL_FUTURE)
        self.auxv: bytes = b""
        self.ioctx_table: list = []    # fs/aio.py's contexts, by id (mm->ioctx_table); not forked

    # -- page table ---------------------------------------------------------------------------
    def set_pte(self, vpn: int, pfn: int, perms: int) -> None:
        self.pt[vpn] = (pfn << PAGE_SHIFT) | perms

    def flush_tlb(self) -> None:
        MM.flush_hook(self)

    def resident(self, start: int, end: int) -> list[int]:
        """The mapped virtual page numbers in [start, end): walk whichever is smaller, the
        range or the page table (a 256 MiB sparse area must not cost 65536 probes)."""
        pt = self.pt
        lo, hi = start >> PAGE_SHIFT, end >> PAGE_SHIFT
        if hi - lo > len(pt):
            return sorted(v for v in pt if lo <= v < hi)
        return [v for v in range(lo, hi) if v in pt]

    def zap_range(self, start: int, end: int) -> None:
        """Drop the PTEs of [start, end) and the frame references they hold."""
        pt = self.pt
        put = self.phys.put
        vpns = self.resident(start, end)
        for v in vpns:
            put(pt.pop(v) >> PAGE_SHIFT)
        if self.pte_markers:
            lo, hi = start >> PAGE_SHIFT, end >> PAGE_SHIFT
            for v in [v for v in self.pte_markers if lo <= v < hi]:
                del self.pte_markers[v]
        if vpns:
            self.flush_tlb()

    def writeback_range(self, start: int, end: int) -> None:
        """Write dirty pages of shared file mappings in [start, end) back (msync)."""
        for vma in self.vmas.overlapping(start, end):
            mapping = vma.mapping
            if not vma.shared or mapping is None or not hasattr(mapping, "writeback_page"):
                continue
            for vpn in self.resident(max(start, vma.start), min(end, vma.end)):
                pte = self.pt[vpn]
                if pte & PTE_DIRTY:
                    mapping.writeback_page(vma.page_offset(vpn << PAGE_SHIFT))
                    self.pt[vpn] = pte & ~PTE_DIRTY

    # -- fork and exit -----------------------------------------------------------------------
    def dup_mmap(self, child: MM) -> None:
        """Copy this address space into ``child`` for fork (Linux dup_mmap + copy_page_range):
        shared mappings share frames; private writable pages become copy-on-write in both."""
        child.start_code, child.end_code = self.start_code, self.end_code
        child.membarrier_state = self.membarrier_state   # dup_mm copies it; exec starts at 0
        child.start_data, child.end_data = self.start_data, self.end_data
        child.start_brk, child.brk, child.start_stack = self.start_brk, self.brk, self.start_stack
        child.arg_start, child.arg_end = self.arg_start, self.arg_end
        child.env_start, child.env_end = self.env_start, self.env_end
        child.mmap_base, child.exe, child.auxv = self.mmap_base, self.exe, self.auxv
        if self.exe_file is not None:
            child.exe_file = self.exe_file.get()        # dup_mm_exe_file
        pt, cpt, get = self.pt, child.pt, self.phys.get
        narrowed = False
        for vma in self.vmas:
            if vma.vm_flags & VM_DONTFORK:
                continue
            cvma = vma.copy()
            if cvma.uffd is not None:              # without UFFD_FEATURE_EVENT_FORK the
                cvma.uffd = None                   # child's areas report to no userfaultfd
                cvma.vm_flags &= ~VM_UFFD_MASK     # (dup_userfaultfd)
            child.vmas.insert(cvma)
            cow = not vma.shared and vma.prot & PROT_WRITE
            for vpn in self.resident(vma.start, vma.end):
                pte = pt[vpn]
                get(pte >> PAGE_SHIFT)
                if cow and pte & PTE_W:
                    pte &= ~(PTE_W | PTE_DIRTY)
                    pt[vpn] = pte
                    narrowed = True
                cpt[vpn] = pte & ~PTE_UFFD_WP
        if narrowed:
            self.flush_tlb()

    def exit_mmap(self) -> None:
        """Release every frame and area (the last mmput)."""
        put = self.phys.put
        for vma in self.vmas:
            if vma.shared:
                self.writeback_range(vma.start, vma.end)
        for pte in self.pt.values():
            put(pte >> PAGE_SHIFT)
        self.pt.clear()
        self.pte_markers.clear()
        for vma in self.vmas:
            vma.put_backing()
        self.vmas = VMAList()
        if self.exe_file is not None:
            self.exe_file.put()                         # set_mm_exe_file(mm, NULL)
            self.exe_file = None
        self.flush_tlb()

    # -- figures for /proc and sysinfo --------------------------------------------------------
    @property
    def rss_pages(self) -> int:
        return len(self.pt)

    @property
    def total_vm_pages(self) -> int:
        return sum((v.end - v.start) >> PAGE_SHIFT for v in self.vmas)
