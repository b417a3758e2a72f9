"""Scheduling policy syscalls: sched_setscheduler, sched_getscheduler, sched_setparam,
sched_getparam, sched_setattr, sched_getattr, sched_get_priority_max/min,
sched_rr_get_interval (Linux kernel/sched/syscalls.c).

A task's policy is SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE (all scheduled round robin by
pynix), SCHED_FIFO / SCHED_RR with an rt_priority of 1-99 (run first, by priority; see
RunQueue in base/runqueue.py), or SCHED_DEADLINE with a runtime/deadline/period reservation
(earliest deadline first, before everyone; base/deadline.py). The handlers decode and copy;
the rules are kernel/sched_policy.py's. A NULL param or negative pid is EINVAL. struct
sched_attr is read as Linux's sched_copy_attr does: size 0 means SCHED_ATTR_SIZE_VER0, a size
under that or over a page is E2BIG with the kernel's size written back, as are non-zero bytes
past the fields the kernel knows.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.sched import (
    SCHED_ATTR,
    SCHED_ATTR_SIZE_VER0,
    SCHED_ATTR_SIZE_VER1,
    SCHED_FLAG_KEEP_PARAMS,
    SCHED_FLAG_KEEP_POLICY,
    SCHED_FLAG_UTIL_CLAMP,
    SCHED_PARAM,
)
from pynix.base.errors import KernelError
from pynix.base.runqueue import RR_TIMESLICE_NS, TIMESLICE_NS
from pynix.kernel.sched_policy import (
    POLICIES,
    RT_POLICIES,
    SETPARAM_POLICY,
    SchedAttr,
    find_process_by_pid,
    get_params,
    sched_setattr,
)
from pynix.kernel.task import Task
from pynix.machine.physmem import PAGE_SIZE
from pynix.mm.uaccess import access_ok, copy_from_user, copy_to_user, get_u32, put_u32
from pynix.syscalls.util import mm_of, s32


def _target(t: Task, pid: int) -> Task:
    pid = s32(pid)
    if pid < 0:
        raise KernelError(E.EINVAL)
    return find_process_by_pid(t, pid)


def _get_param(t: Task, param: int) -> int:
    if not param:
        raise KernelError(E.EINVAL)
    return SCHED_PARAM.unpack(copy_from_user(mm_of(t), param, SCHED_PARAM.size))[0]


def _setscheduler(t: Task, p: Task, policy: int, prio: int) -> None:
    """_sched_setscheduler: sched_setattr with the priority given and the nice value kept."""
    flags = 0
    if policy != SETPARAM_POLICY and policy & A.SCHED_RESET_ON_FORK:
        policy &= ~A.SCHED_RESET_ON_FORK
        flags = 1
    sched_setattr(t, p, SchedAttr(policy=policy, flags=flags, nice=p.nice, priority=prio))


def sys_sched_setscheduler(t: Task, pid: int, policy: int, param: int) -> int:
    p = _target(t, pid)
    if s32(policy) < 0:
        raise KernelError(E.EINVAL)
    _setscheduler(t, p, s32(policy), _get_param(t, param))
    return 0


def sys_sched_setparam(t: Task, pid: int, param: int) -> int:
    p = _target(t, pid)
    _setscheduler(t, p, SETPARAM_POLICY, _get_param(t, param))
    return 0


def sys_sched_getscheduler(t: Task, pid: int) -> int:
    p = _target(t, pid)
    return p.policy | (A.SCHED_RESET_ON_FORK if p.sched_reset_on_fork else 0)


def sys_sched_getparam(t: Task, pid: int, param: int) -> int:
    p = _target(t, pid)
    if not param:
        raise KernelError(E.EINVAL)
    copy_to_user(mm_of(t), param, SCHED_PARAM.pack(p.rt_priority))
    return 0


def _copy_attr(t: Task, uattr: int) -> SchedAttr:
    """sched_copy_attr: the size rules, then the fields (a VER0 caller's util fields zero)."""
    mm = mm_of(t)
    size = get_u32(mm, uattr)
    if size == 0:
        size = SCHED_ATTR_SIZE_VER0
    if size < SCHED_ATTR_SIZE_VER0 or size > PAGE_SIZE:
        put_u32(mm, uattr, SCHED_ATTR.size)
        raise KernelError(E.E2BIG)
    raw = copy_from_user(mm, uattr, size)
    if any(raw[SCHED_ATTR.size:]):                 # copy_struct_from_user: unknown tail
        put_u32(mm, uattr, SCHED_ATTR.size)
        raise KernelError(E.E2BIG)
    raw = raw[:SCHED_ATTR.size].ljust(SCHED_ATTR.size, b"\0")
    _, policy, flags, nice, prio, runtime, deadline, period, umin, umax = SCHED_ATTR.unpack(raw)
    if flags & SCHED_FLAG_UTIL_CLAMP and size < SCHED_ATTR_SIZE_VER1:
        raise KernelError(E.EINVAL)
    return SchedAttr(policy, flags, max(-20, min(19, nice)), prio, runtime, deadline, period,
                     umin, umax)


def sys_sched_setattr(t: Task, pid: int, uattr: int, flags: int) -> int:
    pid = s32(pid)
    if not uattr or pid < 0 or flags & 0xFFFFFFFF:
        raise KernelError(E.EINVAL)
    attr = _copy_attr(t, uattr)
    if s32(attr.policy) < 0:
        raise KernelError(E.EINVAL)
    if attr.flags & SCHED_FLAG_KEEP_POLICY:
        attr.policy = SETPARAM_POLICY
    p = find_process_by_pid(t, pid)
    if attr.flags & SCHED_FLAG_KEEP_PARAMS:
        kept = get_params(p)
        attr.nice, attr.priority = kept.nice, kept.priority
        attr.runtime, attr.deadline, attr.period = kept.runtime, kept.deadline, kept.period
    sched_setattr(t, p, attr)
    return 0


def sys_sched_getattr(t: Task, pid: int, uattr: int, usize: int, flags: int) -> int:
    pid, usize = s32(pid), usize & 0xFFFFFFFF
    if not uattr or pid < 0 or usize > PAGE_SIZE or usize < SCHED_ATTR_SIZE_VER0 or flags & 0xFFFFFFFF:
        raise KernelError(E.EINVAL)
    a = get_params(find_process_by_pid(t, pid))
    access_ok(uattr, usize)
    raw = SCHED_ATTR.pack(min(usize, SCHED_ATTR.size), a.policy, a.flags, a.nice, a.priority,
                          a.runtime, a.deadline, a.period, a.util_min, a.util_max)
    copy_to_user(mm_of(t), uattr, raw[:usize].ljust(usize, b"\0"))   # copy_struct_to_user
    return 0


def sys_sched_get_priority_max(t: Task, policy: int) -> int:
    if s32(policy) not in POLICIES:
        raise KernelError(E.EINVAL)
    return 99 if s32(policy) in RT_POLICIES else 0


def sys_sched_get_priority_min(t: Task, policy: int) -> int:
    if s32(policy) not in POLICIES:
        raise KernelError(E.EINVAL)
    return 1 if s32(policy) in RT_POLICIES else 0


def sys_sched_rr_get_interval(t: Task, pid: int, tp: int) -> int:
    """The task's quantum: SCHED_RR's 100 ms, none for SCHED_FIFO and SCHED_DEADLINE,
    pynix's tick otherwise."""
    p = _target(t, pid)
    ns = (0 if p.policy in (A.SCHED_FIFO, A.SCHED_DEADLINE) else
          RR_TIMESLICE_NS if p.policy == A.SCHED_RR else TIMESLICE_NS)
    copy_to_user(mm_of(t), tp, A.TIMESPEC.pack(ns // 10**9, ns % 10**9))
    return 0
