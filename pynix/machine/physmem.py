"""Physical memory: one block of host RAM split into 4 KiB frames with reference counts.

Provides ``PhysMem``: ``alloc()`` -> page frame number (zeroed), ``get(pfn)`` / ``put(pfn)`` for
sharing (copy-on-write after fork, MAP_SHARED, SysV shm, page cache), ``copy(dst, src)``, and byte
access by physical address for the kernel (uaccess, the loader, COW). Analogous to Linux's
mem_map of struct page with _refcount and the buddy allocator's alloc_page/__free_page, reduced
to a free list because every allocation here is one page.

The same host buffer is mapped into the CPU (machine/cpu.py) at physical address 0, so a frame
written here is what the guest reads, with no copying.

Owns: the frame array, the free list, the per-frame reference counts.
"""
from __future__ import annotations

import ctypes
import mmap
from array import array

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = ~(PAGE_SIZE - 1)
ZERO_PAGE = bytes(PAGE_SIZE)


class OutOfMemory(Exception):
    """No free frame: the caller turns this into ENOMEM or the OOM kill."""


class PhysMem:
    def __init__(self, size: int) -> None:
        size &= PAGE_MASK
        self.size = size
        self.nframes = size >> PAGE_SHIFT
        self.buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.view = memoryview(self.buf)
        self.host_addr = ctypes.addressof(ctypes.c_char.from_buffer(self.buf))
        self.refcount = array("i", bytes(4 * self.nframes))
        # frame 0 is never handed out, so a pfn of 0 can mean "none"
        self.free: list[int] = list(range(self.nframes - 1, 0, -1))
        self.on_free: list = []          # callbacks(pfn) when a frame is released (TB cache)

    # -- allocation --------------------------------------------------------------------------
    def alloc(self, zero: bool = True) -> int:
        """Allocate one frame with reference count 1 (alloc_page)."""
        try:
            pfn = self.free.pop()
        except IndexError:
            raise OutOfMemory() from None
        self.refcount[pfn] = 1
        if zero:
            off = pfn << PAGE_SHIFT
            self.view[off:off + PAGE_SIZE] = ZERO_PAGE
        return pfn

    def get(self, pfn: int) -> int:
        """Take another reference to a frame (get_page)."""
        self.refcount[pfn] += 1
        return pfn

    def put(self, pfn: int) -> None:
        """Drop a reference; the frame returns to the free list at zero (put_page)."""
        rc = self.refcount[pfn] - 1
        self.refcount[pfn] = rc
        if rc == 0:
            for cb in self.on_free:
                cb(pfn)
            self.free.append(pfn)
        elif rc < 0:
            raise AssertionError(f"frame {pfn} reference count below zero")

    @property
    def free_frames(self) -> int:
        return len(self.free)

    # -- contents ----------------------------------------------------------------------------
    def frame(self, pfn: int) -> memoryview:
        off = pfn << PAGE_SHIFT
        return self.view[off:off + PAGE_SIZE]

    def copy(self, dst: int, src: int) -> None:
        """Copy a whole frame (copy_user_highpage)."""
        ctypes.memmove(self.host_addr + (dst << PAGE_SHIFT), self.host_addr + (src << PAGE_SHIFT),
                       PAGE_SIZE)

    def read(self, paddr: int, n: int) -> bytes:
        return self.buf[paddr:paddr + n]

    def write(self, paddr: int, data: bytes | bytearray | memoryview) -> None:
        self.view[paddr:paddr + len(data)] = data
