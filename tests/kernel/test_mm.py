"""Unit tests of the memory manager's structures: frames, page tables, areas."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.base.errors import KernelError
from pynix.machine.mmu import UC_MEM_READ, UC_MEM_WRITE
from pynix.machine.physmem import PhysMem
from pynix.mm.fault import handle_mm_fault
from pynix.mm.mm import MM, PTE_W
from pynix.mm.mmap import do_brk, do_madvise, do_mmap, do_mprotect, do_mremap, do_munmap
from pynix.mm.uaccess import copy_from_user, copy_to_user

RW = A.PROT_READ | A.PROT_WRITE
ANON = A.MAP_PRIVATE | A.MAP_ANONYMOUS


@pytest.fixture
def phys() -> PhysMem:
    return PhysMem(16 << 20)


def pfn_of(mm: MM, addr: int) -> int:
    return mm.pt[addr >> 12] >> 12


def test_fork_shares_frames_copy_on_write(phys: PhysMem) -> None:
    parent = MM(phys)
    addr = do_mmap(parent, 0, 3 * 4096, RW, ANON)
    copy_to_user(parent, addr, b"parent" * 1000)
    frame = pfn_of(parent, addr)
    assert phys.refcount[frame] == 1
    child = MM(phys)
    parent.dup_mmap(child)
    # after fork: one frame, two references, neither side may write it directly
    assert pfn_of(child, addr) == frame
    assert phys.refcount[frame] == 2
    assert not parent.pt[addr >> 12] & PTE_W and not child.pt[addr >> 12] & PTE_W
    # the child's first write copies the page; the parent keeps the original alone
    copy_to_user(child, addr, b"child!")
    assert pfn_of(child, addr) != frame
    assert phys.refcount[frame] == 1 and phys.refcount[pfn_of(child, addr)] == 1
    assert copy_from_user(parent, addr, 6) == b"parent"
    assert copy_from_user(child, addr, 6) == b"child!"
    # the parent, now the last user, writes in place without another copy
    free_before = phys.free_frames
    copy_to_user(parent, addr, b"again!")
    assert pfn_of(parent, addr) == frame and phys.free_frames == free_before


def test_exit_mmap_returns_every_frame(phys: PhysMem) -> None:
    free0 = phys.free_frames
    mm = MM(phys)
    addr = do_mmap(mm, 0, 10 * 4096, RW, ANON)
    copy_to_user(mm, addr, bytes(10 * 4096))
    child = MM(phys)
    mm.dup_mmap(child)
    assert phys.free_frames == free0 - 10
    mm.exit_mmap()
    assert phys.free_frames == free0 - 10          # the child still holds them
    child.exit_mmap()
    assert phys.free_frames == free0


def test_map_shared_stays_shared_after_fork(phys: PhysMem) -> None:
    parent = MM(phys)
    addr = do_mmap(parent, 0, 4096, RW, A.MAP_SHARED | A.MAP_ANONYMOUS)
    child = MM(phys)
    parent.dup_mmap(child)
    copy_to_user(child, addr, b"seen")
    assert copy_from_user(parent, addr, 4) == b"seen"
    assert pfn_of(parent, addr) == pfn_of(child, addr)


def test_munmap_splits_area(phys: PhysMem) -> None:
    mm = MM(phys)
    addr = do_mmap(mm, 0, 5 * 4096, RW, ANON)
    copy_to_user(mm, addr, bytes(5 * 4096))
    do_munmap(mm, addr + 2 * 4096, 4096)
    spans = [(v.start - addr, v.end - addr) for v in mm.vmas]
    assert spans == [(0, 2 * 4096), (3 * 4096, 5 * 4096)]
    assert (addr + 2 * 4096) >> 12 not in mm.pt
    assert handle_mm_fault(mm, addr + 2 * 4096, UC_MEM_READ) is None


def test_mprotect_splits_and_narrows(phys: PhysMem) -> None:
    mm = MM(phys)
    addr = do_mmap(mm, 0, 4 * 4096, RW, ANON)
    copy_to_user(mm, addr, bytes(4 * 4096))
    do_mprotect(mm, addr + 4096, 2 * 4096, A.PROT_READ)
    prots = [(v.start - addr, v.end - addr, v.prot) for v in mm.vmas]
    assert prots == [(0, 4096, RW), (4096, 3 * 4096, A.PROT_READ), (3 * 4096, 4 * 4096, RW)]
    assert not mm.pt[(addr + 4096) >> 12] & PTE_W
    assert handle_mm_fault(mm, addr + 4096, UC_MEM_WRITE) is None
    with pytest.raises(KernelError):
        copy_to_user(mm, addr + 4096, b"x")
    with pytest.raises(KernelError):          # a hole in the range is ENOMEM
        do_mprotect(mm, addr, 64 * 4096, A.PROT_READ)


def test_brk_grows_and_shrinks(phys: PhysMem) -> None:
    mm = MM(phys)
    mm.start_brk = mm.brk = 0x600000
    assert do_brk(mm, 0x603000) == 0x603000
    copy_to_user(mm, 0x602FFF, b"z")
    assert do_brk(mm, 0x601000) == 0x601000
    assert 0x602 not in mm.pt
    assert do_brk(mm, 0x500000) == 0x601000     # below the start: unchanged


def test_mremap_moves_pages(phys: PhysMem) -> None:
    mm = MM(phys)
    a = do_mmap(mm, 0, 4096, RW, ANON)
    do_mmap(mm, a + 4096, 4096, RW, ANON | A.MAP_FIXED)      # block growth in place
    copy_to_user(mm, a, b"moved")
    b = do_mremap(mm, a, 4096, 8192, A.MREMAP_MAYMOVE, 0)
    assert b != a and copy_from_user(mm, b, 5) == b"moved"
    assert mm.vmas.find(a) is None


def test_madvise_dontneed_zeroes(phys: PhysMem) -> None:
    mm = MM(phys)
    a = do_mmap(mm, 0, 4096, RW, ANON)
    copy_to_user(mm, a, b"data")
    do_madvise(mm, a, 4096, A.MADV_DONTNEED)
    assert copy_from_user(mm, a, 4) == bytes(4)
