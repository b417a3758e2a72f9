"""Memory sealing (Linux mm/mseal.c): mseal(2) and the checks of the calls it forbids.

Provides ``do_mseal(mm, start, length, flags)``, which marks every area of the range
VM_SEALED (splitting at its ends), and the checks the address-space calls in mm/mmap.py make
before changing anything: ``can_modify_mm(mm, start, end)`` (munmap, mremap, mprotect, mmap
MAP_FIXED over a range: EPERM when a sealed area lies in it) and
``can_modify_mm_madv(mm, start, end, advice)`` (a discarding madvise on a sealed area whose
anonymous memory the caller could not write: EPERM). A seal lasts as long as the area; it
is copied by fork and split with the area.

Owns nothing beyond the flag.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.machine.physmem import PAGE_SIZE
from pynix.mm.mm import MM
from pynix.mm.vma import VM_SEALED, VMA

U64 = (1 << 64) - 1

# the advice that throws data away (is_madv_discard): FREE, DONTNEED, REMOVE, DONTFORK,
# WIPEONFORK, DONTNEED_LOCKED
MADV_DISCARD = (A.MADV_FREE, A.MADV_DONTNEED, A.MADV_REMOVE, A.MADV_DONTFORK, 18, 24)


def do_mseal(mm: MM, start: int, length: int, flags: int) -> None:
    """mseal: EINVAL for flags, an unaligned start or a length that wraps when rounded;
    ENOMEM when the range wraps or a page of it is unmapped (nothing is sealed then)."""
    if flags or start & (PAGE_SIZE - 1):
        raise KernelError(E.EINVAL)
    rounded = (length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1) & U64
    if length and not rounded:
        raise KernelError(E.EINVAL)
    end = start + rounded
    if end > U64:
        raise KernelError(E.ENOMEM)
    if end == start:
        return
    if mm.vmas.has_holes(start, end):
        raise KernelError(E.ENOMEM)
    for v in mm.vmas.isolate(start, end):
        v.vm_flags |= VM_SEALED


def can_modify_mm(mm: MM, start: int, end: int) -> None:
    """EPERM when an area of [start, end) is sealed."""
    for v in mm.vmas.overlapping(start, end):
        if v.vm_flags & VM_SEALED:
            raise KernelError(E.EPERM)


def is_ro_anon(v: VMA) -> bool:
    """Anonymous memory (or a private file copy) that cannot be written (is_ro_anon)."""
    return (v.file is None or not v.shared) and not v.prot & A.PROT_WRITE


def can_modify_mm_madv(mm: MM, start: int, end: int, advice: int) -> None:
    """EPERM for a discarding advice on a sealed read-only anonymous area."""
    if advice not in MADV_DISCARD:
        return
    for v in mm.vmas.overlapping(start, end):
        if v.vm_flags & VM_SEALED and is_ro_anon(v):
            raise KernelError(E.EPERM)
