"""Namespaces, and leaving the ones a task shares (Linux's kernel/nsproxy.c, kernel/utsname.c,
kernel/fork.c ksys_unshare).

pynix has UTS (hostname and domain name, here), System V IPC (``ipc/util.IpcNamespace``)
and pid namespaces (``kernel/pid.py``, ``kernel/pid_namespace.py``). A task points at one of
each (``task.uts_ns``, ``task.ipc_ns``; the pid one is its struct pid's, and
``task.pid_ns_for_children`` where its children go); fork shares them,
clone(CLONE_NEWUTS / CLONE_NEWIPC / CLONE_NEWPID) and unshare(2) give the task new ones
(root only, as CAP_SYS_ADMIN; unshare's new pid namespace is for the children). Each
namespace has an inode number, shown by the ``/proc/PID/ns`` links (``uts:[4026531838]``):
two tasks share a namespace when the numbers are equal. The other kinds (mount, user, net,
cgroup, time) do not exist yet, and asking for them is EINVAL, as from a Linux built without
them. A copy of the mount namespace is one more ``copy_*`` line in ksys_unshare and in
copy_process, next to the others.

Provides ``UtsNamespace``, ``copy_utsname(parent, flags)`` (fork) and
``ksys_unshare(task, flags)``. The inode numbers, a task's namespace of each kind
(``uts_ns_of``) and the /proc/PID/ns list are kernel/ns_common.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.arch.x86_64.thread import CLONE_NEWTIME
from pynix.base.errors import KernelError
from pynix.fs.vfs.mnt_ns import copy_mnt_ns
from pynix.ipc.sem import exit_sem
from pynix.ipc.util import copy_ipcs
from pynix.kernel.cred import capable
from pynix.kernel.ns_common import alloc_inum, uts_ns_of
from pynix.kernel.pid_namespace import copy_pid_ns

if TYPE_CHECKING:
    from pynix.kernel.task import Task

# The flags unshare(2) knows (check_unshare_flags), and the namespaces pynix implements.
UNSHARE_FLAGS = (A.CLONE_THREAD | A.CLONE_FS | A.CLONE_NEWNS | A.CLONE_SIGHAND | A.CLONE_VM
                 | A.CLONE_FILES | A.CLONE_SYSVSEM | A.CLONE_NEWUTS | A.CLONE_NEWIPC
                 | A.CLONE_NEWNET | A.CLONE_NEWUSER | A.CLONE_NEWPID | A.CLONE_NEWCGROUP
                 | CLONE_NEWTIME)
IMPLEMENTED_NS = A.CLONE_NEWUTS | A.CLONE_NEWIPC | A.CLONE_NEWPID | A.CLONE_NEWNS
NOT_IMPLEMENTED_NS = (A.CLONE_NEWUSER | A.CLONE_NEWNET
                      | A.CLONE_NEWCGROUP | CLONE_NEWTIME)


class UtsNamespace:
    """What uname(2) reports that a task may change: nodename and domainname."""

    def __init__(self, hostname: bytes = b"pynix", domainname: bytes = b"(none)",
                 inum: int | None = None) -> None:
        self.hostname = hostname
        self.domainname = domainname
        self.inum = inum if inum is not None else alloc_inum()


def _may_create_ns(task: Task) -> None:
    if not capable(task, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)


def copy_utsname(parent: Task, flags: int) -> UtsNamespace:
    """fork/clone: the parent's UTS namespace, or with CLONE_NEWUTS a copy of it (root only)."""
    ns = uts_ns_of(parent)
    if not flags & A.CLONE_NEWUTS:
        return ns
    _may_create_ns(parent)
    return UtsNamespace(ns.hostname, ns.domainname)


def ksys_unshare(t: Task, flags: int) -> None:
    """unshare(2): give ``t`` its own copy of what it shares, as Linux's ksys_unshare."""
    if flags & ~UNSHARE_FLAGS:
        raise KernelError(E.EINVAL)
    if flags & NOT_IMPLEMENTED_NS:
        raise KernelError(E.EINVAL)
    if flags & A.CLONE_NEWNS:               # a new mount namespace needs its own fs_struct
        _may_create_ns(t)
        flags |= A.CLONE_FS
    # a thread group, shared signal handlers or a shared mm cannot be left (only kept alone)
    if flags & (A.CLONE_THREAD | A.CLONE_SIGHAND | A.CLONE_VM):
        if t.signal.nr_threads > 1 or len(t.thread_group) > 1:
            raise KernelError(E.EINVAL)
        if flags & A.CLONE_VM and t.mm is not None and t.mm.users > 1:
            raise KernelError(E.EINVAL)
    # everything new is made first (the table copy last: it may fail with EMFILE and holds
    # file references), then switched to
    new_uts = copy_utsname(t, flags) if flags & A.CLONE_NEWUTS else None
    new_ipc = copy_ipcs(t, flags & ~A.CLONE_SYSVSEM) if flags & A.CLONE_NEWIPC else None
    new_pid = copy_pid_ns(t, flags) if flags & A.CLONE_NEWPID else None
    new_files = t.files.copy() if flags & A.CLONE_FILES and t.files is not None \
        and t.files.users > 1 else None
    if flags & A.CLONE_FS and t.fs is not None and t.fs.users > 1:
        old_fs = t.fs
        t.fs = old_fs.copy(t.cred)
        old_fs.users -= 1
    if flags & A.CLONE_NEWNS and t.fs is not None:
        copy_mnt_ns(t.fs, t.kernel.vfs)     # fs/vfs/mnt_ns.py
    if new_files is not None and t.files is not None:
        t.files.users -= 1
        t.files = new_files
    if flags & (A.CLONE_SYSVSEM | A.CLONE_NEWIPC):  # CLONE_NEWIPC implies CLONE_SYSVSEM
        exit_sem(t)                        # undo adjustments apply now; the list is left
    if new_uts is not None:
        t.uts_ns = new_uts
    if new_ipc is not None:
        t.ipc_ns = new_ipc
    if new_pid is not None:                # the caller stays; its next child is pid 1 there
        t.pid_ns_for_children = new_pid

