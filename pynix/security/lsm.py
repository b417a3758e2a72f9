"""The Linux Security Module list (Linux security/security.c: lsm_idlist and the
lsm_list_modules syscall).

pynix's only security module is the capability one (kernel/commoncap.py: the checks every
Linux kernel has, which it lists as LSM_ID_CAPABILITY). seccomp and keyrings are not LSMs,
as on Linux. Provides ``ACTIVE_LSMS`` (id, name) in initialisation order and
``lsm_list_modules(mm, ids, size, flags)``. Owns nothing at run time.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import lsm as L
from pynix.base.errors import KernelError
from pynix.mm.mm import MM
from pynix.mm.uaccess import get_u32, put_u32, put_u64

ACTIVE_LSMS: tuple[tuple[int, bytes], ...] = ((L.LSM_ID_CAPABILITY, b"capability"),)


def lsm_list_modules(mm: MM, ids: int, size: int, flags: int) -> int:
    """Write the active modules' ids to ``ids`` and their total size to ``*size``; the
    count. EINVAL for flags, EFAULT, E2BIG when ``*size`` was too small (it is still set)."""
    if flags:
        raise KernelError(E.EINVAL)
    total = len(ACTIVE_LSMS) * L.LSM_ID_SIZE
    usize = get_u32(mm, size)
    put_u32(mm, size, total)
    if usize < total:
        raise KernelError(E.E2BIG)
    for i, (lsm_id, _name) in enumerate(ACTIVE_LSMS):
        put_u64(mm, ids + i * L.LSM_ID_SIZE, lsm_id)
    return len(ACTIVE_LSMS)
