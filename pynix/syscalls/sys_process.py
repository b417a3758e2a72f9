"""Process syscalls: execve, exit, wait4/waitid, ids, process groups and sessions,
credentials, rlimits, arch_prctl, prctl (Linux kernel/exit.c, kernel/sys.c, fs/exec.c).
Creation (fork, vfork, clone, clone3) is in syscalls/sys_clone.py.
"""
from __future__ import annotations

import struct
from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import (
    CAP_SYS_RESOURCE,
    NGROUPS_MAX,
    pack_gids,
    unpack_gids,
)
from pynix.arch.x86_64.sigframe import pack_siginfo
from pynix.base.errors import KernelError
from pynix.drivers.tty_jobctrl import tty_vhangup_self
from pynix.fs.pidfd import pidfd_task
from pynix.fs.vfs.file import NrOpen
from pynix.kernel.pid import task_active_pid_ns, task_pid_vnr, task_tgid_nr_ns, task_tgid_vnr
from pynix.kernel.cred import (
    __sys_setfsgid,
    __sys_setfsuid,
    __sys_setgid,
    __sys_setregid,
    __sys_setresgid,
    __sys_setresuid,
    __sys_setreuid,
    __sys_setuid,
    capable,
    may_setgroups,
    set_current_groups,
)
from pynix.kernel.commoncap import cap_task_prctl
from pynix.kernel.exec import MAX_ARG_STRLEN, arg_limit, do_execve
from pynix.kernel.exit import (
    do_exit,
    do_group_exit,
    do_wait,
    kernel_wait4,
    thread_group_cputime,
    waitid_info,
)
from pynix.kernel.pid_namespace import set_child_subreaper
from pynix.kernel.jobctl import do_getpgid, do_getsid, do_setpgid, ksys_setsid
from pynix.kernel.seccomp import do_seccomp, prctl_get_seccomp, prctl_set_seccomp
from pynix.kernel.task import Task
from pynix.machine.cpu import X
from pynix.mm.uaccess import (
    copy_from_user,
    copy_to_user,
    get_ptr_array,
    put_i32,
    put_u32,
    strncpy_from_user,
)
from pynix.syscalls.util import at_base, fget, get_path, id_arg, mm_of, s32, task_or_self

RUSAGE_SIZE = 144


def sys_execveat(t: Task, dirfd: int, pathp: int, argvp: int, envpp: int, flags: int) -> int:
    path = get_path(t, pathp)
    mm = mm_of(t)
    most = arg_limit(t) // 8                   # more pointers than that cannot fit: E2BIG
    try:
        argv = [strncpy_from_user(mm, p, MAX_ARG_STRLEN) for p in get_ptr_array(mm, argvp, most)]
        envp = [strncpy_from_user(mm, p, MAX_ARG_STRLEN) for p in get_ptr_array(mm, envpp, most)]
    except KernelError as e:
        if e.errno == E.ENAMETOOLONG:          # a string longer than MAX_ARG_STRLEN
            raise KernelError(E.E2BIG) from None
        raise
    base = at_base(t, dirfd, path, flags)
    if dirfd != A.AT_FDCWD and base is not None and not path.startswith(b"/"):
        filename = b"/dev/fd/%d" % s32(dirfd) + (b"/" + path if path else b"")
    else:
        filename = None
    do_execve(t, path, argv, envp, base, flags, filename)
    return 0


def sys_execve(t: Task, pathp: int, argvp: int, envpp: int) -> int:
    return sys_execveat(t, A.AT_FDCWD, pathp, argvp, envpp, 0)


def sys_exit(t: Task, code: int) -> int:
    do_exit(t, (code & 0xFF) << 8)
    return 0


def sys_exit_group(t: Task, code: int) -> int:
    do_group_exit(t, (code & 0xFF) << 8)
    return 0


def _rusage(utime: int, stime: int) -> bytes:
    def tv(ns: int) -> tuple[int, int]:
        return ns // 10**9, (ns % 10**9) // 1000
    return A.RUSAGE.pack(*tv(utime), *tv(stime), *([0] * 14))


