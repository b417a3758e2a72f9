"""The system call table: number -> handler, in one explicit list that doubles as the
compatibility list (``pynix syscalls`` prints it). A number that is not here returns ENOSYS.

Each row: name (as in syscall_64.tbl), handler, argument signature for tracing (see
syscalls/trace.py). Generator handlers may block; the dispatcher detects them.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from pynix.arch.x86_64.syscall_nr import NR
from pynix.syscalls import sys_clone as C
from pynix.syscalls import sys_event as W
from pynix.syscalls import sys_fd as D
from pynix.syscalls import sys_file as F
from pynix.syscalls import sys_fs as S
from pynix.syscalls import sys_info as I
from pynix.syscalls import sys_ipc as V
from pynix.syscalls import sys_lock as K
from pynix.syscalls import sys_mm as M
from pynix.syscalls import sys_mount as N
from pynix.syscalls import sys_poll as L
from pynix.syscalls import sys_process as P
from pynix.syscalls import sys_sched as Q
from pynix.syscalls import sys_signal as G
from pynix.syscalls import sys_socket as O
from pynix.syscalls import sys_sockmsg as OM
from pynix.syscalls import sys_thread as H
from pynix.syscalls import sys_time as T
from pynix.syscalls import sys_timer as R
from pynix.syscalls import sys_xattr


@dataclass(frozen=True)
class Entry:
    name: str
    fn: Callable[..., object]
    sig: str
    blocking: bool
    nargs: int


ROWS: list[tuple[str, Callable[..., object], str]] = [
    # files: I/O
    ("read", F.sys_read, "fxu"), ("write", F.sys_write, "fxu"),
    ("readv", F.sys_readv, "fxd"), ("writev", F.sys_writev, "fxd"),
    ("pread64", F.sys_pread64, "fxud"), ("pwrite64", F.sys_pwrite64, "fxud"),
    ("preadv", F.sys_preadv, "fxdd"), ("pwritev", F.sys_pwritev, "fxdd"),
    ("lseek", F.sys_lseek, "fdd"), ("open", F.sys_open, "som"), ("openat", F.sys_openat, "fsom"),
    ("creat", F.sys_creat, "sm"), ("close", D.sys_close, "f"), ("dup", D.sys_dup, "f"),
    ("dup2", D.sys_dup2, "ff"), ("dup3", D.sys_dup3, "ffo"), ("fcntl", D.sys_fcntl, "fdx"),
    ("pipe", D.sys_pipe, "x"), ("pipe2", D.sys_pipe2, "xo"), ("ioctl", D.sys_ioctl, "fxx"),
    ("ftruncate", F.sys_ftruncate, "fd"), ("fsync", F.sys_fsync, "f"),
    ("fdatasync", F.sys_fsync, "f"), ("sync_file_range", F.sys_sync_file_range, "fxxx"),
    ("fadvise64", F.sys_fadvise64, "fxud"), ("close_range", D.sys_close_range, "uux"),
    ("sendfile", F.sys_sendfile, "ffxu"), ("copy_file_range", F.sys_copy_file_range, "fxfxux"),
    ("memfd_create", D.sys_memfd_create, "sx"),
    ("flock", K.sys_flock, "fd"), ("fallocate", F.sys_fallocate, "fddd"),
    # files: names and attributes
    ("stat", S.sys_stat, "sx"), ("lstat", S.sys_lstat, "sx"), ("fstat", S.sys_fstat, "fx"),
    ("newfstatat", S.sys_newfstatat, "fsxx"), ("statx", S.sys_statx, "fsxxx"),
    ("getdents64", S.sys_getdents64, "fxu"), ("getcwd", S.sys_getcwd, "xu"),
    ("chdir", S.sys_chdir, "s"), ("fchdir", S.sys_fchdir, "f"), ("chroot", S.sys_chroot, "s"),
    ("access", S.sys_access, "sd"), ("faccessat", S.sys_faccessat, "fsd"),
    ("faccessat2", S.sys_faccessat2, "fsdx"), ("readlink", S.sys_readlink, "sxu"),
    ("readlinkat", S.sys_readlinkat, "fsxu"), ("mkdir", S.sys_mkdir, "sm"),
    ("mkdirat", S.sys_mkdirat, "fsm"), ("mknod", S.sys_mknod, "smx"),
    ("mknodat", S.sys_mknodat, "fsmx"), ("rmdir", S.sys_rmdir, "s"), ("unlink", S.sys_unlink, "s"),
    ("unlinkat", S.sys_unlinkat, "fsx"), ("link", S.sys_link, "ss"), ("linkat", S.sys_linkat, "fsfsx"),
    ("symlink", S.sys_symlink, "ss"), ("symlinkat", S.sys_symlinkat, "sfs"),
    ("rename", S.sys_rename, "ss"), ("renameat", S.sys_renameat, "fsfs"),
    ("renameat2", S.sys_renameat2, "fsfsx"), ("chmod", S.sys_chmod, "sm"),
    ("fchmod", S.sys_fchmod, "fm"), ("fchmodat", S.sys_fchmodat, "fsm"),
    ("fchmodat2", S.sys_fchmodat2, "fsmx"),
    ("chown", S.sys_chown, "sdd"), ("fchown", S.sys_fchown, "fdd"), ("lchown", S.sys_lchown, "sdd"),
    ("fchownat", S.sys_fchownat, "fsddx"), ("utimensat", S.sys_utimensat, "fsxx"),
    ("truncate", S.sys_truncate, "sd"), ("statfs", S.sys_statfs, "sx"),
    ("fstatfs", S.sys_fstatfs, "fx"), ("sync", S.sys_sync, ""), ("syncfs", S.sys_sync, "f"),
    ("umask", S.sys_umask, "m"),
    # files: extended attributes
    ("setxattr", sys_xattr.sys_setxattr, "ssxud"), ("lsetxattr", sys_xattr.sys_lsetxattr, "ssxud"),
    ("fsetxattr", sys_xattr.sys_fsetxattr, "fsxud"), ("getxattr", sys_xattr.sys_getxattr, "ssxu"),
    ("lgetxattr", sys_xattr.sys_lgetxattr, "ssxu"), ("fgetxattr", sys_xattr.sys_fgetxattr, "fsxu"),
    ("listxattr", sys_xattr.sys_listxattr, "sxu"), ("llistxattr", sys_xattr.sys_llistxattr, "sxu"),
    ("flistxattr", sys_xattr.sys_flistxattr, "fxu"),
    ("removexattr", sys_xattr.sys_removexattr, "ss"),
    ("lremovexattr", sys_xattr.sys_lremovexattr, "ss"),
    ("fremovexattr", sys_xattr.sys_fremovexattr, "fs"),
    ("setxattrat", sys_xattr.sys_setxattrat, "fsxsxu"),
    ("getxattrat", sys_xattr.sys_getxattrat, "fsxsxu"),
    ("listxattrat", sys_xattr.sys_listxattrat, "fsxxu"),
    ("removexattrat", sys_xattr.sys_removexattrat, "fsxs"),
    # mounts
    ("mount", N.sys_mount, "sssxs"), ("umount2", N.sys_umount2, "sx"),
    # processes
    ("fork", C.sys_fork, ""), ("vfork", C.sys_vfork, ""), ("clone", C.sys_clone, "xxxxx"),
    ("execve", P.sys_execve, "sve"), ("execveat", P.sys_execveat, "fsvex"),
    ("exit", P.sys_exit, "d"), ("exit_group", P.sys_exit_group, "d"),
    ("wait4", P.sys_wait4, "dxxx"), ("waitid", P.sys_waitid, "ddxxx"),
    ("getpid", P.sys_getpid, ""), ("gettid", P.sys_gettid, ""), ("getppid", P.sys_getppid, ""),
    ("set_tid_address", P.sys_set_tid_address, "x"), ("set_robust_list", P.sys_set_robust_list, "xu"),
    ("getuid", P.sys_getuid, ""), ("geteuid", P.sys_geteuid, ""), ("getgid", P.sys_getgid, ""),
    ("getegid", P.sys_getegid, ""), ("getresuid", P.sys_getresuid, "xxx"),
    ("getresgid", P.sys_getresgid, "xxx"), ("setuid", P.sys_setuid, "d"), ("setgid", P.sys_setgid, "d"),
    ("setreuid", P.sys_setreuid, "dd"), ("setregid", P.sys_setregid, "dd"),
    ("setresuid", P.sys_setresuid, "ddd"), ("setresgid", P.sys_setresgid, "ddd"),
    ("getgroups", P.sys_getgroups, "dx"), ("setgroups", P.sys_setgroups, "dx"),
    ("getpgid", P.sys_getpgid, "d"), ("getpgrp", P.sys_getpgrp, ""), ("setpgid", P.sys_setpgid, "dd"),
    ("getsid", P.sys_getsid, "d"), ("setsid", P.sys_setsid, ""),
    ("prlimit64", P.sys_prlimit64, "ddxx"), ("getrlimit", P.sys_getrlimit, "dx"),
    ("setrlimit", P.sys_setrlimit, "dx"), ("getrusage", P.sys_getrusage, "dx"),
    ("arch_prctl", P.sys_arch_prctl, "Ax"), ("prctl", P.sys_prctl, "dxxxx"),
    ("personality", P.sys_personality, "x"),
    # threads
    ("futex", H.sys_futex, "xFdxxd"), ("get_robust_list", H.sys_get_robust_list, "dxx"),
    ("clone3", C.sys_clone3, "xu"), ("pidfd_open", G.sys_pidfd_open, "dx"),
    ("pidfd_send_signal", G.sys_pidfd_send_signal, "fSxx"), ("unshare", C.sys_unshare, "x"),
    ("restart_syscall", H.sys_restart_syscall, ""),
    # memory
    ("brk", M.sys_brk, "x"), ("mmap", M.sys_mmap, "xupMfx"), ("munmap", M.sys_munmap, "xu"),
    ("mprotect", M.sys_mprotect, "xup"), ("mremap", M.sys_mremap, "xuuxx"),
    ("mincore", M.sys_mincore, "xux"),
    ("madvise", M.sys_madvise, "xud"), ("msync", M.sys_msync, "xux"), ("mlock", M.sys_mlock, "xu"),
    ("munlock", M.sys_munlock, "xu"), ("mlockall", M.sys_mlockall, "x"),
    ("munlockall", M.sys_munlockall, ""),
    # signals
    ("rt_sigaction", G.sys_rt_sigaction, "Sxxu"), ("rt_sigprocmask", G.sys_rt_sigprocmask, "dxxu"),
    ("rt_sigreturn", G.sys_rt_sigreturn, ""), ("rt_sigpending", G.sys_rt_sigpending, "xu"),
    ("rt_sigsuspend", G.sys_rt_sigsuspend, "xu"), ("pause", G.sys_pause, ""),
    ("sigaltstack", G.sys_sigaltstack, "xx"), ("kill", G.sys_kill, "dS"),
    ("tkill", G.sys_tkill, "dS"), ("tgkill", G.sys_tgkill, "ddS"),
    ("rt_sigtimedwait", G.sys_rt_sigtimedwait, "xxxu"), ("rt_sigqueueinfo", G.sys_rt_sigqueueinfo, "dSx"),
    ("rt_tgsigqueueinfo", G.sys_rt_tgsigqueueinfo, "ddSx"),
    # POSIX timers and timerfd
    ("timer_create", R.sys_timer_create, "dxx"), ("timer_settime", R.sys_timer_settime, "ddxx"),
    ("timer_gettime", R.sys_timer_gettime, "dx"), ("timer_getoverrun", R.sys_timer_getoverrun, "d"),
    ("timer_delete", R.sys_timer_delete, "d"), ("timerfd_create", R.sys_timerfd_create, "dx"),
    ("timerfd_settime", R.sys_timerfd_settime, "fdxx"), ("timerfd_gettime", R.sys_timerfd_gettime, "fx"),
    # time
    ("clock_gettime", T.sys_clock_gettime, "dx"), ("clock_getres", T.sys_clock_getres, "dx"),
    ("gettimeofday", T.sys_gettimeofday, "xx"), ("time", T.sys_time, "x"),
    ("nanosleep", T.sys_nanosleep, "xx"), ("clock_nanosleep", T.sys_clock_nanosleep, "ddxx"),
    ("alarm", T.sys_alarm, "u"), ("setitimer", T.sys_setitimer, "dxx"),
    ("getitimer", T.sys_getitimer, "dx"), ("times", T.sys_times, "x"),
    # waiting on many files
    ("poll", L.sys_poll, "xdd"), ("ppoll", L.sys_ppoll, "xdxxu"), ("select", L.sys_select, "dxxxx"),
    ("pselect6", L.sys_pselect6, "dxxxxx"),
    # eventfd and epoll
    ("eventfd", W.sys_eventfd, "u"), ("eventfd2", W.sys_eventfd2, "ux"),
    ("epoll_create", W.sys_epoll_create, "d"), ("epoll_create1", W.sys_epoll_create1, "x"),
    ("epoll_ctl", W.sys_epoll_ctl, "fdfx"), ("epoll_wait", W.sys_epoll_wait, "fxdd"),
    ("epoll_pwait", W.sys_epoll_pwait, "fxddxu"), ("epoll_pwait2", W.sys_epoll_pwait2, "fxdxxu"),
    ("signalfd", W.sys_signalfd, "fxu"), ("signalfd4", W.sys_signalfd4, "fxux"),
    # sockets (AF_UNIX)
    ("socket", O.sys_socket, "ddd"), ("socketpair", O.sys_socketpair, "dddx"),
    ("bind", O.sys_bind, "fxd"), ("listen", O.sys_listen, "fd"), ("connect", O.sys_connect, "fxd"),
    ("accept", O.sys_accept, "fxx"), ("accept4", O.sys_accept4, "fxxx"),
    ("sendto", OM.sys_sendto, "fxuxxd"), ("recvfrom", OM.sys_recvfrom, "fxuxxx"),
    ("sendmsg", OM.sys_sendmsg, "fxx"), ("recvmsg", OM.sys_recvmsg, "fxx"),
    ("shutdown", O.sys_shutdown, "fd"), ("getsockname", O.sys_getsockname, "fxx"),
    ("getpeername", O.sys_getpeername, "fxx"), ("getsockopt", O.sys_getsockopt, "fddxx"),
    ("setsockopt", O.sys_setsockopt, "fddxd"),
    # System V IPC
    ("mq_open", V.sys_mq_open, "sxmx"), ("mq_unlink", V.sys_mq_unlink, "s"),
    ("mq_timedsend", V.sys_mq_timedsend, "dxuux"), ("mq_timedreceive", V.sys_mq_timedreceive, "dxuxx"),
    ("mq_notify", V.sys_mq_notify, "dx"), ("mq_getsetattr", V.sys_mq_getsetattr, "dxx"),
    ("msgget", V.sys_msgget, "xx"), ("msgsnd", V.sys_msgsnd, "dxux"),
    ("msgrcv", V.sys_msgrcv, "dxudx"), ("msgctl", V.sys_msgctl, "ddx"),
    ("semget", V.sys_semget, "xdx"), ("semop", V.sys_semop, "dxu"),
    ("semtimedop", V.sys_semtimedop, "dxux"), ("semctl", V.sys_semctl, "dddx"),
    ("shmget", V.sys_shmget, "xux"), ("shmat", V.sys_shmat, "dxx"), ("shmdt", V.sys_shmdt, "x"),
    ("shmctl", V.sys_shmctl, "ddx"),
    # system information
    ("uname", I.sys_uname, "x"), ("sethostname", I.sys_sethostname, "xu"),
    ("setdomainname", I.sys_setdomainname, "xu"),
    ("reboot", I.sys_reboot, "xxxx"), ("syslog", I.sys_syslog, "dxd"),
    ("sysinfo", I.sys_sysinfo, "x"), ("getrandom", I.sys_getrandom, "xux"),
    ("sched_setscheduler", Q.sys_sched_setscheduler, "ddx"),
    ("sched_getscheduler", Q.sys_sched_getscheduler, "d"),
    ("sched_setparam", Q.sys_sched_setparam, "dx"), ("sched_getparam", Q.sys_sched_getparam, "dx"),
    ("sched_get_priority_max", Q.sys_sched_get_priority_max, "d"),
    ("sched_get_priority_min", Q.sys_sched_get_priority_min, "d"),
    ("sched_rr_get_interval", Q.sys_sched_rr_get_interval, "dx"),
    ("sched_yield", I.sys_sched_yield, ""), ("sched_getaffinity", I.sys_sched_getaffinity, "dux"),
    ("sched_setaffinity", I.sys_sched_setaffinity, "dux"), ("getcpu", I.sys_getcpu, "xxx"),
    ("getpriority", I.sys_getpriority, "dd"), ("setpriority", I.sys_setpriority, "ddd"),
    ("ioprio_get", I.sys_ioprio_get, "dd"), ("ioprio_set", I.sys_ioprio_set, "ddx"),
]


def build_table() -> dict[int, Entry]:
    table: dict[int, Entry] = {}
    for name, fn, sig in ROWS:
        nargs = len(inspect.signature(fn).parameters) - 1          # minus the task
        table[NR[name]] = Entry(name, fn, sig, inspect.isgeneratorfunction(fn), nargs)
    return table
