"""Signal delivery: default actions, handlers, frames and sigreturn (Bach ch. 7.2 "handling
signals"; Linux kernel/signal.c get_signal, arch/x86/kernel/signal.c handle_signal,
setup_rt_frame and rt_sigreturn), and the calls that set up delivery (sigaction,
sigaltstack, sigprocmask, sigsuspend, sigtimedwait).

Generation and the pending sets are kernel/sigqueue.py. Provides:
- ``do_signal(kernel, task, restart)``: on the way back to user mode (Linux's
  arch_do_signal_or_restart): ``get_signal``, then ``handle_signal`` for a handler, else
  restart the syscall interrupted with ERESTART* and restore sigsuspend's mask.
- ``get_signal(task)``: dequeue signals and carry out default actions (ignore, stop the group,
  terminate or dump core) until one has a handler, which it returns.
- ``handle_signal``: the restart decision (SA_RESTART) and ``setup_rt_frame``: the handler runs
  on the user (or alternate) stack in an rt_sigframe; ``signal_setup_done`` blocks its mask.
- ``restore_sigframe(kernel, task)``: rt_sigreturn: the interrupted context from the frame.
- ``do_sigaction``, ``sigaction_of``, ``do_sigaltstack``, ``sigaltstack_of``, ``sigprocmask``,
  ``sigsuspend``, ``do_sigtimedwait``: the kernel side of those syscalls.

Owns the signal frames; their FPU area is kernel/fpu_signal.py's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import sigframe as F
from pynix.arch.x86_64.ptrace import PTRACE_EVENT_STOP
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.arch.x86_64.signal import SS_AUTODISARM, WCOREFLAG
from pynix.arch.x86_64.syscall_nr import NR
from pynix.arch.x86_64.traps import X86_TRAP_PF
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_STOPPED, TASK_TRACED
from pynix.base.wait import wait_event
from pynix.kernel.exit import do_group_exit
from pynix.kernel.fpu_signal import copy_fpstate_to_sigframe, fpu__clear_user_states, fpu__restore_sig
from pynix.kernel.jobctl import do_signal_stop
from pynix.kernel.ptrace import ptrace_signal, ptrace_stop, take_injected
from pynix.kernel.sigqueue import (
    SIG_DEFAULT_COREDUMP,
    SIG_DEFAULT_IGNORE,
    SIG_DEFAULT_STOP,
    SIG_KERNEL_ONLY,
    SYNCHRONOUS,
    UNBLOCKABLE,
    dequeue_signal,
    force_sig_fault,
    flush_sigqueue_mask,
    is_unkillable,
    is_ignored,
    pending_mask,
    sigbit,
)
from pynix.kernel.task import SigAction, SigInfo, Task
from pynix.machine.cpu import REG_NAMES, X
from pynix.mm.uaccess import copy_from_user, copy_to_user

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel


# frame_uc_flags: the fpstate is in XSAVE format (kernel/fpu_signal.py), and a 64-bit frame
# carries ss, which sigreturn restores strictly
UC_FLAGS = F.UC_FP_XSTATE | F.UC_SIGCONTEXT_SS | F.UC_STRICT_RESTORE_SS


def exit_code_of_signal(t: Task, sig: int) -> int:
    """The wait status of death by ``sig``: the core flag when a core-dumping signal meets a
    non-zero RLIMIT_CORE, as Linux's do_coredump decides (pynix writes no core file)."""
    dump = sig in SIG_DEFAULT_COREDUMP and t.rlimit(A.RLIMIT_CORE) != 0
    return sig | (WCOREFLAG if dump else 0)


# -- delivery -----------------------------------------------------------------------------------
def do_signal(k: Kernel, t: Task, restart: int | None) -> None:
    """Deliver pending signals before returning to user mode (arch_do_signal_or_restart).
    ``restart`` is the ERESTART* code the interrupted syscall returned, if any."""
    ksig = get_signal(t)
    if ksig is not None:
        handle_signal(k, t, ksig[0], ksig[1], restart)
        return
    if t.flags & PF_EXITING:
        return                                # killed: nothing to return to
    if t.state == TASK_TRACED:
        t.restart = restart                   # decided after the tracer resumes the task
        return
    if restart is not None:
        _restart_syscall(k, t, restart)
    if t.state == TASK_STOPPED:
        return                                # sigsuspend's mask waits for the continue
    if t.saved_sigmask is not None:           # sigsuspend's mask, once nothing was delivered
        t.blocked = t.saved_sigmask
        t.saved_sigmask = None


