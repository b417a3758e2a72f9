"""What every namespace has, and which ones a task is in (Linux include/linux/ns_common.h,
fs/nsfs.c and proc_alloc_inum, the task's nsproxy; fs/proc/namespaces.c's list).

Provides:
- ``alloc_inum()``: the inode number that names a new namespace in /proc/PID/ns (the
  initial namespaces have fixed ones, ``PROC_IPC_INIT_INO``, ``PROC_UTS_INIT_INO``); two
  tasks share a namespace when the numbers are equal.
- ``ns_of(task, kind)``: the task's namespace of a kind (``"ipc"``, ``"uts"``): what Linux
  reaches as ``task->nsproxy->uts_ns``; a task without one (built before the kernel had it)
  gets the initial namespace. ``uts_ns_of`` is that for UTS.
- ``task_namespaces(task)``: /proc/PID/ns: link name -> namespace (its ``inum`` names it).

The namespace objects themselves: ``ipc/util.IpcNamespace``, ``kernel/nsproxy.UtsNamespace``.
This module sits with the task structures, so that subsystems (ipc, procfs) can reach a
task's namespaces without importing the process lifecycle.
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pynix.kernel.nsproxy import UtsNamespace
    from pynix.kernel.task import Task

# proc_alloc_inum: the initial namespaces have fixed numbers, later ones count up from here
PROC_IPC_INIT_INO, PROC_UTS_INIT_INO = 0xEFFFFFFF, 0xEFFFFFFE
_next_inum = itertools.count(0xF0000000)

NS_KINDS = ("ipc", "uts")          # what /proc/PID/ns lists, in that order


def alloc_inum() -> int:
    return next(_next_inum)


def ns_of(task: Task, kind: str) -> Any:
    """The task's namespace of ``kind`` (an attribute ``<kind>_ns``), the kernel's initial
    one (``init_<kind>_ns``) if it has none yet."""
    attr = kind + "_ns"
    ns = getattr(task, attr, None)
    if ns is None:
        ns = getattr(task.kernel, "init_" + attr)
        setattr(task, attr, ns)
    return ns


def uts_ns_of(task: Task) -> UtsNamespace:
    return ns_of(task, "uts")


def task_namespaces(task: Task) -> dict[bytes, Any]:
    """/proc/PID/ns: link name -> the namespace (its ``inum`` names it)."""
    return {kind.encode(): ns_of(task, kind) for kind in NS_KINDS}
