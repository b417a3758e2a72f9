"""ptrace_may_access: may one task inspect or modify another (Linux kernel/ptrace.c
__ptrace_may_access, the check behind process_vm_readv/writev, kcmp, pidfd_getfd and the
/proc/PID links).

Provides ``ptrace_may_access(t, target, mode)`` (a bool, as Linux's) and the mode bits
``PTRACE_MODE_READ``, ``PTRACE_MODE_ATTACH`` with ``PTRACE_MODE_REALCREDS`` or
``PTRACE_MODE_FSCREDS``. The rules, as Linux's without an LSM: a thread of the same thread
group always may; otherwise the caller's uid (fsuid with FSCREDS) must equal the target's
real, effective and saved uid and its gid (fsgid) the target's three gids, or the caller holds
CAP_SYS_PTRACE; a target that is not dumpable (prctl PR_SET_DUMPABLE 0) also needs
CAP_SYS_PTRACE. Owns nothing.
"""
from __future__ import annotations

from pynix.arch.x86_64.capability import CAP_SYS_PTRACE
from pynix.kernel.cred import capable
from pynix.kernel.task import Task

PTRACE_MODE_READ = 0x01
PTRACE_MODE_ATTACH = 0x02
PTRACE_MODE_FSCREDS = 0x08
PTRACE_MODE_REALCREDS = 0x10
PTRACE_MODE_READ_REALCREDS = PTRACE_MODE_READ | PTRACE_MODE_REALCREDS
PTRACE_MODE_ATTACH_REALCREDS = PTRACE_MODE_ATTACH | PTRACE_MODE_REALCREDS


def ptrace_may_access(t: Task, target: Task, mode: int) -> bool:
    """__ptrace_may_access(target, mode) for the calling task ``t``."""
    if t.tgid == target.tgid:
        return True
    c, tc = t.cred, target.cred
    uid, gid = (c.fsuid, c.fsgid) if mode & PTRACE_MODE_FSCREDS else (c.uid, c.gid)
    same = (uid == tc.uid == tc.euid == tc.suid) and (gid == tc.gid == tc.egid == tc.sgid)
    if not same and not capable(t, CAP_SYS_PTRACE):
        return False
    if target.mm is not None and target.dumpable != 1 and not capable(t, CAP_SYS_PTRACE):
        return False
    return True
