"""x86-64 Linux FIEMAP and clone-range ABI (include/uapi/linux/fiemap.h, fs.h FICLONE*):
ioctl numbers, flag bits and the struct layouts. ABI facts only.
"""
from __future__ import annotations

import struct

FS_IOC_FIEMAP = 0xC020660B                  # _IOWR('f', 11, struct fiemap)
FICLONE, FICLONERANGE, FIDEDUPERANGE = 0x40049409, 0x4020940D, 0xC0189436
FIGETBSZ = 0x2
FIEMAP_FLAG_SYNC, FIEMAP_FLAG_XATTR, FIEMAP_FLAG_CACHE = 0x1, 0x2, 0x4
FIEMAP_FLAGS_COMPAT = FIEMAP_FLAG_SYNC | FIEMAP_FLAG_XATTR
FIEMAP_EXTENT_LAST = 0x1
# struct fiemap: fm_start, fm_length, fm_flags, fm_mapped_extents, fm_extent_count, fm_reserved
FIEMAP = struct.Struct("<QQIII4x")
# struct fiemap_extent: fe_logical, fe_physical, fe_length, fe_reserved64[2], fe_flags, fe_reserved[3]
FIEMAP_EXTENT = struct.Struct("<QQQ16xI12x")
FIEMAP_MAX_EXTENTS = 0xFFFFFFFF // FIEMAP_EXTENT.size
# struct file_clone_range: src_fd (s64), src_offset, src_length, dest_offset
FILE_CLONE_RANGE = struct.Struct("<qQQQ")
