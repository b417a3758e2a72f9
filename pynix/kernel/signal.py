"""Signals: generation, pending sets, delivery (Bach ch. 7.2; Linux kernel/signal.c and
arch/x86/kernel/signal.c).

Provides:
- ``send_signal(task, info, group)``: post a signal to one thread or its thread group
  (__send_signal + complete_signal): drop it if ignored, queue real-time signals, collapse
  standard ones, wake the chosen thread, and make SIGKILL and fatal default actions take the
  whole group down promptly.
- ``signal_pending``, ``dequeue_signal``, mask helpers.
- ``do_signal(kernel, task)``: on the way back to user mode: handle a syscall interrupted with
  ERESTART*, then deliver one signal: default action (ignore, stop, terminate, core) or a
  handler run on the user stack in an rt_sigframe (``setup_rt_frame``).
- ``sys_rt_sigreturn_frame(kernel, task)``: restore the interrupted context from the frame.

Owns: the pending lists in Task and SignalStruct.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import sigframe as F
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.base.runqueue import (
    TASK_DEAD,
    TASK_INTERRUPTIBLE,
    TASK_RUNNING,
    TASK_STOPPED,
    TASK_UNINTERRUPTIBLE,
    TASK_ZOMBIE,
)
from pynix.kernel.exit import do_group_exit
from pynix.kernel.task import SigInfo, Task
from pynix.mm.uaccess import copy_from_user, copy_to_user

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel

SIG_KERNEL_ONLY = {A.SIGKILL, A.SIGSTOP}
SIG_DEFAULT_IGNORE = {A.SIGCHLD, A.SIGURG, A.SIGWINCH, A.SIGCONT}
SIG_DEFAULT_STOP = {A.SIGSTOP, A.SIGTSTP, A.SIGTTIN, A.SIGTTOU}
SIG_DEFAULT_COREDUMP = {A.SIGQUIT, A.SIGILL, A.SIGTRAP, A.SIGABRT, A.SIGBUS, A.SIGFPE,
                        A.SIGSEGV, A.SIGXCPU, A.SIGXFSZ, A.SIGSYS}
SYNCHRONOUS = {A.SIGSEGV, A.SIGBUS, A.SIGILL, A.SIGTRAP, A.SIGFPE, A.SIGSYS}   # faults kill even init
WCOREFLAG = 0x80
UNBLOCKABLE = (1 << (A.SIGKILL - 1)) | (1 << (A.SIGSTOP - 1))


def exit_code_of_signal(t: Task, sig: int) -> int:
    """The wait status of death by ``sig``: the core flag when a core-dumping signal meets a
    non-zero RLIMIT_CORE, as Linux's do_coredump decides (pynix writes no core file)."""
    dump = sig in SIG_DEFAULT_COREDUMP and t.rlimit(A.RLIMIT_CORE) != 0
    return sig | (WCOREFLAG if dump else 0)


def sigbit(sig: int) -> int:
    return 1 << (sig - 1)


def is_ignored(t: Task, sig: int) -> bool:
    assert t.sighand is not None
    h = t.sighand.action[sig].handler
    return h == A.SIG_IGN or (h == A.SIG_DFL and sig in SIG_DEFAULT_IGNORE)


def signal_pending(t: Task) -> bool:
    blocked = t.blocked
    for i in t.pending:
        if not blocked & sigbit(i.signo):
            return True
    for i in t.signal.shared_pending:
        if not blocked & sigbit(i.signo):
            return True
    return t.signal.group_exit


def fatal_signal_pending(t: Task) -> bool:
    """The group is dying or SIGKILL waits: a killable sleep must end (Linux's)."""
    return t.signal.group_exit or any(i.signo == A.SIGKILL for i in t.pending + t.signal.shared_pending)


def pending_mask(t: Task) -> int:
    m = 0
    for i in t.pending + t.signal.shared_pending:
        m |= sigbit(i.signo)
    return m


