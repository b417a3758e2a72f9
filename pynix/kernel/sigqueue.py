"""Signal generation and the pending sets (Bach ch. 7.2 "signals"; Linux kernel/signal.c, its
sending half: send_signal, prepare_signal, complete_signal, dequeue_signal, force_sig_fault).

The low part of signals that every subsystem may call (a pipe's SIGPIPE, a terminal's
SIGINT, a timer's SIGALRM, a fault's SIGSEGV, a child's SIGCHLD); delivery, handlers and
frames are kernel/signal.py. Provides:
- ``send_signal(task, info, group)``: post a signal to one thread or its thread group:
  ``prepare_signal`` (drop it if ignored, the stop/continue side effects), queue it (real-time
  signals queue, standard ones collapse), then ``complete_signal`` (wake the chosen thread;
  SIGKILL and fatal default actions take the whole group down promptly).
- ``force_sig_fault``: a synchronous fault signal, which cannot be blocked or ignored.
- ``fatal_signal_pending``, ``pending_mask``, ``dequeue_signal``,
  ``flush_sigqueue_mask``, ``is_ignored``, ``sigbit``: the pending sets and masks.
- ``kill_something_info`` (kill), ``do_tkill`` (tgkill, tkill), ``do_rt_sigqueueinfo``,
  ``do_rt_tgsigqueueinfo``, ``pidfd_send_signal``, with ``check_kill_permission``: the signals
  user space sends, and who may send them.
- ``do_notify_parent_cldstop``: the parent hears of a stop or a continue (SIGCHLD with
  CLD_STOPPED / CLD_CONTINUED unless SA_NOCLDSTOP); ``do_continue``: SIGCONT's side of
  prepare_signal, which resumes a stopped group (the stopping side is kernel/jobctl.py).

Owns the pending lists (``task.pending``, ``signal.shared_pending``) and the continued state of
``signal.stop_state``.
"""
from __future__ import annotations

from dataclasses import replace

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_KILL
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.arch.x86_64.sigframe import (
    SIGINFO_RT,
    SIGINFO_RT_OFF,
    SIGINFO_SIZE,
    unpack_siginfo,
)
from pynix.base.errors import KernelError
from pynix.base.runqueue import (
    TASK_DEAD,
    TASK_INTERRUPTIBLE,
    TASK_RUNNING,
    TASK_STOPPED,
    TASK_TRACED,
    TASK_UNINTERRUPTIBLE,
    TASK_ZOMBIE,
)
from pynix.kernel.cred import capable
from pynix.kernel.pid import (
    find_task_by_vpid,
    pid_global_to_ns,
    pid_vnr_to_global,
    task_active_pid_ns,
    task_tgid_nr_ns,
    task_tgid_vnr,
)
from pynix.kernel.task import SigInfo, Task, wake_up_parent
from pynix.mm.uaccess import copy_from_user

SIG_KERNEL_ONLY = {A.SIGKILL, A.SIGSTOP}
SIG_DEFAULT_IGNORE = {A.SIGCHLD, A.SIGURG, A.SIGWINCH, A.SIGCONT}
SIG_DEFAULT_STOP = {A.SIGSTOP, A.SIGTSTP, A.SIGTTIN, A.SIGTTOU}
SIG_DEFAULT_COREDUMP = {A.SIGQUIT, A.SIGILL, A.SIGTRAP, A.SIGABRT, A.SIGBUS, A.SIGFPE,
                        A.SIGSEGV, A.SIGXCPU, A.SIGXFSZ, A.SIGSYS}
SYNCHRONOUS = {A.SIGSEGV, A.SIGBUS, A.SIGILL, A.SIGTRAP, A.SIGFPE, A.SIGSYS}   # faults kill even init


def sigbit(sig: int) -> int:
    return 1 << (sig - 1)


UNBLOCKABLE = sigbit(A.SIGKILL) | sigbit(A.SIGSTOP)
_STOP_MASK = sum(sigbit(s) for s in SIG_DEFAULT_STOP)


def is_ignored(t: Task, sig: int) -> bool:
    assert t.sighand is not None
    h = t.sighand.action[sig].handler
    return h == A.SIG_IGN or (h == A.SIG_DFL and sig in SIG_DEFAULT_IGNORE)


