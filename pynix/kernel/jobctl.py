"""Job control: stopping and continuing thread groups (Linux's do_signal_stop and the SIGCONT
side of prepare_signal), with the notifications wait4/waitid report (WUNTRACED, WCONTINUED).

Provides ``do_signal_stop(task, sig)`` and ``do_continue(task)``. A stopped group leader keeps
``signal.stop_state``: ``('stopped', sig)`` until a waiter collects it, ``('continued', 0)``
after SIGCONT. Owns that field.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.kernel.sched import TASK_RUNNING, TASK_STOPPED
from pynix.kernel.task import SigInfo, Task


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
    parent.kernel.wake_waiters(parent)


def do_signal_stop(t: Task, sig: int) -> bool:
    """Stop every thread of the group; True if the caller must not return to user mode."""
    sg = t.signal
    sg.stop_state = ("stopped", sig)
    for th in t.thread_group:
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
