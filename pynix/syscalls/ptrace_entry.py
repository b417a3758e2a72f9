"""A traced task's system call (Linux's syscall_trace_enter and syscall_exit_work).

``traced_syscall(dispatcher, task)`` is the kernel stack syscalls/dispatch.py runs instead of
the handler when the task has a tracer: the syscall-enter-stop (PTRACE_SYSCALL, SYSEMU) with
rax = -ENOSYS, seccomp's verdict on the call as the tracer left it, the handler with the registers the tracer may have changed, the PTRACE_EVENT
stops the call queued (fork, exec), then the syscall-exit-stop. Owns nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_RUNNING, TASK_TRACED
from pynix.kernel.ptrace import ptrace_stop_wait, report_events, syscall_stop_code
from pynix.kernel.seccomp import secure_computing
from pynix.kernel.sigqueue import fatal_signal_pending
from pynix.kernel.task import Task
from pynix.kernel.traps import oops
from pynix.machine.cpu import X

if TYPE_CHECKING:
    from pynix.syscalls.dispatch import Dispatcher

RESTART_CODES = (E.ERESTARTSYS, E.ERESTARTNOINTR, E.ERESTARTNOHAND, E.ERESTART_RESTARTBLOCK)


def traced_syscall(self: Dispatcher, t: Task) -> Generator[None, None, None]:
    """A traced task's syscall (Linux's syscall_trace_enter / syscall_exit_work): the
    syscall-enter-stop with rax = -ENOSYS, the call with the registers the tracer may
    have changed (orig_rax -1, or PTRACE_SYSEMU, skips it), the event stops it queued,
    then the syscall-exit-stop. Runs as the task's kernel stack."""
    cpu = self.cpu
    st = t.ptrace_state
    stopped = False
    if st is not None and st.resume in ("syscall", "sysemu"):
        cpu.set_ret(-E.ENOSYS)
        yield from ptrace_stop_wait(t, syscall_stop_code(t), "syscall-entry", None)
        st = t.ptrace_state
        stopped = True
        # out of the syscall hook rip is past the instruction; handlers expect it on it
        cpu.set_reg(X.UC_X86_REG_RIP, cpu.reg(X.UC_X86_REG_RIP) - 2)
    nr = t.syscall_nr
    ret: int | None = None
    if st is not None and st.resume == "sysemu":
        ret = None                                  # not run; rax as the tracer left it
    elif fatal_signal_pending(t):
        ret = -E.EINTR
    else:
        a = cpu.read_args()
        skip = secure_computing(t, nr, tuple(a[1:7]), cpu.syscall_ip()) if t.seccomp_mode else None
        ent = self.table.get(nr) if skip is None else None
        ret = -E.ENOSYS if skip is None else skip
        if ent is not None:
            args = tuple(a[1:1 + ent.nargs])
            if self.tracer:
                self.tracer.enter(t, ent, args)
            try:
                if ent.blocking:
                    ret = yield from ent.fn(t, *args)
                else:
                    ret = ent.fn(t, *args)
            except KernelError as err:
                ret = -err.errno
            except Exception as exc:
                oops(self.k, t, f"exception in {ent.name} (traced)", exc)
                return
            if ret is None:
                ret = 0
            if self.tracer:
                self.tracer.exit(t, ent, args, ret)
    if t.state != TASK_RUNNING and t.state != TASK_TRACED:
        return                                      # exited or stopped inside the call
    if stopped:
        cpu.set_reg(X.UC_X86_REG_RIP, cpu.reg(X.UC_X86_REG_RIP) + 2)
    if ret is not None:
        if -ret in RESTART_CODES:
            t.restart = -ret
            cpu.set_ret(-E.EINTR)
        else:
            cpu.set_ret(ret)
    yield from report_events(t)
    st = t.ptrace_state
    if st is not None and st.resume in ("syscall", "sysemu") and not fatal_signal_pending(t):
        yield from ptrace_stop_wait(t, syscall_stop_code(t), "syscall-exit", None)
    cpu.stop()
