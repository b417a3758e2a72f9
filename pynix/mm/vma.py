"""Virtual memory areas: one contiguous range of an address space with one protection and one
backing (Linux's vm_area_struct).

Provides ``VMA`` (start, end, prot, flags, backing ``mapping`` and page offset, the mapped
``file``; ``copy``, ``get_backing``/``put_backing`` for the references an area holds) and
``VMAList``, the sorted set of an mm's areas: ``find`` (Linux's vma_lookup), ``find_next``
(find_vma), ``overlapping``, ``has_holes``, ``insert``, ``remove``, ``split`` (split_vma),
``isolate`` (the splitting munmap and mprotect do at both ends of a range), ``is_free`` and
``gaps_topdown`` (for get_unmapped_area); ``MaxMapCount``, the vm.max_map_count sysctl.
The backing is None for private anonymous memory (frames are owned through the page table),
mm/filemap.SharedMem for MAP_SHARED anonymous memory and SysV shm, or a file's page cache
(mm/filemap.AddressSpace).

Owns: the ordering and non-overlap of areas. Frames are owned by page tables (mm/mm.py).
"""
from __future__ import annotations

import bisect
from typing import Iterator

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.abi import MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE
from pynix.base.errors import KernelError

VM_GROWSDOWN = 0x100
VM_LOCKED = 0x2000
VM_LOCKONFAULT = 0x80000           # locked, but pages are faulted in only when touched
VM_DONTFORK = 0x1
VM_NOMAYWRITE = 1 << 40            # a write-sealed file's shared mapping: mprotect cannot add
                                   # PROT_WRITE (Linux clears VM_MAYWRITE; seal_check_write)
VM_UFFD_MISSING = 0x200            # registered with a userfaultfd (mm/userfaultfd.py) for
VM_UFFD_WP = 0x1000                # missing pages, write protection, minor (cached shmem) faults
VM_UFFD_MINOR = 1 << 41
VM_UFFD_MASK = VM_UFFD_MISSING | VM_UFFD_WP | VM_UFFD_MINOR
VM_SEALED = 1 << 42                # mseal(2): the area cannot be unmapped, moved or reprotected


class MaxMapCount:
    """sysctl vm.max_map_count (sysctl_max_map_count): an mm's ceiling on areas. mmap fails
    past it and a split that would add an area at it fails, both ENOMEM."""
    value = 65530


class VMA:
    __slots__ = ("start", "end", "prot", "flags", "mapping", "pgoff", "name", "vm_flags", "file",
                 "uffd")

    def __init__(self, start: int, end: int, prot: int, flags: int, mapping: object = None,
                 pgoff: int = 0, name: str = "", vm_flags: int = 0, file: object = None) -> None:
        self.start = start
        self.end = end
        self.prot = prot
        self.flags = flags            # MAP_SHARED / MAP_PRIVATE (+ MAP_ANONYMOUS)
        self.mapping = mapping        # AddressSpace (file page cache) or SharedMem, or None
        self.pgoff = pgoff            # page offset of ``start`` within ``mapping``
        self.name = name              # "[heap]", "[stack]", or the file path for /proc/pid/maps
        self.vm_flags = vm_flags
        self.file = file              # the open file it maps (keeps a reference, like vm_file)
        self.uffd: object = None      # the userfaultfd it reports faults to (vm_userfaultfd_ctx)

    @property
    def shared(self) -> bool:
        return bool(self.flags & MAP_SHARED)

    def page_offset(self, vaddr: int) -> int:
        """Index of the page holding ``vaddr`` within the backing object."""
        return self.pgoff + ((vaddr - self.start) >> 12)

    def copy(self) -> VMA:
        """A new area over the same backing; it takes its own references (vma_dup)."""
        v = VMA(self.start, self.end, self.prot, self.flags, self.mapping, self.pgoff,
                self.name, self.vm_flags, self.file)
        v.uffd = self.uffd
        v.get_backing()
        return v

    def get_backing(self) -> None:
        """Take the references an area holds: shared memory and the mapped open file."""
        if self.mapping is not None and hasattr(self.mapping, "get"):
            self.mapping.get()
        if self.file is not None:
            self.file.get()

    def put_backing(self) -> None:
        """Drop them when the area goes (munmap, exit, exec)."""
        if self.mapping is not None and hasattr(self.mapping, "put"):
            self.mapping.put()
        if self.file is not None:
            self.file.put()

    def prot_str(self) -> str:
        return ("r" if self.prot & PROT_READ else "-") + ("w" if self.prot & PROT_WRITE else "-") + \
               ("x" if self.prot & PROT_EXEC else "-") + ("s" if self.shared else "p")

    def __repr__(self) -> str:
        return f"VMA({self.start:#x}-{self.end:#x} {self.prot_str()} {self.name})"