def fatal_signal_pending(t: Task) -> bool:
    """The group is dying or SIGKILL waits: a killable sleep must end (Linux's)."""
    return t.signal.group_exit or any(i.signo == A.SIGKILL for i in t.pending + t.signal.shared_pending)


def pending_mask(t: Task) -> int:
    m = 0
    for i in t.pending + t.signal.shared_pending:
        m |= sigbit(i.signo)
    return m


def flush_sigqueue_mask(t: Task, mask: int) -> None:
    """Discard the signals of ``mask`` from the group's pending sets, shared and per thread
    (Linux's flush_sigqueue_mask over signal->shared_pending and each thread's)."""
    for th in t.thread_group:
        th.pending = [i for i in th.pending if not mask & sigbit(i.signo)]
    sig = t.signal
    sig.shared_pending = [i for i in sig.shared_pending if not mask & sigbit(i.signo)]


def signal_wake_up(t: Task, fatal: bool = False) -> None:
    """Make ``t`` notice a signal; a fatal one also wakes a killable sleep (TASK_WAKEKILL)."""
    if t.state == TASK_INTERRUPTIBLE or (fatal and t.state == TASK_UNINTERRUPTIBLE):
        t.kernel.rq.wake_up_process(t)
    elif t is t.kernel.current:
        t.kernel.cpu.stop()        # get back to the kernel to deliver it


def is_global_init(t: Task) -> bool:
    """The real /sbin/init (pid 1 running a program): Linux's SIGNAL_UNKILLABLE holder."""
    return t.group_leader is t.kernel.init_task and not t.is_kthread


def is_unkillable(t: Task) -> bool:
    """SIGNAL_UNKILLABLE: the global init or the init of a pid namespace."""
    return t.signal.unkillable or is_global_init(t)


def sender_in_ns(t: Task, info: SigInfo) -> SigInfo:
    """The sender's pid as the receiver ``t`` sees it (0 from an ancestor namespace), for the
    siginfo the kernel fills in (send_signal_locked); a caller's own siginfo stays."""
    ns = task_active_pid_ns(t)
    if ns.level == 0 or info.from_user or not info.pid:
        return info
    return replace(info, pid=pid_global_to_ns(t.kernel, info.pid, ns))


# -- stop and continue notifications (kernel/signal.c do_notify_parent_cldstop) ----------------
def do_notify_parent_cldstop(t: Task, why: int, status: int) -> None:
    """Tell the group's parent it stopped (CLD_STOPPED) or continued (CLD_CONTINUED)."""
    leader = t.group_leader
    parent = leader.real_parent
    if parent is None:
        return
    assert parent.sighand is not None
    act = parent.sighand.action[A.SIGCHLD]
    if not act.flags & A.SA_NOCLDSTOP:
        send_signal(parent, SigInfo(A.SIGCHLD, why, pid=leader.tgid, status=status))
    wake_up_parent(parent)


def _seized_in_group_stop(t: Task) -> bool:
    st = t.ptrace_state
    return st is not None and st.seized and t.state == TASK_TRACED and st.why == "group"


def do_continue(t: Task) -> None:
    """SIGCONT resumes a stopped group, whatever its action (prepare_signal's SIGCONT side)."""
    sg = t.signal
    was_stopped = any(th.state == TASK_STOPPED or _seized_in_group_stop(th) for th in t.thread_group)
    if not was_stopped:
        return
    for th in t.thread_group:
        if th.state == TASK_STOPPED:
            th.state = TASK_RUNNING
            th.kernel.rq.enqueue(th)
        elif _seized_in_group_stop(th):
            st = th.ptrace_state                 # ptrace_trap_notify: re-trap to tell the
            assert st is not None                # tracer the group stop ended
            st.interrupt = True
            if st.listening:
                st.listening = False
                th.state = TASK_RUNNING
                th.kernel.rq.enqueue(th)
    sg.stop_state = ("continued", 0)
    do_notify_parent_cldstop(t, A.CLD_CONTINUED, A.SIGCONT)


