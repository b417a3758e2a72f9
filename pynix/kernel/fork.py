"""Process creation (Bach ch. 7.1 fork; Linux kernel/fork.c): kernel_clone, copy_process and its
copy_* steps, driven by clone flags.

``kernel_clone(t, flags, stack, ptid, ctid, tls, pidfd_at)`` is what fork, vfork, clone and
clone3 (syscalls/sys_clone.py, which only decode their arguments) call: copy_process, then the
CLONE_PIDFD descriptor and the CLONE_PARENT_SETTID / CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID
words, then a CLONE_VFORK parent waits (killably) until its child execs or exits.

``copy_process(parent, flags, stack, tls, regs, ctx)`` builds the child Task: a new pid, then,
in Linux's order, copy_files, copy_fs, copy_sighand, copy_signal, copy_mm, copy_thread; each
step either shares the parent's object (CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_THREAD,
CLONE_VM) or copies it (FdTable.copy, FsStruct.copy, SigHand.copy, dup_mmap with
copy-on-write). The child's registers are the parent's at the syscall with rax = 0 (and
rsp = ``stack`` when given).

Checks as Linux's copy_process (``check_clone_flags``): CLONE_SIGHAND needs CLONE_VM,
CLONE_THREAD needs CLONE_SIGHAND, CLONE_FS with CLONE_NEWNS or CLONE_NEWUSER, CLONE_THREAD with
CLONE_NEWUSER or CLONE_NEWPID, CLONE_PIDFD with CLONE_DETACHED are invalid -> EINVAL; so are the
namespaces not implemented yet (all but CLONE_NEWUTS and CLONE_NEWIPC). A thread
(CLONE_THREAD) joins the caller's group and is not on the parent's children list.
"""
from __future__ import annotations

from typing import Generator, Protocol, TypeVar

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.arch.x86_64.ptrace import (
    PTRACE_EVENT_CLONE,
    PTRACE_EVENT_FORK,
    PTRACE_EVENT_VFORK,
    PTRACE_EVENT_VFORK_DONE,
    event_option,
)
from pynix.arch.x86_64.sched import PF_FORKNOEXEC
from pynix.arch.x86_64.thread import CLONE_CLEAR_SIGHAND
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_RUNNING
from pynix.base.wait import WaitQueue, wait_event
from pynix.fs.pidfd import PidFdFile
from pynix.ipc.sem import copy_semundo
from pynix.fs.vfs.mnt_ns import copy_mnt_ns
from pynix.ipc.util import copy_ipcs
from pynix.kernel.cred import capable
from pynix.kernel.nsproxy import NOT_IMPLEMENTED_NS, copy_utsname
from pynix.kernel.ns_common import pid_ns_for_children
from pynix.kernel.pid import alloc_pid, task_active_pid_ns, task_pid_vnr
from pynix.kernel.pid_namespace import attach_child_reaper, copy_pid_ns
from pynix.kernel.ptrace import ptrace_event_pending, ptrace_link, report_events
from pynix.kernel.seccomp import copy_seccomp
from pynix.kernel.sigqueue import fatal_signal_pending, send_signal
from pynix.kernel.task import SigInfo, Task
from pynix.mm.mm import MM
from pynix.mm.uaccess import put_i32
from pynix.security.keys.process_keys import copy_keys

RIP = 16
RAX = 0
RSP = 7


def check_clone_flags(flags: int) -> None:
    """The flag combinations Linux's copy_process refuses with EINVAL."""
    if flags & NOT_IMPLEMENTED_NS:        # as Linux built without those namespaces: refused,
        raise KernelError(E.EINVAL)       # never accepted and ignored (kernel/nsproxy.py)
    if flags & A.CLONE_SIGHAND and not flags & A.CLONE_VM:
        raise KernelError(E.EINVAL)
    if flags & A.CLONE_THREAD and not flags & A.CLONE_SIGHAND:
        raise KernelError(E.EINVAL)
    if flags & A.CLONE_FS and flags & A.CLONE_NEWNS:
        raise KernelError(E.EINVAL)
    if flags & A.CLONE_NEWUSER and flags & A.CLONE_FS:
        raise KernelError(E.EINVAL)
    if flags & A.CLONE_THREAD and flags & (A.CLONE_NEWUSER | A.CLONE_NEWPID):
        raise KernelError(E.EINVAL)
    if flags & A.CLONE_PIDFD and flags & A.CLONE_DETACHED:
        raise KernelError(E.EINVAL)


