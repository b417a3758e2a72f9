"""x86-64 Linux nsfs ABI (include/uapi/linux/nsfs.h, uapi/linux/sched.h, uapi/linux/magic.h):
the ioctls on a namespace file, the CLONE_NEW* type each kind reports, and the fixed inode
numbers of the initial namespaces (include/linux/proc_ns.h PROC_*_INIT_INO).
ABI facts only.
"""
from __future__ import annotations

import struct

NSIO = 0xB7
NS_GET_USERNS = NSIO << 8 | 0x1          # _IO(NSIO, 0x1)
NS_GET_PARENT = NSIO << 8 | 0x2
NS_GET_NSTYPE = NSIO << 8 | 0x3
NS_GET_OWNER_UID = NSIO << 8 | 0x4
NS_GET_MNTNS_ID = 2 << 30 | 8 << 16 | NSIO << 8 | 0x5     # _IOR(NSIO, 0x5, __u64)
UID_T = struct.Struct("<I")

CLONE_NEWTIME, CLONE_NEWNS, CLONE_NEWCGROUP = 0x80, 0x20000, 0x2000000
CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER = 0x4000000, 0x8000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000

PROC_IPC_INIT_INO, PROC_UTS_INIT_INO, PROC_USER_INIT_INO = 0xEFFFFFFF, 0xEFFFFFFE, 0xEFFFFFFD
PROC_PID_INIT_INO, PROC_CGROUP_INIT_INO, PROC_TIME_INIT_INO = 0xEFFFFFFC, 0xEFFFFFFB, 0xEFFFFFFA
PROC_NET_INIT_INO, PROC_MNT_INIT_INO = 0xEFFFFFF9, 0xEFFFFFF8

NSFS_MAGIC = 0x6E736673