# -- generation ---------------------------------------------------------------------------------
def prepare_signal(t: Task, sig: int, force: bool = False) -> bool:
    """Job-control side effects at generation time; False if the signal is dropped. A
    namespace init gets only the signals it handles, but SIGKILL and SIGSTOP from an
    ancestor namespace (``force``) too."""
    if t.is_kthread:
        return False                        # kernel threads ignore all signals (ignore_signals)
    if t.signal.group_exit:
        return sig == A.SIGKILL
    if sig in SIG_DEFAULT_STOP:
        flush_sigqueue_mask(t, sigbit(A.SIGCONT))     # a stop signal cancels pending SIGCONT
    elif sig == A.SIGCONT:
        flush_sigqueue_mask(t, _STOP_MASK)
        do_continue(t)
    # sig_ignored: a blocked signal is never ignored, nor one a sigtimedwait is waiting for
    blocked = (t.blocked | t.real_blocked) & sigbit(sig)
    if is_unkillable(t) and not blocked and t.sighand is not None \
            and t.sighand.action[sig].handler == A.SIG_DFL \
            and not (force and sig in SIG_KERNEL_ONLY):
        return False                        # SIGNAL_UNKILLABLE: init only gets what it handles
    if sig in SIG_KERNEL_ONLY or t.tracer is not None:
        return True                         # a tracer sees even ignored signals (sig_ignored)
    return not (is_ignored(t, sig) and not blocked)


def _live(t: Task) -> bool:
    return t.state not in (TASK_ZOMBIE, TASK_DEAD) and not t.flags & PF_EXITING


def sigqueue_full(t: Task, info: SigInfo) -> bool:
    """Linux's __sigqueue_alloc refusing: the owner of ``t`` (its real uid) has
    RLIMIT_SIGPENDING signals queued already. Standard signals sent by kill(2) and other
    si_code >= 0 senders may go over the limit (override_rlimit), real-time ones never."""
    if info.signo < A.SIGRTMIN and info.code >= 0:
        return False
    limit = t.rlimit(A.RLIMIT_SIGPENDING)
    if limit >= A.RLIM_INFINITY:
        return False
    uid = t.cred.uid
    queued = 0
    for p in t.kernel.tasks.values():
        if p.cred.uid == uid:
            queued += len(p.pending) + (len(p.signal.shared_pending) if p is p.group_leader else 0)
    return queued + 1 > limit


def send_signal(t: Task, info: SigInfo, group: bool = True) -> bool:
    """Post ``info`` to thread ``t`` (``group`` False: its own pending set) or to its thread
    group (Linux's send_signal / __send_signal_locked). False only when a real-time signal
    with a kernel or queued si_code found no room under RLIMIT_SIGPENDING (the sender's
    EAGAIN); a signal that is ignored or collapses into a pending one is True, as in Linux."""
    sig = info.signo
    if not 1 <= sig < A.NSIG:
        return True
    if not (_live(t) or (group and any(_live(th) for th in t.thread_group))):
        return True                             # a group lives on while any thread does
    seen = sender_in_ns(t, info)
    force = seen is not info and not seen.pid and info.code in (A.SI_USER, A.SI_TKILL)
    info = seen
    if not prepare_signal(t, sig, force):
        return True
    pending = t.signal.shared_pending if group else t.pending
    if sig < A.SIGRTMIN and any(i.signo == sig for i in pending):
        return True                             # standard signals do not queue
    if sigqueue_full(t, info) and sig >= A.SIGRTMIN and info.code != A.SI_USER:
        return False                            # without its siginfo it cannot be queued
    pending.append(info)
    wq = getattr(t.kernel, "signalfd_wqh", None)
    if wq is not None and wq.waiters:
        wq.wake_up()                            # signalfd readers and pollers look again
    complete_signal(t, sig, group)
    return True


def complete_signal(t: Task, sig: int, group: bool) -> None:
    """Pick a live thread that does not block ``sig``, the addressed one first, and wake it;
    SIGKILL or a fatal default action wakes (and continues) every thread instead."""
    target = t
    if group and (t.blocked & sigbit(sig) or not _live(t)):
        for th in t.thread_group:
            if _live(th) and not th.blocked & sigbit(sig):
                target = th
                break
    if sig == A.SIGKILL or (_fatal_default(target, sig) and not target.blocked & sigbit(sig)):
        for th in t.thread_group:
            if th.state == TASK_STOPPED or (th.state == TASK_TRACED and sig == A.SIGKILL):
                th.state = TASK_RUNNING
                th.kernel.rq.enqueue(th)
            signal_wake_up(th, fatal=True)
    else:
        signal_wake_up(target)


