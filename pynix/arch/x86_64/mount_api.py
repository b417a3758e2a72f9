"""ABI of the mount query calls statmount(2) and listmount(2) (include/uapi/linux/mount.h).

struct mnt_id_req (``MNT_ID_REQ``: size, spare / mnt_ns_fd, mnt_id, param; 24 bytes in
version 0, 32 with mnt_ns_id), the ``STATMOUNT_*`` request bits, and struct statmount
(``STATMOUNT``, 512 bytes, its strings following at ``str``)."""
from __future__ import annotations

import struct

MNT_ID_REQ = struct.Struct("<IIQQ")
MNT_ID_REQ_SIZE_VER0, MNT_ID_REQ_SIZE_VER1 = 24, 32
LSMT_ROOT = 0xFFFF_FFFF_FFFF_FFFF
LISTMOUNT_REVERSE = 1

STATMOUNT_SB_BASIC, STATMOUNT_MNT_BASIC, STATMOUNT_PROPAGATE_FROM = 0x1, 0x2, 0x4
STATMOUNT_MNT_ROOT, STATMOUNT_MNT_POINT, STATMOUNT_FS_TYPE = 0x8, 0x10, 0x20
STATMOUNT_MNT_NS_ID, STATMOUNT_MNT_OPTS = 0x40, 0x80
STATMOUNT_STRINGS = STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT | STATMOUNT_FS_TYPE | STATMOUNT_MNT_OPTS
STATMOUNT_SUPPORTED = 0xFF

# size, mnt_opts, mask, sb_dev_major, sb_dev_minor, sb_magic, sb_flags, fs_type, mnt_id,
# mnt_parent_id, mnt_id_old, mnt_parent_id_old, mnt_attr, mnt_propagation, mnt_peer_group,
# mnt_master, propagate_from, mnt_root, mnt_point, mnt_ns_id; then spare up to 512 bytes
STATMOUNT = struct.Struct("<IIQIIQIIQQIIQQQQQIIQ392x")
STATMOUNT_STR_OFFSET = STATMOUNT.size
assert STATMOUNT.size == 512

# the superblock flags statmount reports (SB_RDONLY, SB_SYNCHRONOUS, SB_DIRSYNC, SB_LAZYTIME)
SB_RDONLY, SB_SYNCHRONOUS, SB_DIRSYNC, SB_LAZYTIME = 1, 16, 128, 1 << 25
# the mnt_attr bits (MOUNT_ATTR_*)
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC = 0x1, 0x2, 0x4, 0x8
