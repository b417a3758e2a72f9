"""Unit tests of fs/aio.py: the ring's rounding and header as user memory shows it, the
system-wide limit (aio-nr / aio-max-nr), event posting and reaping through the ring, and
the context's death."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from pynix.arch.x86_64 import aio as X
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.aio import (
    AioLimits,
    aio_complete,
    aio_get_req,
    aio_read_events_ring,
    aio_ring_size,
    exit_aio,
    ioctx_alloc,
    kill_ioctx,
    lookup_ioctx,
)
from pynix.machine.physmem import PhysMem
from pynix.mm.mm import MM
from pynix.mm.mmap import do_mmap
from pynix.mm.uaccess import copy_from_user, put_u32


def _task() -> SimpleNamespace:
    mm = MM(PhysMem(8 << 20))
    k = SimpleNamespace(aio=AioLimits())
    return SimpleNamespace(mm=mm, kernel=k)


def test_rounding_as_linux() -> None:
    assert aio_ring_size(1) == (1, 127)          # at least 4 per CPU, doubled, the page filled
    assert aio_ring_size(127) == (2, 255)
    assert aio_ring_size(128) == (3, 383)
    with pytest.raises(KernelError) as e:
        aio_ring_size(0xFFFFFFFF)                 # nr_events -1: the doubled size overflows
    assert e.value.errno == E.EINVAL


def test_ring_header_in_user_memory() -> None:
    t = _task()
    ctx = ioctx_alloc(t, 10)
    hdr = X.AIO_RING.unpack(copy_from_user(t.mm, ctx.user_id, X.AIO_RING.size))
    assert hdr == (0, 127, 0, 0, X.AIO_RING_MAGIC, 1, 0, 32)
    second = ioctx_alloc(t, 1)
    assert X.AIO_RING.unpack(copy_from_user(t.mm, second.user_id, 4 * 8))[0] == 1
    assert lookup_ioctx(t, ctx.user_id) is ctx and lookup_ioctx(t, second.user_id) is second
    put_u32(t.mm, second.user_id, 0)              # a ring whose id was overwritten is no context
    assert lookup_ioctx(t, second.user_id) is None
    assert t.kernel.aio.aio_nr == 11


def test_limits() -> None:
    t = _task()
    t.kernel.aio.aio_max_nr = 100
    with pytest.raises(KernelError) as e:
        ioctx_alloc(t, 101)
    assert e.value.errno == E.EAGAIN
    ctx = ioctx_alloc(t, 60)
    with pytest.raises(KernelError) as e:
        ioctx_alloc(t, 41)                        # aio_nr + 41 passes aio-max-nr
    assert e.value.errno == E.EAGAIN
    kill_ioctx(t.kernel, t.mm, ctx)
    assert t.kernel.aio.aio_nr == 0 and t.mm.ioctx_table == []
    assert t.mm.vmas.find(ctx.user_id) is None    # the ring is unmapped
    with pytest.raises(KernelError):
        kill_ioctx(t.kernel, t.mm, ctx)
    ioctx_alloc(t, 41)


def test_events_through_the_ring() -> None:
    t = _task()
    ctx = ioctx_alloc(t, 1)
    buf = do_mmap(t.mm, 0, 8192, 3, 0x22)
    for i in range(3):
        aio_complete(aio_get_req(ctx, 0x1000 + i, 7 + i), 100 + i)
    tail = int.from_bytes(copy_from_user(t.mm, ctx.user_id + 12, 4), "little")
    assert tail == 3
    assert aio_read_events_ring(ctx, t.mm, buf, 2) == 2
    assert X.IO_EVENT.unpack(copy_from_user(t.mm, buf, 32)) == (7, 0x1000, 100, 0)
    assert int.from_bytes(copy_from_user(t.mm, ctx.user_id + 8, 4), "little") == 2
    assert aio_read_events_ring(ctx, t.mm, 0x10, 5) == -E.EFAULT   # the head stays
    assert aio_read_events_ring(ctx, t.mm, buf, 5) == 1
    assert X.IO_EVENT.unpack(copy_from_user(t.mm, buf, 32)) == (9, 0x1002, 102, 0)
    exit_aio(t.kernel, t.mm)
    assert ctx.dead and t.kernel.aio.aio_nr == 0
