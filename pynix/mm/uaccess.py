"""User memory access for the kernel: copy_from_user, copy_to_user, strncpy_from_user.

Every syscall reaches user memory only through these. They walk the task's page table, fault
pages in exactly as the CPU would (mm/fault.handle_mm_fault: demand paging, COW on write), and
raise ``KernelError(EFAULT)`` for an address the task may not touch, or
``userfaultfd.UserfaultRetry`` for a page a userfaultfd must provide first. Analogous to Linux's
arch/x86/lib/usercopy and the exception-table fixups that turn a bad pointer into -EFAULT.

Called as ``copy_from_user(mm, addr, n) -> bytes``, ``copy_to_user(mm, addr, data)``,
``strncpy_from_user(mm, addr, limit) -> bytes`` (without the NUL), plus fixed-size helpers.
The vector calls (readv/writev, preadv/pwritev, sendmsg/recvmsg, io_submit's PREADV/PWRITEV)
read their iovec arrays with ``import_iovec(mm, iov, iovcnt)`` and move data with
``copy_from_iter(mm, vecs)`` (gather) and ``copy_to_iter(mm, vecs, data)`` (scatter).
Owns nothing.
"""
from __future__ import annotations

import struct

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.abi import IOVEC
from pynix.arch.x86_64.limits import MAX_RW_COUNT, UIO_MAXIOV
from pynix.base.errors import KernelError
from pynix.machine.mmu import UC_MEM_READ, UC_MEM_WRITE
from pynix.machine.physmem import PAGE_SIZE
from pynix.mm import fault, userfaultfd
from pynix.mm.fault import handle_mm_fault
from pynix.mm.mm import MM, PTE_R, PTE_W, TASK_SIZE
from pynix.mm.userfaultfd import USERFAULT_RETRY, UserfaultRetry

_U64 = struct.Struct("<Q")
_I64 = struct.Struct("<q")
_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")


def _frame_addr(mm: MM, vaddr: int, write: bool) -> int:
    """Physical address of the page holding ``vaddr``, faulting it in as the CPU would."""
    pte = mm.pt.get(vaddr >> 12)
    need = PTE_W if write else PTE_R
    if pte is not None and pte & need:
        return pte & ~0xFFF
    if vaddr >= TASK_SIZE:
        raise KernelError(E.EFAULT)
    r = handle_mm_fault(mm, vaddr, UC_MEM_WRITE if write else UC_MEM_READ, kernel=True)
    if r is None:
        if fault.last_fault[0] == USERFAULT_RETRY:
            raise UserfaultRetry(userfaultfd.pending)
        raise KernelError(E.EFAULT)
    if write:
        mm.flush_tlb()             # a COW copy replaced a frame the TLB may still map
    return r[0]


def copy_from_user(mm: MM, addr: int, n: int) -> bytes:
    if n <= 0:
        return b""
    if addr < 0 or addr + n > TASK_SIZE:
        raise KernelError(E.EFAULT)
    buf = mm.phys.buf
    off = addr & 0xFFF
    if off + n <= PAGE_SIZE:
        pa = _frame_addr(mm, addr, False) + off
        return buf[pa:pa + n]
    out = []
    while n > 0:
        chunk = min(n, PAGE_SIZE - (addr & 0xFFF))
        pa = _frame_addr(mm, addr, False) + (addr & 0xFFF)
        out.append(buf[pa:pa + chunk])
        addr += chunk
        n -= chunk
    return b"".join(out)


def copy_to_user(mm: MM, addr: int, data: bytes | bytearray | memoryview) -> None:
    n = len(data)
    if n == 0:
        return
    if addr < 0 or addr + n > TASK_SIZE:
        raise KernelError(E.EFAULT)
    view = mm.phys.view
    pos = 0
    while pos < n:
        chunk = min(n - pos, PAGE_SIZE - (addr & 0xFFF))
        pa = _frame_addr(mm, addr, True) + (addr & 0xFFF)
        view[pa:pa + chunk] = data[pos:pos + chunk]
        addr += chunk
        pos += chunk


def access_ok(addr: int, n: int) -> None:
    """The range check alone (no fault-in): EFAULT if [addr, addr+n) leaves user space."""
    if addr < 0 or n < 0 or addr + n > TASK_SIZE:
        raise KernelError(E.EFAULT)


def check_user(mm: MM, addr: int, n: int, write: bool) -> None:
    """access_ok plus fault-in: raise EFAULT unless [addr, addr+n) is accessible."""
    end = addr + n
    a = addr & ~0xFFF
    while a < end:
        _frame_addr(mm, max(a, addr), write)
        a += PAGE_SIZE


