"""Program execution: do_execve (Bach ch. 7.5 exec; Linux fs/exec.c and binfmt_script).

``do_execve(task, path, argv, envp, base)``:
1. namei the file; it must be a regular file we may execute on an exec-permitting mount
   (EACCES), and start with an ELF header (else ENOEXEC) or ``#!`` (the script handler
   rewrites argv as interpreter [arg] path args... and starts again, at most 4 levels).
2. Past the point of no return (flush_old_exec): other threads die (de_thread, the caller takes
   the leader's pid), the old address space goes (and a vfork parent wakes), close-on-exec
   descriptors close, caught signals reset to SIG_DFL, the alternate stack is forgotten.
3. Map the program (and its PT_INTERP, when it has one) and build the stack; the task resumes
   at the entry point with a clean register file.
"""
from __future__ import annotations

import os

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.sched import PF_FORKNOEXEC
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD
from pynix.fs.vfs.dcache import MS_NOEXEC, Path, d_path
from pynix.fs.vfs.file import InodeFile
from pynix.fs.vfs.namei import MAY_EXEC, namei, permission
from pynix.kernel.exit import complete_vfork_done, do_exit, exit_mm
from pynix.kernel.futex_exit import futex_exit_release
from pynix.kernel.posix_timers import exit_itimers
from pynix.kernel.task import Task
from pynix.loader.elf import (
    ET_DYN,
    ElfImage,
    build_stack,
    map_elf,
    parse_elf,
    setup_stack_vma,
)
from pynix.machine.cpu import REG_NAMES
from pynix.mm.filemap import AddressSpace
from pynix.mm.mm import ELF_ET_DYN_BASE, MM

BINPRM_BUF = 256
MAX_ARG_STRLEN = 131072          # one string, its NUL included
ARG_MAX = 32 * 4096              # the least room arguments get, whatever the stack limit
STK_LIM = 8 << 20


