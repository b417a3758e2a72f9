"""x86-64 Linux ABI constants and struct layouts used by the syscall layer.

ABI facts only (include/uapi/...): flag values, struct formats and packers. No logic beyond
packing and unpacking. Everything user space sees as a number or a byte layout is defined here.
"""
from __future__ import annotations

import struct

from pynix.arch.x86_64.kdev_t import major, makedev, minor  # noqa: F401  (A.makedev users)

# -- memory ------------------------------------------------------------------------------------
PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC = 0, 1, 2, 4
PROT_GROWSDOWN, PROT_GROWSUP = 0x01000000, 0x02000000
MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE = 0x01, 0x02, 0x03
MAP_TYPE = 0x0F
MAP_FIXED, MAP_ANONYMOUS = 0x10, 0x20
MAP_GROWSDOWN, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_LOCKED = 0x100, 0x800, 0x1000, 0x2000
MAP_NORESERVE, MAP_POPULATE, MAP_NONBLOCK, MAP_STACK = 0x4000, 0x8000, 0x10000, 0x20000
MAP_HUGETLB, MAP_FIXED_NOREPLACE = 0x40000, 0x100000
# the flags MAP_SHARED silently accepts and MAP_SHARED_VALIDATE checks (LEGACY_MAP_MASK)
LEGACY_MAP_MASK = (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE
                   | MAP_EXECUTABLE | 0x4000000 | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE
                   | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB)   # 0x4000000: UNINITIALIZED
MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP = 1, 2, 4
MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED = 0, 1, 2, 3, 4
MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK = 8, 9, 10, 11
MS_ASYNC, MS_INVALIDATE, MS_SYNC = 1, 2, 4
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4
MLOCK_ONFAULT = 1                     # mlock2 flag

# -- files -------------------------------------------------------------------------------------
O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE = 0, 1, 2, 3
O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK = 0o100, 0o200, 0o400, 0o1000, 0o2000, 0o4000
O_DSYNC, O_ASYNC, O_DIRECT, O_LARGEFILE, O_DIRECTORY = 0o10000, 0o20000, 0o40000, 0o100000, 0o200000
O_NOFOLLOW, O_NOATIME, O_CLOEXEC, O_SYNC, O_PATH, O_TMPFILE = (0o400000, 0o1000000, 0o2000000,
                                                               0o4010000, 0o10000000, 0o20200000)
AT_FDCWD = -100
# openat2(2): struct open_how {u64 flags, mode, resolve} (include/uapi/linux/openat2.h)
OPEN_HOW = struct.Struct("<QQQ")
OPEN_HOW_SIZE_VER0 = 24
RESOLVE_NO_XDEV, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS = 0x01, 0x02, 0x04
RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_CACHED = 0x08, 0x10, 0x20
VALID_RESOLVE_FLAGS = 0x3F
AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_SYMLINK_FOLLOW = 0x100, 0x200, 0x400
AT_NO_AUTOMOUNT, AT_EMPTY_PATH, AT_EACCESS = 0x800, 0x1000, 0x200
AT_STATX_SYNC_TYPE, STATX__RESERVED = 0x6000, 0x80000000
CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC = 2, 4
SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE = 0, 1, 2, 3, 5, 6
SCHED_NORMAL, SCHED_RESET_ON_FORK = SCHED_OTHER, 0x40000000
POSIX_FADV_NOREUSE = 5                          # advice 0..5 are valid
SYNC_FILE_RANGE_ALL = 7                         # WAIT_BEFORE | WRITE | WAIT_AFTER
F_OK, X_OK, W_OK, R_OK = 0, 1, 2, 4
SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE = 0, 1, 2, 3, 4
F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL = 0, 1, 2, 3, 4
F_GETLK, F_SETLK, F_SETLKW, F_SETOWN, F_GETOWN = 5, 6, 7, 8, 9
F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ = 1030, 1031, 1032
F_CREATED_QUERY = 1028                  # Linux 6.12: did this open create the file?
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
F_RDLCK, F_WRLCK, F_UNLCK = 0, 1, 2
F_SETSIG, F_GETSIG, F_SETOWN_EX, F_GETOWN_EX = 10, 11, 15, 16
F_OWNER_TID, F_OWNER_PID, F_OWNER_PGRP = 0, 1, 2
F_SETLEASE, F_GETLEASE, F_NOTIFY = 1024, 1025, 1026
# fcntl(F_NOTIFY)'s dnotify events (include/uapi/linux/fcntl.h)
DN_ACCESS, DN_MODIFY, DN_CREATE, DN_DELETE, DN_RENAME, DN_ATTRIB = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
DN_MULTISHOT = 0x80000000
F_ADD_SEALS, F_GET_SEALS = 1033, 1034
F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE = 0x1, 0x2, 0x4, 0x8
F_SEAL_FUTURE_WRITE, F_SEAL_EXEC = 0x10, 0x20
POLL_IN, POLL_OUT, POLL_MSG, POLL_ERR, POLL_PRI, POLL_HUP = 1, 2, 3, 4, 5, 6   # SIGIO si_code
LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN = 1, 2, 4, 8
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 1, 2
FD_CLOEXEC = 1
S_IFMT, S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK = 0o170000, 0o140000, 0o120000, 0o100000, 0o60000
S_IFDIR, S_IFCHR, S_IFIFO = 0o40000, 0o20000, 0o10000
S_ISUID, S_ISGID, S_ISVTX = 0o4000, 0o2000, 0o1000
S_IXGRP = 0o010
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
PIPE_BUF = 4096
# preadv2/pwritev2 flags (include/uapi/linux/fs.h); RWF_ATOMIC needs atomic-write support
RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT, RWF_APPEND, RWF_NOAPPEND = 1, 2, 4, 8, 0x10, 0x20
RWF_ATOMIC = 0x40
RWF_SUPPORTED = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND

CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC = 2, 4
MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, MFD_NOEXEC_SEAL, MFD_EXEC = 1, 2, 4, 8, 0x10
# ioctl requests
TCGETS, TCSETS, TCSETSW, TCSETSF = 0x5401, 0x5402, 0x5403, 0x5404
TIOCSCTTY, TIOCGPGRP, TIOCSPGRP, TIOCOUTQ = 0x540E, 0x540F, 0x5410, 0x5411
TIOCGWINSZ, TIOCSWINSZ, FIONREAD, TIOCNOTTY = 0x5413, 0x5414, 0x541B, 0x5422
FIONBIO, FIOCLEX, FIONCLEX, TIOCGSID = 0x5421, 0x5451, 0x5450, 0x5429

# -- processes ---------------------------------------------------------------------------------
CSIGNAL = 0x000000FF
CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_PIDFD, CLONE_PTRACE, CLONE_VFORK, CLONE_PARENT = 0x1000, 0x2000, 0x4000, 0x8000
CLONE_THREAD, CLONE_NEWNS, CLONE_SYSVSEM, CLONE_SETTLS = 0x10000, 0x20000, 0x40000, 0x80000
CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID, CLONE_DETACHED = 0x100000, 0x200000, 0x400000
CLONE_UNTRACED, CLONE_CHILD_SETTID, CLONE_NEWCGROUP = 0x800000, 0x1000000, 0x2000000
CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x4000000, 0x8000000, 0x10000000, 0x20000000
CLONE_NEWNET, CLONE_IO = 0x40000000, 0x80000000
WNOHANG, WUNTRACED, WSTOPPED, WEXITED, WCONTINUED, WNOWAIT = 1, 2, 2, 4, 8, 0x01000000
WALL, WCLONE, WNOTHREAD = 0x40000000, 0x80000000, 0x20000000
P_ALL, P_PID, P_PGID, P_PIDFD = 0, 1, 2, 3
ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS = 0x1001, 0x1002, 0x1003, 0x1004
ARCH_GET_CPUID, ARCH_SET_CPUID = 0x1011, 0x1012
RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE = 0, 1, 2, 3, 4
RLIMIT_RSS, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS = 5, 6, 7, 8, 9
RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO = 10, 11, 12, 13, 14
RLIM_NLIMITS = 16
RLIM_INFINITY = 0xFFFF_FFFF_FFFF_FFFF
PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_NAME, PR_GET_NAME = 1, 2, 15, 16
PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS = 3, 4, 38, 39
PR_GET_SECCOMP, PR_SET_SECCOMP = 21, 22
PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37
PR_SET_TIMERSLACK, PR_GET_TIMERSLACK = 29, 30
DEFAULT_TIMER_SLACK_NS = 50000    # init_task.timer_slack_ns
RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD = 0, -1, 1
GRND_NONBLOCK, GRND_RANDOM = 1, 2
PRIO_PROCESS, PRIO_PGRP, PRIO_USER = 0, 1, 2
# scheduling policies (include/uapi/linux/sched.h); struct sched_param is one int
SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE = 0, 1, 2, 3, 5, 6
SCHED_RESET_ON_FORK = 0x40000000
MAX_RT_PRIO = 100
# ioprio_get/ioprio_set (include/uapi/linux/ioprio.h)
IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER = 1, 2, 3
IOPRIO_CLASS_NONE, IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE = 0, 1, 2, 3
IOPRIO_CLASS_SHIFT, IOPRIO_LEVEL_MASK = 13, 0x7      # bits 3-12 of the data are hints
# syslog(2) actions (include/linux/syslog.h)
SYSLOG_ACTION_CLOSE, SYSLOG_ACTION_OPEN, SYSLOG_ACTION_READ, SYSLOG_ACTION_READ_ALL = 0, 1, 2, 3
SYSLOG_ACTION_READ_CLEAR, SYSLOG_ACTION_CLEAR, SYSLOG_ACTION_CONSOLE_OFF = 4, 5, 6
SYSLOG_ACTION_CONSOLE_ON, SYSLOG_ACTION_CONSOLE_LEVEL, SYSLOG_ACTION_SIZE_UNREAD = 7, 8, 9
SYSLOG_ACTION_SIZE_BUFFER = 10

