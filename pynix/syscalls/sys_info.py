"""System information syscalls: uname, sysinfo, syslog, getrandom, sched_yield, scheduler queries,
getcpu (Linux kernel/sys.c, drivers/char/random.c, kernel/sched/).
"""
from __future__ import annotations

import os
import struct
from typing import Generator

from pynix.kernel.pid import find_task_by_vpid
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN, CAP_SYS_NICE
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD
from pynix.base.timer import monotonic_ns
from pynix.kernel.cred import capable, check_same_owner, ioprio_check_cap
from pynix.kernel.ns_common import uts_ns_of
from pynix.kernel.printk import do_syslog
from pynix.kernel.reboot import do_reboot
from pynix.kernel.task import Task
from pynix.kernel.version import UTS_MACHINE, UTS_RELEASE, UTS_SYSNAME, UTS_VERSION
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.syscalls.util import mm_of, s32, task_or_self


def sys_uname(t: Task, buf: int) -> int:
    uts = uts_ns_of(t)
    fields = [UTS_SYSNAME, uts.hostname, UTS_RELEASE, UTS_VERSION, UTS_MACHINE, uts.domainname]
    copy_to_user(mm_of(t), buf, b"".join(f[:64].ljust(A.UTSNAME_FIELD, b"\0") for f in fields))
    return 0


def _uts_name(t: Task, name: int, length: int) -> bytes:
    """sethostname/setdomainname's checks: root (EPERM), then 0 <= length <= 64 (EINVAL)."""
    if not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    if not 0 <= s32(length) <= 64:
        raise KernelError(E.EINVAL)
    return copy_from_user(mm_of(t), name, s32(length))


def sys_sethostname(t: Task, name: int, length: int) -> int:
    uts_ns_of(t).hostname = _uts_name(t, name, length)
    return 0


def sys_setdomainname(t: Task, name: int, length: int) -> int:
    uts_ns_of(t).domainname = _uts_name(t, name, length)
    return 0


def sys_sysinfo(t: Task, buf: int) -> int:
    k = t.kernel
    phys = k.phys
    uptime = (monotonic_ns() - k.boot_ns) // 10**9
    procs = sum(1 for p in k.tasks.values())
    copy_to_user(mm_of(t), buf, A.SYSINFO.pack(uptime, 0, 0, 0, phys.size, phys.free_frames * 4096,
                                               0, 0, 0, 0, procs & 0xFFFF, 0, 0, 1))
    return 0


def sys_syslog(t: Task, action: int, buf: int, length: int) -> int:
    ret, text = do_syslog(t.kernel, t, s32(action), s32(length))
    if text:
        copy_to_user(mm_of(t), buf, text)
    return ret


def sys_getrandom(t: Task, buf: int, count: int, flags: int) -> int:
    if flags & ~(A.GRND_NONBLOCK | A.GRND_RANDOM | 4):
        raise KernelError(E.EINVAL)
    n = min(count, 1 << 25)
    copy_to_user(mm_of(t), buf, os.urandom(n))
    return n


def sys_sched_yield(t: Task) -> int:
    t.kernel.need_resched = True
    t.kernel.cpu.stop()
    t.nvcsw += 1
    return 0


def sys_sched_getaffinity(t: Task, pid: int, size: int, mask: int) -> int:
    if size < 8 or size & 7:
        raise KernelError(E.EINVAL)
    if s32(pid) and find_task_by_vpid(t, s32(pid)) is None:
        raise KernelError(E.ESRCH)
    copy_to_user(mm_of(t), mask, struct.pack("<Q", 1))
    return 8


def sys_sched_setaffinity(t: Task, pid: int, size: int, mask: int) -> int:
    """One CPU: any mask that contains CPU 0 is satisfied; one without it is EINVAL. Linux's
    order: EFAULT copying the mask, ESRCH, EPERM (not the owner, no CAP_SYS_NICE), EINVAL."""
    first = copy_from_user(mm_of(t), mask, 1)[0] if size else 0
    p = find_task_by_vpid(t, s32(pid)) if s32(pid) else t
    if p is None:
        raise KernelError(E.ESRCH)
    if not check_same_owner(t, p) and not capable(t, CAP_SYS_NICE):
        raise KernelError(E.EPERM)
    if not first & 1:
        raise KernelError(E.EINVAL)
    return 0


