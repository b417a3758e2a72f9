"""The owner of an open file and SIGIO (Linux fs/fcntl.c: f_setown, f_getown, f_getown_ex,
F_SETSIG, send_sigio, fasync_helper, kill_fasync).

An open file description may name an owner, a thread, a process or a process group
(``F_SETOWN`` / ``F_SETOWN_EX``, Linux's struct fown_struct), and a signal (``F_SETSIG``, 0 for
SIGIO). The owner is who hears of I/O readiness on a file with O_ASYNC set, and of a lease
break (fs/leases.py). Provides:
- ``f_setown(task, file, type, pid)``: set the owner (ESRCH if no such task or group; pid 0
  clears it); ``f_getown(file)``: F_GETOWN's answer (negative for a process group);
  ``f_getown_ex(file)``: F_GETOWN_EX's (type, pid); ``f_setsig`` / ``f_getsig``.
- ``fasync_helper(list, file, on)``: keep ``file`` in an object's list of O_ASYNC files (the
  pipe's readers and writers); ``kill_fasync(list, band)``: SIGIO to each of their owners.
- ``send_sigio(file, band)``: the owner's signal, if the setter's credentials allow it
  (sigio_perm); SIGIO itself as a kernel signal, an F_SETSIG signal with si_code ``band``.
Owns ``file.f_owner``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import poll as P
from pynix.base.errors import KernelError
from pynix.kernel.pgrp import group_leaders
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task


@dataclass
class FOwner:
    """Linux's struct fown_struct: who, of which kind, with the setter's ids for sigio_perm."""
    kernel: Any
    type: int = A.F_OWNER_TID        # F_OWNER_TID / F_OWNER_PID / F_OWNER_PGRP
    pid: int = 0
    uid: int = 0
    euid: int = 0
    signum: int = 0


def _owner(f: Any) -> FOwner | None:
    return getattr(f, "f_owner", None)


def _targets(o: FOwner) -> list[Task]:
    if o.pid == 0:
        return []
    if o.type == A.F_OWNER_PGRP:
        return group_leaders(o.kernel, o.pid)
    t = o.kernel.find_task(o.pid)
    if t is None or o.type == A.F_OWNER_PID and not t.is_group_leader:
        return []
    return [t]


def f_setown(t: Task, f: Any, otype: int, pid: int) -> None:
    """F_SETOWN (pid > 0 a process, < 0 a group) and F_SETOWN_EX's owner, ESRCH if none."""
    if otype not in (A.F_OWNER_TID, A.F_OWNER_PID, A.F_OWNER_PGRP):
        raise KernelError(E.EINVAL)
    o = _owner(f)
    if o is None:
        o = f.f_owner = FOwner(t.kernel)
    new = FOwner(t.kernel, otype, pid, t.cred.uid, t.cred.euid, o.signum)
    if pid and not _targets(new):
        raise KernelError(E.ESRCH)
    f.f_owner = new


def f_getown(f: Any) -> int:
    o = _owner(f)
    if o is None or not _targets(o):
        return 0
    return -o.pid if o.type == A.F_OWNER_PGRP else o.pid


def f_getown_ex(f: Any) -> tuple[int, int]:
    o = _owner(f)
    if o is None:
        return A.F_OWNER_TID, 0
    return o.type, o.pid if _targets(o) else 0


def f_setsig(t: Task, f: Any, sig: int) -> None:
    if not 0 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)
    o = _owner(f)
    if o is None:
        o = f.f_owner = FOwner(t.kernel)
    o.signum = sig


def f_getsig(f: Any) -> int:
    o = _owner(f)
    return 0 if o is None else o.signum


def _sigio_perm(o: FOwner, p: Task) -> bool:
    c = p.cred
    return o.euid == 0 or o.euid in (c.suid, c.uid) or o.uid in (c.suid, c.uid)


# the si_band of each SIGIO reason, POLL_IN .. POLL_HUP (Linux's band_table)
_BAND = {A.POLL_IN: P.POLLIN | P.POLLRDNORM, A.POLL_OUT: P.POLLOUT | P.POLLWRNORM | P.POLLWRBAND,
         A.POLL_MSG: P.POLLIN | P.POLLRDNORM | P.POLLMSG, A.POLL_ERR: P.POLLERR,
         A.POLL_PRI: P.POLLPRI | P.POLLRDBAND, A.POLL_HUP: P.POLLHUP | P.POLLERR}


def send_sigio(f: Any, band: int, fd: int | None = None) -> None:
    """The owner hears of ``band`` (POLL_IN, POLL_OUT, ...) on ``f`` (Linux's send_sigio);
    an F_SETSIG signal carries si_band and, when known, the descriptor ``fd`` as si_fd."""
    o = _owner(f)
    if o is None:
        return
    for p in _targets(o):
        if not _sigio_perm(o, p):
            continue
        info = SigInfo(o.signum, band, fd=fd, band=_BAND.get(band, 0)) if o.signum else \
            SigInfo(A.SIGIO, A.SI_KERNEL)
        send_signal(p, info, group=o.type != A.F_OWNER_TID)


def fasync_helper(files: list[Any], f: Any, on: bool) -> None:
    """Add ``f`` to (or drop it from) an object's O_ASYNC list (Linux's fasync_helper)."""
    if on and f not in files:
        files.append(f)
    elif not on and f in files:
        files.remove(f)


def kill_fasync(files: list[Any], band: int) -> None:
    """SIGIO for each O_ASYNC file of the list (Linux's kill_fasync)."""
    for f in list(files):
        if f.flags & A.O_ASYNC:
            send_sigio(f, band)