def strncpy_from_user(mm: MM, addr: int, limit: int = 4096) -> bytes:
    """A NUL-terminated string; ENAMETOOLONG if no NUL within ``limit`` bytes."""
    if addr == 0:
        raise KernelError(E.EFAULT)
    buf = mm.phys.buf
    out = b""
    while len(out) < limit:
        pa = _frame_addr(mm, addr, False)
        off = addr & 0xFFF
        chunk = buf[pa + off:pa + PAGE_SIZE]
        i = chunk.find(b"\0")
        if i >= 0:
            out += chunk[:i]
            break
        out += chunk
        addr += PAGE_SIZE - off
    else:
        raise KernelError(E.ENAMETOOLONG)
    if len(out) >= limit:
        raise KernelError(E.ENAMETOOLONG)
    return out


def get_u64(mm: MM, addr: int) -> int:
    return _U64.unpack(copy_from_user(mm, addr, 8))[0]


def put_u64(mm: MM, addr: int, v: int) -> None:
    copy_to_user(mm, addr, _U64.pack(v & 0xFFFF_FFFF_FFFF_FFFF))


def get_u32(mm: MM, addr: int) -> int:
    return _U32.unpack(copy_from_user(mm, addr, 4))[0]


def put_u32(mm: MM, addr: int, v: int) -> None:
    copy_to_user(mm, addr, _U32.pack(v & 0xFFFF_FFFF))


def get_i32(mm: MM, addr: int) -> int:
    return _I32.unpack(copy_from_user(mm, addr, 4))[0]


def put_i32(mm: MM, addr: int, v: int) -> None:
    copy_to_user(mm, addr, _I32.pack(v))


def get_ptr_array(mm: MM, addr: int, limit: int = 1 << 16) -> list[int]:
    """A NULL-terminated array of pointers (argv, envp), read a page at a time; E2BIG past
    ``limit`` entries."""
    out: list[int] = []
    if addr == 0:
        return out
    while True:
        n = (PAGE_SIZE - (addr & 0xFFF)) // 8 or 1
        chunk = copy_from_user(mm, addr, 8 * n)
        for (p,) in struct.iter_unpack("<Q", chunk):
            if p == 0:
                return out
            out.append(p)
            if len(out) > limit:
                raise KernelError(E.E2BIG)
        addr += 8 * n


def iovec_from_user(mm: MM, iov: int, iovcnt: int) -> list[tuple[int, int]]:
    """An iovec array itself (Linux's iovec_from_user): at most UIO_MAXIOV entries (EINVAL),
    no negative length (EINVAL), the array readable (EFAULT); the ranges are not checked
    (process_vm_readv's remote iovecs name another address space)."""
    if not 0 <= iovcnt <= UIO_MAXIOV:
        raise KernelError(E.EINVAL)
    vecs = list(IOVEC.iter_unpack(copy_from_user(mm, iov, IOVEC.size * iovcnt)))
    if any(ln >= 1 << 63 for _, ln in vecs):
        raise KernelError(E.EINVAL)
    return vecs


def import_iovec(mm: MM, iov: int, iovcnt: int) -> list[tuple[int, int]]:
    """An iovec array from user memory (Linux's import_iovec): iovec_from_user, each range in
    user space (EFAULT), and the total cut to MAX_RW_COUNT bytes. Returns [(base, len)]."""
    vecs = []
    total = 0
    for base, ln in iovec_from_user(mm, iov, iovcnt):
        ln = min(ln, MAX_RW_COUNT - total)
        access_ok(base, ln)
        total += ln
        vecs.append((base, ln))
    return vecs


def copy_from_iter(mm: MM, vecs: list[tuple[int, int]]) -> bytes:
    """The bytes of the iovecs up to the first that faults; EFAULT only if that is the first
    (a write stops short at a bad buffer, as Linux's copy_from_iter does)."""
    out = []
    for base, ln in vecs:
        try:
            out.append(copy_from_user(mm, base, ln))
        except KernelError:
            if not out:
                raise
            break
    return b"".join(out)


def copy_to_iter(mm: MM, vecs: list[tuple[int, int]], data: bytes) -> int:
    """Scatter ``data`` over the iovecs in order (Linux's copy_to_iter); returns len(data)."""
    pos = 0
    for base, ln in vecs:
        if pos >= len(data):
            break
        copy_to_user(mm, base, data[pos:pos + ln])
        pos += ln
    return len(data)
