"""Process groups as every subsystem sees them: the members of a group, a kernel signal to
all of them, and POSIX's orphaned-group test (Linux: do_each_pid_task(pgrp, PIDTYPE_PGID);
kernel/signal.c kill_pgrp; kernel/exit.c will_become_orphaned_pgrp, is_current_pgrp_orphaned,
has_stopped_jobs).

A thread group's process group and session are ``signal.pgrp`` and ``signal.session`` (the
pid of the leader that made them). Provides:
- ``group_leaders(kernel, pgrp)``: the live processes of a group; ``pgrp_exists(kernel, pgrp,
  session)``: some task (of that session) is in it;
- ``kill_pgrp(kernel, pgrp, sig)``: a kernel signal to all of them (the terminal's SIGINT,
  SIGTSTP, SIGHUP);
- ``will_become_orphaned_pgrp``, ``is_orphaned_pgrp``, ``has_stopped_jobs``: the tests the
  terminal (drivers/tty.py, drivers/tty_jobctrl.py) and exit's job control
  (kernel/jobctl.kill_orphaned_pgrp) make.

With the task structures (it needs only them and kernel/sigqueue.py), so drivers reach it
without the process lifecycle; the job-control algorithms that change groups (setpgid,
setsid, stopping, orphaned groups at exit) are kernel/jobctl.py's. Owns nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.base.runqueue import TASK_DEAD, TASK_STOPPED, TASK_ZOMBIE
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel


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
    """Linux's will_become_orphaned_pgrp: True if no member (but ``ignored``) has a parent in
    another group of the same session: then nobody is left to continue the group's stopped
    jobs."""
    init = k.init_task
    for p in group_leaders(k, pgrp):
        par = p.real_parent
        if p is ignored or par is None or par is init:
            continue
        if par.signal.pgrp != pgrp and par.signal.session == p.signal.session:
            return False
    return True


def is_orphaned_pgrp(k: Kernel, pgrp: int) -> bool:
    """Linux's is_current_pgrp_orphaned, for any group: nobody can continue its stopped jobs."""
    return will_become_orphaned_pgrp(k, pgrp, None)


def has_stopped_jobs(k: Kernel, pgrp: int) -> bool:
    """Linux's has_stopped_jobs: some thread of the group is stopped."""
    return any(th.state == TASK_STOPPED for p in group_leaders(k, pgrp) for th in p.thread_group)


def pgrp_exists(k: Kernel, pgrp: int, session: int | None = None) -> bool:
    """Some task (of ``session``, if given) is in process group ``pgrp`` (Linux's
    pid_task(find_vpid(pgrp), PIDTYPE_PGID) != NULL)."""
    return any(o.signal.pgrp == pgrp and (session is None or o.signal.session == session)
               for o in k.tasks.values())