def arg_limit(t: Task) -> int:
    """Bytes argv and envp may take, strings and pointers (bprm_stack_limits): a quarter of
    the stack limit, at most three quarters of 8 MiB, at least ARG_MAX."""
    return max(min(STK_LIM // 4 * 3, t.rlimit(A.RLIMIT_STACK) // 4), ARG_MAX)
INTERP_BASE = 0x7FFF_F7FC_0000 - 0x1000000


def open_exec(t: Task, path: bytes, base: Path | None = None) -> Path:
    assert t.fs is not None
    p = namei(t.fs, path, base)
    inode = p.inode
    if not inode.is_reg():
        raise KernelError(E.EACCES)
    if p.mnt.flags & MS_NOEXEC:
        raise KernelError(E.EACCES)
    permission(t.fs.cred, inode, MAY_EXEC)
    return p


def mapping_of(t: Task, inode: object) -> AddressSpace:
    """The inode's page cache, created on first use."""
    m = getattr(inode, "mapping", None)
    if m is None:
        m = AddressSpace(t.kernel.phys, inode)
        inode.mapping = m  # type: ignore[attr-defined]
    return m


def _script(head: bytes, path: bytes, argv: list[bytes]) -> tuple[bytes, list[bytes]]:
    line = head[2:].split(b"\n", 1)[0].strip(b" \t")
    if not line:
        raise KernelError(E.ENOEXEC)
    parts = line.split(None, 1)
    interp = parts[0]
    new = [interp] + ([parts[1].strip()] if len(parts) > 1 else []) + [path] + argv[1:]
    return interp, new


def do_execve(t: Task, path: bytes, argv: list[bytes], envp: list[bytes],
              base: Path | None = None) -> None:
    room = arg_limit(t) - 8 * (max(len(argv), 1) + len(envp))
    if room <= 0 or sum(len(a) + 1 for a in argv) + sum(len(e) + 1 for e in envp) > room or \
            any(len(a) >= MAX_ARG_STRLEN for a in argv + envp):
        raise KernelError(E.E2BIG)
    filename = path
    for _depth in range(5):
        p = open_exec(t, path, base)
        head = p.inode.read(0, BINPRM_BUF)
        if head[:2] == b"#!":
            path, argv = _script(head, path, argv)
            base = None
            continue
        break
    else:
        raise KernelError(E.ELOOP)
    img = parse_elf(head, p.inode.read)
    interp_p: Path | None = None
    interp_img: ElfImage | None = None
    if img.interp is not None:
        interp_p = open_exec(t, img.interp)
        interp_img = parse_elf(interp_p.inode.read(0, BINPRM_BUF), interp_p.inode.read)
    # ---- point of no return ----
    flush_old_exec(t)
    k = t.kernel
    mm = MM(k.phys)
    t.mm = mm
    bias = ELF_ET_DYN_BASE if img.etype == ET_DYN else 0
    assert t.fs is not None
    exe_name = d_path(p, t.fs.root).decode(errors="replace")
    exe_file = InodeFile(A.O_RDONLY, p, p.inode)       # vm_file of the program's areas
    end = map_elf(mm, img, mapping_of(t, p.inode), bias, exe_name, exe_file)
    exe_file.put()
    mm.start_brk = mm.brk = (end + 0xFFF) & ~0xFFF
    mm.exe = p
    entry = img.entry + bias
    at_base = 0
    if interp_img is not None and interp_p is not None:
        at_base = INTERP_BASE if interp_img.etype == ET_DYN else 0
        interp_file = InodeFile(A.O_RDONLY, interp_p, interp_p.inode)
        map_elf(mm, interp_img, mapping_of(t, interp_p.inode), at_base,
                d_path(interp_p, t.fs.root).decode(errors="replace"), interp_file)
        interp_file.put()
        entry = interp_img.entry + at_base
    setup_stack_vma(mm)
    cred = t.cred
    auxv = [(A.AT_SYSINFO_EHDR, 0), (A.AT_MINSIGSTKSZ, 2048), (A.AT_HWCAP, 0x178BFBFF),
            (A.AT_PAGESZ, 4096), (A.AT_CLKTCK, A.USER_HZ),
            (A.AT_PHDR, img.phdr_vaddr() + bias), (A.AT_PHENT, img.phentsize),
            (A.AT_PHNUM, img.phnum), (A.AT_BASE, at_base), (A.AT_FLAGS, 0),
            (A.AT_ENTRY, img.entry + bias), (A.AT_UID, cred.uid), (A.AT_EUID, cred.euid),
            (A.AT_GID, cred.gid), (A.AT_EGID, cred.egid), (A.AT_SECURE, 0),
            (A.AT_RANDOM, 0), (A.AT_HWCAP2, 2), (A.AT_EXECFN, 0), (A.AT_PLATFORM, 0)]
    auxv = [(key, v) for key, v in auxv if key != A.AT_SYSINFO_EHDR]
    sp = build_stack(mm, argv, envp, auxv, filename, os.urandom(16))
    t.comm = os.path.basename(filename)[:15]
    t.exec_path = filename
    t.flags &= ~PF_FORKNOEXEC
    regs = [0] * len(REG_NAMES)
    regs[REG_NAMES.index("rsp")] = sp
    regs[REG_NAMES.index("rip")] = entry
    regs[REG_NAMES.index("eflags")] = 0x202
    t.reg_patch = regs
    t.tls_patch = 0
    t.fresh_cpu = True               # resume with a clean FPU/SSE state
    t.sigframe_fpu.clear()
    if k.current is t:
        k.cpu.stop()                 # leave the old image's user mode now


def flush_old_exec(t: Task) -> None:
    """Everything of the old program that must not survive exec."""
    de_thread(t)
    exit_itimers(t)                       # POSIX timers do not survive exec
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
    k = t.kernel
    leader = t.group_leader
    for th in [th for th in leader.thread_group if th is not t]:
        do_exit(th, A.SIGKILL)
    if leader is not t:
        old_pid = t.pid
        exchange_leader(t, leader)
        k.pids.free(old_pid)


def exchange_leader(t: Task, leader: Task) -> None:
    """exec from a non-leader thread: ``t`` takes the exited leader's place and pid; the
    leader, a zombie nobody is told about, is forgotten (the end of Linux's de_thread:
    exchange_tids, transfer_pid, release_task of the old leader)."""
    k = t.kernel
    del k.tasks[t.pid]
    k.tasks[leader.pid] = t
    t.pid = leader.pid
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
