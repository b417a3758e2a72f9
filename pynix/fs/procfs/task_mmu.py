"""/proc/[pid]/smaps, smaps_rollup and pagemap (Linux fs/proc/task_mmu.c show_smap,
show_smaps_rollup, smaps_account, pagemap_read).

Provides ``proc_pid_smaps(t, root, mm)`` and ``proc_pid_smaps_rollup(t, root, mm)``: the text
of the per-area memory figures, computed from the page table (``mm.pt``), each frame's
reference count (machine/physmem.py) and the area's backing (mm/filemap.py page cache or
shared memory); and ``PagemapFile``, the open /proc/[pid]/pagemap, whose 8-byte entries
(``pagemap_entry``) are generated for the range read, never for the whole address space.

A frame's map count is its reference count less the one the page cache holds when the frame
is the cached page itself. Private anonymous and copied (COW-broken) pages count as dirty, as
on Linux where such pages are dirtied at the write fault; shared pages are dirty when written
since mapped (PTE_DIRTY). pynix has no soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY off, no
clear_refs), so bit 55 and the "sd" flag never show.

Owns: nothing; every read walks the tables.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.abi import PROT_EXEC, PROT_READ, PROT_WRITE
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.fs.procfs.array import MAPS_NAME_COLUMN, proc_pid_maps
from pynix.fs.vfs.file import InodeFile
from pynix.kernel.cred import capable
from pynix.mm.mm import PTE_DIRTY, PTE_W, TASK_SIZE
from pynix.mm.vma import VM_GROWSDOWN, VM_LOCKED, VMA

if TYPE_CHECKING:
    from pynix.fs.vfs.dcache import Path
    from pynix.kernel.task import Task
    from pynix.mm.mm import MM

PAGE_KB = 4
PSS_SHIFT = 12                  # Pss is summed in 1/4096ths of a page, as Linux's PSS_SHIFT

# pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst)
PM_PFRAME_MASK = (1 << 55) - 1
PM_MMAP_EXCLUSIVE = 1 << 56
PM_FILE = 1 << 61
PM_SWAP = 1 << 62
PM_PRESENT = 1 << 63
PM_ENTRY_BYTES = 8


class MemSize:
    """struct mem_size_stats: the counts smaps prints, in pages (Pss in 1/4096 pages)."""

    def __init__(self) -> None:
        self.resident = self.shared_clean = self.shared_dirty = 0
        self.private_clean = self.private_dirty = self.referenced = self.anonymous = 0
        self.locked = self.swap = 0
        self.pss = self.pss_dirty = self.pss_anon = self.pss_file = self.pss_shmem = 0

    def add(self, o: MemSize) -> None:
        for k, v in vars(o).items():
            setattr(self, k, getattr(self, k) + v)


def _cached_pfn(v: VMA, vpn: int) -> int | None:
    pages = getattr(v.mapping, "pages", None)
    return pages.get(v.page_offset(vpn << 12)) if pages is not None else None


def page_facts(mm: MM, v: VMA, vpn: int, pte: int) -> tuple[int, bool, bool]:
    """(map count, anonymous, dirty) of the page mapped at ``vpn``."""
    pfn = pte >> 12
    in_cache = _cached_pfn(v, vpn) == pfn
    mapcount = max(1, mm.phys.refcount[pfn] - (1 if in_cache else 0))
    anon = not in_cache
    dirty = anon or bool(pte & PTE_DIRTY)
    return mapcount, anon, dirty


def smaps_account(mm: MM, v: VMA) -> MemSize:
    """Walk the resident pages of one area (smap_gather_stats / smaps_pte_entry)."""
    mss = MemSize()
    pt = mm.pt
    shmem = v.mapping is not None and getattr(v.mapping, "inode", None) is None
    for vpn in mm.resident(v.start, v.end):
        pte = pt[vpn]
        mapcount, anon, dirty = page_facts(mm, v, vpn, pte)
        mss.resident += 1
        mss.referenced += 1               # resident pages were touched (no accessed bit here)
        if anon:
            mss.anonymous += 1
        pss = (1 << PSS_SHIFT) // mapcount
        mss.pss += pss
        if dirty:
            mss.pss_dirty += pss
        if anon:
            mss.pss_anon += pss
        elif shmem:
            mss.pss_shmem += pss
        else:
            mss.pss_file += pss
        if mapcount >= 2:
            if dirty:
                mss.shared_dirty += 1
            else:
                mss.shared_clean += 1
        elif dirty:
            mss.private_dirty += 1
        else:
            mss.private_clean += 1
        if v.vm_flags & VM_LOCKED:
            mss.locked += 1
    return mss


def _line(name: str, kb: int) -> str:
    label = (name + ":").ljust(15) + " "
    return "%s%*d kB\n" % (label, max(1, 24 - len(label)), kb)


def show_smap_body(mss: MemSize, rollup: bool) -> str:
    """__show_smap: the figures common to smaps and smaps_rollup."""
    out = [_line("Rss", mss.resident * PAGE_KB),
           _line("Pss", (mss.pss * PAGE_KB) >> PSS_SHIFT),
           _line("Pss_Dirty", (mss.pss_dirty * PAGE_KB) >> PSS_SHIFT)]
    if rollup:
        out += [_line("Pss_Anon", (mss.pss_anon * PAGE_KB) >> PSS_SHIFT),
                _line("Pss_File", (mss.pss_file * PAGE_KB) >> PSS_SHIFT),
                _line("Pss_Shmem", (mss.pss_shmem * PAGE_KB) >> PSS_SHIFT)]
    out += [_line("Shared_Clean", mss.shared_clean * PAGE_KB),
            _line("Shared_Dirty", mss.shared_dirty * PAGE_KB),
            _line("Private_Clean", mss.private_clean * PAGE_KB),
            _line("Private_Dirty", mss.private_dirty * PAGE_KB),
            _line("Referenced", mss.referenced * PAGE_KB),
            _line("Anonymous", mss.anonymous * PAGE_KB)]
    out += [_line(n, 0) for n in ("KSM", "LazyFree", "AnonHugePages", "ShmemPmdMapped",
                                  "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb")]
    out += [_line("Swap", mss.swap * PAGE_KB), _line("SwapPss", 0),
            _line("Locked", mss.locked * PAGE_KB)]
    return "".join(out)


def vma_flag_names(v: VMA) -> str:
    """show_smap_vma_flags: the two-letter mnemonics of the area's flags."""
    names = []
    if v.prot & PROT_READ:
        names.append("rd")
    if v.prot & PROT_WRITE:
        names.append("wr")
    if v.prot & PROT_EXEC:
        names.append("ex")
    if v.shared:
        names.append("sh")
    names += ["mr", "mw", "me"]                 # VM_MAY*: mprotect may grant any of them
    if v.shared:
        names.append("ms")
    if v.vm_flags & VM_GROWSDOWN:
        names.append("gd")
    if v.vm_flags & VM_LOCKED:
        names.append("lo")
    if not v.shared and v.prot & PROT_WRITE:
        names.append("ac")                      # VM_ACCOUNT: private writable memory
    return "VmFlags: " + "".join(n + " " for n in names) + "\n"


