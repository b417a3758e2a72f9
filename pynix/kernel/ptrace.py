"""Process tracing: attaching, stopping, resuming (Linux kernel/ptrace.c ptrace_traceme,
ptrace_attach, ptrace_link/__ptrace_unlink, ptrace_detach, exit_ptrace, ptrace_resume, and
kernel/signal.c ptrace_stop, ptrace_notify, ptrace_signal).

A traced task has ``task.tracer`` set, is on the tracer's ``ptraced`` list, and keeps its
ptrace state in ``task.ptrace_state`` (kernel/task.PtraceState). Stops:
- ``ptrace_stop(t, code, why, info)``: the task enters TASK_TRACED with ``code`` (the wait
  status's bits 8-23: signal | event << 8) for its tracer to collect with wait (kernel/exit.py
  do_wait looks at ``ptraced``); the tracer gets SIGCHLD (CLD_TRAPPED). ``ptrace_stop_wait``
  is the generator form a syscall path ``yield from``s: it returns when the tracer resumed
  the task (or SIGKILL came).
- ``ptrace_signal(t, info)``: get_signal's signal-delivery-stop; once resumed, the signal the
  tracer chose is delivered (``take_injected``).
- ``ptrace_event_pending(t, event, msg)``: fork, clone, vfork and exec queue their
  PTRACE_EVENT_* stop, taken at syscall exit (syscalls/dispatch.py).
Resuming is ``ptrace_resume(child, how, sig)``; ``exit_ptrace(tracer)`` detaches (or, with
PTRACE_O_EXITKILL, kills) the tracees of an exiting tracer. Requests are kernel/ptrace_req.py.
Owns ``tracer``, ``ptraced`` and ``ptrace_state``.
"""
from __future__ import annotations

from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import ptrace as P
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_RUNNING, TASK_STOPPED, TASK_TRACED, TASK_ZOMBIE
from pynix.kernel.ptrace_access import PTRACE_MODE_ATTACH_REALCREDS, ptrace_may_access
from pynix.kernel.sigqueue import fatal_signal_pending, force_sig_fault, send_signal, sigbit
from pynix.kernel.task import PtraceState, SigInfo, Task, wake_up_parent
from pynix.machine.cpu import X


def ptrace_link(child: Task, tracer: Task, seized: bool = False, options: int = 0) -> None:
    child.tracer = tracer
    tracer.ptraced.append(child)
    child.ptrace_state = PtraceState(options=options, seized=seized)


def ptrace_unlink(child: Task) -> None:
    tracer = child.tracer
    if tracer is not None and child in tracer.ptraced:
        tracer.ptraced.remove(child)
    child.tracer = None
    child.ptrace_state = None


def is_traced(t: Task) -> bool:
    return t.tracer is not None


def ptrace_traceme(t: Task) -> None:
    """PTRACE_TRACEME: the parent becomes the tracer (EPERM if already traced)."""
    parent = t.real_parent
    if t.tracer is not None or parent is None:
        raise KernelError(E.EPERM)
    ptrace_link(t, parent)


def ptrace_attach(t: Task, child: Task, seize: bool, flags: int) -> None:
    """PTRACE_ATTACH (a SIGSTOP follows) or PTRACE_SEIZE (no stop; ``flags`` the options).
    EPERM for a kernel thread, the caller's own group, a task already traced or exiting, or
    without the right to attach (ptrace_may_access, no YAMA)."""
    if seize and flags & ~P.PTRACE_O_MASK:
        raise KernelError(E.EINVAL)
    if child.is_kthread or child.tgid == t.tgid:
        raise KernelError(E.EPERM)
    if child.flags & PF_EXITING or child.state in (TASK_ZOMBIE, TASK_DEAD):
        raise KernelError(E.EPERM)
    if not ptrace_may_access(t, child, PTRACE_MODE_ATTACH_REALCREDS):
        raise KernelError(E.EPERM)
    if child.tracer is not None:
        raise KernelError(E.EPERM)
    ptrace_link(child, t, seize, flags if seize else 0)
    if not seize:
        send_signal(child, SigInfo(A.SIGSTOP, A.SI_USER, pid=t.tgid, uid=t.cred.uid), group=False)
    if child.state == TASK_STOPPED:          # already group-stopped: report it as a trap
        ss = child.signal.stop_state
        sig = ss[1] if ss and ss[0] == "stopped" else A.SIGSTOP
        code = sig | (P.PTRACE_EVENT_STOP << 8 if seize else 0)
        ptrace_stop(child, code, "group", None)


def ptrace_stop(t: Task, code: int, why: str, info: SigInfo | None) -> None:
    """Enter the tracing stop ``why`` with wait code ``code`` and tell the tracer (ptrace_stop
    with do_notify_parent_cldstop(CLD_TRAPPED))."""
    st = t.ptrace_state
    tracer = t.tracer
    if st is None or tracer is None:
        return
    st.code, st.why, st.reported = code, why, False
    if info is not None:
        st.last_siginfo = info
    t.state = TASK_TRACED
    assert tracer.sighand is not None
    act = tracer.sighand.action[A.SIGCHLD]
    if not act.flags & A.SA_NOCLDSTOP and act.handler != A.SIG_IGN:
        send_signal(tracer, SigInfo(A.SIGCHLD, A.CLD_TRAPPED, pid=t.pid, uid=t.cred.uid,
                                    status=code & 0x7F))
    wake_up_parent(tracer)
    if t is t.kernel.current:
        t.kernel.cpu.stop()


