"""Credentials ABI: the capability numbers and capget/capset's structs
(include/uapi/linux/capability.h), the securebits (uapi/linux/securebits.h), the prctl options
of capabilities (uapi/linux/prctl.h) and the gid_t lists of getgroups/setgroups.

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

# The capabilities that follow the filesystem uid (include/linux/capability.h CAP_FS_SET, that is
# CAP_FS_MASK and CAP_LINUX_IMMUTABLE): a task whose fsuid leaves 0 loses them from its
# effective set, and gets them back from its permitted set when it returns
# (cap_task_fix_setuid).
CAP_FS_MASK = sum(1 << c for c in (CAP_CHOWN, CAP_MKNOD, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                   CAP_FOWNER, CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MAC_OVERRIDE))

NGROUPS_MAX = 65536

# capget/capset: struct __user_cap_header_struct {u32 version; int pid;} and, per 32 bits of
# the sets, struct __user_cap_data_struct {u32 effective, permitted, inheritable;}
_LINUX_CAPABILITY_VERSION_1 = 0x19980330      # one data struct (the low 32 capabilities)
_LINUX_CAPABILITY_VERSION_2 = 0x20071026      # two, as version 3
_LINUX_CAPABILITY_VERSION_3 = 0x20080522      # two: the preferred version
_KERNEL_CAPABILITY_VERSION = _LINUX_CAPABILITY_VERSION_3
CAP_U32S = {_LINUX_CAPABILITY_VERSION_1: 1, _LINUX_CAPABILITY_VERSION_2: 2,
            _LINUX_CAPABILITY_VERSION_3: 2}
CAP_HEADER = struct.Struct("<Ii")
CAP_DATA = struct.Struct("<III")

# securebits (cred->securebits): each bit with its lock bit above it
SECURE_NOROOT, SECURE_NOROOT_LOCKED = 0, 1
SECURE_NO_SETUID_FIXUP, SECURE_NO_SETUID_FIXUP_LOCKED = 2, 3
SECURE_KEEP_CAPS, SECURE_KEEP_CAPS_LOCKED = 4, 5
SECURE_NO_CAP_AMBIENT_RAISE, SECURE_NO_CAP_AMBIENT_RAISE_LOCKED = 6, 7
SECBIT_NOROOT = 1 << SECURE_NOROOT
SECBIT_NO_SETUID_FIXUP = 1 << SECURE_NO_SETUID_FIXUP
SECBIT_KEEP_CAPS = 1 << SECURE_KEEP_CAPS
SECBIT_KEEP_CAPS_LOCKED = 1 << SECURE_KEEP_CAPS_LOCKED
SECBIT_NO_CAP_AMBIENT_RAISE = 1 << SECURE_NO_CAP_AMBIENT_RAISE
SECURE_ALL_BITS = SECBIT_NOROOT | SECBIT_NO_SETUID_FIXUP | SECBIT_KEEP_CAPS | SECBIT_NO_CAP_AMBIENT_RAISE
SECURE_ALL_LOCKS = SECURE_ALL_BITS << 1

# prctl options served by the capability rules (cap_task_prctl)
PR_GET_KEEPCAPS, PR_SET_KEEPCAPS = 7, 8
PR_CAPBSET_READ, PR_CAPBSET_DROP = 23, 24
PR_GET_SECUREBITS, PR_SET_SECUREBITS = 27, 28
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_IS_SET, PR_CAP_AMBIENT_RAISE, PR_CAP_AMBIENT_LOWER = 1, 2, 3
PR_CAP_AMBIENT_CLEAR_ALL = 4


def pack_gids(groups: list[int]) -> bytes:
    """A gid_t array (getgroups)."""
    return struct.pack(f"<{len(groups)}I", *groups)


def unpack_gids(raw: bytes) -> list[int]:
    """A gid_t array (setgroups)."""
    return list(struct.unpack(f"<{len(raw) // 4}I", raw))