def _fatal_default(t: Task, sig: int) -> bool:
    assert t.sighand is not None
    return (t.sighand.action[sig].handler == A.SIG_DFL and sig not in SIG_DEFAULT_IGNORE
            and sig not in SIG_DEFAULT_STOP)


def force_sig_fault(t: Task, sig: int, code: int, addr: int) -> None:
    """A synchronous fault signal: it cannot be blocked or ignored (force_sig_info)."""
    force_sig_info(t, SigInfo(sig, code, addr=addr))


def force_sig_info(t: Task, info: SigInfo, to_default: bool = False) -> None:
    """Post a synchronous signal that blocking or SIG_IGN cannot stop (force_sig_info_to_task);
    ``to_default`` also resets a handler, so the default action (death) is taken."""
    assert t.sighand is not None
    sig = info.signo
    act = t.sighand.action[sig]
    if t.blocked & sigbit(sig) or act.handler == A.SIG_IGN or to_default:
        act.handler = A.SIG_DFL
        t.blocked &= ~sigbit(sig)
    t.pending.append(info)


def dequeue_signal(t: Task, mask: int | None = None) -> SigInfo | None:
    """The next signal to handle: not blocked, or with ``mask`` one of the set (sigtimedwait)."""
    blocked = t.blocked if mask is None else ~mask
    for pending in (t.pending, t.signal.shared_pending):
        # synchronous (fault) signals and lower numbers first, as Linux's next_signal
        best = None
        for i in pending:
            if not blocked & sigbit(i.signo) and (best is None or i.signo < best.signo):
                best = i
        if best is not None:
            pending.remove(best)
            return best
    return None


# -- signals user space sends: kill, tgkill, sigqueue, pidfd_send_signal ------------------------
def valid_signal(sig: int) -> None:
    """0 (the existence probe) to 64; EINVAL otherwise."""
    if not 0 <= sig < A.NSIG:
        raise KernelError(E.EINVAL)


def check_kill_permission(t: Task, p: Task, sig: int) -> None:
    """May ``t`` signal ``p`` (kill_ok_by_cred)? CAP_KILL, or ``t``'s real or effective uid is
    ``p``'s real or saved one; SIGCONT within a session. EPERM otherwise."""
    c, pc = t.cred, p.cred
    if capable(t, CAP_KILL) or c.euid in (pc.uid, pc.suid) or c.uid in (pc.uid, pc.suid):
        return
    if sig == A.SIGCONT and p.signal.session == t.signal.session:
        return
    raise KernelError(E.EPERM)


def kill_info(t: Task, sig: int) -> SigInfo:
    """What kill(2) says about its sender (prepare_kill_siginfo)."""
    return SigInfo(sig, A.SI_USER, pid=t.tgid, uid=t.cred.uid)


def kill_something_info(t: Task, pid: int, sig: int) -> None:
    """kill(pid, sig): one process (pid > 0), every process ``t`` may signal but init and
    itself (-1), its own process group (0) or group -pid. ESRCH if nobody matched, EPERM if
    nobody could be signalled; sig 0 only probes."""
    valid_signal(sig)
    k = t.kernel
    ns = task_active_pid_ns(t)
    if pid > 0:
        p = find_task_by_vpid(t, pid)
        if p is None:
            raise KernelError(E.ESRCH)
        p = p.group_leader
        check_kill_permission(t, p, sig)
        if sig:
            send_signal(p, kill_info(t, sig))
        return
    if pid == -1:
        targets = [p for p in k.tasks.values() if p.is_group_leader and task_tgid_nr_ns(p, ns) > 1
                   and p.tgid != t.tgid and not p.is_kthread]
    else:
        pgrp = t.signal.pgrp if pid == 0 else pid_vnr_to_global(t, -pid)
        targets = [p for p in k.tasks.values() if p.is_group_leader and p.signal.pgrp == pgrp
                   and not p.is_kthread]
    sent = False
    err = E.ESRCH
    for p in targets:
        try:
            check_kill_permission(t, p, sig)
        except KernelError as e:
            err = e.errno
            continue
        sent = True
        if sig:
            send_signal(p, kill_info(t, sig))
    if not sent:
        raise KernelError(err)