def signal_wake_up(t: Task, fatal: bool = False) -> None:
    """Make ``t`` notice a signal; a fatal one also wakes a killable sleep (TASK_WAKEKILL)."""
    if t.state == TASK_INTERRUPTIBLE or (fatal and t.state == TASK_UNINTERRUPTIBLE):
        t.kernel.rq.wake_up_process(t)
    elif t is t.kernel.current:
        t.kernel.cpu.stop()        # get back to the kernel to deliver it


def _prepare_signal(t: Task, sig: int) -> bool:
    """Job-control side effects at generation time; False if the signal is dropped."""
    if t.is_kthread:
        return False                        # kernel threads ignore all signals (ignore_signals)
    sig_struct = t.signal
    if sig_struct.group_exit:
        return sig == A.SIGKILL
    if sig in SIG_DEFAULT_STOP:
        for th in t.thread_group:           # a stop signal cancels pending SIGCONT
            th.pending = [i for i in th.pending if i.signo != A.SIGCONT]
        sig_struct.shared_pending = [i for i in sig_struct.shared_pending if i.signo != A.SIGCONT]
    elif sig == A.SIGCONT:
        for th in t.thread_group:
            th.pending = [i for i in th.pending if i.signo not in SIG_DEFAULT_STOP]
        sig_struct.shared_pending = [i for i in sig_struct.shared_pending
                                     if i.signo not in SIG_DEFAULT_STOP]
        from pynix.kernel.jobctl import do_continue
        do_continue(t)
    # sig_ignored: a blocked signal is never ignored, nor one a sigtimedwait is waiting for
    blocked = (t.blocked | getattr(t, "real_blocked", 0)) & sigbit(sig)
    if is_global_init(t) and not blocked and t.sighand is not None \
            and t.sighand.action[sig].handler == A.SIG_DFL:
        return False                        # SIGNAL_UNKILLABLE: init only gets what it handles
    if sig in SIG_KERNEL_ONLY:
        return True
    return not (is_ignored(t, sig) and not blocked)


def is_global_init(t: Task) -> bool:
    """The real /sbin/init (pid 1 running a program): Linux's SIGNAL_UNKILLABLE holder."""
    return t.group_leader is t.kernel.init_task and not t.is_kthread


def _live(t: Task) -> bool:
    return t.state not in (TASK_ZOMBIE, TASK_DEAD) and not t.flags & PF_EXITING


def send_signal(t: Task, info: SigInfo, group: bool = True) -> None:
    sig = info.signo
    if not 1 <= sig < A.NSIG:
        return
    if not (_live(t) or (group and any(_live(th) for th in t.thread_group))):
        return                                  # a group lives on while any thread does
    if not _prepare_signal(t, sig):
        return
    pending = t.signal.shared_pending if group else t.pending
    if sig < A.SIGRTMIN and any(i.signo == sig for i in pending):
        return                                  # standard signals do not queue
    pending.append(info)
    wq = getattr(t.kernel, "signalfd_wqh", None)
    if wq is not None and wq.waiters:
        wq.wake_up()                            # signalfd readers and pollers look again
    # complete_signal: pick a live thread that does not block it, the addressed one first
    target = t
    if group and (t.blocked & sigbit(sig) or not _live(t)):
        for th in t.thread_group:
            if _live(th) and not th.blocked & sigbit(sig):
                target = th
                break
    if sig == A.SIGKILL or (_fatal_default(target, sig) and not target.blocked & sigbit(sig)):
        for th in t.thread_group:
            if th.state == TASK_STOPPED:
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
    assert t.sighand is not None
    act = t.sighand.action[sig]
    if t.blocked & sigbit(sig) or act.handler == A.SIG_IGN:
        act.handler = A.SIG_DFL
        t.blocked &= ~sigbit(sig)
    t.pending.append(SigInfo(sig, code, addr=addr))


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


