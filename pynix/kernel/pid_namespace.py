"""Pid namespaces' life (Linux's kernel/pid_namespace.c create_pid_namespace, copy_pid_ns,
zap_pid_ns_processes; kernel/exit.c find_child_reaper; kernel/fork.c's pid checks).

Provides:
- ``copy_pid_ns(task, flags)``: the namespace ``task``'s next children get their pids from:
  without CLONE_NEWPID its pid_ns_for_children, with it a new child of the task's active one
  (CAP_SYS_ADMIN; EINVAL after an unshare(CLONE_NEWPID) not yet used by a fork, ENOSPC past
  MAX_PID_NS_LEVEL levels). unshare(2) stores it as ``task.pid_ns_for_children``; clone uses
  it for the one child.
- ``attach_child_reaper(ns, child)``: the first task of a namespace (its pid 1) becomes its
  child_reaper and SIGNAL_UNKILLABLE.
- ``is_ns_reaper_group(t)``: ``t``'s thread group is the child reaper of its namespace.
- ``zap_pid_ns_processes(init, done)``: the init of a namespace exits: no more pids there
  (fork ENOMEM), SIGKILL to every other task of it, its zombies autoreaped (SIGCHLD is
  ignored for it from now), and ``done`` is called once the namespace holds only init's pid
  (the exit of a namespace init is reported to its parent only then).
- ``ns_tasks(ns)``: the live tasks with a pid in ``ns``.
- ``find_child_reaper(t)`` / ``find_new_reaper(t)`` (kernel/exit.c): who adopts the
  children of an exiting ``t``: another live thread of its group, the nearest
  PR_SET_CHILD_SUBREAPER ancestor in its namespace (``set_child_subreaper``), else the
  namespace's init.

Owns: the PIDNS_ADDING state, the reaper of each namespace and the subreaper flags (kernel/pid.py has the objects).
"""
from __future__ import annotations

from typing import Callable

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.arch.x86_64.thread import MAX_PID_NS_LEVEL
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_ZOMBIE
from pynix.kernel.cred import capable
from pynix.kernel.ns_common import alloc_inum, pid_ns_for_children
from pynix.kernel.pid import PidNamespace, task_active_pid_ns
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task


def create_pid_namespace(parent: PidNamespace) -> PidNamespace:
    """A new pid namespace below ``parent`` (Linux's create_pid_namespace)."""
    if parent.level + 1 > MAX_PID_NS_LEVEL:
        raise KernelError(E.ENOSPC)
    return PidNamespace(parent, alloc_inum(), owner=parent.owner)


def copy_pid_ns(t: Task, flags: int) -> PidNamespace:
    """Linux's copy_pid_ns (via copy_namespaces / unshare_nsproxy_namespaces)."""
    old = pid_ns_for_children(t)
    if not flags & A.CLONE_NEWPID:
        return old
    if not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    if old is not task_active_pid_ns(t):
        raise KernelError(E.EINVAL)
    return create_pid_namespace(old)


def attach_child_reaper(ns: PidNamespace, child: Task) -> None:
    """copy_process: the namespace's first task is its init (pid 1)."""
    if ns.child_reaper is None and child.thread_pid.nr_ns(ns) == 1:
        ns.child_reaper = child
        child.signal.unkillable = True


def is_ns_reaper_group(t: Task) -> bool:
    ns = task_active_pid_ns(t)
    r = ns.child_reaper
    return ns.level > 0 and r is not None and r.signal is t.signal


def ns_tasks(ns: PidNamespace) -> list[Task]:
    return [p.task for p in list(ns.pid_hash.values()) if p.task is not None]


def zap_pid_ns_processes(init: Task, done: Callable[[], None]) -> None:
    """Linux's zap_pid_ns_processes, with the wait turned into ``done`` (called at once when
    nothing else is left)."""
    ns = task_active_pid_ns(init)
    ns.adding = False                             # disable_pid_allocation
    init.signal.zap_autoreap = True               # SIGCHLD ignored: zombies go away
    for p in ns_tasks(ns):
        if p.signal is not init.signal and p.state not in (TASK_ZOMBIE, TASK_DEAD):
            send_signal(p, SigInfo(A.SIGKILL, A.SI_KERNEL), group=True)
    if len(ns.pid_hash) <= 1:
        done()
    else:
        ns.on_empty.append(done)


def find_alive_thread(t: Task) -> Task | None:
    for th in t.thread_group:
        if th is not t and not th.flags & PF_EXITING:
            return th
    return None


def find_child_reaper(t: Task) -> Task | None:
    """Linux's find_child_reaper: the init of ``t``'s pid namespace; when that is ``t``'s
    own group, another live thread of it takes over, or (the last one of a namespace init)
    the group keeps its children while zap_pid_ns_processes kills them."""
    ns = task_active_pid_ns(t)
    reaper = ns.child_reaper if ns.level else t.kernel.init_task
    if reaper is None or reaper.signal is not t.signal:
        return reaper
    alive = find_alive_thread(t)
    if alive is not None:
        if ns.level:
            ns.child_reaper = alive
        return alive
    return t.group_leader if ns.level else None


def find_new_reaper(t: Task) -> Task | None:
    """Linux's find_new_reaper: another live thread of the group, else the nearest
    PR_SET_CHILD_SUBREAPER ancestor in the same pid namespace, else the namespace's init."""
    alive = find_alive_thread(t)
    if alive is not None:
        return alive
    child_reaper = find_child_reaper(t)
    if t.signal.has_child_subreaper:
        level = t.thread_pid.level
        r = t.group_leader.real_parent
        while r is not None and r.thread_pid.level == level and r is not child_reaper \
                and r is not t.kernel.init_task:
            if r.signal.is_child_subreaper and r.signal is not t.signal:
                if not r.flags & PF_EXITING:
                    return r
                alive = find_alive_thread(r)
                if alive is not None:
                    return alive
            r = r.group_leader.real_parent
    return child_reaper


def set_child_subreaper(t: Task, on: bool) -> None:
    """PR_SET_CHILD_SUBREAPER: orphans below ``t`` come to it; the existing descendants learn
    they have a subreaper above (walk_process_tree with propagate_has_child_subreaper)."""
    t.signal.is_child_subreaper = on
    if not on:
        return
    todo = list(t.group_leader.children)
    while todo:
        c = todo.pop()
        if c.signal.has_child_subreaper:
            continue
        c.signal.has_child_subreaper = True
        for th in c.thread_group:
            todo.extend(th.children)
