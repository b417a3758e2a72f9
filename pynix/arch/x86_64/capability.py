"""Credentials ABI: the capability numbers (include/uapi/linux/capability.h) and the gid_t
lists of getgroups/setgroups.

ABI facts only; kernel/cred.py decides who holds which capability (``capable``).
"""
from __future__ import annotations

import struct

CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID = 0, 1, 2, 3, 4
CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_LINUX_IMMUTABLE = 5, 6, 7, 8, 9
CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_ADMIN, CAP_NET_RAW = 10, 11, 12, 13
CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_CHROOT = 14, 15, 16, 17, 18
CAP_SYS_PTRACE, CAP_SYS_PACCT, CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_NICE = 19, 20, 21, 22, 23
CAP_SYS_RESOURCE, CAP_SYS_TIME, CAP_SYS_TTY_CONFIG, CAP_MKNOD, CAP_LEASE = 24, 25, 26, 27, 28
CAP_AUDIT_WRITE, CAP_AUDIT_CONTROL, CAP_SETFCAP, CAP_MAC_OVERRIDE, CAP_MAC_ADMIN = 29, 30, 31, 32, 33
CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_READ, CAP_PERFMON = 34, 35, 36, 37, 38
CAP_BPF, CAP_CHECKPOINT_RESTORE = 39, 40
CAP_LAST_CAP = CAP_CHECKPOINT_RESTORE
CAP_FULL_SET = (1 << (CAP_LAST_CAP + 1)) - 1       # what /proc/PID/status shows for root

# The capabilities that follow the filesystem uid (include/linux/capability.h CAP_FS_MASK):
# a task whose fsuid leaves 0 loses them (cap_task_fix_setuid).
CAP_FS_MASK = sum(1 << c for c in (CAP_CHOWN, CAP_MKNOD, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                   CAP_FOWNER, CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MAC_OVERRIDE))

NGROUPS_MAX = 65536


def pack_gids(groups: list[int]) -> bytes:
    """A gid_t array (getgroups)."""
    return struct.pack(f"<{len(groups)}I", *groups)


def unpack_gids(raw: bytes) -> list[int]:
    """A gid_t array (setgroups)."""
    return list(struct.unpack(f"<{len(raw) // 4}I", raw))
