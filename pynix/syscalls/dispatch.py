"""System call dispatch: from the CPU's syscall instruction to a handler and back
(Linux's do_syscall_64 and syscall_exit_to_user_mode).

``Dispatcher.entry(task)`` runs inside the CPU's syscall hook: it fetches rax and the six
argument registers, calls the handler from syscalls/table.py, and writes the result to rax.
- ``KernelError(e)`` becomes ``-e``; ERESTART* codes are kept for kernel/signal.do_signal.
  A uaccess that met a userfault (mm/userfaultfd.UserfaultRetry) sleeps until it is resolved
  and the call is then restarted.
- A generator handler may block: its first ``yield`` parks the generator in ``task.kstack`` and
  stops the CPU; ``resume(task)`` continues it when the task runs again.
- Any other exception is an oops: reported with the task and syscall, the task is killed.
- A task under seccomp (kernel/seccomp.py) has each call filtered before the table lookup.
- With tracing on, each call is printed as strace does (syscalls/trace.py).

Owns: nothing but the table reference and the trace switch.
"""
from __future__ import annotations

from time import monotonic_ns
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_RUNNING
from pynix.kernel.seccomp import secure_computing
from pynix.kernel.task import signal_pending
from pynix.kernel.traps import oops
from pynix.mm.userfaultfd import UserfaultRetry, userfault_sleep
from pynix.syscalls.support import Entry
from pynix.syscalls.table import build_table
from pynix.syscalls.ptrace_entry import RESTART_CODES, traced_syscall
from pynix.syscalls.trace import Tracer

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task



class Dispatcher:
    def __init__(self, kernel: Kernel, trace: bool = False) -> None:
        self.k = kernel
        self.cpu = kernel.cpu
        self.table: dict[int, Entry] = build_table()
        self.tracer: Tracer | None = Tracer(kernel) if trace else None
        self.counts: dict[int, int] = {}

    def entry(self, _h: int = 0, _d: int = 0) -> None:
        """The CPU's syscall hook, called from C: the current task executed ``syscall``.
        One frame on the hot path; any exception that escapes the handler's own error
        handling is an oops, never an unwind into Unicorn."""
        t = self.k.current
        entered = monotonic_ns()
        try:
            cpu = self.cpu
            a = cpu.read_args()
            nr = a[0]
            t.syscall_nr = nr
            if t.tracer is not None:              # ptrace: the syscall-stops around the call
                self.start_traced(t)
                return
            tracer = self.tracer
            if t.seccomp_mode:                # syscall_trace_enter: seccomp decides first
                skip = secure_computing(t, nr, tuple(a[1:7]), cpu.syscall_ip())
                if skip is not None:
                    if tracer:
                        tracer.unknown(t, nr, a)
                    cpu.set_ret(skip)
                    cpu.stop()                # a signal or a death to act on
                    return
            ent = self.table.get(nr)
            if ent is None:
                if tracer:
                    tracer.unknown(t, nr, a)
                cpu.set_ret(-E.ENOSYS)
                return
            args = a[1:1 + ent.nargs]
            if tracer:
                tracer.enter(t, ent, args)
            try:
                if ent.blocking:
                    gen = ent.fn(t, *args)
                    try:
                        next(gen)
                    except StopIteration as stop:
                        ret = stop.value
                    else:
                        t.kstack = gen
                        t.kstack_args = args
                        cpu.stop()
                        if tracer:
                            tracer.blocked(t, ent)
                        return
                else:
                    ret = ent.fn(t, *args)
            except KernelError as err:
                ret = -err.errno
                if isinstance(err, UserfaultRetry):
                    userfault_sleep(t, err.fault)
            except Exception as exc:          # a kernel bug: oops, never a dead kernel
                oops(self.k, t, f"exception in {ent.name}", exc)
                return
            self.finish(t, ent, ret)
        except BaseException as exc:
            oops(self.k, self.k.current, "exception in syscall entry", exc)
        finally:
            if t is not None:
                t.hook_ns += monotonic_ns() - entered       # system time (kernel/cputime.py)

    def start_traced(self, t: Task) -> None:
        gen = traced_syscall(self, t)
        try:
            next(gen)
        except StopIteration:
            return
        t.kstack = gen
        t.kstack_traced = True
        self.cpu.stop()

    def resume(self, t: Task) -> bool:
        """Continue a blocked syscall; False if it must sleep again."""
        gen = t.kstack
        assert gen is not None
        if t.kstack_traced:
            try:
                next(gen)
                return False
            except StopIteration:
                pass
            except Exception as exc:
                oops(self.k, t, "exception in a traced syscall (resumed)", exc)
            t.kstack = None
            t.kstack_traced = False
            return True
        ent = self.table[t.syscall_nr]
        try:
            next(gen)
            return False
        except StopIteration as stop:
            ret = stop.value
        except KernelError as err:
            ret = -err.errno
            if isinstance(err, UserfaultRetry):
                userfault_sleep(t, err.fault)
        except Exception as exc:
            t.kstack = None
            oops(self.k, t, f"exception in {ent.name} (resumed)", exc)
            return True
        t.kstack = None
        self.finish(t, ent, ret)
        return True

    def finish(self, t: Task, ent: Entry, ret: int | None) -> None:
        cpu = self.cpu
        if ret is None:
            ret = 0
        if self.tracer:
            self.tracer.exit(t, ent, getattr(t, "kstack_args", None), ret)
        if -ret in RESTART_CODES:
            t.restart = -ret
            cpu.set_ret(-E.EINTR)
            cpu.stop()
            return
        cpu.set_ret(ret)
        if t.state != TASK_RUNNING or t.reg_patch is not None or t.fresh_cpu or \
                ((t.pending or t.signal.shared_pending or t.signal.group_exit) and signal_pending(t)):
            cpu.stop()

    @staticmethod
    def take_restart(t: Task) -> int | None:
        r = t.restart
        t.restart = None
        return r

