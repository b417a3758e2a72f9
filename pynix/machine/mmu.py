"""The MMU interface between the CPU (machine/cpu.py) and the kernel's page tables (mm/).

Unicorn runs in virtual-TLB mode: on every TLB miss it calls the kernel's fill function with
the virtual address and an access type, and takes back ``(paddr, perms)`` or a fault. This
module names the numbers of that interface, as a hardware manual names a page-table entry's
bits:

- ``UC_MEM_READ``, ``UC_MEM_WRITE``, ``UC_MEM_FETCH``: the access type (Unicorn's
  uc_mem_type) the TLB-fill hook passes, and that uaccess passes when the kernel faults a user
  page in itself (mm/fault.py's ``handle_mm_fault``);
- ``UC_PROT_READ``, ``UC_PROT_WRITE``, ``UC_PROT_EXEC``: the permission bits of a TLB entry,
  which mm/mm.py's PTE_R, PTE_W and PTE_X are.

Owns nothing; constants only, importable without loading Unicorn.
"""
from __future__ import annotations

UC_MEM_READ, UC_MEM_WRITE, UC_MEM_FETCH = 16, 17, 18   # uc_mem_type for the TLB fill hook
UC_PROT_READ, UC_PROT_WRITE, UC_PROT_EXEC = 1, 2, 4    # uc_tlb_entry.perms
