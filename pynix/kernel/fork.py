"""Process creation: copy_process, driven by clone flags (Bach ch. 7.1 fork; Linux
kernel/fork.c _do_fork / kernel_clone).

``copy_process(parent, flags, stack, tls, regs)`` builds the child Task: a new pid, then for
each resource either a share (CLONE_VM, CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_THREAD) or a
copy (dup_mmap with copy-on-write, FdTable.copy, FsStruct.copy, SigHand.copy). The child's
registers are the parent's at the syscall with rax = 0 (and rsp = ``stack`` when given).
fork, vfork and clone are thin wrappers in syscalls/sys_process.py.

Checks as Linux's copy_process: CLONE_SIGHAND needs CLONE_VM, CLONE_THREAD needs
CLONE_SIGHAND, CLONE_FS with CLONE_NEWNS or CLONE_NEWUSER, CLONE_THREAD with CLONE_NEWUSER or
CLONE_NEWPID, CLONE_PIDFD with CLONE_DETACHED are invalid -> EINVAL; so are the namespaces
not implemented yet (all but CLONE_NEWUTS and CLONE_NEWIPC). A thread (CLONE_THREAD)
joins the caller's group and is not on the parent's children list.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.sched import PF_FORKNOEXEC
from pynix.arch.x86_64.thread import CLONE_CLEAR_SIGHAND
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_RUNNING
from pynix.ipc.sem import copy_semundo
from pynix.ipc.util import copy_ipcs
from pynix.kernel.nsproxy import NOT_IMPLEMENTED_NS, copy_utsname
from pynix.kernel.task import Task
from pynix.mm.mm import MM

RIP = 16
RAX = 0
RSP = 7




def check_clone_flags(flags: int) -> None:
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


def copy_process(parent: Task, flags: int, stack: int, tls: int, regs: list[int],
                 ctx: object) -> Task:
    """A new task. ``regs`` are the parent's registers at the syscall instruction; ``ctx`` its
    saved CPU context (FPU/SSE, segment bases)."""
    check_clone_flags(flags)
    ipc_ns = copy_ipcs(parent, flags)
    uts_ns = copy_utsname(parent, flags)
    k = parent.kernel
    if parent.signal.nr_threads + len(k.tasks) > parent.rlimit(A.RLIMIT_NPROC) and parent.cred.uid:
        raise KernelError(E.EAGAIN)
    pid = k.pids.alloc()
    k.total_forks += 1                    # /proc/stat "processes"
    child = Task(k, pid, parent.comm)
    child.flags = PF_FORKNOEXEC
    child.cred = parent.cred.copy()
    child.exec_path = parent.exec_path
    child.personality = parent.personality
    child.nice = parent.nice                      # sched_fork: the parent's priority
    child.policy, child.rt_priority = parent.policy, parent.rt_priority   # ... and policy;
    if parent.sched_reset_on_fork:                # SCHED_RESET_ON_FORK: no real-time, no boost
        if parent.policy in (A.SCHED_FIFO, A.SCHED_RR):
            child.policy, child.rt_priority = A.SCHED_OTHER, 0
        child.nice = max(child.nice, 0)
    child.ioprio = parent.ioprio                  # copy_io
    child.no_new_privs = parent.no_new_privs      # an atomic task flag, kept by dup_task_struct
    # -- memory (copy_mm) --
    assert parent.mm is not None
    if flags & A.CLONE_VM:
        child.mm = parent.mm
        parent.mm.users += 1
    else:
        child.mm = MM(parent.mm.phys)
        parent.mm.dup_mmap(child.mm)
    # -- files, fs, signal handlers (copy_files, copy_fs, copy_sighand) --
    assert parent.files is not None and parent.fs is not None and parent.sighand is not None
    if flags & A.CLONE_FILES:
        child.files = parent.files
        parent.files.users += 1
    else:
        child.files = parent.files.copy()
    if flags & A.CLONE_FS:
        child.fs = parent.fs
        parent.fs.users += 1
    else:
        child.fs = parent.fs.copy(child.cred)
    if flags & A.CLONE_SIGHAND:
        child.sighand = parent.sighand
        parent.sighand.users += 1
    else:
        child.sighand = parent.sighand.copy()
        if flags & CLONE_CLEAR_SIGHAND:              # clone3: caught signals back to SIG_DFL
            for act in child.sighand.action:
                if act.handler != A.SIG_IGN:
                    act.handler, act.flags, act.restorer, act.mask = A.SIG_DFL, 0, 0, 0
    # -- System V IPC (copy_namespaces, copy_semundo) --
    child.ipc_ns = ipc_ns
    child.uts_ns = uts_ns
    copy_semundo(parent, child, bool(flags & A.CLONE_SYSVSEM))
    # -- thread group and parentage (copy_signal) --
    if flags & A.CLONE_THREAD:
        child.tgid = parent.tgid
        child.group_leader = parent.group_leader
        child.signal = parent.signal
        child.thread_group = parent.group_leader.thread_group
        child.thread_group.append(child)
        child.signal.nr_threads += 1
        child.exit_signal = -1
        child.real_parent = parent.group_leader.real_parent
    else:
        child.signal.rlim = [list(r) for r in parent.signal.rlim]
        child.signal.pgrp = parent.signal.pgrp
        child.signal.session = parent.signal.session
        child.signal.tty = parent.signal.tty
        child.exit_signal = flags & A.CSIGNAL
        child.real_parent = parent.group_leader.real_parent if flags & A.CLONE_PARENT else parent.group_leader
        if flags & A.CLONE_PARENT:
            child.exit_signal = parent.group_leader.exit_signal
    child.parent = child.real_parent
    if child.real_parent is not None and not flags & A.CLONE_THREAD:
        child.real_parent.children.append(child)     # threads are not children: wait sees the group
    child.blocked = parent.blocked
    child.sas_ss_sp, child.sas_ss_size, child.sas_ss_flags = (
        (0, 0, A.SS_DISABLE) if flags & A.CLONE_VM and not flags & A.CLONE_VFORK
        else (parent.sas_ss_sp, parent.sas_ss_size, parent.sas_ss_flags))
    # -- CPU state (copy_thread) --
    child.ctx = ctx
    r = list(regs)
    r[RAX] = 0
    r[RIP] = regs[RIP] + 2                 # past the syscall instruction
    if stack:
        r[RSP] = stack
    child.reg_patch = r
    if flags & A.CLONE_SETTLS:
        child.tls_patch = tls
    child.state = TASK_RUNNING
    k.add_task(child)
    return child
