"""Unit tests of fs/io_uring.py and fs/io_uring_ops.py: ring sizes, the ring layout as the
user's mapping shows it, CQE posting with the overflow list, SQ consumption with dropped
entries, the init failure that stops a submission, and the io_uring_disabled policy."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import io_uring as X
from pynix.base.errors import KernelError
from pynix.fs.io_uring import io_uring_create, sysctl_of
from pynix.fs.io_uring_ops import io_submit_sqes
from pynix.machine.physmem import PhysMem
from pynix.mm.mm import MM
from pynix.mm.mmap import do_mmap
from pynix.mm.uaccess import copy_from_user, copy_to_user, get_u32, put_u32


def _task() -> SimpleNamespace:
    phys = PhysMem(8 << 20)
    return SimpleNamespace(mm=MM(phys), kernel=SimpleNamespace(phys=phys), cred=None)


def _map(t: SimpleNamespace, ctx: object, off: int) -> int:
    mem, pgoff, name = ctx.mmap_region(off, 4096)  # type: ignore[attr-defined]
    mem.get()
    return do_mmap(t.mm, 0, 4096, A.PROT_READ | A.PROT_WRITE, A.MAP_SHARED, mem, pgoff, name)


def _run(gen: object) -> int:
    try:
        while True:
            next(gen)  # type: ignore[call-overload]
    except StopIteration as stop:
        return stop.value


def test_sizes_as_linux() -> None:
    t = _task()
    ctx = io_uring_create(t, 3, 0, 0)
    assert (ctx.sq_entries, ctx.cq_entries) == (4, 8)
    ctx = io_uring_create(t, 3, X.IORING_SETUP_CQSIZE, 100)
    assert (ctx.sq_entries, ctx.cq_entries) == (4, 128)
    ctx = io_uring_create(t, 65536, X.IORING_SETUP_CLAMP, 0)
    assert (ctx.sq_entries, ctx.cq_entries) == (32768, 65536)
    for entries, flags, cq in ((0, 0, 0), (65536, 0, 0), (4, X.IORING_SETUP_CQSIZE, 2),
                               (4, X.IORING_SETUP_CQSIZE, 0), (4, X.IORING_SETUP_SQPOLL, 0)):
        with pytest.raises(KernelError) as e:
            io_uring_create(t, entries, flags, cq)
        assert e.value.errno == E.EINVAL


def test_rings_are_shared_with_the_user() -> None:
    t = _task()
    ctx = io_uring_create(t, 4, 0, 0)
    sq = _map(t, ctx, X.IORING_OFF_SQ_RING)
    cq = _map(t, ctx, X.IORING_OFF_CQ_RING)         # the same object: SINGLE_MMAP
    assert get_u32(t.mm, sq + X.SQ_RING_MASK) == 3 and get_u32(t.mm, cq + X.CQ_RING_ENTRIES) == 8
    ctx.post_cqe(0x1234, -E.EBADF)
    assert get_u32(t.mm, cq + X.CQ_TAIL) == 1
    assert X.CQE.unpack(copy_from_user(t.mm, cq + X.CQES_OFF, 16)) == (0x1234, -E.EBADF, 0)
    with pytest.raises(KernelError):
        ctx.mmap_region(0x4000_0000, 4096)


def test_overflow_list_keeps_completions() -> None:
    t = _task()
    ctx = io_uring_create(t, 1, 0, 0)               # cq_entries 2
    cq = _map(t, ctx, X.IORING_OFF_CQ_RING)
    for i in range(3):
        ctx.post_cqe(i, 0)
    assert ctx.cq_ready() == 2 and len(ctx.overflow) == 1
    assert get_u32(t.mm, cq + X.SQ_FLAGS) & 2         # IORING_SQ_CQ_OVERFLOW
    put_u32(t.mm, cq + X.CQ_HEAD, 2)                  # the user consumed both
    ctx.flush_overflow()
    assert ctx.cq_ready() == 1 and not ctx.overflow
    assert X.CQE.unpack(copy_from_user(t.mm, cq + X.CQES_OFF, 16))[0] == 2


def test_submission_reads_the_sq_and_stops_at_a_bad_opcode() -> None:
    t = _task()
    ctx = io_uring_create(t, 4, 0, 0)
    ring = _map(t, ctx, X.IORING_OFF_SQ_RING)
    sqes = _map(t, ctx, X.IORING_OFF_SQES)
    ops = [(9, X.IORING_OP_NOP, 1), (1, X.IORING_OP_NOP, 2), (2, 200, 3), (3, X.IORING_OP_NOP, 4)]
    for slot, (idx, op, ud) in enumerate(ops):
        put_u32(t.mm, ring + ctx.array_off + 4 * slot, idx)
        if idx < 4:
            copy_to_user(t.mm, sqes + 64 * idx, X.SQE.pack(op, 0, 0, 0, 0, 0, 0, 0, ud, 0, 0, 0, 0, 0))
    put_u32(t.mm, ring + X.SQ_TAIL, 4)
    assert _run(io_submit_sqes(t, ctx, 4)) == 3        # the bad opcode ends the submission
    assert get_u32(t.mm, ring + X.SQ_DROPPED) == 1 and get_u32(t.mm, ring + X.SQ_HEAD) == 3
    cqes = [X.CQE.unpack(copy_from_user(t.mm, ring + X.CQES_OFF + 16 * i, 16)) for i in range(2)]
    assert cqes == [(2, 0, 0), (3, -E.EINVAL, 0)]
    assert _run(io_submit_sqes(t, ctx, 4)) == 1        # the rest on the next call


def test_io_uring_disabled() -> None:
    t = _task()
    sysctl_of(t.kernel).disabled = 2
    with pytest.raises(KernelError) as e:
        io_uring_create(t, 4, 0, 0)
    assert e.value.errno == E.EPERM