# auxiliary vector (include/uapi/linux/auxvec.h)
AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_PLATFORM, AT_HWCAP, AT_CLKTCK = 11, 12, 13, 14, 15, 16, 17
AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_SYSINFO_EHDR, AT_MINSIGSTKSZ = 23, 25, 26, 31, 33, 51

# -- time --------------------------------------------------------------------------------------
CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID = 0, 1, 2, 3
CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME = 4, 5, 6, 7
TIMER_ABSTIME = 1
SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID = 0, 1, 2, 4
CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM = 8, 9
USER_HZ = 100

# -- signals -----------------------------------------------------------------------------------
SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE = 1, 2, 3, 4, 5, 6, 7, 8
SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT = 9, 10, 11, 12, 13, 14, 15, 16
SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU = 17, 18, 19, 20, 21, 22, 23, 24
SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS = 25, 26, 27, 28, 29, 30, 31
SIGRTMIN, SIGRTMAX, NSIG = 32, 64, 65
SIG_DFL, SIG_IGN = 0, 1
SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO, SA_RESTORER = 1, 2, 4, 0x04000000
SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND = 0x08000000, 0x10000000, 0x40000000, 0x80000000
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
SS_ONSTACK, SS_DISABLE, MINSIGSTKSZ = 1, 2, 2048
SI_USER, SI_KERNEL, SI_QUEUE, SI_TIMER, SI_TKILL = 0, 0x80, -1, -2, -6
SEGV_MAPERR, SEGV_ACCERR = 1, 2
BUS_ADRERR = 2
BUS_MCEERR_AR = 4          # hardware memory error consumed (a poisoned page touched)
FPE_INTDIV = 1
ILL_ILLOPN = 2
TRAP_BRKPT = 1
CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED = 1, 2, 3, 4, 5, 6

# -- struct layouts ----------------------------------------------------------------------------
TIMESPEC = struct.Struct("<qq")          # tv_sec, tv_nsec
ITIMERSPEC = struct.Struct("<qqqq")      # it_interval, it_value (two timespecs)
FLOCK = struct.Struct("<hh4xqqi4x")      # struct flock: l_type, l_whence, l_start, l_len, l_pid
F_OWNER_EX = struct.Struct("<ii")        # struct f_owner_ex: type, pid
TIMEVAL = struct.Struct("<qq")           # tv_sec, tv_usec
UTIMBUF = struct.Struct("<qq")           # struct utimbuf: actime, modtime (utime(2))
UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2     # tv_nsec values of utimensat
IOVEC = struct.Struct("<QQ")             # iov_base, iov_len
RLIMIT = struct.Struct("<QQ")            # rlim_cur, rlim_max
WINSIZE = struct.Struct("<HHHH")         # ws_row, ws_col, ws_xpixel, ws_ypixel
# struct stat (arch/x86/include/uapi/asm/stat.h, 144 bytes)
STAT = struct.Struct("<QQQIIIiQqqqqqqqqq24x")
# struct statx (include/uapi/linux/stat.h, 256 bytes)
STATX = struct.Struct("<IIQIIIHH Q QQQ qI4x qI4x qI4x qI4x IIII Q 104x".replace(" ", ""))
STATX_BASIC_STATS = 0x7FF
STATX_MNT_ID, STATX_MNT_ID_UNIQUE, STATX_ATTR_MOUNT_ROOT = 0x1000, 0x4000, 0x2000
# struct utsname: 6 fields of 65 bytes
UTSNAME_FIELD = 65
# struct sysinfo (112 bytes)
SYSINFO = struct.Struct("<q3Q6QH6xQQI4x")
# struct rusage: two timevals then 14 longs
RUSAGE = struct.Struct("<qqqq14q")
# struct tms: four clock_t
TMS = struct.Struct("<qqqq")
# struct ustat (32 bytes): int f_tfree, unsigned long f_tinode, char f_fname[6], f_fpack[6]
USTAT = struct.Struct("<I4xQ6s6s4x")
# struct statfs (120 bytes)
STATFS = struct.Struct("<qqQQQQQiiqqq32x")
# struct linux_dirent64 header: d_ino, d_off, d_reclen, d_type; then name + NUL, aligned to 8
DIRENT64 = struct.Struct("<QqHB")
# termios (struct termios of the kernel ABI, 36 bytes: 4 flags, c_line, 19 cc)
TERMIOS = struct.Struct("<IIIIB19s")
NCCS = 19


