"""The ptrace requests (Linux kernel/ptrace.c sys_ptrace, ptrace_check_attach, ptrace_request,
and arch/x86/kernel/ptrace.c arch_ptrace).

``do_ptrace(t, request, pid, addr, data)`` is what syscalls/sys_ptrace.py calls. TRACEME,
ATTACH and SEIZE make the link; every other request needs a tracee of ``t`` (ESRCH
otherwise) that is stopped in a tracing stop (ESRCH), except KILL and INTERRUPT. Memory goes
through mm/access_vm.py (FOLL_FORCE: text can be written, a shared copy is broken first),
registers through kernel/ptrace_regs.py. Unknown requests are EIO, as Linux's.
Owns nothing.
"""
from __future__ import annotations

import struct

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import ptrace as P
from pynix.arch.x86_64.sigframe import SIGINFO_SIZE, unpack_siginfo
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_TRACED
from pynix.kernel.ptrace import (
    ptrace_attach,
    ptrace_detach,
    ptrace_resume,
    ptrace_stop,
    ptrace_traceme,
    wake_tracee,
)
from pynix.kernel import ptrace_regs as R
from pynix.kernel.signal import siginfo_bytes
from pynix.kernel.sigqueue import UNBLOCKABLE, send_signal
from pynix.kernel.task import SigInfo, Task
from pynix.mm.access_vm import access_remote_vm
from pynix.mm.uaccess import copy_from_user, copy_to_user, put_u64

_RESUME = {P.PTRACE_CONT: "cont", P.PTRACE_SYSCALL: "syscall", P.PTRACE_SINGLESTEP: "step",
           P.PTRACE_SYSEMU: "sysemu", P.PTRACE_SYSEMU_SINGLESTEP: "sysemu"}
_NO_STOP_NEEDED = (P.PTRACE_KILL, P.PTRACE_INTERRUPT, P.PTRACE_LISTEN)


def ptrace_check_attach(t: Task, pid: int, request: int) -> Task:
    """The tracee ``pid`` of ``t``, stopped unless the request does not need it (ESRCH)."""
    child = t.kernel.find_task(pid) if pid > 0 else None
    if child is None or child.tracer is None or child.tracer.tgid != t.tgid \
            and child.tracer is not t:
        raise KernelError(E.ESRCH)
    if request not in _NO_STOP_NEEDED and child.state != TASK_TRACED:
        raise KernelError(E.ESRCH)
    return child


