"""/proc/kpagecount and /proc/kpageflags (Linux fs/proc/page.c kpagecount_read,
kpageflags_read, stable_page_flags).

Each is an array of 8-byte entries indexed by page frame number, readable by root only
(0400): kpagecount the frame's reference count (machine/physmem.py), kpageflags the KPF_*
bits of what the frame is now: BUDDY when free; MMAP when some page table maps it; ANON and
SWAPBACKED when mapped but in no page cache; UPTODATE and LRU when a file's or shared
memory's page cache holds it; DIRTY when a mapping wrote it since it was last written back
(the PTE_DIRTY of any PTE mapping it), or it is an anonymous page.

Owns nothing: each open walks the frame counts, the page caches and every address space.
"""
from __future__ import annotations

from typing import Any

from pynix.fs.procfs.registry import register_proc_file
from pynix.mm.filemap import cached_frames
from pynix.mm.mm import PTE_DIRTY

KPF_UPTODATE, KPF_DIRTY, KPF_LRU, KPF_BUDDY, KPF_MMAP = 3, 4, 5, 10, 11
KPF_ANON, KPF_SWAPBACKED = 12, 14


def kpagecount(k: Any) -> bytes:
    rc = k.phys.refcount
    return b"".join(max(rc[pfn], 0).to_bytes(8, "little") for pfn in range(k.phys.nframes))


def kpageflags(k: Any) -> bytes:
    phys = k.phys
    flags = [0] * phys.nframes
    for pfn in range(1, phys.nframes):
        if phys.refcount[pfn] == 0:
            flags[pfn] = 1 << KPF_BUDDY
    cached = cached_frames()
    for pfn in cached:
        if pfn < len(flags):
            flags[pfn] |= 1 << KPF_UPTODATE | 1 << KPF_LRU
    seen: set[int] = set()
    for t in list(k.tasks.values()):
        mm = t.mm
        if mm is None or id(mm) in seen:
            continue
        seen.add(id(mm))
        for pte in mm.pt.values():
            pfn = pte >> 12
            if pfn >= len(flags):
                continue
            f = flags[pfn] | 1 << KPF_MMAP
            if pfn not in cached:
                f |= 1 << KPF_ANON | 1 << KPF_SWAPBACKED | 1 << KPF_DIRTY
            elif pte & PTE_DIRTY:
                f |= 1 << KPF_DIRTY
            flags[pfn] = f
    return b"".join(f.to_bytes(8, "little") for f in flags)


register_proc_file("kpagecount", kpagecount, mode=0o400)
register_proc_file("kpageflags", kpageflags, mode=0o400)