def sys_wait4(t: Task, pid: int, status: int, options: int, rusage: int) -> Generator[None, None, int]:
    res = yield from kernel_wait4(t, s32(pid), options)
    if res is None:
        return 0
    mm = mm_of(t)
    if status:
        put_i32(mm, status, res.status)
    if rusage:
        copy_to_user(mm, rusage, _rusage(res.utime, res.stime))
    return res.pid


def sys_waitid(t: Task, idtype: int, ident: int, infop: int, options: int, rusage: int) -> Generator[None, None, int]:
    if not options & (A.WEXITED | A.WSTOPPED | A.WCONTINUED) or \
            idtype not in (A.P_ALL, A.P_PID, A.P_PGID, A.P_PIDFD):
        raise KernelError(E.EINVAL)
    nonblock = False
    if idtype == A.P_PIDFD:                   # the process a pidfd names
        f = fget(t, ident)
        nonblock = bool(f.flags & A.O_NONBLOCK)   # PIDFD_NONBLOCK: WNOHANG, then EAGAIN
        idtype, ident = A.P_PID, task_tgid_nr_ns(pidfd_task(f), task_active_pid_ns(t))
    opts = options | (A.WUNTRACED if options & A.WSTOPPED else 0) | (A.WNOHANG if nonblock else 0)
    res = yield from do_wait(t, idtype, s32(ident), opts)
    if res is None and nonblock:
        raise KernelError(E.EAGAIN)
    mm = mm_of(t)
    if infop:
        if res is None:
            copy_to_user(mm, infop, bytes(128))
        else:
            code, st = waitid_info(res)
            copy_to_user(mm, infop, pack_siginfo(A.SIGCHLD, code, pid=res.pid, uid=res.uid, status=st,
                                                 utime=res.utime // 10**7, stime=res.stime // 10**7))
    if rusage and res is not None:
        copy_to_user(mm, rusage, _rusage(res.utime, res.stime))
    return 0


# -- identity ------------------------------------------------------------------------------------
def sys_getpid(t: Task) -> int:
    return task_tgid_vnr(t)


def sys_gettid(t: Task) -> int:
    return task_pid_vnr(t)


def sys_getppid(t: Task) -> int:
    """The parent's pid as ``t`` sees it: 0 for a namespace init, whose parent is outside."""
    p = t.group_leader.real_parent
    return task_tgid_nr_ns(p, task_active_pid_ns(t)) if p is not None else 0


def sys_set_tid_address(t: Task, tidptr: int) -> int:
    t.clear_child_tid = tidptr
    return task_pid_vnr(t)


def sys_set_robust_list(t: Task, head: int, length: int) -> int:
    if length != 24:
        raise KernelError(E.EINVAL)
    t.robust_list = head
    return 0


def sys_getuid(t: Task) -> int:
    return t.cred.uid


def sys_geteuid(t: Task) -> int:
    return t.cred.euid


def sys_getgid(t: Task) -> int:
    return t.cred.gid


def sys_getegid(t: Task) -> int:
    return t.cred.egid


def sys_getresuid(t: Task, r: int, e: int, s: int) -> int:
    mm = mm_of(t)
    for addr, v in ((r, t.cred.uid), (e, t.cred.euid), (s, t.cred.suid)):
        put_u32(mm, addr, v)
    return 0


def sys_getresgid(t: Task, r: int, e: int, s: int) -> int:
    mm = mm_of(t)
    for addr, v in ((r, t.cred.gid), (e, t.cred.egid), (s, t.cred.sgid)):
        put_u32(mm, addr, v)
    return 0


def sys_setresuid(t: Task, r: int, e: int, s: int) -> int:
    return __sys_setresuid(t, id_arg(r), id_arg(e), id_arg(s))


def sys_setresgid(t: Task, r: int, e: int, s: int) -> int:
    return __sys_setresgid(t, id_arg(r), id_arg(e), id_arg(s))


def sys_setuid(t: Task, uid: int) -> int:
    if id_arg(uid) == -1:
        raise KernelError(E.EINVAL)          # uid_valid: (uid_t)-1 is no uid
    return __sys_setuid(t, id_arg(uid))


def sys_setgid(t: Task, gid: int) -> int:
    if id_arg(gid) == -1:
        raise KernelError(E.EINVAL)
    return __sys_setgid(t, id_arg(gid))


def sys_setreuid(t: Task, r: int, e: int) -> int:
    return __sys_setreuid(t, id_arg(r), id_arg(e))


def sys_setregid(t: Task, r: int, e: int) -> int:
    return __sys_setregid(t, id_arg(r), id_arg(e))


def sys_setfsuid(t: Task, uid: int) -> int:
    return __sys_setfsuid(t, s32(uid))


def sys_setfsgid(t: Task, gid: int) -> int:
    return __sys_setfsgid(t, s32(gid))


def sys_getgroups(t: Task, size: int, lst: int) -> int:
    groups = t.cred.groups
    size = s32(size)
    if size == 0:
        return len(groups)
    if size < len(groups):
        raise KernelError(E.EINVAL)
    copy_to_user(mm_of(t), lst, pack_gids(groups))
    return len(groups)


def sys_setgroups(t: Task, size: int, lst: int) -> int:
    may_setgroups(t)
    size = s32(size)
    if not 0 <= size <= NGROUPS_MAX:
        raise KernelError(E.EINVAL)
    groups = unpack_gids(copy_from_user(mm_of(t), lst, 4 * size))
    if any(id_arg(g) == -1 for g in groups):
        raise KernelError(E.EINVAL)          # groups_from_user: gid_valid
    set_current_groups(t, groups)
    return 0


# -- process groups and sessions --------------------------------------------------------------------
def sys_getpgid(t: Task, pid: int) -> int:
    return do_getpgid(t, task_or_self(t, pid))


def sys_getpgrp(t: Task) -> int:
    return do_getpgid(t, t)


def sys_setpgid(t: Task, pid: int, pgid: int) -> int:
    do_setpgid(t, s32(pid), s32(pgid))
    return 0


def sys_getsid(t: Task, pid: int) -> int:
    return do_getsid(t, task_or_self(t, pid))


def sys_vhangup(t: Task) -> int:
    tty_vhangup_self(t)
    return 0


def sys_setsid(t: Task) -> int:
    return ksys_setsid(t)


# -- limits ----------------------------------------------------------------------------------------
def sys_prlimit64(t: Task, pid: int, res: int, new: int, old: int) -> int:
    p = task_or_self(t, pid)
    if res >= A.RLIM_NLIMITS:
        raise KernelError(E.EINVAL)
    lim = p.signal.rlim[res]
    mm = mm_of(t)
    if old:
        copy_to_user(mm, old, A.RLIMIT.pack(*lim))
    if new:
        cur, mx = A.RLIMIT.unpack(copy_from_user(mm, new, 16))
        if cur > mx:
            raise KernelError(E.EINVAL)
        if mx > lim[1] and not capable(t, CAP_SYS_RESOURCE):
            raise KernelError(E.EPERM)
        if res == A.RLIMIT_NOFILE and mx > NrOpen.value:
            raise KernelError(E.EPERM)
        lim[0], lim[1] = cur, mx
        if res == A.RLIMIT_NOFILE and p.files is not None:
            p.files.max_fds = min(cur, NrOpen.value)
    return 0


def sys_getrlimit(t: Task, res: int, rlim: int) -> int:
    return sys_prlimit64(t, 0, res, 0, rlim)


def sys_setrlimit(t: Task, res: int, rlim: int) -> int:
    return sys_prlimit64(t, 0, res, rlim, 0)


def sys_getrusage(t: Task, who: int, ru: int) -> int:
    who = s32(who)
    if who == A.RUSAGE_SELF:
        u, s = thread_group_cputime(t)
    elif who == A.RUSAGE_CHILDREN:
        u, s = t.signal.cutime, t.signal.cstime
    elif who == A.RUSAGE_THREAD:
        u, s = t.utime, t.stime
    else:
        raise KernelError(E.EINVAL)
    copy_to_user(mm_of(t), ru, _rusage(u, s))
    return 0


# -- arch and misc -----------------------------------------------------------------------------------
def sys_arch_prctl(t: Task, code: int, addr: int) -> int:
    cpu = t.kernel.cpu
    if code == A.ARCH_SET_FS:
        if addr >= 1 << 47:
            raise KernelError(E.EPERM)
        cpu.fs_base = addr
        return 0
    if code == A.ARCH_GET_FS:
        copy_to_user(mm_of(t), addr, struct.pack("<Q", cpu.fs_base))
        return 0
    if code == A.ARCH_SET_GS:
        cpu.set_reg(X.UC_X86_REG_GS_BASE, addr)
        return 0
    if code == A.ARCH_GET_GS:
        copy_to_user(mm_of(t), addr, struct.pack("<Q", cpu.reg(X.UC_X86_REG_GS_BASE)))
        return 0
    if code == A.ARCH_GET_CPUID:
        return 1                        # get_cpuid_mode: cpuid is never made to fault
    if code == A.ARCH_SET_CPUID:
        raise KernelError(E.ENODEV)     # set_cpuid_mode: the CPU has no CPUID faulting
    raise KernelError(E.EINVAL)


def sys_prctl(t: Task, option: int, a2: int, a3: int, a4: int, a5: int) -> int:
    res = cap_task_prctl(t.cred, s32(option), a2, a3, a4, a5)    # security_task_prctl
    if res is not None:
        return res
    mm = mm_of(t)
    if option == A.PR_SET_NAME:
        t.comm = strncpy_from_user(mm, a2, 4096)[:15]
        return 0
    if option == A.PR_GET_NAME:
        copy_to_user(mm, a2, t.comm.ljust(16, b"\0"))
        return 0
    if option == A.PR_SET_PDEATHSIG:
        if a2 >= A.NSIG:
            raise KernelError(E.EINVAL)
        t.pdeath_signal = a2
        return 0
    if option == A.PR_GET_PDEATHSIG:
        put_i32(mm, a2, t.pdeath_signal)
        return 0
    if option == A.PR_SET_CHILD_SUBREAPER:
        set_child_subreaper(t, bool(a2))
        return 0
    if option == A.PR_GET_CHILD_SUBREAPER:
        put_i32(mm, a2, int(t.signal.is_child_subreaper))
        return 0
    if option == A.PR_GET_DUMPABLE:
        return t.dumpable
    if option == A.PR_SET_DUMPABLE:
        if a2 > 1:
            raise KernelError(E.EINVAL)
        t.dumpable = a2
        return 0
    if option == A.PR_SET_NO_NEW_PRIVS:
        if a2 != 1 or a3 | a4 | a5:
            raise KernelError(E.EINVAL)
        t.no_new_privs = 1
        return 0
    if option == A.PR_GET_NO_NEW_PRIVS:
        if a2 | a3 | a4 | a5:
            raise KernelError(E.EINVAL)
        return t.no_new_privs
    if option == A.PR_GET_SECCOMP:
        return prctl_get_seccomp(t)
    if option == A.PR_SET_SECCOMP:
        return prctl_set_seccomp(t, a2, a3)
    if option == A.PR_SET_TIMERSLACK:
        t.set_timer_slack(a2)
        return 0
    if option == A.PR_GET_TIMERSLACK:
        return t.timer_slack_ns
    raise KernelError(E.EINVAL)


def sys_seccomp(t: Task, op: int, flags: int, uargs: int) -> int:
    return do_seccomp(t, op, flags, uargs)


def sys_personality(t: Task, persona: int) -> int:
    old = t.personality
    if persona != 0xFFFFFFFF:
        t.personality = persona
    return old