def ptrace_stop_wait(t: Task, code: int, why: str,
                     info: SigInfo | None = None) -> Generator[None, None, None]:
    """ptrace_stop from a syscall path: sleep in TASK_TRACED until resumed or killed."""
    if t.tracer is None or fatal_signal_pending(t):
        return
    ptrace_stop(t, code, why, info)
    while t.state == TASK_TRACED and not fatal_signal_pending(t):
        yield
    t.state = TASK_RUNNING


def ptrace_signal(t: Task, info: SigInfo) -> None:
    """Signal-delivery-stop for ``info`` (get_signal calls this for a traced task; the signal
    waits in ``last_siginfo`` for the tracer's verdict)."""
    ptrace_stop(t, info.signo, "signal", info)


def take_injected(t: Task) -> SigInfo | None:
    """After a signal-delivery-stop: the signal the tracer resumed with (None: suppressed);
    one now blocked is queued again, as Linux's ptrace_signal."""
    st = t.ptrace_state
    if st is None or st.inject is None:
        return None
    info, st.inject = st.inject, None
    if info.signo == 0:
        return None
    if t.blocked & sigbit(info.signo):
        send_signal(t, info, group=False)
        return None
    return info


def ptrace_event_pending(t: Task, event: int, msg: int) -> bool:
    """Queue PTRACE_EVENT_``event`` with message ``msg`` if the tracer asked for it (or, for
    exec without PTRACE_O_TRACEEXEC, the legacy SIGTRAP). True if an event stop was queued."""
    st = t.ptrace_state
    if st is None:
        return False
    if st.options & P.event_option(event):
        st.events.append((event, msg))
        return True
    if event == P.PTRACE_EVENT_EXEC:
        send_signal(t, SigInfo(A.SIGTRAP, A.SI_USER), group=False)
    return False


def report_events(t: Task) -> Generator[None, None, None]:
    """The queued event stops (PTRACE_EVENT_FORK ... EXEC), one after another."""
    st = t.ptrace_state
    while st is not None and st.events:
        event, msg = st.events.pop(0)
        st.message = msg
        yield from ptrace_stop_wait(t, A.SIGTRAP | event << 8, "event",
                                    SigInfo(A.SIGTRAP, A.SIGTRAP | event << 8))
        st = t.ptrace_state


def syscall_stop_code(t: Task) -> int:
    st = t.ptrace_state
    return A.SIGTRAP | (0x80 if st is not None and st.options & P.PTRACE_O_TRACESYSGOOD else 0)


def ptrace_resume(child: Task, how: str, sig: int) -> None:
    """PTRACE_CONT/SYSCALL/SINGLESTEP/SYSEMU: EIO for a bad signal; the signal of a
    signal-delivery-stop is replaced by ``sig`` (0 suppresses it)."""
    if not 0 <= sig < A.NSIG:
        raise KernelError(E.EIO)
    st = child.ptrace_state
    assert st is not None
    st.resume = how
    st.listening = False
    if st.why == "signal":
        old = st.last_siginfo
        if sig and old is not None and old.signo == sig:
            st.inject = old
        else:
            st.inject = SigInfo(sig, A.SI_USER, pid=child.tracer.tgid if child.tracer else 0) \
                if sig else SigInfo(0)
    st.why = ""
    wake_tracee(child)


def wake_tracee(child: Task) -> None:
    if child.state == TASK_TRACED:
        child.state = TASK_RUNNING
        child.kernel.rq.enqueue(child)


def ptrace_detach(child: Task, sig: int) -> None:
    """PTRACE_DETACH (and a tracer's exit): unlink, deliver ``sig``, let the task run."""
    if not 0 <= sig < A.NSIG:
        raise KernelError(E.EIO)
    st = child.ptrace_state
    why = st.why if st is not None else ""
    ptrace_unlink(child)
    if sig and why == "signal":
        send_signal(child, SigInfo(sig, A.SI_USER), group=False)
    if child.state == TASK_ZOMBIE:
        return
    if child.state == TASK_TRACED:
        ss = child.signal.stop_state
        if why == "group" and ss and ss[0] == "stopped":
            child.state = TASK_STOPPED         # back into the group stop it is part of
        else:
            wake_tracee(child)


def exit_ptrace(tracer: Task) -> list[Task]:
    """An exiting tracer lets its tracees go (PTRACE_O_EXITKILL: with SIGKILL); returns the
    zombies whose real parent must now hear of them."""
    zombies = []
    for child in list(tracer.ptraced):
        st = child.ptrace_state
        if st is not None and st.options & P.PTRACE_O_EXITKILL:
            send_signal(child, SigInfo(A.SIGKILL, A.SI_USER), group=False)
        was_zombie = child.state == TASK_ZOMBIE
        ptrace_detach(child, 0)
        if was_zombie:
            zombies.append(child)
    return zombies


def single_step_trap(t: Task) -> None:
    """The SIGTRAP (TRAP_TRACE) after one single-stepped instruction (the #DB of EFLAGS.TF)."""
    t.syscall_nr = -1
    force_sig_fault(t, A.SIGTRAP, P.TRAP_TRACE, t.kernel.cpu.reg(X.UC_X86_REG_RIP))
