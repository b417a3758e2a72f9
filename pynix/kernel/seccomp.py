"""Secure computing: syscall filtering (Linux's kernel/seccomp.c).

A task in SECCOMP_MODE_STRICT may only read, write, exit and rt_sigreturn; any other call
kills it with SIGKILL. In SECCOMP_MODE_FILTER every syscall first runs the task's stack of
classic BPF filters (net/filter.py) over a ``struct seccomp_data`` (nr, arch, ip, args);
the most restrictive answer wins (the lowest action, compared as signed 32-bit):
KILL_PROCESS, KILL_THREAD, TRAP (SIGSYS with si_syscall/si_call_addr/si_arch, errno =
the data), ERRNO (-data), USER_NOTIF and TRACE (-ENOSYS: no listener, no tracer), LOG and
ALLOW (the call runs).

Provides:
- ``secure_computing(t, nr, args, ip)``: the syscall-entry hook (syscalls/dispatch.py calls
  it for a task whose ``seccomp_mode`` is set). None lets the call run; an int skips it and
  is the value rax gets.
- ``do_seccomp(t, op, flags, uargs)``: seccomp(2); ``prctl_get_seccomp``/``prctl_set_seccomp``.
- ``copy_seccomp(parent, child)``: fork inherits mode and filters (exec keeps them).
- /proc/PID/status shows ``seccomp_mode`` and the head filter's ``count``.

Owns ``task.seccomp_mode`` and ``task.seccomp_filter``: a chain of immutable SeccompFilter
nodes (newest first) that forked children and TSYNC'd threads share.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import bpf as B
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import seccomp as S
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.arch.x86_64.sched import PF_EXITING
from pynix.base.errors import KernelError
from pynix.kernel.cred import capable
from pynix.kernel.exit import do_exit
from pynix.kernel.printk import printk
from pynix.kernel.sigqueue import force_sig_info
from pynix.kernel.task import SigInfo, Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, get_u32
from pynix.net.filter import Insn, bpf_check_classic, bpf_run, decode_prog

MAX_ERRNO = 4095
MAX_INSNS_PER_PATH = (1 << 18) // 8        # instructions over a task's whole filter chain
FILTER_FLAGS = (S.SECCOMP_FILTER_FLAG_TSYNC | S.SECCOMP_FILTER_FLAG_LOG |
                S.SECCOMP_FILTER_FLAG_SPEC_ALLOW | S.SECCOMP_FILTER_FLAG_TSYNC_ESRCH)
ACTIONS_AVAIL = frozenset({S.SECCOMP_RET_KILL_PROCESS, S.SECCOMP_RET_KILL_THREAD,
                           S.SECCOMP_RET_TRAP, S.SECCOMP_RET_ERRNO, S.SECCOMP_RET_TRACE,
                           S.SECCOMP_RET_LOG, S.SECCOMP_RET_ALLOW})   # no USER_NOTIF listener
SECCOMP_DATA_SIZE = S.SECCOMP_DATA.size


@dataclass(frozen=True)
class SeccompFilter:
    """One attached filter (struct seccomp_filter): its program and the one before it."""
    prog: list[Insn]
    prev: Optional[SeccompFilter]
    log: bool = False
    count: int = 1                          # filters in the chain from here (Seccomp_filters)

    def chain(self) -> list[SeccompFilter]:
        out: list[SeccompFilter] = []
        f: Optional[SeccompFilter] = self
        while f is not None:
            out.append(f)
            f = f.prev
        return out


# -- checking a filter -----------------------------------------------------------------------
_SECCOMP_CODES = frozenset({
    B.BPF_RET | B.BPF_K, B.BPF_RET | B.BPF_A, B.BPF_LD | B.BPF_IMM, B.BPF_LDX | B.BPF_IMM,
    B.BPF_MISC | B.BPF_TAX, B.BPF_MISC | B.BPF_TXA, B.BPF_LD | B.BPF_MEM, B.BPF_LDX | B.BPF_MEM,
    B.BPF_ST, B.BPF_STX})


def seccomp_check_filter(prog: list[Insn]) -> list[Insn]:
    """Linux's seccomp_check_filter, after bpf_check_classic: loads read seccomp_data only as
    aligned 32-bit words inside it; BPF_LEN is its size; no packet or ancillary loads."""
    out = []
    for ins in prog:
        code, k = ins.code, ins.k
        if code == B.BPF_LD | B.BPF_W | B.BPF_ABS:
            if k >= SECCOMP_DATA_SIZE or k & 3:
                raise KernelError(E.EINVAL)
        elif code == B.BPF_LD | B.BPF_W | B.BPF_LEN:
            ins = Insn(B.BPF_LD | B.BPF_IMM, 0, 0, SECCOMP_DATA_SIZE)
        elif code == B.BPF_LDX | B.BPF_W | B.BPF_LEN:
            ins = Insn(B.BPF_LDX | B.BPF_IMM, 0, 0, SECCOMP_DATA_SIZE)
        elif code not in _SECCOMP_CODES and B.bpf_class(code) not in (B.BPF_ALU, B.BPF_JMP):
            raise KernelError(E.EINVAL)
        out.append(ins)
    return out


def seccomp_prepare_user_filter(t: Task, uargs: int) -> list[Insn]:
    """Copy in a sock_fprog and check it (seccomp_prepare_filter): EFAULT, EINVAL for a
    bad length or program, EACCES without no_new_privs or CAP_SYS_ADMIN."""
    assert t.mm is not None
    length, ptr = B.SOCK_FPROG.unpack(copy_from_user(t.mm, uargs, B.SOCK_FPROG.size))
    if length == 0 or length > B.BPF_MAXINSNS:
        raise KernelError(E.EINVAL)
    if not t.no_new_privs and not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EACCES)
    prog = decode_prog(copy_from_user(t.mm, ptr, length * B.SOCK_FILTER.size))
    bpf_check_classic(prog)
    return seccomp_check_filter(prog)


# -- attaching ---------------------------------------------------------------------------------
def _may_assign_mode(t: Task, mode: int) -> None:
    if t.seccomp_mode and t.seccomp_mode != mode:
        raise KernelError(E.EINVAL)


def _is_ancestor(parent: Optional[SeccompFilter], child: Optional[SeccompFilter]) -> bool:
    if parent is None:
        return True
    while child is not None:
        if child is parent:
            return True
        child = child.prev
    return False


def seccomp_can_sync_threads(t: Task) -> int:
    """0 if every other thread's filters are ours or an ancestor of them, else its tid."""
    for th in t.thread_group:
        if th is t:
            continue
        if th.seccomp_mode in (0, S.SECCOMP_MODE_FILTER) and \
                _is_ancestor(th.seccomp_filter, t.seccomp_filter):
            continue
        return th.pid
    return 0