def do_signal(k: Kernel, t: Task, restart: int | None) -> None:
    """Deliver pending signals before returning to user mode (arch do_signal).
    ``restart`` is the ERESTART* code the interrupted syscall returned, if any."""
    while True:
        if t.signal.group_exit:
            do_group_exit(t, t.signal.group_exit_code)
            return
        info = dequeue_signal(t)
        if info is None:
            break
        sig = info.signo
        assert t.sighand is not None
        act = t.sighand.action[sig]
        if act.handler == A.SIG_IGN:
            continue
        if act.handler == A.SIG_DFL:
            if sig in SIG_DEFAULT_IGNORE or (is_global_init(t) and sig not in SIG_KERNEL_ONLY
                                             and sig not in SYNCHRONOUS):
                continue
            if sig in SIG_DEFAULT_STOP:
                from pynix.kernel.jobctl import do_signal_stop
                if do_signal_stop(t, sig):
                    if restart is not None:
                        _restart_syscall(k, t, restart)
                    return
                continue
            do_group_exit(t, exit_code_of_signal(t, sig))
            return
        # a handler: decide about the interrupted syscall, then build the frame
        if restart is not None:
            if restart == E.ERESTARTNOINTR or (restart == E.ERESTARTSYS and act.flags & A.SA_RESTART):
                _restart_syscall(k, t, restart)
            else:
                k.cpu.set_ret(-E.EINTR)
            restart = None
        setup_rt_frame(k, t, info, act)
        return
    if restart is not None:
        _restart_syscall(k, t, restart)
    if t.saved_sigmask is not None:           # sigsuspend's mask, once nothing was delivered
        t.blocked = t.saved_sigmask
        t.saved_sigmask = None


def _restart_syscall(k: Kernel, t: Task, code: int) -> None:
    """Re-execute the syscall instruction (the kernel's rip -= 2; rax = orig_rax)."""
    from pynix.arch.x86_64.syscall_nr import NR
    from pynix.machine.cpu import X
    k.cpu.set_ret(NR["restart_syscall"] if code == E.ERESTART_RESTARTBLOCK else t.syscall_nr)
    # the CPU left user mode just after the 2-byte syscall instruction: step back onto it
    k.cpu.set_reg(X.UC_X86_REG_RIP, k.cpu.reg(X.UC_X86_REG_RIP) - 2)


def siginfo_bytes(info: SigInfo) -> bytes:
    """The siginfo_t a handler or sigtimedwait receives (copy_siginfo_to_user)."""
    return F.pack_siginfo(info.signo, info.code, info.errno, info.pid, info.uid, info.status,
                          info.utime, info.stime,
                          info.addr if info.signo in (A.SIGSEGV, A.SIGBUS, A.SIGFPE, A.SIGILL, A.SIGTRAP)
                          else None, info.value)


