"""Scheduling policy and parameters of a task: the rules behind sched_setscheduler,
sched_setparam and sched_setattr (Linux kernel/sched/syscalls.c __sched_setscheduler,
user_check_sched_setscheduler, __setscheduler_params, get_params).

Provides ``SchedAttr`` (struct sched_attr, decoded), ``find_process_by_pid(t, pid)``,
``get_params(p) -> SchedAttr`` and ``sched_setattr(t, p, attr)``: validate the policy, the
flags, the priority for the policy and SCHED_DEADLINE's runtime <= deadline <= period
(EINVAL), check the caller's rights (EPERM: another user's task, a raised real-time priority
past RLIMIT_RTPRIO, a nice value below RLIMIT_NICE's, SCHED_DEADLINE, leaving SCHED_IDLE or
dropping SCHED_RESET_ON_FORK, all unless CAP_SYS_NICE), admit a deadline reservation only
while all of them fit in DL_BW_LIMIT of the CPU (EBUSY), then apply and requeue. A policy of
``SETPARAM_POLICY`` (-1) keeps the task's. Utilisation clamping is not configured
(EOPNOTSUPP, as Linux without CONFIG_UCLAMP_TASK). Owns nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from pynix.kernel.pid import find_task_by_vpid
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_NICE
from pynix.arch.x86_64.sched import (
    SCHED_FLAG_ALL,
    SCHED_FLAG_DL_OVERRUN,
    SCHED_FLAG_RECLAIM,
    SCHED_FLAG_RESET_ON_FORK,
    SCHED_FLAG_UTIL_CLAMP,
)
from pynix.base.deadline import DL_BW_LIMIT, DLEntity, checkparam_dl
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_ZOMBIE, TIMESLICE_NS
from pynix.kernel.cred import capable
from pynix.kernel.task import Task

SETPARAM_POLICY = -1
POLICIES = (A.SCHED_NORMAL, A.SCHED_FIFO, A.SCHED_RR, A.SCHED_BATCH, A.SCHED_IDLE,
            A.SCHED_DEADLINE)
RT_POLICIES = (A.SCHED_FIFO, A.SCHED_RR)
FAIR_POLICIES = (A.SCHED_NORMAL, A.SCHED_BATCH)
MAX_RT_PRIO = 100
SCHED_DL_FLAGS = SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN    # kept in the entity


@dataclass
class SchedAttr:
    policy: int = A.SCHED_NORMAL
    flags: int = 0
    nice: int = 0
    priority: int = 0
    runtime: int = 0
    deadline: int = 0
    period: int = 0
    util_min: int = 0
    util_max: int = 0


def find_process_by_pid(t: Task, pid: int) -> Task:
    """The calling task for pid 0, else the live task ``pid`` (ESRCH); the caller has
    rejected a negative pid."""
    if pid == 0:
        return t
    p = find_task_by_vpid(t, pid)
    if p is None:
        raise KernelError(E.ESRCH)
    return p


def get_params(p: Task) -> SchedAttr:
    """get_params plus the policy: what sched_getattr reports of ``p``."""
    a = SchedAttr(policy=p.policy, flags=SCHED_FLAG_RESET_ON_FORK if p.sched_reset_on_fork else 0)
    if p.policy == A.SCHED_DEADLINE and p.dl is not None:
        a.runtime, a.deadline, a.period = p.dl.runtime, p.dl.deadline, p.dl.period
        a.flags |= p.dl.flags
    elif p.policy in RT_POLICIES:
        a.priority = p.rt_priority
    else:
        a.nice = p.nice
        a.runtime = TIMESLICE_NS              # a fair task's slice (se.slice)
    return a


def _nice_allowed(p: Task, nice: int) -> bool:
    """is_nice_reduction: RLIMIT_NICE allows nice values down to 20 - rlimit."""
    return 20 - nice <= p.rlimit(A.RLIMIT_NICE)


def _needs_privilege(t: Task, p: Task, attr: SchedAttr, policy: int, reset: bool) -> bool:
    """user_check_sched_setscheduler: does this change need CAP_SYS_NICE?"""
    if policy in FAIR_POLICIES and attr.nice < p.nice and not _nice_allowed(p, attr.nice):
        return True
    if policy in RT_POLICIES:
        rlim = p.rlimit(A.RLIMIT_RTPRIO)
        if policy != p.policy and not rlim:
            return True
        if attr.priority > p.rt_priority and attr.priority > rlim:
            return True
    if policy == A.SCHED_DEADLINE:
        return True
    if p.policy == A.SCHED_IDLE and policy != A.SCHED_IDLE and not _nice_allowed(p, p.nice):
        return True
    if t.cred.euid not in (p.cred.euid, p.cred.uid):
        return True
    return p.sched_reset_on_fork and not reset


def _dl_overflow(p: Task, attr: SchedAttr, policy: int) -> bool:
    """dl_overflow: would the deadline reservations of all live tasks pass DL_BW_LIMIT?"""
    if policy != A.SCHED_DEADLINE:
        return False
    others = sum(x.dl.bandwidth for x in p.kernel.tasks.values()
                 if x is not p and x.policy == A.SCHED_DEADLINE and x.dl is not None
                 and x.state not in (TASK_ZOMBIE, TASK_DEAD))
    return others + attr.runtime / (attr.period or attr.deadline) > DL_BW_LIMIT


def sched_setattr(t: Task, p: Task, attr: SchedAttr) -> None:
    """__sched_setscheduler(p, attr, user=true): validate, check, admit, apply, requeue."""
    policy = attr.policy
    if policy == SETPARAM_POLICY:
        policy, reset = p.policy, p.sched_reset_on_fork
    else:
        reset = bool(attr.flags & SCHED_FLAG_RESET_ON_FORK)
        if policy not in POLICIES:
            raise KernelError(E.EINVAL)
    if attr.flags & ~SCHED_FLAG_ALL or attr.priority > MAX_RT_PRIO - 1:
        raise KernelError(E.EINVAL)
    if policy == A.SCHED_DEADLINE and not checkparam_dl(attr.runtime, attr.deadline, attr.period):
        raise KernelError(E.EINVAL)
    if (policy in RT_POLICIES) != (attr.priority != 0):
        raise KernelError(E.EINVAL)
    if _needs_privilege(t, p, attr, policy, reset) and not capable(t, CAP_SYS_NICE):
        raise KernelError(E.EPERM)
    if attr.flags & SCHED_FLAG_UTIL_CLAMP:
        raise KernelError(E.EOPNOTSUPP)
    if _dl_overflow(p, attr, policy):
        raise KernelError(E.EBUSY)
    rq = t.kernel.rq
    if policy == A.SCHED_DEADLINE:
        rq.dl_start(p, DLEntity(attr.runtime, attr.deadline, attr.period or attr.deadline,
                                attr.flags & SCHED_DL_FLAGS))
    else:
        rq.dl_stop(p)
        p.dl = None
        if policy in FAIR_POLICIES:
            p.nice = max(-20, min(19, attr.nice))
    p.policy, p.rt_priority, p.sched_reset_on_fork = policy, attr.priority, reset
    rq.requeue(p)
    if p is t:
        t.kernel.need_resched = True          # a lower priority may now have to give way