def seccomp_attach_filter(t: Task, flags: int, prog: list[Insn]) -> int:
    total = len(prog) + sum(len(f.prog) + 4 for f in
                            (t.seccomp_filter.chain() if t.seccomp_filter else []))
    if total > MAX_INSNS_PER_PATH:
        raise KernelError(E.ENOMEM)
    if flags & S.SECCOMP_FILTER_FLAG_TSYNC:
        bad = seccomp_can_sync_threads(t)
        if bad:
            if flags & S.SECCOMP_FILTER_FLAG_TSYNC_ESRCH:
                raise KernelError(E.ESRCH)
            return bad
    prev = t.seccomp_filter
    t.seccomp_filter = SeccompFilter(prog, prev, bool(flags & S.SECCOMP_FILTER_FLAG_LOG),
                                     prev.count + 1 if prev is not None else 1)
    t.seccomp_mode = S.SECCOMP_MODE_FILTER
    if flags & S.SECCOMP_FILTER_FLAG_TSYNC:                  # seccomp_sync_threads
        for th in t.thread_group:
            if th is not t:
                th.seccomp_filter = t.seccomp_filter
                th.seccomp_mode = S.SECCOMP_MODE_FILTER
                if t.no_new_privs:
                    th.no_new_privs = 1
    return 0


def seccomp_set_mode_filter(t: Task, flags: int, uargs: int) -> int:
    if flags & ~FILTER_FLAGS:
        raise KernelError(E.EINVAL)                          # NEW_LISTENER: no listeners here
    prog = seccomp_prepare_user_filter(t, uargs)
    _may_assign_mode(t, S.SECCOMP_MODE_FILTER)
    return seccomp_attach_filter(t, flags, prog)


def seccomp_set_mode_strict(t: Task) -> int:
    _may_assign_mode(t, S.SECCOMP_MODE_STRICT)
    t.seccomp_mode = S.SECCOMP_MODE_STRICT
    return 0


def do_seccomp(t: Task, op: int, flags: int, uargs: int) -> int:
    """seccomp(2)."""
    assert t.mm is not None
    if op == S.SECCOMP_SET_MODE_STRICT:
        if flags or uargs:
            raise KernelError(E.EINVAL)
        return seccomp_set_mode_strict(t)
    if op == S.SECCOMP_SET_MODE_FILTER:
        return seccomp_set_mode_filter(t, flags, uargs)
    if op == S.SECCOMP_GET_ACTION_AVAIL:
        if flags:
            raise KernelError(E.EINVAL)
        if get_u32(t.mm, uargs) not in ACTIONS_AVAIL:
            raise KernelError(E.EOPNOTSUPP)
        return 0
    if op == S.SECCOMP_GET_NOTIF_SIZES:
        if flags:
            raise KernelError(E.EINVAL)
        copy_to_user(t.mm, uargs, S.SECCOMP_NOTIF_SIZES.pack(
            S.SECCOMP_NOTIF_SIZE, S.SECCOMP_NOTIF_RESP_SIZE, SECCOMP_DATA_SIZE))
        return 0
    raise KernelError(E.EINVAL)