def get_signal(t: Task) -> tuple[SigInfo, SigAction] | None:
    """Dequeue signals, doing their default actions, until one has a handler: return it with
    its action. None when none is left, or when a default action stopped the group (``t`` is
    then TASK_STOPPED) or ended it (``t`` is exiting), as Linux's get_signal."""
    while True:
        if t.signal.group_exit:
            do_group_exit(t, t.signal.group_exit_code)
            return None
        st = t.ptrace_state
        if st is not None and st.interrupt:              # PTRACE_INTERRUPT
            st.interrupt = False
            ptrace_stop(t, A.SIGTRAP | PTRACE_EVENT_STOP << 8, "interrupt", None)
            return None
        if st is not None and st.inject is not None:      # the tracer's verdict on a stop
            info = take_injected(t)
            if info is None:
                continue
        else:
            info = dequeue_signal(t)
            if info is None:
                return None
            if st is not None and info.signo != A.SIGKILL:
                ptrace_signal(t, info)                  # signal-delivery-stop
                return None
        sig = info.signo
        assert t.sighand is not None
        act = t.sighand.action[sig]
        if act.handler == A.SIG_IGN:
            continue
        if act.handler != A.SIG_DFL:
            return info, act
        if sig in SIG_DEFAULT_IGNORE or (is_unkillable(t) and sig not in SIG_KERNEL_ONLY
                                         and sig not in SYNCHRONOUS):
            continue
        if sig in SIG_DEFAULT_STOP:
            if do_signal_stop(t, sig):
                return None
            continue
        do_group_exit(t, exit_code_of_signal(t, sig))     # terminate, or dump core
        return None


def handle_signal(k: Kernel, t: Task, info: SigInfo, act: SigAction, restart: int | None) -> None:
    """Run the handler of ``act``: first decide about the interrupted syscall (restarted for
    ERESTARTNOINTR, or ERESTARTSYS with SA_RESTART; EINTR otherwise), then build the frame."""
    if restart is not None:
        if restart == E.ERESTARTNOINTR or (restart == E.ERESTARTSYS and act.flags & A.SA_RESTART):
            _restart_syscall(k, t, restart)
        else:
            k.cpu.set_ret(-E.EINTR)
    if setup_rt_frame(k, t, info, act):
        signal_setup_done(t, info.signo, act)


def signal_setup_done(t: Task, sig: int, act: SigAction) -> None:
    """The handler runs with its sa_mask (and, unless SA_NODEFER, its own signal) blocked;
    SA_RESETHAND makes it a one-shot (Linux's signal_delivered)."""
    t.blocked |= act.mask
    if not act.flags & A.SA_NODEFER:
        t.blocked |= sigbit(sig)
    t.blocked &= ~UNBLOCKABLE
    if act.flags & A.SA_RESETHAND:
        act.handler = A.SIG_DFL


def _restart_syscall(k: Kernel, t: Task, code: int) -> None:
    """Re-execute the syscall instruction (the kernel's rip -= 2; rax = orig_rax)."""
    k.cpu.set_ret(NR["restart_syscall"] if code == E.ERESTART_RESTARTBLOCK else t.syscall_nr)
    # the CPU left user mode just after the 2-byte syscall instruction: step back onto it
    k.cpu.set_reg(X.UC_X86_REG_RIP, k.cpu.reg(X.UC_X86_REG_RIP) - 2)


def siginfo_bytes(info: SigInfo) -> bytes:
    """The siginfo_t a handler or sigtimedwait receives (copy_siginfo_to_user)."""
    return F.pack_siginfo(info.signo, info.code, info.errno, info.pid, info.uid, info.status,
                          info.utime, info.stime,
                          info.addr if info.signo in F.SIGFAULT_SIGNALS or info.arch else None,
                          info.value, None if info.fd is None else (info.band, info.fd),
                          (info.syscall, info.arch) if info.arch else None)


