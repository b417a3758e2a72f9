"""Program execution: do_execve (Bach ch. 7.5 exec; Linux fs/exec.c and binfmt_script).

``do_execve(task, path, argv, envp, base)``:
1. open_exec the file (loader/elf.py): it must be a regular file we may execute on an
   exec-permitting mount (EACCES), and start with an ELF header (else ENOEXEC) or ``#!`` (the
   script handler, ``load_script``, rewrites argv as interpreter [arg] path args... and starts
   again, at most 4 levels).
2. The ELF handler (loader/elf.load_elf_binary) checks the program and its interpreter, then
   calls back ``begin_new_exec``, the point of no return (``flush_old_exec``): other threads
   die (de_thread, the caller takes the leader's pid), the old address space goes (and a vfork
   parent wakes), close-on-exec descriptors close, caught signals reset to SIG_DFL, the
   alternate stack is forgotten; the new mm is installed.
3. The handler maps the program (and its PT_INTERP) and builds the stack; ``start_thread``
   resumes the task at the entry point with a clean register file.
"""
from __future__ import annotations

import os

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.ptrace import PTRACE_EVENT_EXEC
from pynix.arch.x86_64.sched import PF_FORKNOEXEC
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD
from pynix.fs.vfs.dcache import Path
from pynix.kernel.pid import free_pid
from pynix.kernel.commoncap import cap_bprm_creds_from_file
from pynix.kernel.exit import complete_vfork_done, do_exit, exit_mm
from pynix.kernel.futex_exit import futex_exit_release
from pynix.kernel.posix_timers import exit_itimers
from pynix.kernel.ptrace import ptrace_event_pending
from pynix.kernel.task import Task
from pynix.loader.elf import BINPRM_BUF, Binprm, load_elf_binary, open_exec
from pynix.machine.cpu import REG_NAMES
from pynix.mm.mm import MM
from pynix.security.keys.process_keys import exec_keys

MAX_ARG_STRLEN = 131072          # one string, its NUL included
ARG_MAX = 32 * 4096              # the least room arguments get, whatever the stack limit
STK_LIM = 8 << 20


