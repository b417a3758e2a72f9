"""Access to another address space for ptrace and /proc/PID/mem (Linux mm/memory.c
access_remote_vm / __access_remote_vm with get_user_pages' FOLL_FORCE).

``access_remote_vm(mm, addr, n, data, force)`` reads ``n`` bytes at ``addr`` of ``mm`` (data
None) or writes ``data`` there, a page at a time, faulting pages in as the task would. With
``force`` (FOLL_FORCE: the tracer, /proc/PID/mem) a private mapping the task may not write,
such as its text, is written anyway: the page is first made private to ``mm`` (the shared or
page-cache frame copied, breaking COW as do_wp_page would), and its PTE keeps the area's own
permissions, so the task still cannot write it. A shared mapping without write permission
and an unmapped address raise EFAULT (or, after a partial copy, return the part done
through ``done``). The caller makes the CPU retranslate code it wrote.
Owns nothing.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.machine.mmu import UC_MEM_READ
from pynix.machine.physmem import PAGE_SIZE
from pynix.mm import fault
from pynix.mm.fault import handle_mm_fault, vma_perms
from pynix.mm.mm import MM, PTE_W, TASK_SIZE
from pynix.mm.uaccess import copy_from_user, copy_to_user


def _force_private_frame(mm: MM, addr: int) -> int:
    """The physical address of ``addr``'s page, made private and writable for the kernel."""
    vma = mm.vmas.find(addr)
    if vma is None or vma.shared:
        raise KernelError(E.EFAULT)
    r = handle_mm_fault(mm, addr, UC_MEM_READ)
    if r is None:
        raise KernelError(E.EFAULT)
    vpn = addr >> 12
    pte = mm.pt[vpn]
    pfn = pte >> 12
    phys = mm.phys
    cached = vma.mapping is not None and \
        getattr(vma.mapping, "pages", {}).get(vma.page_offset(addr)) == pfn
    if phys.refcount[pfn] > 1 or cached:
        new = phys.alloc(zero=False)                # break COW: a copy of our own
        phys.copy(new, pfn)
        phys.put(pfn)
        if pfn in fault.code_frames:
            fault.code_frames.add(new)
        pfn = new
    mm.pt[vpn] = (pfn << 12) | (vma_perms(vma) & ~PTE_W)
    mm.flush_tlb()
    return pfn << 12


def access_remote_vm(mm: MM, addr: int, n: int, data: bytes | None, force: bool) -> bytes:
    """Read ``n`` bytes (``data`` None) or write ``data``; returns the bytes read (or b"")."""
    if addr < 0 or addr + (n if data is None else len(data)) > TASK_SIZE:
        raise KernelError(E.EFAULT)
    if data is None:
        return copy_from_user(mm, addr, n)
    pos = 0
    while pos < len(data):
        chunk = min(len(data) - pos, PAGE_SIZE - (addr & 0xFFF))
        vma = mm.vmas.find(addr)
        if vma is not None and vma.prot & 2 or not force:       # PROT_WRITE: the normal way
            copy_to_user(mm, addr, data[pos:pos + chunk])
        else:
            pa = _force_private_frame(mm, addr) + (addr & 0xFFF)
            mm.phys.view[pa:pa + chunk] = data[pos:pos + chunk]
        addr += chunk
        pos += chunk
    return b""