U32 = 0xFFFF_FFFF                        # uid_t, gid_t


def pack_stat(dev: int, ino: int, nlink: int, mode: int, uid: int, gid: int, rdev: int, size: int,
              blksize: int, blocks: int, atime: int, mtime: int, ctime: int) -> bytes:
    """struct stat from inode fields; times in nanoseconds. Ids are reported as the u32
    uid_t/gid_t they are."""
    return STAT.pack(dev, ino, nlink, mode, uid & U32, gid & U32, 0, rdev, size, blksize, blocks,
                     atime // 10**9, atime % 10**9, mtime // 10**9, mtime % 10**9,
                     ctime // 10**9, ctime % 10**9)


def pack_statx(mask: int, blksize: int, nlink: int, uid: int, gid: int, mode: int, ino: int,
               size: int, blocks: int, atime: int, btime: int, ctime: int, mtime: int,
               rdev: int, dev: int, attributes: int = 0, attributes_mask: int = 0,
               mnt_id: int = 0) -> bytes:
    def ts(t: int) -> tuple[int, int]:
        return t // 10**9, t % 10**9
    return STATX.pack(mask, blksize, attributes, nlink, uid & U32, gid & U32, mode & 0xFFFF, 0, ino,
                      size, blocks, attributes_mask,
                      *ts(atime), *ts(btime), *ts(ctime), *ts(mtime),
                      major(rdev), minor(rdev), major(dev), minor(dev), mnt_id)


# struct linux_dirent of the old getdents: d_ino, d_off, d_reclen, name + NUL, then padding
# and d_type in the record's last byte; aligned to 8
LINUX_DIRENT = struct.Struct("<QqH")


def linux_dirent(ino: int, off: int, dtype: int, name: bytes) -> bytes:
    reclen = (LINUX_DIRENT.size + len(name) + 2 + 7) & ~7
    rec = LINUX_DIRENT.pack(ino, off, reclen) + name
    return rec + bytes(reclen - len(rec) - 1) + bytes([dtype])


def dirent64(ino: int, off: int, dtype: int, name: bytes) -> bytes:
    reclen = (DIRENT64.size + len(name) + 1 + 7) & ~7
    rec = DIRENT64.pack(ino, off, reclen, dtype) + name
    return rec + bytes(reclen - len(rec))

# mount(2) / umount2(2) (include/uapi/linux/mount.h); MS_RDONLY..MS_PRIVATE are in fs/vfs/dcache.py
MS_MGC_MSK, MS_MGC_VAL = 0xFFFF0000, 0xC0ED0000
MS_SILENT, MS_UNBINDABLE, MS_SLAVE, MS_SHARED = 1 << 15, 1 << 17, 1 << 19, 1 << 20
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1 << 10, 1 << 11, 1 << 21, 1 << 24
MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW = 1, 2, 4, 8
# loop devices: arch/x86_64/loop.py


# sysfs(2) options (fs/filesystems.c)
SYSFS_FS_INDEX, SYSFS_FS_NAME, SYSFS_FS_MAXINDEX = 1, 2, 3
# splice(2), tee(2), vmsplice(2) flags (include/linux/splice.h)
SPLICE_F_MOVE, SPLICE_F_NONBLOCK, SPLICE_F_MORE, SPLICE_F_GIFT = 0x01, 0x02, 0x04, 0x08
SPLICE_F_ALL = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT
