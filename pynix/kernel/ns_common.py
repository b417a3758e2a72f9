"""What every namespace has, and which ones a task is in (Linux include/linux/ns_common.h,
fs/nsfs.c and proc_alloc_inum, the task's nsproxy; fs/proc/namespaces.c's list).

Provides:
- ``alloc_inum()``: the inode number that names a new namespace in /proc/PID/ns (the
  initial namespaces have fixed ones, ``PROC_IPC_INIT_INO``, ``PROC_UTS_INIT_INO``); two
  tasks share a namespace when the numbers are equal.
- ``ns_of(task, kind)``: the task's namespace of a kind (``"ipc"``, ``"uts"``): what Linux
  reaches as ``task->nsproxy->uts_ns``; a task without one (built before the kernel had it)
  gets the initial namespace. ``uts_ns_of`` is that for UTS.
- ``task_namespaces(task)``: /proc/PID/ns: link name -> namespace (its ``inum`` names it);
  ``NS_LINKS`` the kind and CLONE_NEW* type behind each link name. ``InitNamespace`` stands
  for the kinds pynix has only the initial namespace of (net, user, mnt, cgroup, time).
  ``pid_ns_for_children(task)``: where the task's children get their pids.

The namespace objects themselves: ``ipc/util.IpcNamespace``, ``kernel/nsproxy.UtsNamespace``,
``kernel/pid.PidNamespace`` (the pid one is the task's struct pid's: task_active_pid_ns).
This module sits with the task structures, so that subsystems (ipc, procfs) can reach a
task's namespaces without importing the process lifecycle.
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from pynix.arch.x86_64.nsfs import (
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    PROC_CGROUP_INIT_INO,
    PROC_IPC_INIT_INO,
    PROC_MNT_INIT_INO,
    PROC_NET_INIT_INO,
    PROC_PID_INIT_INO,
    PROC_TIME_INIT_INO,
    PROC_USER_INIT_INO,
    PROC_UTS_INIT_INO,
)

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.kernel.pid import PidNamespace, task_active_pid_ns

if TYPE_CHECKING:
    from pynix.kernel.nsproxy import UtsNamespace
    from pynix.kernel.task import Task

# proc_alloc_inum: the initial namespaces have fixed numbers, later ones count up from here
_next_inum = itertools.count(0xF0000000)

# /proc/PID/ns: link name -> (namespace kind, its CLONE_NEW* type), in Linux's ns_entries order
NS_LINKS: dict[bytes, tuple[str, int]] = {
    b"net": ("net", CLONE_NEWNET), b"uts": ("uts", CLONE_NEWUTS), b"ipc": ("ipc", CLONE_NEWIPC),
    b"pid": ("pid", CLONE_NEWPID), b"pid_for_children": ("pid", CLONE_NEWPID),
    b"user": ("user", CLONE_NEWUSER), b"mnt": ("mnt", CLONE_NEWNS),
    b"cgroup": ("cgroup", CLONE_NEWCGROUP), b"time": ("time", CLONE_NEWTIME),
    b"time_for_children": ("time", CLONE_NEWTIME)}
INIT_INUMS = {"net": PROC_NET_INIT_INO, "user": PROC_USER_INIT_INO,
              "mnt": PROC_MNT_INIT_INO, "cgroup": PROC_CGROUP_INIT_INO,
              "time": PROC_TIME_INIT_INO}


class InitNamespace:
    """A namespace of a kind pynix has only the initial one of (net, pid, user, mnt, cgroup,
    time): every task is in it; it has the fixed inode number Linux gives it, no parent, and
    the initial user namespace (owner uid 0) owns it."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.inum = INIT_INUMS[kind]
        self.owner_uid = 0


def init_namespaces() -> dict[str, InitNamespace]:
    """The kernel's initial namespaces of those kinds (set as kernel.init_<kind>_ns)."""
    return {kind: InitNamespace(kind) for kind in INIT_INUMS}


def alloc_inum() -> int:
    return next(_next_inum)


def ns_of(task: Task, kind: str) -> Any:
    """The task's namespace of ``kind`` (an attribute ``<kind>_ns``), the kernel's initial
    one (``init_<kind>_ns``) if it has none yet."""
    if kind == "pid":
        return task_active_pid_ns(task)
    attr = kind + "_ns"
    if kind == "mnt" and task.fs is not None:   # the mount namespace is the fs_struct's table
        return task.fs.mounts
    if kind in INIT_INUMS:                      # only the initial one exists
        return getattr(task.kernel, "init_" + attr)
    ns = getattr(task, attr, None)
    if ns is None:
        ns = getattr(task.kernel, "init_" + attr)
        setattr(task, attr, ns)
    return ns


def uts_ns_of(task: Task) -> UtsNamespace:
    return ns_of(task, "uts")


def task_namespaces(task: Task) -> dict[bytes, Any]:
    """/proc/PID/ns: link name -> the namespace (its ``inum`` names it)."""
    out = {name: ns_of(task, kind) for name, (kind, _type) in NS_LINKS.items()}
    out[b"pid_for_children"] = pid_ns_for_children(task)
    return out


def ns_get_ready(ns: Any) -> None:
    """A /proc/PID/ns link leads nowhere (ENOENT) to a pid namespace that has no init yet
    (pidns_for_children_get after unshare, before the fork)."""
    if isinstance(ns, PidNamespace) and ns.level and ns.child_reaper is None:
        raise KernelError(E.ENOENT)


def pid_ns_for_children(task: Task) -> PidNamespace:
    """nsproxy->pid_ns_for_children: where ``task``'s children get their pids (unshare's
    CLONE_NEWPID sets it; else the task's own)."""
    return task.pid_ns_for_children or task_active_pid_ns(task)