def check_pid_ns_flags(parent: Task, flags: int) -> None:
    """copy_process's pid-namespace rules: a namespace init may not CLONE_PARENT (its
    sibling would be outside), and threads stay in the namespace of their group, so a task
    whose pid_ns_for_children was changed by unshare cannot make one."""
    if flags & A.CLONE_PARENT and parent.signal.unkillable:
        raise KernelError(E.EINVAL)
    if flags & A.CLONE_THREAD and pid_ns_for_children(parent) is not task_active_pid_ns(parent):
        raise KernelError(E.EINVAL)


class _Shared(Protocol):
    users: int


S = TypeVar("S", bound=_Shared)


def _share(obj: S) -> S:
    """A CLONE_* share: one more user of the parent's object (files, fs, sighand, mm)."""
    obj.users += 1
    return obj


def copy_files(flags: int, parent: Task, child: Task) -> None:
    """Linux's copy_files: CLONE_FILES shares the descriptor table, else dup_fd copies it."""
    assert parent.files is not None
    child.files = _share(parent.files) if flags & A.CLONE_FILES else parent.files.copy()


def copy_fs(flags: int, parent: Task, child: Task) -> None:
    """Linux's copy_fs: CLONE_FS shares root, cwd and umask, else copy_fs_struct copies them."""
    assert parent.fs is not None
    child.fs = _share(parent.fs) if flags & A.CLONE_FS else parent.fs.copy(child.cred)


def copy_sighand(flags: int, parent: Task, child: Task) -> None:
    """Linux's copy_sighand: CLONE_SIGHAND shares the handler table, else it is copied (and
    clone3's CLONE_CLEAR_SIGHAND resets the caught signals to SIG_DFL)."""
    assert parent.sighand is not None
    if flags & A.CLONE_SIGHAND:
        child.sighand = _share(parent.sighand)
    else:
        child.sighand = parent.sighand.copy()
        if flags & CLONE_CLEAR_SIGHAND:
            for act in child.sighand.action:
                if act.handler != A.SIG_IGN:
                    act.handler, act.flags, act.restorer, act.mask = A.SIG_DFL, 0, 0, 0


def copy_signal(flags: int, parent: Task, child: Task) -> None:
    """Linux's copy_signal: a thread (CLONE_THREAD) shares the group's signal_struct; a new
    process gets its own with the parent's rlimits, process group, session and tty."""
    if flags & A.CLONE_THREAD:
        child.signal = parent.signal
        return
    child.signal.rlim = [list(r) for r in parent.signal.rlim]
    child.signal.pgrp = parent.signal.pgrp
    child.signal.session = parent.signal.session
    child.signal.tty = parent.signal.tty
    child.signal.oom_score_adj = parent.signal.oom_score_adj
    child.signal.oom_score_adj_min = parent.signal.oom_score_adj_min
    child.signal.has_child_subreaper = (parent.signal.has_child_subreaper
                                        or parent.signal.is_child_subreaper)


def copy_mm(flags: int, parent: Task, child: Task) -> None:
    """Linux's copy_mm: CLONE_VM shares the address space, else dup_mm/dup_mmap copies it
    copy-on-write."""
    assert parent.mm is not None
    if flags & A.CLONE_VM:
        child.mm = _share(parent.mm)
    else:
        child.mm = MM(parent.mm.phys)
        parent.mm.dup_mmap(child.mm)