def prctl_get_seccomp(t: Task) -> int:
    return t.seccomp_mode


def prctl_set_seccomp(t: Task, mode: int, uargs: int) -> int:
    if mode == S.SECCOMP_MODE_STRICT:
        return do_seccomp(t, S.SECCOMP_SET_MODE_STRICT, 0, 0)
    if mode == S.SECCOMP_MODE_FILTER:
        return do_seccomp(t, S.SECCOMP_SET_MODE_FILTER, 0, uargs)
    raise KernelError(E.EINVAL)


def copy_seccomp(parent: Task, child: Task) -> None:
    """copy_seccomp: the child runs under the same mode and filters."""
    child.seccomp_mode = parent.seccomp_mode
    child.seccomp_filter = parent.seccomp_filter


# -- the syscall-entry hook ---------------------------------------------------------------------
def _action_rank(ret: int) -> int:
    act = ret & S.SECCOMP_RET_ACTION_FULL
    return act - (1 << 32) if act & 0x8000_0000 else act


def seccomp_run_filters(f: SeccompFilter, data: bytes) -> tuple[int, SeccompFilter]:
    """Every filter runs; the lowest action wins (the first, newest, on a tie)."""
    def load(size: int, off: int) -> int | None:
        return int.from_bytes(data[off:off + size], "little") if off + size <= len(data) else None
    best, match = S.SECCOMP_RET_ALLOW, f
    for flt in f.chain():
        ret = bpf_run(flt.prog, load, len(data))
        if _action_rank(ret) < _action_rank(best):
            best, match = ret, flt
    return best, match


def _kill(t: Task, nr: int, ip: int, action: int, data: int) -> int:
    t.seccomp_mode = S.SECCOMP_MODE_DEAD
    live = sum(1 for th in t.thread_group if not th.flags & PF_EXITING)
    if action == S.SECCOMP_RET_KILL_THREAD and live > 1:
        do_exit(t, A.SIGSYS)
    else:                                   # the group dies of SIGSYS, dumping core
        force_sig_info(t, SigInfo(A.SIGSYS, S.SYS_SECCOMP, errno=data, addr=ip, syscall=nr,
                                  arch=S.AUDIT_ARCH_X86_64), to_default=True)
    return nr


def secure_computing(t: Task, nr: int, args: tuple[int, ...], ip: int) -> int | None:
    """__secure_computing: None to run the syscall, else the value rax gets instead."""
    mode = t.seccomp_mode
    if mode == S.SECCOMP_MODE_STRICT:
        if nr in S.STRICT_SYSCALLS:
            return None
        t.seccomp_mode = S.SECCOMP_MODE_DEAD
        do_exit(t, A.SIGKILL)
        return -E.ENOSYS
    if mode == S.SECCOMP_MODE_DEAD:
        do_exit(t, A.SIGKILL)
        return -E.ENOSYS
    assert t.seccomp_filter is not None
    nr32 = nr & 0xFFFF_FFFF                 # seccomp_data.nr is an int
    data = S.SECCOMP_DATA.pack(nr32 - (1 << 32) if nr32 & 0x8000_0000 else nr32,
                               S.AUDIT_ARCH_X86_64, ip, *args)
    ret, match = seccomp_run_filters(t.seccomp_filter, data)
    action, value = ret & S.SECCOMP_RET_ACTION_FULL, ret & S.SECCOMP_RET_DATA
    if action == S.SECCOMP_RET_ALLOW:
        return None
    if action == S.SECCOMP_RET_LOG:
        printk(t.kernel, f"audit: type=1326 pid={t.tgid} comm=\"{t.comm.decode(errors='replace')}\""
               f" syscall={nr} code=0x{ret:x}", level=5)
        return None
    if action == S.SECCOMP_RET_ERRNO:
        return -min(value, MAX_ERRNO)
    if action == S.SECCOMP_RET_TRAP:        # the handler sees the original registers
        force_sig_info(t, SigInfo(A.SIGSYS, S.SYS_SECCOMP, errno=value, addr=ip, syscall=nr,
                                  arch=S.AUDIT_ARCH_X86_64))
        return nr
    if action in (S.SECCOMP_RET_TRACE, S.SECCOMP_RET_USER_NOTIF):
        return -E.ENOSYS                    # no tracer / no listener: Linux's -ENOSYS
    if match.log or action != S.SECCOMP_RET_KILL_THREAD:
        printk(t.kernel, f"audit: type=1326 pid={t.tgid} syscall={nr} code=0x{ret:x}", level=5)
    return _kill(t, nr, ip, action, value)
