"""Unit tests of userfaultfd's structures (mm/userfaultfd.py, mm/mfill.py) and mseal."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import userfaultfd as U
from pynix.base.errors import KernelError
from pynix.machine.mmu import UC_MEM_READ, UC_MEM_WRITE
from pynix.machine.physmem import PhysMem
from pynix.mm import fault, mfill, userfaultfd
from pynix.mm.fault import handle_mm_fault
from pynix.mm.mm import MM, PTE_UFFD_WP, PTE_W
from pynix.mm.mmap import do_mmap, do_mprotect, do_munmap
from pynix.mm.mseal import do_mseal
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.mm.userfaultfd import USERFAULT_RETRY, UserfaultCtx, UserfaultRetry
from pynix.mm.vma import VM_SEALED, VM_UFFD_MISSING

RW = A.PROT_READ | A.PROT_WRITE
ANON = A.MAP_PRIVATE | A.MAP_ANONYMOUS
PS = 4096


@pytest.fixture
def mm() -> MM:
    return MM(PhysMem(16 << 20))


def ready(mm: MM, features: int = 0) -> UserfaultCtx:
    ctx = UserfaultCtx(mm, 0)
    assert ctx.api(U.UFFD_API, features) & U.UFFD_FEATURE_PAGEFAULT_FLAG_WP
    return ctx


def test_register_splits_and_marks_areas(mm: MM) -> None:
    addr = do_mmap(mm, 0, 4 * PS, RW, ANON)
    ctx = ready(mm)
    ioctls = ctx.register(addr + PS, 2 * PS, U.UFFDIO_REGISTER_MODE_MISSING)
    assert not ioctls & U.IOCTL_BIT_WRITEPROTECT and ioctls & 1 << 3
    areas = [(v.start - addr, v.end - addr, v.uffd is ctx) for v in mm.vmas]
    assert areas == [(0, PS, False), (PS, 3 * PS, True), (3 * PS, 4 * PS, False)]
    other = ready(mm)
    with pytest.raises(KernelError) as e:
        other.register(addr, 2 * PS, U.UFFDIO_REGISTER_MODE_MISSING)
    assert e.value.errno == E.EBUSY
    ctx.unregister(addr, 4 * PS)
    assert all(v.uffd is None and not v.vm_flags & VM_UFFD_MISSING for v in mm.vmas)


def test_missing_fault_queues_one_message_and_copy_resolves(mm: MM) -> None:
    addr = do_mmap(mm, 0, 2 * PS, RW, ANON)
    src = do_mmap(mm, 0, PS, RW, ANON)
    copy_to_user(mm, src, b"Z" * PS)
    ctx = ready(mm)
    ctx.register(addr, 2 * PS, U.UFFDIO_REGISTER_MODE_MISSING)
    assert handle_mm_fault(mm, addr + 5, UC_MEM_WRITE) is None
    assert fault.last_fault[0] == USERFAULT_RETRY
    f = userfaultfd.pending
    assert f is not None and f[1] == addr + 5 and f[2] == U.UFFD_PAGEFAULT_FLAG_WRITE
    ctx.queue_fault(f[1], f[2], 7)
    ctx.queue_fault(f[1], f[2], 7)                      # a retry reports nothing new
    msg = ctx.read_msgs(64)
    assert msg is not None and len(msg) == U.UFFD_MSG.size
    event, _, _, _, arg = U.UFFD_MSG.unpack(msg)
    flags, where, tid = U.UFFD_MSG_PAGEFAULT.unpack(arg)
    assert (event, flags, where, tid) == (U.UFFD_EVENT_PAGEFAULT, 1, addr, 0)
    assert mfill.mfill_atomic_copy(ctx, addr, src, PS, 0) == PS
    assert not ctx.outstanding
    with pytest.raises(KernelError) as e:
        mfill.mfill_atomic_copy(ctx, addr, src, PS, 0)
    assert e.value.errno == E.EEXIST
    assert copy_from_user(mm, addr, 3) == b"ZZZ"
    # the kernel's own access to the other page is a userfault too
    with pytest.raises(UserfaultRetry):
        copy_from_user(mm, addr + PS, 1)


def test_write_protect_and_release(mm: MM) -> None:
    addr = do_mmap(mm, 0, PS, RW, ANON)
    copy_to_user(mm, addr, b"a")
    ctx = ready(mm, U.UFFD_FEATURE_PAGEFAULT_FLAG_WP)
    ctx.register(addr, PS, U.UFFDIO_REGISTER_MODE_WP)
    mfill.mwriteprotect_range(ctx, addr, PS, U.UFFDIO_WRITEPROTECT_MODE_WP)
    pte = mm.pt[addr >> 12]
    assert pte & PTE_UFFD_WP and not pte & PTE_W
    assert handle_mm_fault(mm, addr, UC_MEM_READ) is not None       # reads go on
    assert handle_mm_fault(mm, addr, UC_MEM_WRITE) is None
    assert userfaultfd.pending is not None and userfaultfd.pending[2] == \
        U.UFFD_PAGEFAULT_FLAG_WRITE | U.UFFD_PAGEFAULT_FLAG_WP
    ctx.release()
    assert not mm.pt[addr >> 12] & PTE_UFFD_WP
    assert handle_mm_fault(mm, addr, UC_MEM_WRITE) is not None


def test_poison_and_zeropage(mm: MM) -> None:
    addr = do_mmap(mm, 0, 2 * PS, RW, ANON)
    ctx = ready(mm)
    ctx.register(addr, 2 * PS, U.UFFDIO_REGISTER_MODE_MISSING)
    assert mfill.mfill_atomic_poison(ctx, addr, PS, 0) == PS
    assert handle_mm_fault(mm, addr, UC_MEM_READ) is None
    assert fault.last_fault == (A.SIGBUS, A.BUS_MCEERR_AR)
    assert mfill.mfill_atomic_zeropage(ctx, addr + PS, PS, 0) == PS
    assert copy_from_user(mm, addr + PS, 4) == bytes(4)
    do_munmap(mm, addr, 2 * PS)
    assert not mm.pte_markers


def test_mseal_refuses_changes(mm: MM) -> None:
    addr = do_mmap(mm, 0, 4 * PS, RW, ANON)
    do_mseal(mm, addr + PS, PS, 0)
    assert [bool(v.vm_flags & VM_SEALED) for v in mm.vmas] == [False, True, False]
    for op in (lambda: do_munmap(mm, addr, 4 * PS), lambda: do_mprotect(mm, addr, 2 * PS, 0)):
        with pytest.raises(KernelError) as e:
            op()
        assert e.value.errno == E.EPERM
    do_munmap(mm, addr + 2 * PS, 2 * PS)
    assert len(mm.vmas) == 2