def arg_limit(t: Task) -> int:
    """Bytes argv and envp may take, strings and pointers (bprm_stack_limits): a quarter of
    the stack limit, at most three quarters of 8 MiB, at least ARG_MAX."""
    return max(min(STK_LIM // 4 * 3, t.rlimit(A.RLIMIT_STACK) // 4), ARG_MAX)


def load_script(head: bytes, path: bytes, argv: list[bytes]) -> tuple[bytes, list[bytes]]:
    """A ``#!`` file (Linux's load_script, fs/binfmt_script.c): the interpreter to run
    instead, and the argv it gets (interpreter, its optional argument, the script, args...)."""
    line = head[2:].split(b"\n", 1)[0].strip(b" \t")
    if not line:
        raise KernelError(E.ENOEXEC)
    parts = line.split(None, 1)
    interp = parts[0]
    new = [interp] + ([parts[1].strip()] if len(parts) > 1 else []) + [path] + argv[1:]
    return interp, new


def do_execve(t: Task, path: bytes, argv: list[bytes], envp: list[bytes],
              base: Path | None = None, flags: int = 0, filename: bytes | None = None) -> None:
    """Replace the program of ``t`` (Linux's do_execveat_common, bprm_execve and
    search_binary_handler; Bach's exec). ``flags`` are execveat's: AT_EMPTY_PATH runs
    ``base`` itself, AT_SYMLINK_NOFOLLOW refuses a final symlink (ELOOP), others EINVAL;
    ``filename`` is AT_EXECFN when it is not ``path`` (/dev/fd/N for a descriptor)."""
    if flags & ~(A.AT_EMPTY_PATH | A.AT_SYMLINK_NOFOLLOW):
        raise KernelError(E.EINVAL)
    old_pid = t.pid                       # PTRACE_EVENT_EXEC's message: the tid before de_thread
    if not path and not flags & A.AT_EMPTY_PATH:
        raise KernelError(E.ENOENT)
    room = arg_limit(t) - 8 * (max(len(argv), 1) + len(envp))
    if room <= 0 or sum(len(a) + 1 for a in argv) + sum(len(e) + 1 for e in envp) > room or \
            any(len(a) >= MAX_ARG_STRLEN for a in argv + envp):
        raise KernelError(E.E2BIG)
    if not argv:
        argv = [b""]                  # an empty argv gets "" as argv[0] (Linux 5.18 and later)
    filename = filename if filename is not None else path
    follow = not flags & A.AT_SYMLINK_NOFOLLOW
    for _depth in range(5):
        p = open_exec(t, path, base, follow)
        follow = True
        head = p.inode.read(0, BINPRM_BUF)
        if head[:2] == b"#!":
            path, argv = load_script(head, path, argv)
            base = None
            continue
        break
    else:
        raise KernelError(E.ELOOP)
    bprm = Binprm(p, head, filename, argv, envp, MM(t.kernel.phys))
    entry, sp = load_elf_binary(t, bprm, lambda: begin_new_exec(t, bprm))
    t.comm = os.path.basename(filename)[:15]
    t.exec_path = filename
    t.flags &= ~PF_FORKNOEXEC
    start_thread(t, entry, sp)
    ptrace_event_pending(t, PTRACE_EVENT_EXEC, old_pid)     # or the legacy exec SIGTRAP


def begin_new_exec(t: Task, bprm: Binprm) -> None:
    """The point of no return (Linux's begin_new_exec): the old program goes, the new
    address space ``bprm.mm`` becomes the task's (exec_mmap) and the credentials get the
    capability sets of the new program (bprm_creds_from_file, commit_creds)."""
    flush_old_exec(t)
    t.mm = bprm.mm
    bprm.secureexec = cap_bprm_creds_from_file(t.cred, bool(t.no_new_privs))


def start_thread(t: Task, entry: int, sp: int) -> None:
    """Resume ``t`` in user mode at ``entry`` with stack ``sp`` and an otherwise clean register
    file and FPU (Linux's start_thread)."""
    regs = [0] * len(REG_NAMES)
    regs[REG_NAMES.index("rsp")] = sp
    regs[REG_NAMES.index("rip")] = entry
    regs[REG_NAMES.index("eflags")] = 0x202
    t.reg_patch = regs
    t.tls_patch = 0
    t.fresh_cpu = True               # resume with a clean FPU/SSE state
    k = t.kernel
    if k.current is t:
        k.cpu.stop()                 # leave the old image's user mode now


def flush_old_exec(t: Task) -> None:
    """Everything of the old program that must not survive exec."""
    de_thread(t)
    exit_itimers(t)                       # POSIX timers do not survive exec
    exec_keys(t.kernel.keys, t.cred)      # nor the thread and process keyrings
    futex_exit_release(t)                      # robust list, clear_child_tid (exec_mm_release)
    complete_vfork_done(t)
    exit_mm(t)
    assert t.files is not None and t.sighand is not None
    if t.files.users > 1:                      # unshare_files: exec gets a private table
        t.files.users -= 1
        t.files = t.files.copy()
    t.files.close_on_exec()
    if t.sighand.users > 1:
        t.sighand.users -= 1
        t.sighand = t.sighand.copy()
    for act in t.sighand.action:
        if act.handler not in (A.SIG_DFL, A.SIG_IGN):
            act.handler = A.SIG_DFL
            act.flags = 0
            act.mask = 0
    t.sas_ss_sp, t.sas_ss_size, t.sas_ss_flags = 0, 0, A.SS_DISABLE
    # SysV: exit_mm already detached the shm areas (shm_close); semaphore adjustments
    # survive exec, as in Linux.


def de_thread(t: Task) -> None:
    """Kill the other threads; a non-leader caller takes over the leader's pid (Linux's
    de_thread: the old leader exits without telling the parent, its pid moves to ``t``)."""
    if not t.thread_group[1:] and t.is_group_leader:
        return
    leader = t.group_leader
    for th in [th for th in leader.thread_group if th is not t]:
        do_exit(th, A.SIGKILL)
    if leader is not t:
        old_pid = t.thread_pid
        exchange_leader(t, leader)
        free_pid(old_pid)


def exchange_leader(t: Task, leader: Task) -> None:
    """exec from a non-leader thread: ``t`` takes the exited leader's place and pid; the
    leader, a zombie nobody is told about, is forgotten (the end of Linux's de_thread:
    exchange_tids, transfer_pid, release_task of the old leader)."""
    k = t.kernel
    del k.tasks[t.pid]
    k.tasks[leader.pid] = t
    t.pid = leader.pid
    t.thread_pid = leader.thread_pid              # transfer_pid: the leader's struct pid
    t.thread_pid.task = t
    t.group_leader = t
    t.thread_group = [t]
    t.start_time = leader.start_time
    t.real_parent = t.parent = leader.real_parent
    t.exit_signal = leader.exit_signal
    if t.real_parent is not None:
        ch = t.real_parent.children
        ch[ch.index(leader)] = t
    t.children += leader.children
    for c in t.children:
        c.real_parent = c.parent = t
    leader.children = []
    leader.state = TASK_DEAD
    leader.real_parent = leader.parent = None
    leader.ctx = None
    if k.loaded is leader:
        k.loaded = None
    t.signal.nr_threads = 1
