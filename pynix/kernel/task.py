"""The task: one schedulable thread of execution (Linux's task_struct; Bach's proc table entry
plus u area).

Processes, threads and kernel threads are all ``Task``. What a task shares with others is held
in separate objects that clone flags decide to share or copy (kernel/fork.py):
``mm`` (MM, CLONE_VM), ``files`` (FdTable, CLONE_FILES), ``fs`` (FsStruct: root, cwd, umask;
CLONE_FS), ``sighand`` (SigHand: the actions; CLONE_SIGHAND), ``signal`` (SignalStruct: the
thread group's shared pending set, rlimits, process group and session; CLONE_THREAD).

Owns: the per-task fields below. Lifecycle: kernel/fork.py creates, kernel/exec.py replaces the
image, kernel/exit.py ends; kernel/sigqueue.py posts signals, kernel/signal.py delivers them.
``signal_pending(task)`` (also ``task.signal_pending()``, for base/wait.py) is here too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64.sched import PF_KTHREAD
from pynix.base.deadline import DLEntity
from pynix.base.runqueue import TASK_RUNNING
from pynix.base.taskio import TaskIoAccounting
from pynix.base.timer import monotonic_ns
from pynix.base.wait import WaitQueue
from pynix.kernel.cputime import task_cputime
from pynix.kernel.cred import Cred
from pynix.kernel.pid import Pid, PidNamespace, init_pid

if TYPE_CHECKING:
    from pynix.fs.vfs.dcache import MountTable, Path
    from pynix.fs.vfs.file import FdTable
    from pynix.mm.mm import MM


class FsStruct:
    """root, cwd and umask (fs_struct); the namespace's mount table and the task's cred are
    reached from here so namei needs one argument."""

    def __init__(self, root: Path, cwd: Path, mounts: MountTable, cred: Cred, umask: int = 0o022) -> None:
        self.root = root
        self.cwd = cwd
        self.mounts = mounts
        self.cred = cred
        self.umask = umask
        self.users = 1

    def copy(self, cred: Cred) -> FsStruct:
        return FsStruct(self.root, self.cwd, self.mounts, cred, self.umask)


@dataclass
class SigAction:
    handler: int = A.SIG_DFL
    flags: int = 0
    restorer: int = 0
    mask: int = 0


class SigHand:
    def __init__(self) -> None:
        self.action = [SigAction() for _ in range(A.NSIG)]
        self.users = 1

    def copy(self) -> SigHand:
        s = SigHand()
        s.action = [SigAction(a.handler, a.flags, a.restorer, a.mask) for a in self.action]
        return s


@dataclass
class SigInfo:
    signo: int
    code: int = A.SI_USER
    pid: int = 0
    uid: int = 0
    status: int = 0
    addr: int = 0
    value: int = 0
    errno: int = 0
    utime: int = 0
    stime: int = 0
    fd: int | None = None       # SIGIO's si_fd (with si_band): the _sigpoll member
    band: int = 0
    from_user: bool = False     # a sigqueue caller's own siginfo: ``pid`` is theirs, untouched
    syscall: int = 0                # SIGSYS from seccomp: the syscall and its audit arch
    arch: int = 0


@dataclass
class PtraceState:
    """What ptrace keeps of a traced task (kernel/ptrace.py): the tracer's options, the stop
    being reported (``code``: the wait status's high byte and event, ``reported`` once a
    wait collected it), the siginfo of a signal-delivery-stop, the event message, how the
    tracer resumed it (``resume``: 'cont', 'syscall', 'sysemu', 'step') with the signal to
    deliver, events waiting to stop at syscall exit, and u_debugreg."""
    options: int = 0
    seized: bool = False
    code: int = 0
    reported: bool = True
    why: str = ""
    last_siginfo: Any = None
    message: int = 0
    resume: str = "cont"
    inject: SigInfo | None = None
    events: list = field(default_factory=list)
    interrupt: bool = False
    listening: bool = False
    debugreg: list = field(default_factory=lambda: [0] * 8)


class SignalStruct:
    """Per thread group: shared pending signals, group exit, rlimits, job-control ids."""

    def __init__(self) -> None:
        self.shared_pending: list[SigInfo] = []
        self.group_exit = False
        self.group_exit_code = 0
        self.nr_threads = 1
        self.rlim: list[list[int]] = default_rlimits()
        self.pgrp = 0
        self.session = 0
        self.tty: Any = None
        self.itimer_real: Any = None       # interval timers (kernel/itimer.py)
        self.cpu_itimers: dict[int, list[int]] = {}   # kernel/posix_cpu_timers.py
        self.cpu_timers: list[Any] = []    # POSIX timers on the group's CPU clocks
        self.cpu_expires: list[int] | None = None
        self.posix_timers: dict[int, Any] = {}   # timer_create's timers (kernel/posix_timers.py)
        self.cutime = self.cstime = 0      # reaped children's times (ns)
        self.ioac = TaskIoAccounting()     # dead threads' and reaped children's I/O counts
        self.oom_score_adj = self.oom_score_adj_min = 0     # mm/oom_kill.py; fork copies
        self.utime = self.stime = 0        # exited threads' times (ns): thread_group_cputime
        self.stop_state: Any = 0           # job control (kernel/jobctl.py)
        self.wait_chldexit = WaitQueue()   # wait4 sleeps here; bumped with wait_seq
        self.unkillable = False            # SIGNAL_UNKILLABLE: a pid namespace's init
        self.zap_autoreap = False          # that init is dying: its children are autoreaped
        self.zap_pending = False           # ... and its own exit is not reported yet
        self.is_child_subreaper = False    # PR_SET_CHILD_SUBREAPER
        self.has_child_subreaper = False   # an ancestor is one (copy_signal inherits)
        self.wait_seq = 0


def signal_pending(t: Task) -> bool:
    """An unblocked signal waits for ``t``, its group is exiting, or its tracer interrupts
    it (PTRACE_INTERRUPT's JOBCTL_TRAP_STOP) (Linux's signal_pending;
    here, with the task, because base/wait.py asks it of any task: ``task.signal_pending()``)."""
    blocked = t.blocked
    for i in t.pending:
        if not blocked & 1 << (i.signo - 1):
            return True
    for i in t.signal.shared_pending:
        if not blocked & 1 << (i.signo - 1):
            return True
    st = t.ptrace_state
    return t.signal.group_exit or (st is not None and st.interrupt)


def wake_up_parent(parent: Task) -> None:
    """Wake the waiters of ``parent``'s wait4/waitid (Linux's __wake_up_parent)."""
    sig = parent.signal
    sig.wait_seq += 1
    sig.wait_chldexit.wake_up()


def default_rlimits() -> list[list[int]]:
    inf = A.RLIM_INFINITY
    r = [[inf, inf] for _ in range(A.RLIM_NLIMITS)]
    r[A.RLIMIT_STACK] = [8 << 20, inf]
    r[A.RLIMIT_CORE] = [0, inf]
    r[A.RLIMIT_NOFILE] = [1024, 4096]
    r[A.RLIMIT_NPROC] = [63000, 63000]
    r[A.RLIMIT_MEMLOCK] = [8 << 20, 8 << 20]
    r[13] = [0, 0]            # RLIMIT_NICE
    r[14] = [0, 0]            # RLIMIT_RTPRIO
    r[11] = [63000, 63000]    # RLIMIT_SIGPENDING
    r[12] = [819200, 819200]  # RLIMIT_MSGQUEUE
    return r


class Task:
    def __init__(self, kernel: Any, pid: int, comm: bytes = b"") -> None:
        self.kernel = kernel
        self.pid = pid                  # the numbers in the initial pid namespace; what
        self.tgid = pid                 # user space sees is kernel/pid.py's task_*_vnr
        self.thread_pid: Pid = init_pid(kernel, pid)    # struct pid: a number per level
        self.thread_pid.task = self
        self.pid_ns_for_children: PidNamespace | None = None    # unshare(CLONE_NEWPID)
        self.comm = comm[:15]
        self.state = TASK_RUNNING
        self.flags = 0
        self.on_rq = False
        self.exit_code = 0              # wait status once a zombie
        self.exit_signal = A.SIGCHLD
        self.parent: Task | None = None
        self.real_parent: Task | None = None
        self.children: list[Task] = []
        self.group_leader: Task = self
        self.thread_group: list[Task] = [self]
        self.mm: MM | None = None
        self.files: FdTable | None = None
        self.fs: FsStruct | None = None
        self.sighand: SigHand | None = None
        self.signal: SignalStruct = SignalStruct()
        self.cred = Cred()
        self.ipc_ns: Any = getattr(kernel, "init_ipc_ns", None)   # ipc/util.IpcNamespace
        self.uts_ns: Any = getattr(kernel, "init_uts_ns", None)   # kernel/nsproxy.UtsNamespace
        self.sysvsem: Any = None        # ipc/sem.SemUndoList (SEM_UNDO), shared by CLONE_SYSVSEM
        # signals (kernel/signal.py)
        self.blocked = 0
        self.real_blocked = 0           # sigtimedwait's own mask while it waits (sig_ignored)
        self.pending: list[SigInfo] = []
        self.saved_sigmask: int | None = None
        self.sas_ss_sp = 0
        self.sas_ss_size = 0
        self.sas_ss_flags = A.SS_DISABLE
        # CPU state (machine/cpu.py): saved context and register writes to apply on resume
        self.ctx: Any = None
        self.reg_patch: list[int] | None = None    # all GPRs (cpu.REG_NAMES order)
        self.tls_patch: int | None = None          # FS base to load on resume
        self.fresh_cpu = False                     # exec: reset FPU/SSE before the patches
        self.kstack: Generator[None, None, int] | None = None     # a blocked syscall
        self.syscall_nr = -1
        self.kstack_traced = False                 # kstack is a traced syscall (dispatch.py)
        self.kstack_args: tuple[int, ...] | None = None
        self.restart: int | None = None               # ERESTART* of an interrupted syscall
        self.restart_block: Any = None
        # thread bookkeeping (issue: threads)
        self.set_child_tid = 0
        self.clear_child_tid = 0
        self.robust_list = 0
        self.vfork_done: Any = None      # WaitQueue the vfork parent sleeps on
        self.in_vfork = False
        # accounting
        self.start_time = monotonic_ns()
        self.sum_exec_runtime = 0                     # kernel/cputime.py
        self.user_ns = self.hook_ns = 0
        self.prev_cputime = (0, 0)
        self.cpu_timers: list[Any] = []               # kernel/posix_cpu_timers.py
        self.cpu_expires: list[int] | None = None
        self.nvcsw = 0
        self.nivcsw = 0
        self.min_flt = 0
        self.ioac = TaskIoAccounting()                # /proc/pid/io (base/taskio.py)
        self.exec_path = b""
        self.personality = 0
        self.nice = 0
        self.ioprio = 0                  # IOPRIO_CLASS_NONE, data 0: "none: prio 0"
        self.policy = A.SCHED_NORMAL                  # sched_setscheduler (base/runqueue.py)
        self.rt_priority = 0                          # 1-99 for SCHED_FIFO / SCHED_RR
        self.sched_reset_on_fork = False
        self.dl: DLEntity | None = None               # SCHED_DEADLINE's server (base/deadline.py)
        self.pdeath_signal = 0
        # ptrace (kernel/ptrace.py): the tracer, the tracees, and the tracee's state
        self.tracer: Task | None = None
        self.ptraced: list[Task] = []
        self.ptrace_state: PtraceState | None = None
        self.no_new_privs = 0
        self.seccomp_mode = 0                         # kernel/seccomp.py: SECCOMP_MODE_*
        self.seccomp_filter: Any = None               # ... its newest SeccompFilter
        self.dumpable = 1
        self.timer_slack_ns = A.DEFAULT_TIMER_SLACK_NS          # PR_SET_TIMERSLACK
        self.default_timer_slack_ns = A.DEFAULT_TIMER_SLACK_NS  # what 0 resets it to

    def set_timer_slack(self, ns: int) -> None:
        """PR_SET_TIMERSLACK and /proc/pid/timerslack_ns: 0 restores the default, the
        slack the task was forked with."""
        self.timer_slack_ns = ns if ns > 0 else self.default_timer_slack_ns

    # -- identity ---------------------------------------------------------------------------
    @property
    def is_group_leader(self) -> bool:
        return self.group_leader is self

    @property
    def pgrp_id(self) -> int:
        return self.signal.pgrp

    @property
    def utime(self) -> int:
        """User time (ns), kernel/cputime.py."""
        return task_cputime(self)[0]

    @property
    def stime(self) -> int:
        """System time (ns)."""
        return task_cputime(self)[1]

    @property
    def is_kthread(self) -> bool:
        return bool(self.flags & PF_KTHREAD)

    def signal_wait_queue(self) -> WaitQueue:
        return self.signal.wait_chldexit

    def signal_wait_seq(self) -> int:
        return self.signal.wait_seq

    def signal_pending(self) -> bool:
        return signal_pending(self)

    def rlimit(self, res: int) -> int:
        return self.signal.rlim[res][0]

    def __repr__(self) -> str:
        return f"<Task {self.pid} {self.comm.decode(errors='replace')} {self.state}>"