def setup_rt_frame(k: Kernel, t: Task, info: SigInfo, act: object) -> None:
    from pynix.machine.cpu import REG_NAMES
    assert t.mm is not None
    cpu = k.cpu
    regs = dict(zip(REG_NAMES, cpu.regs()))
    sp = regs["rsp"]
    onstack = bool(t.sas_ss_flags & A.SS_ONSTACK)
    if act.flags & A.SA_ONSTACK and t.sas_ss_size and not onstack:   # type: ignore[attr-defined]
        sp = t.sas_ss_sp + t.sas_ss_size
    else:
        sp -= F.REDZONE
    fp = (sp - F.FPSTATE_SIZE) & ~63
    frame = ((fp - F.FRAME_SIZE) & ~15) - 8
    oldmask = t.saved_sigmask if t.saved_sigmask is not None else t.blocked
    t.saved_sigmask = None
    uc = bytearray(F.UCONTEXT_SIZE)
    F.UCONTEXT_HDR.pack_into(uc, 0, 0, 0)
    F.STACK_T.pack_into(uc, F.UC_STACK_OFF, t.sas_ss_sp, t.sas_ss_flags | (A.SS_ONSTACK if onstack else 0),
                        0, t.sas_ss_size)
    trapno = 14 if info.signo in (A.SIGSEGV, A.SIGBUS) else 0
    uc[F.UC_MCONTEXT_OFF:F.UC_MCONTEXT_OFF + 256] = F.pack_sigcontext(
        regs, fp, oldmask & 0xFFFF_FFFF_FFFF_FFFF, trapno=trapno, cr2=info.addr)
    uc[F.UC_SIGMASK_OFF:F.UC_SIGMASK_OFF + 8] = oldmask.to_bytes(8, "little")
    siginfo = siginfo_bytes(info)
    restorer = act.restorer if act.flags & A.SA_RESTORER else 0   # type: ignore[attr-defined]
    try:
        copy_to_user(t.mm, frame, restorer.to_bytes(8, "little") + bytes(uc) + siginfo)
        copy_to_user(t.mm, fp, bytes(F.FPSTATE_SIZE))
    except Exception:
        # no room for the frame: the task dies of SIGSEGV (Linux's force_sigsegv)
        do_group_exit(t, exit_code_of_signal(t, A.SIGSEGV))
        return
    save_fpu(k, t, frame)
    new = dict(regs)
    new.update(rsp=frame, rip=act.handler, rdi=info.signo, rsi=frame + F.FRAME_INFO_OFF,  # type: ignore[attr-defined]
               rdx=frame + F.FRAME_UC_OFF, rax=0, eflags=regs["eflags"] & ~0x400)
    cpu.set_regs([new[n] for n in REG_NAMES])
    t.blocked |= act.mask  # type: ignore[attr-defined]
    if not act.flags & A.SA_NODEFER:  # type: ignore[attr-defined]
        t.blocked |= sigbit(info.signo)
    t.blocked &= ~UNBLOCKABLE
    if act.flags & A.SA_RESETHAND:  # type: ignore[attr-defined]
        act.handler = A.SIG_DFL  # type: ignore[attr-defined]


def restore_sigframe(k: Kernel, t: Task) -> int:
    """rt_sigreturn: the frame sits at rsp - 8 (the handler's ret popped pretcode).
    Returns the restored rax."""
    from pynix.machine.cpu import REG_NAMES, X
    assert t.mm is not None
    cpu = k.cpu
    frame = cpu.reg(X.UC_X86_REG_RSP) - 8
    t.restart_block = None            # a later restart_syscall returns EINTR (as Linux's sigreturn)
    uc = copy_from_user(t.mm, frame + F.FRAME_UC_OFF, F.UCONTEXT_SIZE)
    restore_fpu(k, t, frame)
    regs = F.unpack_sigcontext(uc[F.UC_MCONTEXT_OFF:F.UC_MCONTEXT_OFF + F.SIGCONTEXT.size])
    mask = int.from_bytes(uc[F.UC_SIGMASK_OFF:F.UC_SIGMASK_OFF + 8], "little")
    t.blocked = mask & ~UNBLOCKABLE
    cur = dict(zip(REG_NAMES, cpu.regs()))
    eflags = (cur["eflags"] & ~0x40DD5) | (regs["eflags"] & 0x40DD5)
    regs["eflags"] = eflags
    t.reg_patch = [regs[n] for n in REG_NAMES]
    return regs["rax"]


def save_fpu(k: Kernel, t: Task, frame: int) -> None:
    """Keep the FPU/SSE state across a signal handler, by the frame's address (Linux keeps it
    in the frame's fxsave area, copy_fpstate_to_sigframe; pynix keeps it in the task)."""
    lst = t.sigframe_fpu
    lst.append((frame, k.cpu.save_context()))
    del lst[:-32]


def restore_fpu(k: Kernel, t: Task, frame: int) -> None:
    """sigreturn: the FPU/SSE state saved for this frame comes back (fpu__restore_sig)."""
    lst = t.sigframe_fpu
    cpu = k.cpu
    while lst:
        addr, ctx = lst.pop()
        if addr == frame:
            regs = cpu.regs()
            fs = cpu.fs_base
            cpu.restore_context(ctx)
            cpu.set_regs(regs)
            cpu.fs_base = fs
            return
