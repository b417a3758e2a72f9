"""Job control: stopping and continuing thread groups (Linux's do_signal_stop and the SIGCONT
side of prepare_signal), with the notifications wait4/waitid report (WUNTRACED, WCONTINUED).

Provides ``do_signal_stop(task, sig)`` and ``do_continue(task)``. A stopped group leader keeps
``signal.stop_state``: ``('stopped', sig)`` until a waiter collects it, ``('continued', 0)``
after SIGCONT. Owns that field.

Process groups: ``kill_pgrp`` (signal a whole group from the kernel: the terminal's SIGINT,
SIGTSTP, SIGHUP), ``is_orphaned_pgrp`` and ``exit_jobctl`` (called by do_exit: an orphaned
group with stopped members gets SIGHUP then SIGCONT).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.base.runqueue import TASK_DEAD, TASK_RUNNING, TASK_STOPPED, TASK_ZOMBIE
from pynix.kernel.task import SigInfo, Task, wake_up_parent

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel


def _notify_parent(t: Task, why: int, status: int) -> None:
    leader = t.group_leader
    parent = leader.real_parent
    if parent is None:
        return
    from pynix.kernel.signal import send_signal
    assert parent.sighand is not None
    act = parent.sighand.action[A.SIGCHLD]
    if not act.flags & A.SA_NOCLDSTOP:
        send_signal(parent, SigInfo(A.SIGCHLD, why, pid=leader.tgid, status=status))
    wake_up_parent(parent)


def do_signal_stop(t: Task, sig: int) -> bool:
    """Stop every thread of the group; True if the caller must not return to user mode."""
    sg = t.signal
    sg.stop_state = ("stopped", sig)
    for th in t.thread_group:
        if th.state not in (TASK_ZOMBIE, TASK_DEAD):    # a leader gone before its threads stays so
            th.state = TASK_STOPPED
    _notify_parent(t, A.CLD_STOPPED, sig)
    return True


def do_continue(t: Task) -> None:
    sg = t.signal
    was_stopped = any(th.state == TASK_STOPPED for th in t.thread_group)
    if not was_stopped:
        return
    for th in t.thread_group:
        if th.state == TASK_STOPPED:
            th.state = TASK_RUNNING
            th.kernel.rq.enqueue(th)
    sg.stop_state = ("continued", 0)
    _notify_parent(t, A.CLD_CONTINUED, A.SIGCONT)


# -- process groups (Linux kernel/exit.c will_become_orphaned_pgrp, kill_orphaned_pgrp) ---------
def group_leaders(k: Kernel, pgrp: int) -> list[Task]:
    """The live processes of process group ``pgrp`` (kernel threads never belong to one)."""
    return [p for p in k.tasks.values() if p.is_group_leader and p.signal.pgrp == pgrp
            and not p.is_kthread and p.state not in (TASK_ZOMBIE, TASK_DEAD)]


def kill_pgrp(k: Kernel, pgrp: int, sig: int) -> bool:
    """A signal from the kernel (SI_KERNEL) to every process of ``pgrp``; False if none."""
    from pynix.kernel.signal import send_signal
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
