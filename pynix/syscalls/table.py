"""The system call table: number -> handler, in one explicit list that doubles as the
compatibility list (``pynix syscalls`` prints it, README.md's list is generated from it by
scripts/gen_syscall_doc.py). A number that is not here returns ENOSYS.

Each row: name (as in syscall_64.tbl), handler, argument signature for tracing (see
syscalls/trace.py), and, where pynix has less than Linux 6.1, a ``Support`` record saying what
is missing (as gVisor's table marks a call PartiallySupported with a note). A row without one
is a call pynix has as Linux does. Generator handlers may block; the dispatcher detects them.

Provides ``build_table()`` (number -> ``Entry``, for syscalls/dispatch.py) and
``compat_rows()`` (every x86-64 number with its status and note, for the CLI and the docs).
The record types and the notes several rows share are in syscalls/support.py.
"""
from __future__ import annotations

import inspect
from typing import Callable, Union

from pynix.arch.x86_64.syscall_nr import NAME, NOT_IN_LINUX, NR
from pynix.syscalls.support import (
    ABSENT,
    FULL,
    PARTIAL,
    CLOCKS,
    CPU_ITIMERS,
    KEYS,
    MSG_OOB,
    ONE_CPU,
    PTRACE,
    RLIMITS,
    RUSAGE,
    RWF,
    SOCKOPTS,
    SUPPORTED,
    XATTRS,
    Entry,
    Support,
    full,
    partial,
)
from pynix.syscalls import (
    sys_aio,
    sys_capability,
    sys_clone,
    sys_event,
    sys_fd,
    sys_fhandle,
    sys_file,
    sys_fs,
    sys_info,
    sys_inotify,
    sys_io_uring,
    sys_ipc,
    sys_keys,
    sys_lock,
    sys_mm,
    sys_mount,
    sys_poll,
    sys_process,
    sys_procaccess,
    sys_ptrace,
    sys_sched,
    sys_signal,
    sys_socket,
    sys_splice,
    sys_sockmsg,
    sys_thread,
    sys_time,
    sys_timer,
    sys_utimes,
    sys_xattr,
)

# the statuses are re-exported for the CLI, which reads them with the rows
__all__ = ["ABSENT", "FULL", "PARTIAL", "ROWS", "build_table", "compat_rows"]

Row = Union[tuple[str, Callable[..., object], str], tuple[str, Callable[..., object], str, Support]]

