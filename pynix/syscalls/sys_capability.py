"""capget and capset (Linux kernel/capability.c): decode the header and the data structs, call
kernel/commoncap.py's rules, copy out. The sets travel as 32-bit halves, one data struct
(version 1) or two (versions 2 and 3) of {effective, permitted, inheritable}.
"""
from __future__ import annotations

from pynix.kernel.pid import find_task_by_vpid, task_pid_vnr
from pynix.arch.x86_64 import capability as C
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.kernel.commoncap import cap_capset
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, put_u32
from pynix.security.lsm import lsm_list_modules
from pynix.syscalls.util import mm_of

_VALID = C.CAP_FULL_SET


def cap_validate_magic(t: Task, header: int) -> tuple[int, int]:
    """The header's (data structs to copy, pid); an unknown version is replaced by the
    preferred one in the header, EINVAL."""
    version, pid = C.CAP_HEADER.unpack(copy_from_user(mm_of(t), header, C.CAP_HEADER.size))
    n = C.CAP_U32S.get(version)
    if n is None:
        put_u32(mm_of(t), header, C._KERNEL_CAPABILITY_VERSION)
        raise KernelError(E.EINVAL)
    return n, pid


def _is_self(t: Task, pid: int) -> bool:
    return pid == 0 or pid == task_pid_vnr(t)


def sys_capget(t: Task, header: int, data: int) -> int:
    try:
        n, pid = cap_validate_magic(t, header)
    except KernelError as err:
        if data == 0 and err.errno == E.EINVAL:
            return 0                 # a NULL data pointer only asks for the version
        raise
    if data == 0:
        return 0
    if pid < 0:
        raise KernelError(E.EINVAL)
    p = t if _is_self(t, pid) else find_task_by_vpid(t, pid)
    if p is None:
        raise KernelError(E.ESRCH)
    c = p.cred
    raw = b"".join(C.CAP_DATA.pack(c.cap_effective >> s & 0xFFFFFFFF, c.cap_permitted >> s & 0xFFFFFFFF,
                                   c.cap_inheritable >> s & 0xFFFFFFFF) for s in (0, 32)[:n])
    copy_to_user(mm_of(t), data, raw)
    return 0


def sys_capset(t: Task, header: int, data: int) -> int:
    n, pid = cap_validate_magic(t, header)
    if not _is_self(t, pid):
        raise KernelError(E.EPERM)   # only the caller's own sets
    raw = copy_from_user(mm_of(t), data, n * C.CAP_DATA.size)
    eff = prm = inh = 0
    for i in range(n):
        e, p, h = C.CAP_DATA.unpack_from(raw, i * C.CAP_DATA.size)
        eff, prm, inh = eff | e << 32 * i, prm | p << 32 * i, inh | h << 32 * i
    cap_capset(t.cred, eff & _VALID, inh & _VALID, prm & _VALID)
    return 0


def sys_lsm_list_modules(t: Task, ids: int, size: int, flags: int) -> int:
    return lsm_list_modules(mm_of(t), ids, size, flags)