def sys_getcpu(t: Task, cpu: int, node: int, _cache: int) -> int:
    if cpu:
        copy_to_user(mm_of(t), cpu, struct.pack("<I", 0))
    if node:
        copy_to_user(mm_of(t), node, struct.pack("<I", 0))
    return 0


def who_tasks(t: Task, kind: int, who: int) -> list[Task]:
    """The tasks a (which, who) pair names, ``kind`` being PRIO_PROCESS, PRIO_PGRP or PRIO_USER:
    one task by id, every task of a process group, or every task of a real uid; who 0 is the
    caller, its process group, its uid. ESRCH when none."""
    who = s32(who)
    k = t.kernel
    if kind == A.PRIO_PROCESS:
        return [task_or_self(t, who)]
    if kind == A.PRIO_PGRP:
        pgrp = who or t.pgrp_id
        found = [p for p in k.tasks.values() if p.state != TASK_DEAD and p.pgrp_id == pgrp]
    else:
        uid = t.cred.uid if who == 0 else who
        found = [p for p in k.tasks.values() if p.state != TASK_DEAD and p.cred.uid == uid]
    if not found:
        raise KernelError(E.ESRCH)
    return found


def _prio_kind(which: int) -> int:
    which = s32(which)
    if which not in (A.PRIO_PROCESS, A.PRIO_PGRP, A.PRIO_USER):
        raise KernelError(E.EINVAL)
    return which


def _may_change(t: Task, p: Task) -> None:
    """set_one_prio_perm / set_task_ioprio: root, or the target's uid or euid is our euid."""
    if not capable(t, CAP_SYS_NICE) and t.cred.euid not in (p.cred.uid, p.cred.euid):
        raise KernelError(E.EPERM)


def sys_getpriority(t: Task, which: int, who: int) -> int:
    """20 - nice of the highest-priority task named (kernel/sys.c getpriority)."""
    return max(20 - p.nice for p in who_tasks(t, _prio_kind(which), who))


def sys_setpriority(t: Task, which: int, who: int, prio: int) -> int:
    nice = max(-20, min(19, s32(prio)))
    err = 0
    for p in who_tasks(t, _prio_kind(which), who):
        try:
            _may_change(t, p)
            if nice < p.nice and not capable(t, CAP_SYS_NICE):
                raise KernelError(E.EACCES)
            p.nice = nice
        except KernelError as e:
            err = e.errno
    if err:
        raise KernelError(err)
    return 0


def _ioprio_kind(which: int) -> int:
    """IOPRIO_WHO_* as the matching PRIO_* kind."""
    kinds = {A.IOPRIO_WHO_PROCESS: A.PRIO_PROCESS, A.IOPRIO_WHO_PGRP: A.PRIO_PGRP,
             A.IOPRIO_WHO_USER: A.PRIO_USER}
    if s32(which) not in kinds:
        raise KernelError(E.EINVAL)
    return kinds[s32(which)]


def sys_ioprio_get(t: Task, which: int, who: int) -> int:
    """The I/O priority of the task named, or the best of a group's (ioprio_best: a class-less
    value counts as best-effort level 4)."""
    tasks = who_tasks(t, _ioprio_kind(which), who)
    if len(tasks) == 1:
        return tasks[0].ioprio
    default = A.IOPRIO_CLASS_BE << A.IOPRIO_CLASS_SHIFT | 4
    return min(p.ioprio if p.ioprio >> A.IOPRIO_CLASS_SHIFT else default for p in tasks)


def sys_ioprio_set(t: Task, which: int, who: int, ioprio: int) -> int:
    ioprio = s32(ioprio)
    ioprio_check_cap(t, ioprio)
    for p in who_tasks(t, _ioprio_kind(which), who):
        _may_change(t, p)
        p.ioprio = ioprio
    return 0


def sys_reboot(t: Task, magic1: int, magic2: int, cmd: int, arg: int) -> Generator[None, None, int]:
    return (yield from do_reboot(t, magic1 & 0xFFFFFFFF, magic2 & 0xFFFFFFFF, cmd & 0xFFFFFFFF))