def do_ptrace(t: Task, request: int, pid: int, addr: int, data: int) -> int:
    if request == P.PTRACE_TRACEME:
        ptrace_traceme(t)
        return 0
    if request in (P.PTRACE_ATTACH, P.PTRACE_SEIZE):
        child = t.kernel.find_task(pid) if pid > 0 else None
        if child is None:
            raise KernelError(E.ESRCH)
        if request == P.PTRACE_SEIZE and addr:
            raise KernelError(E.EIO)
        ptrace_attach(t, child, request == P.PTRACE_SEIZE, data & 0xFFFF_FFFF)
        return 0
    child = ptrace_check_attach(t, pid, request)
    st = child.ptrace_state
    assert st is not None and t.mm is not None
    k = t.kernel
    mm = t.mm
    if request in (P.PTRACE_PEEKTEXT, P.PTRACE_PEEKDATA):
        word = _child_mm_rw(child, addr, 8, None)
        put_u64(mm, data, int.from_bytes(word, "little"))
        return 0
    if request in (P.PTRACE_POKETEXT, P.PTRACE_POKEDATA):
        _child_mm_rw(child, addr, 8, (data & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little"))
        return 0
    if request == P.PTRACE_PEEKUSR:
        put_u64(mm, data, R.peek_user(k, child, addr))
        return 0
    if request == P.PTRACE_POKEUSR:
        R.poke_user(k, child, addr, data)
        return 0
    if request == P.PTRACE_GETREGS:
        copy_to_user(mm, data, R.pack_user_regs(R.get_user_regs(k, child)))
        return 0
    if request == P.PTRACE_SETREGS:
        R.set_user_regs(k, child, R.unpack_user_regs(copy_from_user(mm, data, P.USER_REGS_SIZE)))
        return 0
    if request == P.PTRACE_GETFPREGS:
        copy_to_user(mm, data, R.get_fpregs(k, child))
        return 0
    if request == P.PTRACE_SETFPREGS:
        R.set_fpregs(k, child, copy_from_user(mm, data, P.USER_FPREGS_SIZE))
        return 0
    if request in (P.PTRACE_GETREGSET, P.PTRACE_SETREGSET):
        return _regset(t, child, request == P.PTRACE_SETREGSET, addr, data)
    if request == P.PTRACE_GETSIGINFO:
        if st.last_siginfo is None:
            raise KernelError(E.EINVAL)
        copy_to_user(mm, data, siginfo_bytes(st.last_siginfo))
        return 0
    if request == P.PTRACE_SETSIGINFO:
        if st.last_siginfo is None:
            raise KernelError(E.EINVAL)
        signo, errno, code, spid, uid, value = unpack_siginfo(copy_from_user(mm, data, SIGINFO_SIZE))
        st.last_siginfo = SigInfo(signo, code, pid=spid, uid=uid, value=value, errno=errno)
        return 0
    if request == P.PTRACE_GETEVENTMSG:
        put_u64(mm, data, st.message)
        return 0
    if request == P.PTRACE_SETOPTIONS:
        if data & ~P.PTRACE_O_MASK:
            raise KernelError(E.EINVAL)
        st.options = data
        return 0
    if request == P.PTRACE_GETSIGMASK:
        if addr != 8:
            raise KernelError(E.EINVAL)
        put_u64(mm, data, child.blocked)
        return 0
    if request == P.PTRACE_SETSIGMASK:
        if addr != 8:
            raise KernelError(E.EINVAL)
        child.blocked = int.from_bytes(copy_from_user(mm, data, 8), "little") & ~UNBLOCKABLE
        return 0
    if request in _RESUME:
        ptrace_resume(child, _RESUME[request], data)
        return 0
    if request == P.PTRACE_KILL:
        send_signal(child, SigInfo(A.SIGKILL, A.SI_USER, pid=t.tgid), group=False)
        return 0
    if request == P.PTRACE_DETACH:
        ptrace_detach(child, data)
        return 0
    if request == P.PTRACE_INTERRUPT:
        if not st.seized:
            raise KernelError(E.EIO)
        if child.state != TASK_TRACED or st.listening:
            st.listening = False
            st.interrupt = True
            if child.state == TASK_TRACED:
                ptrace_stop(child, A.SIGTRAP | P.PTRACE_EVENT_STOP << 8, "interrupt", None)
            else:
                k.rq.wake_up_process(child)
                if child is k.current:
                    k.cpu.stop()
        return 0
    if request == P.PTRACE_LISTEN:
        if not st.seized or child.state != TASK_TRACED or st.code >> 8 != P.PTRACE_EVENT_STOP:
            raise KernelError(E.EIO)           # only at a PTRACE_EVENT_STOP
        st.listening = True
        if st.interrupt:                       # a notification waits (JOBCTL_TRAP_NOTIFY)
            st.listening = False
            st.why = ""
            wake_tracee(child)
        return 0
    if request == P.PTRACE_GET_SYSCALL_INFO:
        info = _syscall_info(t, child)
        copy_to_user(mm, data, info[:addr])
        return len(info)
    if request == P.PTRACE_ARCH_PRCTL:
        return _arch_prctl(t, child, addr, data)
    raise KernelError(E.EIO)


def _child_mm_rw(child: Task, addr: int, n: int, data: bytes | None) -> bytes:
    """ptrace_access_vm: the child's memory with FOLL_FORCE; EIO when nothing was reached
    (Linux's generic_ptrace_peekdata/pokedata)."""
    if child.mm is None:
        raise KernelError(E.EIO)
    try:
        out = access_remote_vm(child.mm, addr, n, data, force=True)
        if data is not None:
            child.kernel.tb_stale = True      # the word may be code already translated
        return out
    except KernelError:
        raise KernelError(E.EIO) from None


def _regset(t: Task, child: Task, write: bool, note: int, iovp: int) -> int:
    """GETREGSET/SETREGSET with a struct iovec: iov_len is cut to the regset's size and
    written back (EINVAL for an unknown note type)."""
    assert t.mm is not None
    k = t.kernel
    base, length = struct.unpack("<QQ", copy_from_user(t.mm, iovp, 16))
    if note == P.NT_PRSTATUS:
        size = P.USER_REGS_SIZE
    elif note == P.NT_PRFPREG:
        size = P.USER_FPREGS_SIZE
    elif note == P.NT_X86_XSTATE:
        size = R.XSTATE_SIZE
    else:
        raise KernelError(E.EINVAL)
    n = min(length, size)
    if write:
        raw = copy_from_user(t.mm, base, n)
        if note == P.NT_PRSTATUS:
            cur = R.pack_user_regs(R.get_user_regs(k, child))
            R.set_user_regs(k, child, R.unpack_user_regs(raw + cur[n:]))
        elif note == P.NT_PRFPREG:
            R.set_fpregs(k, child, raw + R.get_fpregs(k, child)[n:])
        else:
            R.set_xstate(k, child, raw + R.get_xstate(k, child)[n:])
    else:
        if note == P.NT_PRSTATUS:
            img = R.pack_user_regs(R.get_user_regs(k, child))
        elif note == P.NT_PRFPREG:
            img = R.get_fpregs(k, child)
        else:
            img = R.get_xstate(k, child)
        copy_to_user(t.mm, base, img[:n])
    copy_to_user(t.mm, iovp + 8, n.to_bytes(8, "little"))
    return 0


def _syscall_info(t: Task, child: Task) -> bytes:
    """struct ptrace_syscall_info of the stop the child is in (ptrace_get_syscall_info)."""
    st = child.ptrace_state
    assert st is not None
    r = R.get_user_regs(t.kernel, child)
    why = st.why
    head = P.SYSCALL_INFO_HEAD.pack
    if why == "syscall-entry":
        nr = child.syscall_nr & 0xFFFF_FFFF_FFFF_FFFF
        args = [r[n] for n in ("rdi", "rsi", "rdx", "r10", "r8", "r9")]
        return head(P.PTRACE_SYSCALL_INFO_ENTRY, P.AUDIT_ARCH_X86_64, r["rip"], r["rsp"]) + \
            P.SYSCALL_INFO_ENTRY.pack(nr, *args)
    if why == "syscall-exit":
        rval = r["rax"] - (1 << 64) if r["rax"] >= 1 << 63 else r["rax"]
        body = P.SYSCALL_INFO_EXIT.pack(rval, 1 if -4095 <= rval < 0 else 0)
        return head(P.PTRACE_SYSCALL_INFO_EXIT, P.AUDIT_ARCH_X86_64, r["rip"], r["rsp"]) + body
    return head(P.PTRACE_SYSCALL_INFO_NONE, P.AUDIT_ARCH_X86_64, r["rip"], r["rsp"])


def _arch_prctl(t: Task, child: Task, value: int, code: int) -> int:
    """PTRACE_ARCH_PRCTL: the tracee's FS/GS base (ARCH_GET_* write it at ``value``)."""
    k = t.kernel
    assert t.mm is not None
    if code in (A.ARCH_SET_FS, A.ARCH_SET_GS):
        R.set_user_regs(k, child, {"fs_base" if code == A.ARCH_SET_FS else "gs_base": value})
        return 0
    if code in (A.ARCH_GET_FS, A.ARCH_GET_GS):
        r = R.get_user_regs(k, child)
        put_u64(t.mm, value, r["fs_base" if code == A.ARCH_GET_FS else "gs_base"])
        return 0
    raise KernelError(E.EINVAL)