def setup_rt_frame(k: Kernel, t: Task, info: SigInfo, act: SigAction) -> bool:
    """Build the rt_sigframe and point the registers at the handler; False (and the task dies
    of SIGSEGV) when the frame does not fit."""
    assert t.mm is not None
    cpu = k.cpu
    regs = dict(zip(REG_NAMES, cpu.regs()))
    sp = regs["rsp"]
    onstack = bool(t.sas_ss_flags & A.SS_ONSTACK)
    if act.flags & A.SA_ONSTACK and t.sas_ss_size and not onstack:
        sp = t.sas_ss_sp + t.sas_ss_size
    else:
        sp -= F.REDZONE
    fp = (sp - F.FPSTATE_SIZE) & ~63
    frame = ((fp - F.FRAME_SIZE) & ~15) - 8
    oldmask = t.saved_sigmask if t.saved_sigmask is not None else t.blocked
    t.saved_sigmask = None
    uc = bytearray(F.UCONTEXT_SIZE)
    F.UCONTEXT_HDR.pack_into(uc, 0, UC_FLAGS, 0)
    F.STACK_T.pack_into(uc, F.UC_STACK_OFF, t.sas_ss_sp, t.sas_ss_flags | (A.SS_ONSTACK if onstack else 0),
                        0, t.sas_ss_size)
    trapno = X86_TRAP_PF if info.signo in (A.SIGSEGV, A.SIGBUS) else 0
    uc[F.UC_MCONTEXT_OFF:F.UC_MCONTEXT_OFF + 256] = F.pack_sigcontext(
        regs, fp, oldmask & 0xFFFF_FFFF_FFFF_FFFF, trapno=trapno, cr2=info.addr)
    uc[F.UC_SIGMASK_OFF:F.UC_SIGMASK_OFF + 8] = oldmask.to_bytes(8, "little")
    siginfo = siginfo_bytes(info)
    restorer = act.restorer if act.flags & A.SA_RESTORER else 0
    try:
        copy_to_user(t.mm, fp, copy_fpstate_to_sigframe(cpu))
        copy_to_user(t.mm, frame, restorer.to_bytes(8, "little") + bytes(uc) + siginfo)
    except Exception:
        # no room for the frame: the task dies of SIGSEGV (Linux's force_sigsegv)
        do_group_exit(t, exit_code_of_signal(t, A.SIGSEGV))
        return False
    fpu__clear_user_states(cpu)       # the handler starts with the init FPU state
    new = dict(regs)
    new.update(rsp=frame, rip=act.handler, rdi=info.signo, rsi=frame + F.FRAME_INFO_OFF,
               rdx=frame + F.FRAME_UC_OFF, rax=0, eflags=regs["eflags"] & ~F.X86_EFLAGS_DF)
    cpu.set_regs([new[n] for n in REG_NAMES])
    return True


def restore_sigframe(k: Kernel, t: Task) -> int:
    """rt_sigreturn: the frame sits at rsp - 8 (the handler's ret popped pretcode). The
    registers and mask come from its ucontext, the FPU from the fpstate its sigcontext
    points to. Returns the restored rax; a frame that cannot be read or an fpstate the CPU
    would refuse raises SIGSEGV instead (Linux's badframe)."""
    assert t.mm is not None
    cpu = k.cpu
    frame = cpu.reg(X.UC_X86_REG_RSP) - 8
    t.restart_block = None            # a later restart_syscall returns EINTR (as Linux's sigreturn)
    try:
        uc = copy_from_user(t.mm, frame + F.FRAME_UC_OFF, F.UCONTEXT_SIZE)
    except KernelError:
        return _badframe(t)
    sc = uc[F.UC_MCONTEXT_OFF:F.UC_MCONTEXT_OFF + F.SIGCONTEXT.size]
    regs = F.unpack_sigcontext(sc)
    mask = int.from_bytes(uc[F.UC_SIGMASK_OFF:F.UC_SIGMASK_OFF + 8], "little")
    t.blocked = mask & ~UNBLOCKABLE
    cur = dict(zip(REG_NAMES, cpu.regs()))
    regs["eflags"] = (cur["eflags"] & ~F.FIX_EFLAGS) | (regs["eflags"] & F.FIX_EFLAGS)
    fpstate = int.from_bytes(sc[F.SC_FPSTATE_OFF:F.SC_FPSTATE_OFF + 8], "little")
    if not fpu__restore_sig(cpu, t.mm, fpstate):
        regs["rax"] = 0
        t.reg_patch = [regs[n] for n in REG_NAMES]
        return _badframe(t)
    t.reg_patch = [regs[n] for n in REG_NAMES]
    return regs["rax"]


