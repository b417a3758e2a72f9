"""Scheduling policy syscalls: sched_setscheduler, sched_getscheduler, sched_setparam,
sched_getparam, sched_get_priority_max/min, sched_rr_get_interval (Linux kernel/sched/core.c,
syscalls.c).

A task records its policy and real-time priority (``policy``, ``rt_priority``; fork copies
them, except that under SCHED_RESET_ON_FORK a real-time parent has a SCHED_OTHER child). The checks are Linux's:
SCHED_FIFO/RR take priorities 1-99 and need root (RLIMIT_RTPRIO is 0), the others take 0;
changing another user's task needs root. pynix's scheduler itself treats every policy alike.
"""
from __future__ import annotations

import struct

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.kernel.errors import KernelError
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user
from pynix.syscalls.util import mm_of, s32, task_or_self

RT_POLICIES = (A.SCHED_FIFO, A.SCHED_RR)
NORMAL_POLICIES = (A.SCHED_OTHER, A.SCHED_BATCH, A.SCHED_IDLE)
RR_TIMESLICE_NS = 100_000_000           # RR_TIMESLICE: 100 ms
_PARAM = struct.Struct("<i")


def _target(t: Task, pid: int) -> Task:
    if s32(pid) < 0:
        raise KernelError(E.EINVAL)
    return task_or_self(t, pid)


def sys_sched_get_priority_max(t: Task, policy: int) -> int:
    if s32(policy) in RT_POLICIES:
        return A.MAX_RT_PRIO - 1
    if s32(policy) in NORMAL_POLICIES or s32(policy) == A.SCHED_DEADLINE:
        return 0
    raise KernelError(E.EINVAL)


def sys_sched_get_priority_min(t: Task, policy: int) -> int:
    if s32(policy) in RT_POLICIES:
        return 1
    if s32(policy) in NORMAL_POLICIES or s32(policy) == A.SCHED_DEADLINE:
        return 0
    raise KernelError(E.EINVAL)


def sys_sched_getscheduler(t: Task, pid: int) -> int:
    p = _target(t, pid)
    return p.policy | (A.SCHED_RESET_ON_FORK if p.sched_reset_on_fork else 0)


def sys_sched_getparam(t: Task, pid: int, param: int) -> int:
    if not param:
        raise KernelError(E.EINVAL)
    p = _target(t, pid)
    copy_to_user(mm_of(t), param, _PARAM.pack(p.rt_priority))
    return 0


def _setscheduler(t: Task, pid: int, policy: int, param: int) -> int:
    """policy -1: keep the current one (sched_setparam)."""
    if not param or s32(pid) < 0:
        raise KernelError(E.EINVAL)
    p = task_or_self(t, pid)
    (prio,) = _PARAM.unpack(copy_from_user(mm_of(t), param, _PARAM.size))
    reset = p.sched_reset_on_fork
    if policy == -1:
        policy = p.policy
    else:
        reset = bool(policy & A.SCHED_RESET_ON_FORK)
        policy &= ~A.SCHED_RESET_ON_FORK
    if policy not in RT_POLICIES + NORMAL_POLICIES:
        raise KernelError(E.EINVAL)
    if not (1 <= prio <= A.MAX_RT_PRIO - 1 if policy in RT_POLICIES else prio == 0):
        raise KernelError(E.EINVAL)
    if t.cred.euid != 0:
        if t.cred.euid not in (p.cred.uid, p.cred.euid):
            raise KernelError(E.EPERM)
        if policy in RT_POLICIES and (prio > p.rt_priority or p.policy not in RT_POLICIES):
            raise KernelError(E.EPERM)           # RLIMIT_RTPRIO is 0
        if p.sched_reset_on_fork and not reset:
            raise KernelError(E.EPERM)
    p.policy, p.rt_priority, p.sched_reset_on_fork = policy, prio, reset
    return 0


def sys_sched_setscheduler(t: Task, pid: int, policy: int, param: int) -> int:
    if s32(policy) < 0:
        raise KernelError(E.EINVAL)
    return _setscheduler(t, pid, s32(policy), param)


def sys_sched_setparam(t: Task, pid: int, param: int) -> int:
    return _setscheduler(t, pid, -1, param)


def sys_sched_rr_get_interval(t: Task, pid: int, tp: int) -> int:
    p = _target(t, pid)
    ns = RR_TIMESLICE_NS if p.policy == A.SCHED_RR else 0
    copy_to_user(mm_of(t), tp, A.TIMESPEC.pack(ns // 10**9, ns % 10**9))
    return 0
