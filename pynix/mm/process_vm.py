"""Cross memory attach: copy between two address spaces (Linux mm/process_vm_access.c,
process_vm_rw_core).

Provides ``process_vm_rw(local, lvecs, remote, rvecs, write) -> int``: the bytes of the remote
iovecs ``rvecs`` of MM ``remote`` copied into the local iovecs ``lvecs`` of MM ``local`` (or
the other way with ``write``), in order, each pair of segments walked a page at a time. The
copy stops at the first page either side cannot reach; the count done so far is returned, and
EFAULT only when nothing was copied, as Linux does. The caller (syscalls/sys_process_vm.py)
has found the target and checked ptrace_may_access. Owns nothing.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.machine.physmem import PAGE_SIZE
from pynix.mm.mm import MM
from pynix.mm.uaccess import copy_from_user, copy_to_user


def _chunks(vecs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(b, n) for b, n in vecs if n > 0]


def process_vm_rw(local: MM, lvecs: list[tuple[int, int]], remote: MM,
                  rvecs: list[tuple[int, int]], write: bool) -> int:
    """process_vm_rw_core: the bytes moved; EFAULT if a fault stopped it before any."""
    src_mm, dst_mm = (local, remote) if write else (remote, local)
    src, dst = (lvecs, rvecs) if write else (rvecs, lvecs)
    src, dst = _chunks(src), _chunks(dst)
    done = 0
    si = di = 0
    soff = doff = 0
    while si < len(src) and di < len(dst):
        sa, sl = src[si][0] + soff, src[si][1] - soff
        da, dl = dst[di][0] + doff, dst[di][1] - doff
        n = min(sl, dl, PAGE_SIZE - (sa & 0xFFF), PAGE_SIZE - (da & 0xFFF))
        try:
            copy_to_user(dst_mm, da, copy_from_user(src_mm, sa, n))
        except KernelError:
            if done == 0:
                raise KernelError(E.EFAULT)
            return done
        done += n
        soff += n
        doff += n
        if soff == src[si][1]:
            si, soff = si + 1, 0
        if doff == dst[di][1]:
            di, doff = di + 1, 0
    return done
