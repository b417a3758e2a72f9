"""Process termination and waiting: do_exit, do_group_exit, exit_notify, release_task, do_wait
(Bach ch. 7.3-7.4 exit and wait; Linux kernel/exit.c).

- ``do_exit(task, status)``: release the address space, files and fs context, wake a vfork
  parent, reparent children to the reaper (init), and become a zombie whose parent gets
  SIGCHLD (or is reaped at once when the parent ignores SIGCHLD / sets SA_NOCLDWAIT).
  ``status`` is already the wait status (exit code << 8, or the signal number | core flag).
- ``exit_notify(task, group_dead)``: do_exit's last step: reparenting, job control, the
  zombie and the parent's SIGCHLD (``do_notify_parent``).
- ``do_group_exit(task, status)``: every thread of the group exits (exit_group, fatal signal).
- ``do_wait(task, idtype, id, options)``: generator behind wait4/waitid; finds an eligible
  child (pid, any, process group), reaps a zombie, reports stopped/continued children, sleeps
  on the group's wait queue otherwise. ``waitid_info(result)`` is what waitid's siginfo says
  of it; ``status_to_cld(status)`` the CLD_* cause of a wait status; ``kernel_wait4(task,
  pid, options)`` decodes wait4's pid and options into do_wait's terms.

Owns: the zombie state and the freeing of pids (release_task).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.arch.x86_64.signal import W_CONTINUED, W_SIGMASK, W_STOPPED, WCOREFLAG
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_RUNNING, TASK_STOPPED, TASK_TRACED, TASK_ZOMBIE
from pynix.base.wait import wait_event
from pynix.drivers.tty_jobctrl import disassociate_ctty
from pynix.fs.aio import exit_aio
from pynix.fs.pidfd import group_exited
from pynix.ipc.sem import exit_sem
from pynix.security.keys.process_keys import exit_keys
from pynix.kernel.cputime import thread_group_cputime
from pynix.kernel.futex_exit import futex_exit_release
from pynix.kernel.jobctl import exit_jobctl
from pynix.kernel.pid import pid_vnr_to_global, task_active_pid_ns, task_tgid_nr_ns
from pynix.kernel.pid_namespace import find_new_reaper, is_ns_reaper_group, zap_pid_ns_processes
from pynix.kernel.posix_timers import exit_itimers
from pynix.kernel.ptrace import exit_ptrace, ptrace_unlink
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task, wake_up_parent


@dataclass
class WaitResult:
    pid: int
    status: int           # wait4 status word
    code: int             # CLD_* for waitid
    utime: int = 0
    stime: int = 0
    uid: int = 0


def exit_mm(t: Task) -> None:
    mm = t.mm
    if mm is None:
        return
    t.mm = None
    mm.users -= 1
    k = t.kernel
    if mm.users == 0:
        exit_aio(k, mm)                       # mmput: the AIO contexts die before the areas
        mm.exit_mmap()
    if k.current_mm[0] is mm and mm.users == 0:
        k.current_mm[0] = None


def exit_files(t: Task) -> None:
    if t.files is not None:
        t.files.users -= 1
        if t.files.users == 0:
            t.files.close_all()
        t.files = None
    if t.fs is not None:
        t.fs.users -= 1
        t.fs = None


def complete_vfork_done(t: Task) -> None:
    if t.vfork_done is not None:
        wq, t.vfork_done = t.vfork_done, None
        t.in_vfork = False
        wq.wake_up()


def forget_original_parent(t: Task) -> None:
    """Reparent ``t``'s children to the reaper; orphaned zombies are announced to it."""
    if not t.children:
        return
    reaper = find_new_reaper(t)
    if reaper is t:                               # a dying namespace init keeps them
        return
    for c in list(t.children):
        t.children.remove(c)
        if reaper is None:
            c.real_parent = c.parent = None
            if c.state == TASK_ZOMBIE:
                release_task(c)
            continue
        c.real_parent = c.parent = reaper
        reaper.children.append(c)
        if c.state == TASK_ZOMBIE and c.is_group_leader and not c.thread_group[1:] \
                and reaper.tgid != t.tgid:        # a thread of the same group inherits silently
            if do_notify_parent(c, c.exit_signal):     # reparent_leader: autoreaped
                release_task(c)