def copy_thread(flags: int, child: Task, stack: int, tls: int, regs: list[int],
                ctx: object) -> None:
    """Linux's copy_thread (arch/x86/kernel/process.c): the child resumes after the syscall
    instruction with the parent's registers and rax = 0, on ``stack`` when given, with the new
    TLS base under CLONE_SETTLS."""
    child.ctx = ctx
    r = list(regs)
    r[RAX] = 0
    r[RIP] = regs[RIP] + 2                 # past the syscall instruction
    if stack:
        r[RSP] = stack
    child.reg_patch = r
    if flags & A.CLONE_SETTLS:
        child.tls_patch = tls


def copy_process(parent: Task, flags: int, stack: int, tls: int, regs: list[int],
                 ctx: object) -> Task:
    """Linux's copy_process: a new task. ``regs`` are the parent's registers at the syscall
    instruction; ``ctx`` its saved CPU context (FPU/SSE, segment bases)."""
    check_clone_flags(flags)
    if parent.policy == A.SCHED_DEADLINE and not parent.sched_reset_on_fork:
        raise KernelError(E.EAGAIN)       # sched_fork: a deadline reservation is not inherited
    check_pid_ns_flags(parent, flags)
    ipc_ns = copy_ipcs(parent, flags)
    uts_ns = copy_utsname(parent, flags)
    if flags & A.CLONE_NEWNS and not capable(parent, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    pid_ns = copy_pid_ns(parent, flags)   # a new one for CLONE_NEWPID
    k = parent.kernel
    if parent.signal.nr_threads + len(k.tasks) > parent.rlimit(A.RLIMIT_NPROC) and parent.cred.uid:
        raise KernelError(E.EAGAIN)
    pid = alloc_pid(pid_ns)               # a number on every level (ENOMEM once it died)
    k.total_forks += 1                    # /proc/stat "processes"
    child = Task(k, pid.numbers[0].nr, parent.comm)   # dup_task_struct: with that struct pid
    child.flags = PF_FORKNOEXEC
    child.cred = parent.cred.copy()       # copy_creds
    copy_keys(k.keys, parent.cred, child.cred, flags)
    child.exec_path = parent.exec_path
    child.personality = parent.personality
    child.nice = parent.nice                      # sched_fork: the parent's priority
    child.policy, child.rt_priority = parent.policy, parent.rt_priority   # ... and policy;
    if parent.sched_reset_on_fork:                # SCHED_RESET_ON_FORK: no real-time, no boost
        if parent.policy in (A.SCHED_FIFO, A.SCHED_RR, A.SCHED_DEADLINE):
            child.policy, child.rt_priority = A.SCHED_OTHER, 0
        child.nice = max(child.nice, 0)
    child.ioprio = parent.ioprio                  # copy_io
    child.no_new_privs = parent.no_new_privs      # an atomic task flag, kept by dup_task_struct
    copy_seccomp(parent, child)
    child.timer_slack_ns = child.default_timer_slack_ns = parent.timer_slack_ns   # copy_process
    child.blocked = parent.blocked
    child.sas_ss_sp, child.sas_ss_size, child.sas_ss_flags = (   # sas_ss_reset for CLONE_VM
        (0, 0, A.SS_DISABLE) if flags & A.CLONE_VM and not flags & A.CLONE_VFORK
        else (parent.sas_ss_sp, parent.sas_ss_size, parent.sas_ss_flags))
    copy_semundo(parent, child, bool(flags & A.CLONE_SYSVSEM))
    copy_files(flags, parent, child)
    copy_fs(flags, parent, child)
    if flags & A.CLONE_NEWNS and child.fs is not None:
        copy_mnt_ns(child.fs, parent.kernel.vfs)      # copy_namespaces: the mount tree
    copy_sighand(flags, parent, child)
    copy_signal(flags, parent, child)
    copy_mm(flags, parent, child)
    child.ipc_ns = ipc_ns                         # copy_namespaces (checked above, before the pid)
    child.uts_ns = uts_ns
    copy_thread(flags, child, stack, tls, regs, ctx)
    # -- thread group and parentage --
    if flags & A.CLONE_THREAD:
        child.tgid = parent.tgid
        child.group_leader = parent.group_leader
        child.thread_group = parent.group_leader.thread_group
        child.thread_group.append(child)
        child.signal.nr_threads += 1
        child.exit_signal = -1
        child.real_parent = parent.group_leader.real_parent
    else:
        child.exit_signal = flags & A.CSIGNAL
        child.real_parent = parent.group_leader.real_parent if flags & A.CLONE_PARENT else parent.group_leader
        if flags & A.CLONE_PARENT:
            child.exit_signal = parent.group_leader.exit_signal
    child.parent = child.real_parent
    if child.real_parent is not None and not flags & A.CLONE_THREAD:
        child.real_parent.children.append(child)     # threads are not children: wait sees the group
    if not flags & A.CLONE_THREAD:
        attach_child_reaper(pid_ns, child)        # pid 1 of a new namespace is its init
    child.state = TASK_RUNNING
    k.add_task(child)
    return child


def kernel_clone(t: Task, flags: int, stack: int, ptid: int, ctid: int, tls: int,
                 pidfd_at: int = 0) -> Generator[None, None, int]:
    """Linux's kernel_clone: copy_process, then the tid writes the flags ask for (and the
    CLONE_PIDFD descriptor at ``pidfd_at``), then (CLONE_VFORK, wait_for_vfork_done) wait for
    the child to exec or exit; returns the child's pid."""
    k = t.kernel
    cpu = k.cpu
    regs = cpu.regs()
    if flags & A.CLONE_PIDFD and flags & A.CLONE_THREAD:
        raise KernelError(E.EINVAL)
    child = copy_process(t, flags, stack, tls, regs, cpu.save_context())
    mm = t.mm
    assert mm is not None and t.files is not None      # copy_process needed both
    if flags & A.CLONE_PIDFD:
        put_i32(mm, pidfd_at, t.files.install_new(PidFdFile(child, 0), True))
    nr = child.thread_pid.nr_ns(task_active_pid_ns(t))     # pid_vnr: the parent's view
    if flags & A.CLONE_PARENT_SETTID:
        put_i32(mm, ptid, nr)
    if flags & A.CLONE_CHILD_SETTID:
        child.set_child_tid = ctid
        assert child.mm is not None
        put_i32(child.mm, ctid, task_pid_vnr(child))     # schedule_tail: the child's own
    if flags & A.CLONE_CHILD_CLEARTID:
        child.clear_child_tid = ctid
    if flags & A.CLONE_VFORK:
        wq = WaitQueue()
        child.vfork_done = wq
        child.in_vfork = True
    traced = ptrace_init_child(t, child, flags)
    if traced:
        yield from report_events(t)                  # PTRACE_EVENT_FORK/VFORK/CLONE
    if flags & A.CLONE_VFORK:
        yield from wait_event(t, wq, lambda: child.vfork_done is None or fatal_signal_pending(t),
                              interruptible=False)   # killable, as Linux's wait_for_vfork_done
        if traced and ptrace_event_pending(t, PTRACE_EVENT_VFORK_DONE, nr):
            yield from report_events(t)
    return nr


def ptrace_init_child(t: Task, child: Task, flags: int) -> bool:
    """A traced parent's new child is traced too when the tracer asked for the event
    (PTRACE_O_TRACEFORK, TRACEVFORK, TRACECLONE; never with CLONE_UNTRACED): it starts with
    a SIGSTOP (or, seized, a PTRACE_EVENT_STOP), and the parent's event stop is queued
    (Linux's ptrace_init_task and ptrace_event_pid in kernel_clone)."""
    st = t.ptrace_state
    if st is None or t.tracer is None or flags & A.CLONE_UNTRACED:
        return False
    if flags & A.CLONE_VFORK:
        event = PTRACE_EVENT_VFORK
    elif flags & A.CSIGNAL != A.SIGCHLD:
        event = PTRACE_EVENT_CLONE
    else:
        event = PTRACE_EVENT_FORK
    if not st.options & event_option(event):
        return False
    ptrace_link(child, t.tracer, st.seized, st.options)
    cst = child.ptrace_state
    assert cst is not None
    if st.seized:
        cst.interrupt = True
    else:
        send_signal(child, SigInfo(A.SIGSTOP, A.SI_USER), group=False)
    return ptrace_event_pending(t, event, child.pid)