class VMAList:
    """Sorted, non-overlapping areas of one address space."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.vmas: list[VMA] = []

    def __iter__(self) -> Iterator[VMA]:
        return iter(self.vmas)

    def __len__(self) -> int:
        return len(self.vmas)

    def find(self, addr: int) -> VMA | None:
        """The area containing ``addr``, or None."""
        i = bisect.bisect_right(self.starts, addr) - 1
        if i >= 0:
            v = self.vmas[i]
            if addr < v.end:
                return v
        return None

    def find_next(self, addr: int) -> VMA | None:
        """The first area ending above ``addr`` (Linux's find_vma)."""
        i = bisect.bisect_right(self.starts, addr) - 1
        if i >= 0 and addr < self.vmas[i].end:
            return self.vmas[i]
        return self.vmas[i + 1] if i + 1 < len(self.vmas) else None

    def overlapping(self, start: int, end: int) -> list[VMA]:
        i = max(bisect.bisect_right(self.starts, start) - 1, 0)
        out = []
        while i < len(self.vmas) and self.vmas[i].start < end:
            if self.vmas[i].end > start:
                out.append(self.vmas[i])
            i += 1
        return out

    def insert(self, vma: VMA) -> None:
        i = bisect.bisect_left(self.starts, vma.start)
        self.starts.insert(i, vma.start)
        self.vmas.insert(i, vma)

    def remove(self, vma: VMA) -> None:
        i = self.vmas.index(vma)
        del self.starts[i]
        del self.vmas[i]

    def split(self, vma: VMA, addr: int) -> VMA:
        """Split ``vma`` at ``addr``; returns the upper half (split_vma: ENOMEM when the mm
        already has vm.max_map_count areas)."""
        if len(self.vmas) >= MaxMapCount.value:
            raise KernelError(E.ENOMEM)
        hi = vma.copy()
        hi.start = addr
        hi.pgoff = vma.page_offset(addr)
        vma.end = addr
        self.insert(hi)
        return hi

    def isolate(self, start: int, end: int) -> list[VMA]:
        """Split areas at ``start`` and ``end`` and return those lying wholly inside."""
        out = []
        for v in self.overlapping(start, end):
            if v.start < start:
                v = self.split(v, start)
            if v.end > end:
                self.split(v, end)
            out.append(v)
        return out

    def has_holes(self, start: int, end: int) -> bool:
        """Is some page of [start, end) in no area?"""
        covered = start
        for v in self.overlapping(start, end):
            if v.start > covered:
                return True
            covered = v.end
        return covered < end

    def is_free(self, start: int, end: int) -> bool:
        return not self.overlapping(start, end)

    def gaps_topdown(self, low: int, high: int) -> Iterator[tuple[int, int]]:
        """Free ranges between ``low`` and ``high``, highest first."""
        top = high
        for v in reversed(self.vmas):
            if v.start >= top:
                continue
            if v.end < top:
                yield max(v.end, low), top
            top = min(top, v.start)
            if top <= low:
                return
        if top > low:
            yield low, top