def _badframe(t: Task) -> int:
    """rt_sigreturn on a bad frame: SIGSEGV (Linux's signal_fault, force_sig); returns 0."""
    force_sig_fault(t, A.SIGSEGV, A.SI_KERNEL, 0)
    return 0


# -- setting delivery up ------------------------------------------------------------------------
def sigaction_of(t: Task, sig: int) -> SigAction:
    assert t.sighand is not None
    return t.sighand.action[sig]


def do_sigaction(t: Task, sig: int, new: SigAction) -> None:
    """rt_sigaction's change (kernel/signal.c do_sigaction): SIGKILL and SIGSTOP keep theirs
    (EINVAL); the action is shared by CLONE_SIGHAND tasks; a newly ignored signal is
    discarded from the pending sets."""
    if sig in SIG_KERNEL_ONLY:
        raise KernelError(E.EINVAL)
    cur = sigaction_of(t, sig)
    cur.handler, cur.flags, cur.restorer, cur.mask = new.handler, new.flags, new.restorer, \
        new.mask & ~UNBLOCKABLE
    if is_ignored(t, sig):
        flush_sigqueue_mask(t, sigbit(sig))


def _on_sigstack(t: Task, sp: int) -> bool:
    return bool(t.sas_ss_size and t.sas_ss_sp < sp <= t.sas_ss_sp + t.sas_ss_size)


def sigaltstack_of(t: Task, sp: int) -> tuple[int, int, int]:
    """(ss_sp, ss_flags, ss_size) as sigaltstack reports them at user stack pointer ``sp``."""
    flags = A.SS_ONSTACK if _on_sigstack(t, sp) else (t.sas_ss_flags & A.SS_DISABLE)
    return t.sas_ss_sp, flags, t.sas_ss_size


def do_sigaltstack(t: Task, ss_sp: int, flags: int, size: int, sp: int) -> None:
    """sigaltstack's change (do_sigaltstack): not while running on it (EPERM), SS_DISABLE or
    a stack of at least MINSIGSTKSZ (ENOMEM)."""
    if _on_sigstack(t, sp):
        raise KernelError(E.EPERM)
    if flags & ~(A.SS_DISABLE | SS_AUTODISARM):
        raise KernelError(E.EINVAL)
    if flags & A.SS_DISABLE:
        t.sas_ss_sp, t.sas_ss_size, t.sas_ss_flags = 0, 0, A.SS_DISABLE
        return
    if size < A.MINSIGSTKSZ:
        raise KernelError(E.ENOMEM)
    t.sas_ss_sp, t.sas_ss_size, t.sas_ss_flags = ss_sp, size, 0


def sigprocmask(t: Task, how: int, new: int) -> None:
    """Change the blocked mask (SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK); SIGKILL and SIGSTOP
    stay unblocked."""
    if how == A.SIG_BLOCK:
        t.blocked |= new
    elif how == A.SIG_UNBLOCK:
        t.blocked &= ~new
    elif how == A.SIG_SETMASK:
        t.blocked = new
    else:
        raise KernelError(E.EINVAL)
    t.blocked &= ~UNBLOCKABLE


def sigsuspend(t: Task, mask: int) -> Generator[None, None, int]:
    """Wait for a signal with ``mask`` blocked; the old mask comes back after delivery
    (saved_sigmask, restored by do_signal or the handler's frame)."""
    t.saved_sigmask = t.blocked
    t.blocked = mask & ~UNBLOCKABLE
    yield from wait_event(t, [], lambda: False, restart=E.ERESTARTNOHAND)
    return 0


def do_sigtimedwait(t: Task, mask: int, deadline: int | None) -> Generator[None, None, SigInfo]:
    """sigwaitinfo/sigtimedwait: take a pending signal of the set, waiting with the set
    unblocked; EAGAIN at the timeout, EINTR when another signal comes first."""
    mask &= ~UNBLOCKABLE
    info = dequeue_signal(t, mask)
    if info is None:
        saved = t.blocked
        t.blocked &= ~mask                      # real_blocked: let the set wake us
        t.real_blocked = saved                  # still "blocked" for sig_ignored (init)
        try:
            yield from wait_event(t, [], lambda: bool(pending_mask(t) & mask), deadline, restart=E.EINTR)
        finally:
            t.blocked = saved
            t.real_blocked = 0
        info = dequeue_signal(t, mask)
        if info is None:
            raise KernelError(E.EAGAIN)
    return info
