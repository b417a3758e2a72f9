"""Scheduling policy syscalls: sched_setscheduler, sched_getscheduler, sched_setparam,
sched_getparam, sched_get_priority_max/min, sched_rr_get_interval (Linux kernel/sched/core.c
and syscalls.c).

A task's policy is SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE (all scheduled round robin by
pynix), or SCHED_FIFO / SCHED_RR with an rt_priority of 1-99 (run first, by priority; see
RunQueue in base/runqueue.py). Checks as Linux: a NULL param or negative pid is EINVAL, an
unknown policy or a priority outside the policy's range EINVAL, a real-time policy needs
root (or RLIMIT_RTPRIO) and changing another user's task needs root: EPERM. SCHED_DEADLINE
is not implemented (EINVAL).
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_NICE
from pynix.arch.x86_64.sched import SCHED_PARAM
from pynix.base.errors import KernelError
from pynix.base.runqueue import RR_TIMESLICE_NS, TIMESLICE_NS
from pynix.kernel.cred import capable
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.syscalls.util import mm_of, s32

_POLICIES = (A.SCHED_NORMAL, A.SCHED_FIFO, A.SCHED_RR, A.SCHED_BATCH, A.SCHED_IDLE)
_RT = (A.SCHED_FIFO, A.SCHED_RR)


def _target(t: Task, pid: int) -> Task:
    pid = s32(pid)
    if pid < 0:
        raise KernelError(E.EINVAL)
    if pid == 0:
        return t
    p = t.kernel.find_task(pid)
    if p is None:
        raise KernelError(E.ESRCH)
    return p


def _get_param(t: Task, param: int) -> int:
    if not param:
        raise KernelError(E.EINVAL)
    return SCHED_PARAM.unpack(copy_from_user(mm_of(t), param, SCHED_PARAM.size))[0]


def _setscheduler(t: Task, p: Task, policy: int, prio: int) -> None:
    """__sched_setscheduler: validate, check permission, apply, requeue."""
    reset = bool(policy & A.SCHED_RESET_ON_FORK)
    policy &= ~A.SCHED_RESET_ON_FORK
    if policy not in _POLICIES:
        raise KernelError(E.EINVAL)
    if (policy in _RT) != (1 <= prio <= 99) or not 0 <= prio <= 99:
        raise KernelError(E.EINVAL)
    cred = t.cred
    if not capable(t, CAP_SYS_NICE):
        if cred.euid not in (p.cred.uid, p.cred.euid):
            raise KernelError(E.EPERM)
        if policy in _RT and prio > max(p.rt_priority, p.rlimit(A.RLIMIT_RTPRIO)):
            raise KernelError(E.EPERM)
        if p.sched_reset_on_fork and not reset:
            raise KernelError(E.EPERM)
    p.policy, p.rt_priority, p.sched_reset_on_fork = policy, prio, reset
    t.kernel.rq.requeue(p)
    if p is t:
        t.kernel.need_resched = True          # a lower priority may now have to give way


def sys_sched_setscheduler(t: Task, pid: int, policy: int, param: int) -> int:
    p = _target(t, pid)
    if s32(policy) < 0:
        raise KernelError(E.EINVAL)
    _setscheduler(t, p, s32(policy), _get_param(t, param))
    return 0


def sys_sched_setparam(t: Task, pid: int, param: int) -> int:
    p = _target(t, pid)
    _setscheduler(t, p, p.policy | (A.SCHED_RESET_ON_FORK if p.sched_reset_on_fork else 0),
                  _get_param(t, param))
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


def sys_sched_get_priority_max(t: Task, policy: int) -> int:
    if s32(policy) not in (*_POLICIES, A.SCHED_DEADLINE):
        raise KernelError(E.EINVAL)
    return 99 if s32(policy) in _RT else 0


def sys_sched_get_priority_min(t: Task, policy: int) -> int:
    if s32(policy) not in (*_POLICIES, A.SCHED_DEADLINE):
        raise KernelError(E.EINVAL)
    return 1 if s32(policy) in _RT else 0


def sys_sched_rr_get_interval(t: Task, pid: int, tp: int) -> int:
    """The task's quantum: SCHED_RR's 100 ms, none for SCHED_FIFO, pynix's tick otherwise."""
    p = _target(t, pid)
    ns = 0 if p.policy == A.SCHED_FIFO else RR_TIMESLICE_NS if p.policy == A.SCHED_RR else TIMESLICE_NS
    copy_to_user(mm_of(t), tp, A.TIMESPEC.pack(ns // 10**9, ns % 10**9))
    return 0
