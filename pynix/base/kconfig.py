"""The kernel's build configuration: what Linux keeps in .config and shows as /proc/config.gz
(kernel/configs.c, CONFIG_IKCONFIG_PROC).

Provides ``CONFIG`` (option -> value: "y", a number or a quoted string; None for "is not
set"), the tick rate ``HZ`` and ``kconfig_text()``, the .config file procfs serves gzipped.
Programs read it to learn what the kernel has: LTP's tst_kconfig skips tests whose
``needs_kconfigs`` are not set, as it would on a Linux built without them. So every entry
states a fact about pynix: an option is "y" only where pynix implements the feature, and the
options LTP and common tools ask about that pynix lacks are listed as not set. Change an
entry when the feature lands or goes.

Owns nothing at run time; the table is data.
"""
from __future__ import annotations

HZ = 250                 # jiffies per second: the coarse clocks and socket timeouts count in them

CONFIG: dict[str, str | int | None] = {
    # the machine
    "CONFIG_64BIT": "y", "CONFIG_X86_64": "y", "CONFIG_X86": "y", "CONFIG_MMU": "y",
    "CONFIG_SMP": None, "CONFIG_NUMA": None, "CONFIG_HZ": HZ, "CONFIG_HZ_250": "y",
    "CONFIG_HIGH_RES_TIMERS": "y", "CONFIG_PREEMPT": None, "CONFIG_PREEMPT_RT": None,
    "CONFIG_LOCALVERSION": '"-pynix"', "CONFIG_MODULES": None,
    # processes and their limits
    "CONFIG_MULTIUSER": "y", "CONFIG_POSIX_TIMERS": "y", "CONFIG_FUTEX": "y",
    "CONFIG_FUTEX_PI": "y", "CONFIG_ADVISE_SYSCALLS": "y", "CONFIG_MEMBARRIER": "y",
    "CONFIG_CHECKPOINT_RESTORE": None, "CONFIG_KCMP": "y", "CONFIG_SECCOMP": "y",
    "CONFIG_SECCOMP_FILTER": "y", "CONFIG_BSD_PROCESS_ACCT": None, "CONFIG_TASKSTATS": None,
    "CONFIG_CROSS_MEMORY_ATTACH": "y", "CONFIG_RSEQ": None, "CONFIG_PRINTK": "y",
    "CONFIG_SYSFS_SYSCALL": "y",
    # namespaces and control groups
    "CONFIG_NAMESPACES": "y", "CONFIG_UTS_NS": "y", "CONFIG_IPC_NS": "y",
    "CONFIG_PID_NS": "y", "CONFIG_NET_NS": None, "CONFIG_USER_NS": None,
    "CONFIG_TIME_NS": None, "CONFIG_CGROUPS": None, "CONFIG_MEMCG": None,
    # memory
    "CONFIG_SHMEM": "y", "CONFIG_SWAP": None, "CONFIG_HUGETLBFS": None,
    "CONFIG_TRANSPARENT_HUGEPAGE": None, "CONFIG_USERFAULTFD": "y",
    "CONFIG_HAVE_ARCH_USERFAULTFD_WP": "y", "CONFIG_HAVE_ARCH_USERFAULTFD_MINOR": "y", "CONFIG_KSM": None,
    "CONFIG_MEMORY_FAILURE": None, "CONFIG_MEMFD_CREATE": "y",
    # files
    "CONFIG_BLOCK": "y", "CONFIG_BLK_DEV_LOOP": "y", "CONFIG_BLK_DEV_RAM": None,
    "CONFIG_FILE_LOCKING": "y", "CONFIG_MANDATORY_FILE_LOCKING": None, "CONFIG_AIO": "y",
    "CONFIG_IO_URING": "y", "CONFIG_EPOLL": "y", "CONFIG_SIGNALFD": "y",
    "CONFIG_TIMERFD": "y", "CONFIG_EVENTFD": "y", "CONFIG_FSNOTIFY": "y", "CONFIG_INOTIFY_USER": "y",
    "CONFIG_FANOTIFY": None, "CONFIG_FANOTIFY_ACCESS_PERMISSIONS": None, "CONFIG_DNOTIFY": "y", "CONFIG_FHANDLE": "y",
    "CONFIG_QUOTA": None, "CONFIG_FS_VERITY": None, "CONFIG_FS_ENCRYPTION": None,
    "CONFIG_EXT2_FS": "y", "CONFIG_EXT2_FS_XATTR": "y", "CONFIG_EXT2_FS_POSIX_ACL": None,
    "CONFIG_EXT4_FS": None, "CONFIG_TMPFS": "y", "CONFIG_TMPFS_XATTR": "y",
    "CONFIG_TMPFS_POSIX_ACL": None, "CONFIG_PROC_FS": "y", "CONFIG_PROC_SYSCTL": "y",
    "CONFIG_SYSFS": None, "CONFIG_DEVTMPFS": "y", "CONFIG_OVERLAY_FS": None,
    "CONFIG_FUSE_FS": None, "CONFIG_IKCONFIG": "y", "CONFIG_IKCONFIG_PROC": "y",
    # IPC
    "CONFIG_SYSVIPC": "y", "CONFIG_POSIX_MQUEUE": "y",
    # networking
    "CONFIG_NET": "y", "CONFIG_UNIX": "y", "CONFIG_INET": "y", "CONFIG_IPV6": None,
    "CONFIG_NETFILTER": None, "CONFIG_TLS": None, "CONFIG_RDS": None,
    # terminals
    "CONFIG_TTY": "y", "CONFIG_UNIX98_PTYS": "y", "CONFIG_VT": None,
    # debugging and security modules
    "CONFIG_KEYS": "y", "CONFIG_KEYS_REQUEST_CACHE": None, "CONFIG_PERSISTENT_KEYRINGS": None,
    "CONFIG_BIG_KEYS": None, "CONFIG_TRUSTED_KEYS": None, "CONFIG_ENCRYPTED_KEYS": None,
    "CONFIG_USER_DECRYPTED_DATA": None, "CONFIG_KEY_DH_OPERATIONS": None,
    "CONFIG_KEY_NOTIFICATIONS": None,
    "CONFIG_SECURITY": None, "CONFIG_KASAN": None, "CONFIG_KCSAN": None, "CONFIG_UBSAN": None,
    "CONFIG_PROVE_LOCKING": None, "CONFIG_DEBUG_KMEMLEAK": None, "CONFIG_FTRACE": None,
    "CONFIG_TRACING": None, "CONFIG_KPROBES": None, "CONFIG_BPF_SYSCALL": None,
}


def kconfig_text() -> bytes:
    """The .config: "CONFIG_X=value" or "# CONFIG_X is not set", one a line."""
    lines = [b"#", b"# pynix kernel configuration", b"#"]
    for name, value in CONFIG.items():
        lines.append(b"# %s is not set" % name.encode() if value is None
                     else b"%s=%s" % (name.encode(), str(value).encode()))
    return b"\n".join(lines) + b"\n"