def do_notify_parent(t: Task, sig: int) -> bool:
    """Tell the parent a child died; True if the child should be reaped now (autoreap)."""
    parent = t.real_parent
    if parent is None:
        return True
    assert parent.sighand is not None
    act = parent.sighand.action[A.SIGCHLD]
    autoreap = sig == A.SIGCHLD and (act.handler == A.SIG_IGN or act.flags & A.SA_NOCLDWAIT) \
        or parent.signal.zap_autoreap
    if parent.signal.zap_autoreap:                # zap_pid_ns_processes: nobody to tell
        return True
    code, status = status_to_cld(t.exit_code)
    if sig and not (sig == A.SIGCHLD and act.handler == A.SIG_IGN):
        send_signal(parent, SigInfo(sig, code, pid=t.tgid, uid=t.cred.uid, status=status,
                                    utime=t.utime // 10**7, stime=t.stime // 10**7))
    wake_up_parent(parent)
    return bool(autoreap)


def notify_tracer(t: Task) -> None:
    """A tracee died: SIGCHLD with its status to the tracer, which wait_task_traced reaps."""
    tracer = t.tracer
    assert tracer is not None
    code, status = status_to_cld(t.exit_code)
    send_signal(tracer, SigInfo(A.SIGCHLD, code, pid=t.pid, uid=t.cred.uid, status=status))
    wake_up_parent(tracer)


def status_to_cld(status: int) -> tuple[int, int]:
    """(si_code, si_status) of a wait status: CLD_EXITED and the exit code, or CLD_KILLED /
    CLD_DUMPED and the signal (the cause wait_task_zombie and do_notify_parent compute)."""
    if status & W_SIGMASK:
        return (A.CLD_DUMPED if status & WCOREFLAG else A.CLD_KILLED), status & W_SIGMASK
    return A.CLD_EXITED, (status >> 8) & 0xFF


def waitid_info(res: WaitResult) -> tuple[int, int]:
    """(si_code, si_status) waitid reports (Linux's struct waitid_info cause and status, as
    wait_task_zombie, wait_task_stopped and wait_task_continued fill them): the exit code or
    signal, the stopping signal, or SIGCONT."""
    if res.code == A.CLD_STOPPED:
        return res.code, (res.status >> 8) & 0xFF
    if res.code == A.CLD_CONTINUED:
        return res.code, A.SIGCONT
    return res.code, status_to_cld(res.status)[1]


def do_exit(t: Task, status: int) -> None:
    """Linux's do_exit (Bach's exit): release what the task holds, then exit_notify; the
    task never runs again."""
    if t.flags & PF_EXITING:
        return
    k = t.kernel
    t.flags |= PF_EXITING
    t.exit_code = status
    futex_exit_release(t)
    complete_vfork_done(t)
    exit_mm(t)
    exit_files(t)
    exit_sem(t)                                   # SEM_UNDO (shm went with exit_mm)
    exit_keys(k.keys, t.cred)                     # the cred's keyring references
    group_dead = t.signal.nr_threads == 1
    if group_dead:
        exit_itimers(t)
        if t.signal.session == t.tgid and t.signal.tty is not None:
            disassociate_ctty(t, on_exit=True)      # the controlling process hangs up its tty
    t.kstack = None
    t.kstack_traced = False
    exit_notify(t, group_dead)
    if k.current is t:
        k.cpu.stop()


def exit_notify(t: Task, group_dead: bool) -> None:
    """Tell the relatives (Linux's exit_notify; Bach's exit "notifies the parent"): the
    children go to the reaper, orphaned process groups hear of it (job control), and ``t``
    becomes a zombie its parent is told about, or, a thread that is not the leader, is
    released at once; the group's leader reports when its last thread is gone."""
    for z in exit_ptrace(t):                    # our tracees go free
        if not z.is_group_leader:
            release_task(z)
        elif not z.thread_group[1:] and do_notify_parent(z, z.exit_signal):
            release_task(z)
    children = list(t.children)
    if group_dead and is_ns_reaper_group(t):      # the init of a pid namespace
        _zap(t)
    forget_original_parent(t)
    if group_dead:
        exit_jobctl(t.group_leader, children)
    leader = t.group_leader
    t.signal.nr_threads -= 1
    if t is not leader:
        leader.thread_group.remove(t)
        t.signal.utime += t.utime               # the group keeps the time of its dead threads
        t.signal.stime += t.stime
        t.signal.ioac.add(t.ioac)               # and their I/O counts (__exit_signal)
        if t.tracer is not None:                # its tracer reaps it (wait_task_traced)
            t.state = TASK_ZOMBIE
            notify_tracer(t)
        else:
            t.state = TASK_DEAD
            release_task(t)
        if leader.state == TASK_ZOMBIE and t.signal.nr_threads == 0:
            _leader_done(leader)
    else:
        t.state = TASK_ZOMBIE
        if t.signal.nr_threads == 0:
            _leader_done(t)


def _zap(t: Task) -> None:
    """A namespace init's last thread exits: its zombie children go now, every other task of
    the namespace is killed, and the init's own exit waits until they are all gone."""
    for c in list(t.children):
        if c.state == TASK_ZOMBIE and not c.thread_group[1:]:
            release_task(c)
    leader = t.group_leader
    leader.signal.zap_pending = True

    def done() -> None:
        leader.signal.zap_pending = False
        if leader.state == TASK_ZOMBIE and leader.signal.nr_threads == 0:
            _leader_done(leader)

    zap_pid_ns_processes(t, done)


def _leader_done(leader: Task) -> None:
    if leader.signal.zap_pending:                 # reported when the namespace is empty
        return
    if leader.signal.group_exit:
        leader.exit_code = leader.signal.group_exit_code
    group_exited(leader)
    tracer = leader.tracer
    if tracer is not None and (leader.real_parent is None or tracer.tgid != leader.real_parent.tgid):
        notify_tracer(leader)                   # the real parent hears after the tracer
        return
    if do_notify_parent(leader, leader.exit_signal):
        leader.state = TASK_DEAD
        release_task(leader)


def do_group_exit(t: Task, status: int) -> None:
    sig = t.signal
    if not sig.group_exit:
        sig.group_exit = True
        sig.group_exit_code = status
    else:
        status = sig.group_exit_code
    for th in list(t.thread_group):
        if th is not t and not th.flags & PF_EXITING:
            th.kernel.rq.wake_up_process(th)
            if th.state in (TASK_STOPPED, TASK_TRACED):
                th.state = TASK_RUNNING
                th.kernel.rq.enqueue(th)
    do_exit(t, status)


def release_task(p: Task) -> None:
    """The last trace of a task: free its pid and forget it (Bach's 'process table slot')."""
    k = p.kernel
    p.state = TASK_DEAD
    if p.real_parent is not None and p in p.real_parent.children:
        p.real_parent.children.remove(p)
    k.forget_task(p)


def _eligible(parent: Task, c: Task, idtype: int, ident: int) -> bool:
    if idtype == A.P_PID:
        return c.tgid == ident
    if idtype == A.P_PGID:
        return c.signal.pgrp == ident
    return True


WAIT4_OPTIONS = A.WNOHANG | A.WUNTRACED | A.WCONTINUED | A.WALL | A.WCLONE | A.WNOTHREAD


def kernel_wait4(t: Task, upid: int, options: int) -> Generator[None, None, WaitResult | None]:
    """wait4's pid argument in do_wait's terms (Linux's kernel_wait4): pid > 0 that child,
    0 the caller's process group, -1 any child, < -1 process group -pid. INT_MIN has no
    positive group (ESRCH), unknown options EINVAL."""
    if options & ~WAIT4_OPTIONS:
        raise KernelError(E.EINVAL)
    if upid == -(1 << 31):
        raise KernelError(E.ESRCH)
    if upid > 0:
        idtype, ident = A.P_PID, upid
    elif upid == 0:
        idtype, ident = A.P_PGID, 0
    elif upid == -1:
        idtype, ident = A.P_ALL, 0
    else:
        idtype, ident = A.P_PGID, -upid
    return (yield from do_wait(t, idtype, ident, options | A.WEXITED))


def wait_task_traced(t: Task, c: Task, options: int) -> WaitResult | None:
    """A tracee of ``t``'s: a tracing stop not yet reported (whatever WUNTRACED says), or its
    death: the tracer that is not its parent passes the zombie on to the real parent
    (Linux's wait_task_stopped with ptrace, and wait_task_zombie's ptrace_reparented case)."""
    st = c.ptrace_state
    if c.state == TASK_TRACED and st is not None and not st.reported:
        if not options & A.WNOWAIT:
            st.reported = True
        return WaitResult(c.pid, (st.code << 8) | W_STOPPED, A.CLD_TRAPPED, uid=c.cred.uid)
    if c.state != TASK_ZOMBIE or not options & A.WEXITED:
        return None
    if c.is_group_leader and c.thread_group[1:]:
        return None                               # the group is not done yet
    code, _st = status_to_cld(c.exit_code)
    res = WaitResult(c.pid, c.exit_code, code, uid=c.cred.uid)
    if options & A.WNOWAIT:
        return res
    ptrace_unlink(c)
    rp = c.real_parent
    if not c.is_group_leader or rp is None or rp.tgid == t.tgid:
        cu, cs = thread_group_cputime(c)
        if c.is_group_leader:
            t.signal.cutime += cu
            t.signal.cstime += cs
        release_task(c)
    elif do_notify_parent(c, c.exit_signal):      # now the real parent's to reap
        release_task(c)
    return res


def do_wait(t: Task, idtype: int, ident: int, options: int) -> Generator[None, None, WaitResult | None]:
    """Linux's do_wait (Bach's wait): find an eligible child (wait_consider_task) and, unless
    WNOWAIT, reap a zombie (wait_task_zombie) or collect a stop (wait_task_stopped) or a
    continue (wait_task_continued); None with WNOHANG when none is ready, else sleep."""
    ns = task_active_pid_ns(t)
    if idtype == A.P_PGID and ident == 0:
        ident = t.signal.pgrp
    elif idtype in (A.P_PID, A.P_PGID):           # the number as ``t`` sees it
        ident = pid_vnr_to_global(t, ident) or -1
    want_exit = options & A.WEXITED
    while True:
        found_any = False
        for parent in t.thread_group:
            for c in list(parent.ptraced):
                if not (c.pid == ident if idtype == A.P_PID else _eligible(t, c, idtype, ident)):
                    continue
                found_any = True
                res = wait_task_traced(t, c, options)
                if res is not None:
                    return res
            for c in list(parent.children):
                if not _eligible(t, c, idtype, ident):
                    continue
                if c.exit_signal != A.SIGCHLD and not options & (A.WALL | A.WCLONE):
                    continue
                found_any = True
                if c.tracer is not None and c.tracer.tgid != t.tgid:
                    continue                      # its tracer hears of it first
                if c.state == TASK_ZOMBIE and want_exit and not c.thread_group[1:] \
                        and not c.signal.zap_pending:
                    code, st = status_to_cld(c.exit_code)
                    cu, cs = thread_group_cputime(c)
                    res = WaitResult(task_tgid_nr_ns(c, ns), c.exit_code, code, cu, cs, c.cred.uid)
                    if not options & A.WNOWAIT:
                        t.signal.cutime += cu + c.signal.cutime
                        t.signal.cstime += cs + c.signal.cstime
                        t.signal.ioac.add(c.ioac)         # wait_task_zombie's I/O sums
                        t.signal.ioac.add(c.signal.ioac)
                        release_task(c)
                    return res
                ss = c.signal.stop_state
                if ss and ss[0] == "stopped" and options & A.WUNTRACED:
                    if not options & A.WNOWAIT:
                        c.signal.stop_state = 0
                    return WaitResult(task_tgid_nr_ns(c, ns), (ss[1] << 8) | W_STOPPED, A.CLD_STOPPED,
                                      uid=c.cred.uid)
                if ss and ss[0] == "continued" and options & A.WCONTINUED:
                    if not options & A.WNOWAIT:
                        c.signal.stop_state = 0
                    return WaitResult(task_tgid_nr_ns(c, ns), W_CONTINUED, A.CLD_CONTINUED,
                                      uid=c.cred.uid)
        if not found_any:
            raise KernelError(E.ECHILD)
        if options & A.WNOHANG:
            return None
        gen_before = t.signal_wait_seq()
        yield from wait_event(t, t.signal_wait_queue(), lambda: t.signal_wait_seq() != gen_before)
