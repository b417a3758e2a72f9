"""Job control: process groups and sessions, stopping thread groups, orphaned process groups
(POSIX job control; Linux kernel/sys.c setpgid, getpgid, getsid, ksys_setsid; kernel/signal.c
do_signal_stop and kill_pgrp; kernel/exit.c will_become_orphaned_pgrp, kill_orphaned_pgrp).

A thread group's process group and session are ``signal.pgrp`` and ``signal.session`` (the
pid of the leader that made them); fork inherits both. Provides:
- ``group_leaders(kernel, pgrp)``: the live processes of a group (what Linux's
  do_each_pid_task(pgrp, PIDTYPE_PGID) walks); ``kill_pgrp(kernel, pgrp, sig)``: a kernel
  signal to all of them (the terminal's SIGINT, SIGTSTP, SIGHUP);
- ``will_become_orphaned_pgrp``, ``is_orphaned_pgrp``, ``has_stopped_jobs``: POSIX's orphaned
  process groups, which the terminal (drivers/tty_jobctrl.py) tests;
- ``do_setpgid``, ``do_getpgid``, ``do_getsid``, ``ksys_setsid``: the rules of those calls;
- ``do_signal_stop(task, sig)``: the default action of SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
  (called by kernel/signal.get_signal); continuing is SIGCONT's side of generation
  (kernel/sigqueue.do_continue);
- ``exit_jobctl``: exit_notify's part: an orphaned group with stopped members gets SIGHUP
  then SIGCONT.

A stopped group leader keeps ``signal.stop_state``: ``('stopped', sig)`` until a waiter collects
it, ``('continued', 0)`` after SIGCONT. This sits with the task structures (it needs only them
and kernel/sigqueue.py), so the terminal driver reaches it without the process lifecycle.
Owns ``signal.pgrp``, ``signal.session`` and the stopped state.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.sched import PF_FORKNOEXEC
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_STOPPED, TASK_ZOMBIE
from pynix.kernel.sigqueue import do_notify_parent_cldstop, send_signal
from pynix.kernel.task import SigInfo, Task

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel


# -- process groups and sessions --------------------------------------------------------------
def group_leaders(k: Kernel, pgrp: int) -> list[Task]:
    """The live processes of process group ``pgrp`` (kernel threads never belong to one)."""
    return [p for p in k.tasks.values() if p.is_group_leader and p.signal.pgrp == pgrp
            and not p.is_kthread and p.state not in (TASK_ZOMBIE, TASK_DEAD)]


def kill_pgrp(k: Kernel, pgrp: int, sig: int) -> bool:
    """A signal from the kernel (SI_KERNEL) to every process of ``pgrp``; False if none
    (Linux's kill_pgrp / __kill_pgrp_info)."""
    members = group_leaders(k, pgrp)
    for p in members:
        send_signal(p, SigInfo(sig, A.SI_KERNEL))
    return bool(members)


def will_become_orphaned_pgrp(k: Kernel, pgrp: int, ignored: Task | None) -> bool:
    """True if no member (but ``ignored``) has a parent in another group of the same session:
    then nobody is left to continue the group's stopped jobs."""
    init = k.init_task
    for p in group_leaders(k, pgrp):
        par = p.real_parent
        if p is ignored or par is None or par is init:
            continue
        if par.signal.pgrp != pgrp and par.signal.session == p.signal.session:
            return False
    return True


def is_orphaned_pgrp(k: Kernel, pgrp: int) -> bool:
    return will_become_orphaned_pgrp(k, pgrp, None)


def has_stopped_jobs(k: Kernel, pgrp: int) -> bool:
    return any(th.state == TASK_STOPPED for p in group_leaders(k, pgrp) for th in p.thread_group)


def _pgrp_exists(k: Kernel, pgrp: int, session: int | None = None) -> bool:
    """Some task (of ``session``, if given) is in process group ``pgrp`` (Linux's
    pid_task(find_vpid(pgrp), PIDTYPE_PGID) != NULL)."""
    return any(o.signal.pgrp == pgrp and (session is None or o.signal.session == session)
               for o in k.tasks.values())


def do_setpgid(t: Task, pid: int, pgid: int) -> None:
    """setpgid(pid, pgid) (kernel/sys.c): ``t`` itself or a child that has not exec'd yet, of
    ``t``'s session, joins group ``pgid`` (0: its own pid), which must exist in that session;
    a session leader cannot move."""
    if pgid < 0:
        raise KernelError(E.EINVAL)
    p = t.group_leader if pid == 0 else t.kernel.find_task(pid)
    if p is None or not (p.tgid == t.tgid or p.real_parent is t.group_leader):
        raise KernelError(E.ESRCH)
    if p.real_parent is t.group_leader and p.tgid != t.tgid:
        if p.signal.session != t.signal.session:
            raise KernelError(E.EPERM)
        if not p.flags & PF_FORKNOEXEC:      # the child has exec'd
            raise KernelError(E.EACCES)
    if p.signal.session == p.tgid:
        raise KernelError(E.EPERM)           # a session leader cannot move
    pgid = pgid or p.tgid
    if pgid != p.tgid and not _pgrp_exists(t.kernel, pgid, t.signal.session):
        raise KernelError(E.EPERM)
    p.signal.pgrp = pgid


def do_getpgid(p: Task) -> int:
    return p.signal.pgrp


def do_getsid(p: Task) -> int:
    return p.signal.session


def ksys_setsid(t: Task) -> int:
    """setsid: a new session and process group led by ``t``, without a controlling terminal;
    EPERM if a process group with ``t``'s pid already exists (``t`` leads one)."""
    if _pgrp_exists(t.kernel, t.tgid) or t.signal.pgrp == t.tgid:
        raise KernelError(E.EPERM)
    t.signal.session = t.signal.pgrp = t.tgid
    t.signal.tty = None
    return t.tgid


# -- stopping, and orphaned groups at exit ----------------------------------------------------
def do_signal_stop(t: Task, sig: int) -> bool:
    """Stop every thread of the group; True if the caller must not return to user mode."""
    sg = t.signal
    sg.stop_state = ("stopped", sig)
    for th in t.thread_group:
        if th.state not in (TASK_ZOMBIE, TASK_DEAD):    # a leader gone before its threads stays so
            th.state = TASK_STOPPED
    do_notify_parent_cldstop(t, A.CLD_STOPPED, sig)
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