def proc_pid_smaps(t: Task, root: Path | None, mm: MM | None) -> bytes:
    """show_smap for each area: its maps line, Size, page sizes, the figures, VmFlags."""
    if mm is None or t.is_kthread:
        return b""
    maps = proc_pid_maps(t, root, mm).splitlines(keepends=True)
    out = []
    for line, v in zip(maps, list(mm.vmas)):
        mss = smaps_account(mm, v)
        out.append(line.decode(errors="surrogateescape")
                   + _line("Size", (v.end - v.start) >> 10)
                   + _line("KernelPageSize", 4) + _line("MMUPageSize", 4)
                   + show_smap_body(mss, False) + "THPeligible:    %8d\n" % 0 + vma_flag_names(v))
    return "".join(out).encode(errors="surrogateescape")


def proc_pid_smaps_rollup(t: Task, root: Path | None, mm: MM | None) -> bytes:
    """show_smaps_rollup: one header spanning every area, then the summed figures."""
    if mm is None or t.is_kthread:
        return b""
    vmas = list(mm.vmas)
    total = MemSize()
    for v in vmas:
        total.add(smaps_account(mm, v))
    start, end = (vmas[0].start, vmas[-1].end) if vmas else (0, 0)
    head = b"%08x-%08x ---p 00000000 00:00 0 " % (start, end)
    return head.ljust(MAPS_NAME_COLUMN) + b"[rollup]\n" + show_smap_body(total, True).encode()


# -- pagemap ---------------------------------------------------------------------------------------
def pagemap_entry(mm: MM, v: VMA | None, vpn: int, show_pfn: bool) -> int:
    """pte_to_pagemap_entry / pagemap_pte_hole for one virtual page."""
    if v is None:
        return 0
    pte = mm.pt.get(vpn)
    if pte is None:
        return 0
    mapcount, anon, _dirty = page_facts(mm, v, vpn, pte)
    e = PM_PRESENT
    if not anon or v.shared:
        e |= PM_FILE
    if mapcount == 1:
        e |= PM_MMAP_EXCLUSIVE
    if show_pfn:
        e |= (pte >> 12) & PM_PFRAME_MASK
    return e


class PagemapFile(InodeFile):
    """An open /proc/[pid]/pagemap: entry i describes virtual page i. Reads must be aligned
    to the 8-byte entry in offset and size (EINVAL), and end at TASK_SIZE; the PFN shows
    only to an opener with CAP_SYS_ADMIN (pm->show_pfn, from the file's credentials)."""

    mmap_ok = False

    def __init__(self, flags: int, path: object, inode: object, mm: MM | None,
                 show_pfn: bool) -> None:
        super().__init__(flags, path, inode)  # type: ignore[arg-type]
        self.mm = mm
        self.show_pfn = show_pfn

    def pread(self, n: int, off: int) -> bytes:
        if off % PM_ENTRY_BYTES or n % PM_ENTRY_BYTES:
            raise KernelError(E.EINVAL)
        mm = self.mm
        if mm is None or mm.users == 0:
            return b""
        first = off // PM_ENTRY_BYTES
        last = min(first + n // PM_ENTRY_BYTES, TASK_SIZE >> 12)
        out = bytearray()
        vpn = first
        while vpn < last:
            v = mm.vmas.find_next(vpn << 12)         # the first area ending above vpn
            if v is None or v.start >> 12 >= last:
                out += bytes(PM_ENTRY_BYTES * (last - vpn))
                break
            if v.start >> 12 > vpn:
                out += bytes(PM_ENTRY_BYTES * ((v.start >> 12) - vpn))
                vpn = v.start >> 12
            top = min(v.end >> 12, last)
            for p in range(vpn, top):
                out += pagemap_entry(mm, v, p, self.show_pfn).to_bytes(8, "little")
            vpn = top
        return bytes(out)

    def pwrite(self, data: bytes, off: int) -> int:
        raise KernelError(E.EINVAL)


def pagemap_opener(cur: Task | None, t: Task, mm: MM | None, flags: int, path: object,
                   inode: object) -> PagemapFile:
    show = cur is not None and capable(cur, CAP_SYS_ADMIN)
    return PagemapFile(flags, path, inode, mm if not t.is_kthread else None, show)
