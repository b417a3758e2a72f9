"""x86-64 Linux inode-flag ABI (include/uapi/linux/fs.h FS_*_FL and struct fsxattr,
uapi/linux/stat.h STATX_ATTR_*): the ioctl numbers, the flag bits, their fsxattr twins.
ABI facts only.
"""
from __future__ import annotations

import struct

FS_IOC_GETFLAGS, FS_IOC_SETFLAGS = 0x80086601, 0x40086602
FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR = 0x801C581F, 0x401C5820
FS_SECRM_FL, FS_UNRM_FL, FS_COMPR_FL, FS_SYNC_FL = 0x1, 0x2, 0x4, 0x8
FS_IMMUTABLE_FL, FS_APPEND_FL, FS_NODUMP_FL, FS_NOATIME_FL = 0x10, 0x20, 0x40, 0x80
FS_DIRSYNC_FL, FS_TOPDIR_FL = 0x10000, 0x20000
FLAGS_ARG = struct.Struct("<i")          # what FS_IOC_GETFLAGS stores (an int, in practice)
# struct fsxattr: fsx_xflags, fsx_extsize, fsx_nextents, fsx_projid, fsx_cowextsize, pad[8]
FSXATTR = struct.Struct("<IIIII8x")
FS_XFLAG_SYNC, FS_XFLAG_IMMUTABLE, FS_XFLAG_APPEND = 0x20, 0x8, 0x10
FS_XFLAG_NOATIME, FS_XFLAG_NODUMP = 0x40, 0x80
# FS_*_FL <-> FS_XFLAG_* for the flags both spellings have
XFLAG_OF = {FS_SYNC_FL: FS_XFLAG_SYNC, FS_IMMUTABLE_FL: FS_XFLAG_IMMUTABLE,
            FS_APPEND_FL: FS_XFLAG_APPEND, FS_NOATIME_FL: FS_XFLAG_NOATIME,
            FS_NODUMP_FL: FS_XFLAG_NODUMP}
STATX_ATTR_COMPRESSED, STATX_ATTR_IMMUTABLE, STATX_ATTR_APPEND = 0x4, 0x10, 0x20
STATX_ATTR_NODUMP = 0x40
