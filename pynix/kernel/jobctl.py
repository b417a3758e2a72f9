"""Job control: process groups and sessions, stopping thread groups, orphaned process groups
(POSIX job control; Linux kernel/sys.c setpgid, getpgid, getsid, ksys_setsid; kernel/signal.c
do_signal_stop; kernel/exit.c kill_orphaned_pgrp).

A thread group's process group and session are ``signal.pgrp`` and ``signal.session`` (the
pid of the leader that made them); fork inherits both. The lookups over a group (its members,
kill_pgrp, the orphaned-group test) are kernel/pgrp.py's, below the subsystems, so the
terminal reaches them. Provides:
- ``do_setpgid``, ``do_getpgid``, ``do_getsid``, ``ksys_setsid``: the rules of those calls;
- ``do_signal_stop(task, sig)``: the default action of SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
  (called by kernel/signal.get_signal); continuing is SIGCONT's side of generation
  (kernel/sigqueue.do_continue);
- ``kill_orphaned_pgrp``, ``exit_jobctl``: exit_notify's part: an orphaned group with stopped
  members gets SIGHUP then SIGCONT.

A stopped group leader keeps ``signal.stop_state``: ``('stopped', sig)`` until a waiter collects
it, ``('continued', 0)`` after SIGCONT. Owns ``signal.pgrp``, ``signal.session`` and the
stopped state.
"""
from __future__ import annotations

from pynix.kernel.pid import (
    find_task_by_vpid,
    pid_global_to_ns,
    pid_vnr_to_global,
    task_active_pid_ns,
    task_tgid_vnr,
)
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.ptrace import PTRACE_EVENT_STOP
from pynix.arch.x86_64.sched import PF_FORKNOEXEC
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_STOPPED, TASK_ZOMBIE
from pynix.kernel.pgrp import (
    has_stopped_jobs,
    kill_pgrp,
    pgrp_exists,
    will_become_orphaned_pgrp,
)
from pynix.kernel.ptrace import ptrace_stop
from pynix.kernel.sigqueue import do_notify_parent_cldstop
from pynix.kernel.task import Task


# -- process groups and sessions --------------------------------------------------------------
def do_setpgid(t: Task, pid: int, pgid: int) -> None:
    """setpgid(pid, pgid) (kernel/sys.c): ``t`` itself or a child that has not exec'd yet, of
    ``t``'s session, joins group ``pgid`` (0: its own pid), which must exist in that session;
    a session leader cannot move."""
    if pgid < 0:
        raise KernelError(E.EINVAL)
    p = t.group_leader if pid == 0 else find_task_by_vpid(t, pid)
    if p is None or not (p.tgid == t.tgid or p.real_parent is t.group_leader):
        raise KernelError(E.ESRCH)
    if p.real_parent is t.group_leader and p.tgid != t.tgid:
        if p.signal.session != t.signal.session:
            raise KernelError(E.EPERM)
        if not p.flags & PF_FORKNOEXEC:      # the child has exec'd
            raise KernelError(E.EACCES)
    if p.signal.session == p.tgid:
        raise KernelError(E.EPERM)           # a session leader cannot move
    pgid = pid_vnr_to_global(t, pgid) or -1 if pgid else p.tgid
    if pgid != p.tgid and not pgrp_exists(t.kernel, pgid, t.signal.session):
        raise KernelError(E.EPERM)
    p.signal.pgrp = pgid


def do_getpgid(t: Task, p: Task) -> int:
    """``p``'s process group as ``t`` sees it (0 when it is outside ``t``'s namespace)."""
    return pid_global_to_ns(t.kernel, p.signal.pgrp, task_active_pid_ns(t))


def do_getsid(t: Task, p: Task) -> int:
    return pid_global_to_ns(t.kernel, p.signal.session, task_active_pid_ns(t))


def ksys_setsid(t: Task) -> int:
    """setsid: a new session and process group led by ``t``, without a controlling terminal;
    EPERM if a process group with ``t``'s pid already exists (``t`` leads one)."""
    if pgrp_exists(t.kernel, t.tgid) or t.signal.pgrp == t.tgid:
        raise KernelError(E.EPERM)
    t.signal.session = t.signal.pgrp = t.tgid
    t.signal.tty = None
    return task_tgid_vnr(t)


# -- stopping, and orphaned groups at exit ----------------------------------------------------
def do_signal_stop(t: Task, sig: int) -> bool:
    """Stop every thread of the group; True if the caller must not return to user mode."""
    sg = t.signal
    sg.stop_state = ("stopped", sig)
    for th in t.thread_group:
        if th.state not in (TASK_ZOMBIE, TASK_DEAD):    # a leader gone before its threads stays so
            th.state = TASK_STOPPED
    do_notify_parent_cldstop(t, A.CLD_STOPPED, sig)
    st = t.ptrace_state
    if st is not None:                    # a tracee's group-stop is a trap its tracer sees
        ptrace_stop(t, sig | (PTRACE_EVENT_STOP << 8 if st.seized else 0), "group", None)
    return True


def kill_orphaned_pgrp(t: Task, parent: Task | None) -> None:
    """On exit (parent None: ``t`` leaves its group) or reparenting (``t`` is a child of the
    exiting ``parent``): a group just orphaned that has stopped jobs gets SIGHUP and SIGCONT
    (POSIX: they would otherwise stay stopped forever)."""
    ignored: Task | None = t
    if parent is None:
        parent = t.real_parent
    else:
        ignored = None
    pgrp = t.signal.pgrp
    if parent is None or not pgrp:
        return
    k = t.kernel
    if parent.signal.pgrp != pgrp and parent.signal.session == t.signal.session \
            and will_become_orphaned_pgrp(k, pgrp, ignored) and has_stopped_jobs(k, pgrp):
        kill_pgrp(k, pgrp, A.SIGHUP)
        kill_pgrp(k, pgrp, A.SIGCONT)


def exit_jobctl(t: Task, children: list[Task]) -> None:
    """exit_notify's job-control part for an exiting group leader and its former children."""
    kill_orphaned_pgrp(t, None)
    for c in children:
        if c.signal.pgrp != t.signal.pgrp and c.signal.session == t.signal.session:
            kill_orphaned_pgrp(c, t)