def do_tkill(t: Task, tgid: int | None, tid: int, sig: int) -> None:
    """tgkill(tgid, tid, sig), and tkill (tgid None): one thread, SI_TKILL (do_send_specific).
    A zombie thread is found: nothing is delivered. EAGAIN when a real-time signal finds the
    queue full (RLIMIT_SIGPENDING)."""
    if tid <= 0 or (tgid is not None and tgid <= 0):
        raise KernelError(E.EINVAL)
    valid_signal(sig)
    p = find_task_by_vpid(t, tid)
    if p is None or (tgid is not None and task_tgid_vnr(p) != tgid):
        raise KernelError(E.ESRCH)
    check_kill_permission(t, p, sig)
    if sig and not send_signal(p, SigInfo(sig, A.SI_TKILL, pid=t.tgid, uid=t.cred.uid), group=False):
        raise KernelError(E.EAGAIN)


def copy_siginfo_from_user(t: Task, sig: int, uinfo: int, tgid: int) -> SigInfo:
    """The siginfo a sigqueue caller supplies for ``sig`` to ``tgid``; only the kernel may claim SI_USER/SI_KERNEL or
    SI_TKILL for another process (EPERM)."""
    assert t.mm is not None
    _signo, errno, code, pid, uid, value = unpack_siginfo(copy_from_user(t.mm, uinfo, SIGINFO_SIZE))
    if (code >= 0 or code == A.SI_TKILL) and tgid != task_tgid_vnr(t):
        raise KernelError(E.EPERM)
    return SigInfo(sig, code, pid=pid, uid=uid, value=value, errno=errno, from_user=True)


def do_rt_sigqueueinfo(t: Task, tgid: int, sig: int, uinfo: int) -> None:
    """rt_sigqueueinfo: a signal with the caller's siginfo to process ``tgid``."""
    valid_signal(sig)
    info = copy_siginfo_from_user(t, sig, uinfo, tgid)
    p = find_task_by_vpid(t, tgid) if tgid > 0 else None
    if p is None:
        raise KernelError(E.ESRCH)
    p = p.group_leader
    check_kill_permission(t, p, sig)
    if sig and not send_signal(p, info):
        raise KernelError(E.EAGAIN)


def do_rt_tgsigqueueinfo(t: Task, tgid: int, tid: int, sig: int, uinfo: int) -> None:
    """rt_tgsigqueueinfo: the same to one thread ``tid`` of ``tgid``."""
    if tgid <= 0 or tid <= 0:
        raise KernelError(E.EINVAL)
    valid_signal(sig)
    info = copy_siginfo_from_user(t, sig, uinfo, tgid)
    p = find_task_by_vpid(t, tid)
    if p is None or task_tgid_vnr(p) != tgid:
        raise KernelError(E.ESRCH)
    check_kill_permission(t, p, sig)
    if sig and not send_signal(p, info, group=False):
        raise KernelError(E.EAGAIN)


def pidfd_send_signal(t: Task, p: Task, sig: int, uinfo: int) -> None:
    """kill(2) to the process a pidfd names (``p``), even if its pid was reused since; with
    ``uinfo`` the caller's siginfo (its signo must be ``sig``), sender fields still ``t``'s."""
    valid_signal(sig)
    if p.state == TASK_DEAD:
        raise KernelError(E.ESRCH)
    check_kill_permission(t, p, sig)
    info = kill_info(t, sig)
    if uinfo:
        assert t.mm is not None
        signo, _errno, code, _pid, _uid, value = unpack_siginfo(
            copy_from_user(t.mm, uinfo, SIGINFO_RT_OFF + SIGINFO_RT.size))
        if signo != sig:
            raise KernelError(E.EINVAL)
        if p.tgid != t.tgid and (code >= 0 or code == A.SI_TKILL):
            raise KernelError(E.EPERM)           # only the kernel may claim those codes
        info = SigInfo(sig, code, pid=t.tgid, uid=t.cred.uid, value=value)
    if sig:
        send_signal(p, info)