ROWS: list[Row] = [
    # files: I/O
    ("read", sys_file.sys_read, "fxu"), ("write", sys_file.sys_write, "fxu"),
    ("readv", sys_file.sys_readv, "fxd"), ("writev", sys_file.sys_writev, "fxd"),
    ("pread64", sys_file.sys_pread64, "fxud"), ("pwrite64", sys_file.sys_pwrite64, "fxud"),
    ("preadv", sys_file.sys_preadv, "fxdd"), ("pwritev", sys_file.sys_pwritev, "fxdd"),
    ("preadv2", sys_file.sys_preadv2, "fxddxx", RWF), ("pwritev2", sys_file.sys_pwritev2, "fxddxx", RWF),
    ("lseek", sys_file.sys_lseek, "fdd"), ("open", sys_file.sys_open, "som"),
    ("openat", sys_file.sys_openat, "fsom"), ("openat2", sys_file.sys_openat2, "fsxu", full(
        "RESOLVE_CACHED fails (EAGAIN) only for O_CREAT, O_TRUNC and O_TMPFILE: every other "
        "lookup is served from memory")), ("creat", sys_file.sys_creat, "sm"),
    ("close", sys_fd.sys_close, "f"), ("dup", sys_fd.sys_dup, "f"), ("dup2", sys_fd.sys_dup2, "ff"),
    ("dup3", sys_fd.sys_dup3, "ffo"),
    ("fcntl", sys_fd.sys_fcntl, "fdx", partial(
        "read/write hints: EINVAL; O_ASYNC's SIGIO comes from pipes only (not sockets or "
        "terminals) and its siginfo has no si_fd (F_NOTIFY's has)")),
    ("pipe", sys_fd.sys_pipe, "x"),
    ("pipe2", sys_fd.sys_pipe2, "xo", partial(
        "O_DIRECT is accepted but the pipe stays a byte stream (no packet mode)")),
    ("ioctl", sys_fd.sys_ioctl, "fxx", partial(
        "FIOCLEX, FIONCLEX, FIONBIO; FIONREAD on pipes and terminals; terminals: termios, window "
        "size, job control, TIOCSTI; pseudo-terminal masters: TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, "
        "TIOCGPTPEER, TIOCPKT, TIOCGPKT, TIOCSIG; loop devices: LOOP_SET_FD, CONFIGURE, "
        "CHANGE_FD, CLR_FD, GET/SET_STATUS(64), SET_CAPACITY, SET_DIRECT_IO, SET_BLOCK_SIZE, "
        "loop-control; block devices: the BLK* requests (no partitions: BLKRRPART EINVAL); "
        "/dev/random: RNDGETENTCNT and the admin requests; anything else ENOTTY (no FIOASYNC, "
        "no socket SIOC* requests)")),
    ("ftruncate", sys_file.sys_ftruncate, "fd"),
    ("fsync", sys_file.sys_fsync, "f"), ("fdatasync", sys_file.sys_fsync, "f"),
    ("sync_file_range", sys_file.sys_sync_file_range, "fxxx", full("writes back the whole file")),
    ("fadvise64", sys_file.sys_fadvise64, "fxud", full("advice is checked and has no effect")),
    ("readahead", sys_file.sys_readahead, "fdu", full(
        "checked as Linux; nothing to prefetch, reads never wait for the disk")),
    ("close_range", sys_fd.sys_close_range, "uux"),
    ("sendfile", sys_file.sys_sendfile, "ffxu"),
    ("copy_file_range", sys_file.sys_copy_file_range, "fxfxux"),
    ("splice", sys_splice.sys_splice, "fxfxux", partial(
        "moves by copying the pipe's slots (no page stealing); SPLICE_F_MOVE/MORE/GIFT are hints")),
    ("tee", sys_splice.sys_tee, "ffux"),
    ("vmsplice", sys_splice.sys_vmsplice, "fxux", partial(
        "user memory is copied into the pipe, not mapped")),
    ("memfd_create", sys_fd.sys_memfd_create, "sx", partial(
        "MFD_HUGETLB: EINVAL; MFD_ALLOW_SEALING is accepted but no seal can be added")),
    ("flock", sys_lock.sys_flock, "fd"),
    ("fallocate", sys_file.sys_fallocate, "fddd", partial(
        "mode 0 and FALLOC_FL_KEEP_SIZE; punching holes, collapsing, zeroing or inserting a "
        "range: EOPNOTSUPP")),
    # files: names and attributes
    ("stat", sys_fs.sys_stat, "sx"), ("lstat", sys_fs.sys_lstat, "sx"),
    ("fstat", sys_fs.sys_fstat, "fx"), ("newfstatat", sys_fs.sys_newfstatat, "fsxx"),
    ("name_to_handle_at", sys_fhandle.sys_name_to_handle_at, "fsxxx", partial("ext2, tmpfs")),
    ("open_by_handle_at", sys_fhandle.sys_open_by_handle_at, "fxx", partial("ext2, tmpfs")),
    ("statx", sys_fs.sys_statx, "fsxxx", partial(
        "STATX_BASIC_STATS, STATX_MNT_ID(_UNIQUE) and STATX_ATTR_MOUNT_ROOT: no birth time, "
        "no other attributes")),
    ("getdents64", sys_fs.sys_getdents64, "fxu"), ("getdents", sys_fs.sys_getdents, "fxu"),
    ("getcwd", sys_fs.sys_getcwd, "xu"), ("chdir", sys_fs.sys_chdir, "s"),
    ("fchdir", sys_fs.sys_fchdir, "f"), ("chroot", sys_fs.sys_chroot, "s"),
    ("access", sys_fs.sys_access, "sd"), ("faccessat", sys_fs.sys_faccessat, "fsd"),
    ("faccessat2", sys_fs.sys_faccessat2, "fsdx"), ("readlink", sys_fs.sys_readlink, "sxu"),
    ("readlinkat", sys_fs.sys_readlinkat, "fsxu"), ("mkdir", sys_fs.sys_mkdir, "sm"),
    ("mkdirat", sys_fs.sys_mkdirat, "fsm"), ("mknod", sys_fs.sys_mknod, "smx"),
    ("mknodat", sys_fs.sys_mknodat, "fsmx"), ("rmdir", sys_fs.sys_rmdir, "s"),
    ("unlink", sys_fs.sys_unlink, "s"), ("unlinkat", sys_fs.sys_unlinkat, "fsx"),
    ("link", sys_fs.sys_link, "ss"), ("linkat", sys_fs.sys_linkat, "fsfsx"),
    ("symlink", sys_fs.sys_symlink, "ss"), ("symlinkat", sys_fs.sys_symlinkat, "sfs"),
    ("rename", sys_fs.sys_rename, "ss"), ("renameat", sys_fs.sys_renameat, "fsfs"),
    ("renameat2", sys_fs.sys_renameat2, "fsfsx", partial(
        "RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT: EINVAL")),
    ("chmod", sys_fs.sys_chmod, "sm"),
    ("fchmod", sys_fs.sys_fchmod, "fm"), ("fchmodat", sys_fs.sys_fchmodat, "fsm"),
    ("fchmodat2", sys_fs.sys_fchmodat2, "fsmx"),
    ("chown", sys_fs.sys_chown, "sdd"), ("fchown", sys_fs.sys_fchown, "fdd"),
    ("lchown", sys_fs.sys_lchown, "sdd"), ("fchownat", sys_fs.sys_fchownat, "fsddx"),
    ("utimensat", sys_utimes.sys_utimensat, "fsxx"), ("utimes", sys_utimes.sys_utimes, "sx"),
    ("futimesat", sys_utimes.sys_futimesat, "fsx"), ("utime", sys_utimes.sys_utime, "sx"),
    ("truncate", sys_fs.sys_truncate, "sd"),
    ("statfs", sys_fs.sys_statfs, "sx"), ("fstatfs", sys_fs.sys_fstatfs, "fx"),
    ("sync", sys_fs.sys_sync, ""), ("syncfs", sys_fs.sys_sync, "f", full("syncs every filesystem")),
    ("umask", sys_fs.sys_umask, "m"),
    # files: extended attributes
    ("setxattr", sys_xattr.sys_setxattr, "ssxud", XATTRS),
    ("lsetxattr", sys_xattr.sys_lsetxattr, "ssxud", XATTRS),
    ("fsetxattr", sys_xattr.sys_fsetxattr, "fsxud", XATTRS),
    ("getxattr", sys_xattr.sys_getxattr, "ssxu", XATTRS),
    ("lgetxattr", sys_xattr.sys_lgetxattr, "ssxu", XATTRS),
    ("fgetxattr", sys_xattr.sys_fgetxattr, "fsxu", XATTRS),
    ("listxattr", sys_xattr.sys_listxattr, "sxu"), ("llistxattr", sys_xattr.sys_llistxattr, "sxu"),
    ("flistxattr", sys_xattr.sys_flistxattr, "fxu"),
    ("removexattr", sys_xattr.sys_removexattr, "ss", XATTRS),
    ("lremovexattr", sys_xattr.sys_lremovexattr, "ss", XATTRS),
    ("fremovexattr", sys_xattr.sys_fremovexattr, "fs", XATTRS),
    ("setxattrat", sys_xattr.sys_setxattrat, "fsxsxu", XATTRS),
    ("getxattrat", sys_xattr.sys_getxattrat, "fsxsxu", XATTRS),
    ("listxattrat", sys_xattr.sys_listxattrat, "fsxxu"),
    ("removexattrat", sys_xattr.sys_removexattrat, "fsxs", XATTRS),
    # mounts
    ("sysfs", sys_mount.sys_sysfs, "dxx"), ("ustat", sys_mount.sys_ustat, "xx"),
    ("mount", sys_mount.sys_mount, "sssxs", partial(
        "tmpfs, proc, devtmpfs and ext2 (other types: ENODEV), bind, remount, move and "
        "propagation (MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE)")),
    ("umount2", sys_mount.sys_umount2, "sx"),
    ("statmount", sys_mount.sys_statmount, "xxux", partial(
        "SB_BASIC, MNT_BASIC, PROPAGATE_FROM, MNT_ROOT, MNT_POINT, FS_TYPE, MNT_NS_ID and "
        "MNT_OPTS; the caller's namespace only (a non-zero mnt_ns_fd is EINVAL)")),
    ("listmount", sys_mount.sys_listmount, "xxux", partial(
        "the caller's namespace only (a non-zero mnt_ns_fd is EINVAL)")),
    # processes
    ("fork", sys_clone.sys_fork, ""), ("vfork", sys_clone.sys_vfork, ""),
    ("clone", sys_clone.sys_clone, "xxxxx", partial(
        "namespaces: CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNS and CLONE_NEWPID; NEWUSER, NEWNET "
        "and NEWCGROUP: EINVAL")),
    ("execve", sys_process.sys_execve, "sve"),
    ("execveat", sys_process.sys_execveat, "fsvex", partial(
        "the flags are ignored: AT_EMPTY_PATH (fexecve) fails, AT_SYMLINK_NOFOLLOW follows")),
    ("exit", sys_process.sys_exit, "d"), ("exit_group", sys_process.sys_exit_group, "d"),
    ("wait4", sys_process.sys_wait4, "dxxx", RUSAGE),
    ("waitid", sys_process.sys_waitid, "ddxxx", RUSAGE), ("getpid", sys_process.sys_getpid, ""),
    ("gettid", sys_process.sys_gettid, ""), ("getppid", sys_process.sys_getppid, ""),
    ("set_tid_address", sys_process.sys_set_tid_address, "x"),
    ("set_robust_list", sys_process.sys_set_robust_list, "xu"), ("getuid", sys_process.sys_getuid, ""),
    ("geteuid", sys_process.sys_geteuid, ""), ("getgid", sys_process.sys_getgid, ""),
    ("getegid", sys_process.sys_getegid, ""), ("getresuid", sys_process.sys_getresuid, "xxx"),
    ("getresgid", sys_process.sys_getresgid, "xxx"), ("setuid", sys_process.sys_setuid, "d"),
    ("setgid", sys_process.sys_setgid, "d"), ("setreuid", sys_process.sys_setreuid, "dd"),
    ("setregid", sys_process.sys_setregid, "dd"), ("setresuid", sys_process.sys_setresuid, "ddd"),
    ("setresgid", sys_process.sys_setresgid, "ddd"),
    ("setfsuid", sys_process.sys_setfsuid, "d"), ("setfsgid", sys_process.sys_setfsgid, "d"),
    ("getgroups", sys_process.sys_getgroups, "dx"),
    ("setgroups", sys_process.sys_setgroups, "dx"), ("getpgid", sys_process.sys_getpgid, "d"),
    ("getpgrp", sys_process.sys_getpgrp, ""), ("setpgid", sys_process.sys_setpgid, "dd"),
    ("getsid", sys_process.sys_getsid, "d"), ("setsid", sys_process.sys_setsid, ""),
    ("vhangup", sys_process.sys_vhangup, ""),
    ("prlimit64", sys_process.sys_prlimit64, "ddxx", RLIMITS),
    ("getrlimit", sys_process.sys_getrlimit, "dx"),
    ("setrlimit", sys_process.sys_setrlimit, "dx", RLIMITS),
    ("getrusage", sys_process.sys_getrusage, "dx", RUSAGE),
    ("arch_prctl", sys_process.sys_arch_prctl, "Ax", partial(
        "ARCH_SET_FS, ARCH_GET_FS, ARCH_SET_GS, ARCH_GET_GS; the others (CPUID faulting, "
        "ARCH_MAP_VDSO_*, XSTATE permissions): EINVAL")),
    ("prctl", sys_process.sys_prctl, "dxxxx", partial(
        "PR_SET_NAME, PR_GET_NAME, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_DUMPABLE, "
        "PR_SET/GET_CHILD_SUBREAPER, "
        "PR_GET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_CAPBSET_READ, "
        "PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_GET/SET_SECUREBITS, PR_GET/SET_KEEPCAPS, "
        "PR_GET/SET_SECCOMP; every other "
        "option: EINVAL")),
    ("seccomp", sys_process.sys_seccomp, "dxx", partial(
        "strict and filter modes with every action; no SECCOMP_FILTER_FLAG_NEW_LISTENER "
        "(EINVAL), so USER_NOTIF is not offered and returns ENOSYS; TRACE gives ENOSYS "
        "until a tracer asks for PTRACE_EVENT_SECCOMP")),
    ("capget", sys_capability.sys_capget, "xx"),
    ("lsm_list_modules", sys_capability.sys_lsm_list_modules, "xxx"),
    ("capset", sys_capability.sys_capset, "xx", partial(
        "no file capabilities: exec computes the sets as for a file without them")),
    ("personality", sys_process.sys_personality, "x", partial(
        "the persona is kept and returned, but no flag in it changes behaviour")),
    # threads
    ("futex", sys_thread.sys_futex, "xFdxxd", partial(
        "FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI: ENOSYS")),
    ("futex_waitv", sys_thread.sys_futex_waitv, "xuxxd"),
    ("get_robust_list", sys_thread.sys_get_robust_list, "dxx"),
    ("clone3", sys_clone.sys_clone3, "xu", partial(
        "namespaces as clone; set_tid, CLONE_INTO_CGROUP and CLONE_NEWTIME: ENOSYS")),
    ("pidfd_open", sys_signal.sys_pidfd_open, "dx"),
    ("pidfd_send_signal", sys_signal.sys_pidfd_send_signal, "fSxx"),
    ("pidfd_getfd", sys_procaccess.sys_pidfd_getfd, "fdx"),
    ("ptrace", sys_ptrace.sys_ptrace, "dddx", PTRACE),
    ("process_vm_readv", sys_procaccess.sys_process_vm_readv, "dxuxux"),
    ("process_vm_writev", sys_procaccess.sys_process_vm_writev, "dxuxux"),
    ("kcmp", sys_procaccess.sys_kcmp, "ddduu", partial(
        "KCMP_IO: pynix tasks have no io_context, so any two compare equal")),
    ("unshare", sys_clone.sys_unshare, "x", partial(
        "namespaces: CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNS and CLONE_NEWPID; NEWUSER, "
        "NEWNET, NEWCGROUP and NEWTIME: EINVAL")),
    ("restart_syscall", sys_thread.sys_restart_syscall, ""),
    # memory
    ("brk", sys_mm.sys_brk, "x"),
    ("mmap", sys_mm.sys_mmap, "xupMfx", partial(
        "MAP_HUGETLB gives ordinary pages; MAP_SHARED_VALIDATE does not refuse unknown flags")),
    ("munmap", sys_mm.sys_munmap, "xu"), ("mprotect", sys_mm.sys_mprotect, "xup"),
    ("mremap", sys_mm.sys_mremap, "xuuxx"),
    ("mincore", sys_mm.sys_mincore, "xux"),
    ("membarrier", sys_mm.sys_membarrier, "xxd", partial(
        "no CONFIG_RSEQ: the PRIVATE_EXPEDITED_RSEQ commands are EINVAL")),
    ("madvise", sys_mm.sys_madvise, "xud", partial(
        "MADV_DONTNEED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK and the hints; no KSM nor THP advice; MADV_REMOVE, "
        "MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_*, "
        "MADV_DONTNEED_LOCKED and MADV_COLLAPSE: EINVAL")),
    ("msync", sys_mm.sys_msync, "xux"),
    ("mlock", sys_mm.sys_mlock, "xu"), ("mlock2", sys_mm.sys_mlock2, "xux"),
    ("munlock", sys_mm.sys_munlock, "xu"),
    ("mlockall", sys_mm.sys_mlockall, "x"), ("munlockall", sys_mm.sys_munlockall, ""),
    ("mseal", sys_mm.sys_mseal, "xux"),
    ("remap_file_pages", sys_mm.sys_remap_file_pages, "xuxxx"),
    ("userfaultfd", sys_mm.sys_userfaultfd, "x", partial(
        "anonymous and shmem areas (no hugetlbfs); no UFFD_FEATURE_EVENT_FORK nor WP_ASYNC; "
        "REMAP/REMOVE/UNMAP events are queued without waiting to be read; a syscall whose "
        "uaccess meets a userfault sleeps and is restarted")),
    # signals
    ("rt_sigaction", sys_signal.sys_rt_sigaction, "Sxxu"),
    ("rt_sigprocmask", sys_signal.sys_rt_sigprocmask, "dxxu"),
    ("rt_sigreturn", sys_signal.sys_rt_sigreturn, ""),
    ("rt_sigpending", sys_signal.sys_rt_sigpending, "xu"),
    ("rt_sigsuspend", sys_signal.sys_rt_sigsuspend, "xu"), ("pause", sys_signal.sys_pause, ""),
    ("sigaltstack", sys_signal.sys_sigaltstack, "xx"), ("kill", sys_signal.sys_kill, "dS"),
    ("tkill", sys_signal.sys_tkill, "dS"), ("tgkill", sys_signal.sys_tgkill, "ddS"),
    ("rt_sigtimedwait", sys_signal.sys_rt_sigtimedwait, "xxxu"),
    ("rt_sigqueueinfo", sys_signal.sys_rt_sigqueueinfo, "dSx"),
    ("rt_tgsigqueueinfo", sys_signal.sys_rt_tgsigqueueinfo, "ddSx"),
    # POSIX timers and timerfd
    ("timer_create", sys_timer.sys_timer_create, "dxx", partial(
        "CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME and CPU-time clocks (a process timer "
        "expires when a thread of the process returns from user mode after its CPU time "
        "passed the deadline, not on a tick); the alarm and TAI clocks: EINVAL")),
    ("timer_settime", sys_timer.sys_timer_settime, "ddxx"),
    ("timer_gettime", sys_timer.sys_timer_gettime, "dx"),
    ("timer_getoverrun", sys_timer.sys_timer_getoverrun, "d"),
    ("timer_delete", sys_timer.sys_timer_delete, "d"),
    ("timerfd_create", sys_timer.sys_timerfd_create, "dx", partial(
        "CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME; the alarm clocks: EINVAL")),
    ("timerfd_settime", sys_timer.sys_timerfd_settime, "fdxx", partial(
        "TFD_TIMER_CANCEL_ON_SET is accepted but never cancels: a step of the host's clock is "
        "not seen")),
    ("timerfd_gettime", sys_timer.sys_timerfd_gettime, "fx"),
    # time
    ("clock_gettime", sys_time.sys_clock_gettime, "dx", CLOCKS),
    ("clock_getres", sys_time.sys_clock_getres, "dx", CLOCKS),
    ("gettimeofday", sys_time.sys_gettimeofday, "xx"), ("time", sys_time.sys_time, "x"),
    ("nanosleep", sys_time.sys_nanosleep, "xx"),
    ("clock_nanosleep", sys_time.sys_clock_nanosleep, "ddxx", partial(
        "clocks as clock_gettime; a sleep on a process CPU-time clock lasts until that "
        "process's CPU time reaches the deadline, checked when one of its threads returns "
        "from user mode")),
    ("alarm", sys_time.sys_alarm, "u"),
    ("setitimer", sys_time.sys_setitimer, "dxx", CPU_ITIMERS),
    ("getitimer", sys_time.sys_getitimer, "dx", CPU_ITIMERS),
    ("times", sys_time.sys_times, "x"),
    # waiting on many files
    ("poll", sys_poll.sys_poll, "xdd"), ("ppoll", sys_poll.sys_ppoll, "xdxxu"),
    ("select", sys_poll.sys_select, "dxxxx"), ("pselect6", sys_poll.sys_pselect6, "dxxxxx"),
    # native asynchronous I/O
    ("io_setup", sys_aio.sys_io_setup, "ux"), ("io_destroy", sys_aio.sys_io_destroy, "x"),
    ("io_submit", sys_aio.sys_io_submit, "xdx", partial(
        "PREAD, PWRITE, PREADV, PWRITEV, FSYNC, FDSYNC and POLL; reads and writes of regular "
        "files complete within io_submit, as Linux's buffered AIO does; RWF_NOWAIT is accepted "
        "on every file, RWF_NOAPPEND does not stop an O_APPEND file from appending")),
    ("io_cancel", sys_aio.sys_io_cancel, "xxx"),
    ("io_getevents", sys_aio.sys_io_getevents, "xddxx"),
    ("io_pgetevents", sys_aio.sys_io_pgetevents, "xddxxx"),
    ("io_uring_setup", sys_io_uring.sys_io_uring_setup, "ux", partial(
        "SQPOLL, IOPOLL and the later setup flags: EINVAL; the rings and SQEs are shared "
        "memory (IORING_FEAT_SINGLE_MMAP, NODROP, SUBMIT_STABLE, RW_CUR_POS)")),
    ("io_uring_enter", sys_io_uring.sys_io_uring_enter, "fuuxxu", partial(
        "requests run in the submitting task, so one that must wait makes io_uring_enter "
        "wait; POLL_ADD and TIMEOUT complete later; opcodes NOP, READV, WRITEV, FSYNC, "
        "READ/WRITE_FIXED, POLL_ADD/REMOVE, SENDMSG, RECVMSG, TIMEOUT/_REMOVE, ACCEPT, "
        "ASYNC_CANCEL, CONNECT, OPENAT, CLOSE, STATX, READ, WRITE, SEND, RECV; IOSQE_IO_LINK "
        "cancels the rest of a chain after a failure; EXT_ARG: EINVAL")),
    ("io_uring_register", sys_io_uring.sys_io_uring_register, "fuxu", partial(
        "BUFFERS, FILES, EVENTFD and their UNREGISTERs, PROBE; others EINVAL")),
    # eventfd, epoll, signalfd
    ("eventfd", sys_event.sys_eventfd, "u"), ("eventfd2", sys_event.sys_eventfd2, "ux"),
    ("epoll_create", sys_event.sys_epoll_create, "d"),
    ("epoll_create1", sys_event.sys_epoll_create1, "x"), ("epoll_ctl", sys_event.sys_epoll_ctl, "fdfx"),
    ("epoll_wait", sys_event.sys_epoll_wait, "fxdd"),
    ("epoll_pwait", sys_event.sys_epoll_pwait, "fxddxu"),
    ("epoll_pwait2", sys_event.sys_epoll_pwait2, "fxdxxu"), ("signalfd", sys_event.sys_signalfd, "fxu"),
    ("signalfd4", sys_event.sys_signalfd4, "fxux"),
    # inotify
    ("inotify_init", sys_inotify.sys_inotify_init, ""),
    ("inotify_init1", sys_inotify.sys_inotify_init1, "x"),
    ("inotify_add_watch", sys_inotify.sys_inotify_add_watch, "fsx"),
    ("inotify_rm_watch", sys_inotify.sys_inotify_rm_watch, "fd"),
    # sockets: AF_UNIX, and AF_INET on the loopback network
    ("socket", sys_socket.sys_socket, "ddd", partial(
        "AF_UNIX (stream, datagram, seqpacket) and AF_INET TCP and UDP on the loopback network "
        "only; AF_INET6, AF_NETLINK, AF_PACKET and the other families: EAFNOSUPPORT; SOCK_RAW: "
        "EPROTONOSUPPORT")),
    ("socketpair", sys_socket.sys_socketpair, "dddx"),
    ("bind", sys_socket.sys_bind, "fxd"), ("listen", sys_socket.sys_listen, "fd"),
    ("connect", sys_socket.sys_connect, "fxd"), ("accept", sys_socket.sys_accept, "fxx"),
    ("accept4", sys_socket.sys_accept4, "fxxx"),
    ("sendto", sys_sockmsg.sys_sendto, "fxuxxd", MSG_OOB),
    ("recvfrom", sys_sockmsg.sys_recvfrom, "fxuxxx", MSG_OOB),
    ("sendmsg", sys_sockmsg.sys_sendmsg, "fxx", partial(
        "control messages SCM_RIGHTS and SCM_CREDENTIALS only (IP_PKTINFO and the like: EINVAL); "
        "MSG_OOB is ignored")),
    ("recvmsg", sys_sockmsg.sys_recvmsg, "fxx", MSG_OOB),
    ("sendmmsg", sys_sockmsg.sys_sendmmsg, "fxux", MSG_OOB),
    ("recvmmsg", sys_sockmsg.sys_recvmmsg, "fxuxx", MSG_OOB),
    ("shutdown", sys_socket.sys_shutdown, "fd"),
    ("getsockname", sys_socket.sys_getsockname, "fxx"),
    ("getpeername", sys_socket.sys_getpeername, "fxx"),
    ("getsockopt", sys_socket.sys_getsockopt, "fddxx", SOCKOPTS),
    ("setsockopt", sys_socket.sys_setsockopt, "fddxd", SOCKOPTS),
    # POSIX message queues
    ("mq_open", sys_ipc.sys_mq_open, "sxmx"), ("mq_unlink", sys_ipc.sys_mq_unlink, "s"),
    ("mq_timedsend", sys_ipc.sys_mq_timedsend, "dxuux"),
    ("mq_timedreceive", sys_ipc.sys_mq_timedreceive, "dxuxx"),
    ("mq_notify", sys_ipc.sys_mq_notify, "dx", partial(
        "SIGEV_SIGNAL and SIGEV_NONE; SIGEV_THREAD (the C library's netlink helper): EINVAL")),
    ("mq_getsetattr", sys_ipc.sys_mq_getsetattr, "dxx"),
    # System V IPC
    ("msgget", sys_ipc.sys_msgget, "xx"), ("msgsnd", sys_ipc.sys_msgsnd, "dxux"),
    ("msgrcv", sys_ipc.sys_msgrcv, "dxudx", partial(
        "MSG_COPY: ENOSYS, as on a kernel without CONFIG_CHECKPOINT_RESTORE")),
    ("msgctl", sys_ipc.sys_msgctl, "ddx"),
    ("semget", sys_ipc.sys_semget, "xdx"), ("semop", sys_ipc.sys_semop, "dxu"),
    ("semtimedop", sys_ipc.sys_semtimedop, "dxux"), ("semctl", sys_ipc.sys_semctl, "dddx"),
    ("shmget", sys_ipc.sys_shmget, "xux"), ("shmat", sys_ipc.sys_shmat, "dxx"),
    ("shmdt", sys_ipc.sys_shmdt, "x"),
    ("shmctl", sys_ipc.sys_shmctl, "ddx"),
    # system information
    ("uname", sys_info.sys_uname, "x"), ("sethostname", sys_info.sys_sethostname, "xu"),
    ("setdomainname", sys_info.sys_setdomainname, "xu"), ("reboot", sys_info.sys_reboot, "xxxx"),
    ("syslog", sys_info.sys_syslog, "dxd"),
    ("sysinfo", sys_info.sys_sysinfo, "x", partial(
        "uptime, total and free memory and the number of processes; load averages, shared and "
        "buffer memory and swap are 0")),
    ("getrandom", sys_info.sys_getrandom, "xux"),
    ("sched_setscheduler", sys_sched.sys_sched_setscheduler, "ddx"),
    ("sched_setattr", sys_sched.sys_sched_setattr, "dxx", partial(
        "SCHED_DEADLINE is EDF with CBS throttling on pynix's one CPU; SCHED_FLAG_RECLAIM and "
        "SCHED_FLAG_DL_OVERRUN are kept but change nothing; no utilisation clamping (EOPNOTSUPP)")),
    ("sched_getattr", sys_sched.sys_sched_getattr, "dxux"),
    ("sched_getscheduler", sys_sched.sys_sched_getscheduler, "d"),
    ("sched_setparam", sys_sched.sys_sched_setparam, "dx"),
    ("sched_getparam", sys_sched.sys_sched_getparam, "dx"),
    ("sched_get_priority_max", sys_sched.sys_sched_get_priority_max, "d"),
    ("sched_get_priority_min", sys_sched.sys_sched_get_priority_min, "d"),
    ("sched_rr_get_interval", sys_sched.sys_sched_rr_get_interval, "dx"),
    ("sched_yield", sys_info.sys_sched_yield, ""),
    ("sched_getaffinity", sys_info.sys_sched_getaffinity, "dux", ONE_CPU),
    ("sched_setaffinity", sys_info.sys_sched_setaffinity, "dux", ONE_CPU),
    ("getcpu", sys_info.sys_getcpu, "xxx", ONE_CPU), ("getpriority", sys_info.sys_getpriority, "dd"),
    ("setpriority", sys_info.sys_setpriority, "ddd"), ("ioprio_get", sys_info.sys_ioprio_get, "dd"),
    ("ioprio_set", sys_info.sys_ioprio_set, "ddx"),
    ("add_key", sys_keys.sys_add_key, "ssxud", KEYS),
    ("request_key", sys_keys.sys_request_key, "sssd", KEYS),
    ("keyctl", sys_keys.sys_keyctl, "dxxxx", KEYS),
]


def build_table() -> dict[int, Entry]:
    table: dict[int, Entry] = {}
    for name, fn, sig, *support in ROWS:
        nargs = len(inspect.signature(fn).parameters) - 1          # minus the task
        table[NR[name]] = Entry(name, fn, sig, inspect.isgeneratorfunction(fn), nargs,
                                support[0] if support else SUPPORTED)
    return table


def compat_rows() -> list[tuple[int, str, str, str]]:
    """(number, name, status, note) for every x86-64 syscall number, in number order: FULL or
    PARTIAL from the table, ABSENT (ENOSYS) for the numbers it does not have."""
    table = build_table()
    rows = []
    for nr in sorted(NAME):
        ent = table.get(nr)
        if ent is not None:
            rows.append((nr, ent.name, ent.support.status, ent.support.note))
        else:
            rows.append((nr, NAME[nr], ABSENT, "ENOSYS; Linux has none either"
                         if NAME[nr] in NOT_IN_LINUX else "ENOSYS"))
    return rows
