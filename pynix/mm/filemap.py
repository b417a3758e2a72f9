"""Page cache and shared memory objects: the frames behind file and shared mappings.

Provides:
- ``mapping_of(phys, inode)``: the inode's AddressSpace, created on first use (its i_mapping).
- ``AddressSpace`` (Linux's address_space, one per inode that has been mapped or exec'd):
  ``find_page(pgoff)`` returns the frame holding that page of the file, reading it on a miss
  (filemap_fault); ``update(off, data)`` keeps cached pages coherent with write(2);
  ``writeback_page`` writes a dirty MAP_SHARED page to the inode (msync, munmap, exit);
  ``read(off, n)`` is read(2) through the cache; ``truncate(size)`` drops pages past the end
  and ``drop()`` all of them; ``invalidate_clean_pages()`` the clean unmapped ones, and
  ``drop_pagecache()`` that for every page cache (/proc/sys/vm/drop_caches). Exec text comes from here, so every process
  running the same program shares one copy of its text.
- ``SharedMem``: pages of MAP_SHARED|MAP_ANONYMOUS memory (and SysV shm segments), zero-filled
  on first touch, shared by every area that refers to it (``get``/``put``), freed when the last
  reference goes.

Owns: one frame reference per cached page.
"""
from __future__ import annotations

import weakref

from pynix.machine.physmem import PAGE_SIZE, PhysMem


_mappings: weakref.WeakSet[AddressSpace] = weakref.WeakSet()     # every page cache


class AddressSpace:
    def __init__(self, phys: PhysMem, inode: object) -> None:
        self.phys = phys
        self.inode = inode
        self.pages: dict[int, int] = {}
        _mappings.add(self)

    def invalidate_clean_pages(self) -> int:
        """invalidate_mapping_pages: drop the cached pages no one maps (only the cache holds
        the frame) whose bytes are the file's (clean: a page written through a mapping and
        not yet written back differs, and stays). Returns how many went."""
        size = self.inode.size  # type: ignore[attr-defined]
        dropped = 0
        for pgoff, pfn in list(self.pages.items()):
            if self.phys.refcount[pfn] != 1:
                continue
            start = pgoff * PAGE_SIZE
            n = max(0, min(PAGE_SIZE, size - start))
            frame = self.phys.frame(pfn)
            if bytes(frame[:n]) != self.inode.read(start, n) or any(frame[n:]):  # type: ignore[attr-defined]
                continue
            del self.pages[pgoff]
            self.phys.put(pfn)
            dropped += 1
        return dropped

    def find_page(self, pgoff: int) -> int:
        pfn = self.pages.get(pgoff)
        if pfn is None:
            pfn = self.phys.alloc(zero=False)
            data = self.inode.read(pgoff * PAGE_SIZE, PAGE_SIZE)  # type: ignore[attr-defined]
            frame = self.phys.frame(pfn)
            frame[:len(data)] = data
            if len(data) < PAGE_SIZE:
                frame[len(data):] = bytes(PAGE_SIZE - len(data))
            self.pages[pgoff] = pfn
            allocated = getattr(self.inode, "page_allocated", None)   # tmpfs: a hole fills
            if allocated is not None:
                allocated(pgoff)
        return pfn

    def update(self, off: int, data: bytes | memoryview) -> None:
        """A write(2) changed the file: copy the bytes into cached pages."""
        if not self.pages:
            return
        end = off + len(data)
        for pgoff in range(off // PAGE_SIZE, (end + PAGE_SIZE - 1) // PAGE_SIZE):
            pfn = self.pages.get(pgoff)
            if pfn is None:
                continue
            lo = max(off, pgoff * PAGE_SIZE)
            hi = min(end, (pgoff + 1) * PAGE_SIZE)
            frame = self.phys.frame(pfn)
            frame[lo - pgoff * PAGE_SIZE:hi - pgoff * PAGE_SIZE] = data[lo - off:hi - off]

    def read(self, off: int, n: int) -> bytes:
        """read(2) through the cache: cached pages (perhaps written through a shared mapping)
        win over the inode's copy."""
        size = self.inode.size  # type: ignore[attr-defined]
        n = max(0, min(n, size - off))
        if not self.pages:
            return self.inode.read(off, n)  # type: ignore[attr-defined]
        out = []
        pos, end = off, off + n
        while pos < end:
            pgoff = pos // PAGE_SIZE
            stop = min(end, (pgoff + 1) * PAGE_SIZE)
            pfn = self.pages.get(pgoff)
            if pfn is None:
                # one inode read for the run of uncached pages
                while stop < end and (stop // PAGE_SIZE) not in self.pages:
                    stop = min(end, stop + PAGE_SIZE)
                out.append(self.inode.read(pos, stop - pos))  # type: ignore[attr-defined]
            else:
                o = pos - pgoff * PAGE_SIZE
                out.append(bytes(self.phys.frame(pfn)[o:o + stop - pos]))
            pos = stop
        return b"".join(out)

    def writeback_page(self, pgoff: int) -> None:
        pfn = self.pages.get(pgoff)
        if pfn is None:
            return
        size = self.inode.size  # type: ignore[attr-defined]
        start = pgoff * PAGE_SIZE
        if start >= size:
            return
        n = min(PAGE_SIZE, size - start)
        self.inode.write(start, bytes(self.phys.frame(pfn)[:n]))  # type: ignore[attr-defined]

    def truncate(self, size: int) -> None:
        first = (size + PAGE_SIZE - 1) // PAGE_SIZE
        for pgoff in [p for p in self.pages if p >= first]:
            self.phys.put(self.pages.pop(pgoff))
        if size % PAGE_SIZE and (size // PAGE_SIZE) in self.pages:
            frame = self.phys.frame(self.pages[size // PAGE_SIZE])
            frame[size % PAGE_SIZE:] = bytes(PAGE_SIZE - size % PAGE_SIZE)

    def drop(self) -> None:
        for pfn in self.pages.values():
            self.phys.put(pfn)
        self.pages.clear()


def drop_pagecache() -> int:
    """drop_pagecache_sb over every superblock: the clean, unmapped page-cache pages of every
    file go (shared memory and tmpfs keep theirs: their pages are the data). Returns the
    number of pages freed."""
    return sum(m.invalidate_clean_pages() for m in list(_mappings)
               if getattr(m.inode, "page_allocated", None) is None)


def cached_frames() -> set[int]:
    """The frames every file's page cache holds (for /proc/kpageflags)."""
    return {pfn for m in list(_mappings) for pfn in m.pages.values()}


def mapping_of(phys: PhysMem, inode: object) -> AddressSpace:
    """The inode's page cache (Linux's inode->i_mapping), created on its first mmap or exec."""
    m = getattr(inode, "mapping", None)
    if m is None:
        m = AddressSpace(phys, inode)
        inode.mapping = m  # type: ignore[attr-defined]
    return m


class SharedMem:
    """Anonymous shared pages (shmem): MAP_SHARED|MAP_ANONYMOUS and SysV shm."""

    def __init__(self, phys: PhysMem, npages: int) -> None:
        self.phys = phys
        self.npages = npages
        self.pages: dict[int, int] = {}
        self.refs = 1

    def find_page(self, pgoff: int) -> int:
        pfn = self.pages.get(pgoff)
        if pfn is None:
            pfn = self.pages[pgoff] = self.phys.alloc()
        return pfn

    def get(self) -> None:
        self.refs += 1

    def put(self) -> None:
        self.refs -= 1
        if self.refs == 0:
            for pfn in self.pages.values():
                self.phys.put(pfn)
            self.pages.clear()
