"""x86-64 Linux block-device ioctl ABI (include/uapi/linux/fs.h, linux/random.h's
RNDGETENTCNT family): request numbers and the sizes of what they store.
ABI facts only.
"""
from __future__ import annotations

import struct

# _IO(0x12, n): read-only flag, partitions, size in sectors (unsigned long), flush buffers,
# read-ahead in sectors (a long stored, a value taken), sector and block sizes (ints)
BLKROSET, BLKROGET, BLKRRPART, BLKGETSIZE, BLKFLSBUF = 0x125D, 0x125E, 0x125F, 0x1260, 0x1261
BLKRASET, BLKRAGET, BLKFRASET, BLKFRAGET = 0x1262, 0x1263, 0x1264, 0x1265
BLKSECTGET, BLKSSZGET = 0x1267, 0x1268
BLKBSZGET, BLKBSZSET, BLKGETSIZE64 = 0x80081270, 0x40081271, 0x80081272
BLKDISCARD, BLKIOMIN, BLKIOOPT, BLKALIGNOFF, BLKPBSZGET = 0x1277, 0x1278, 0x1279, 0x127A, 0x127B
BLKDISCARDZEROES, BLKSECDISCARD, BLKROTATIONAL, BLKZEROOUT = 0x127C, 0x127D, 0x127E, 0x127F
BLKGETDISKSEQ = 0x80081280
BLK_INT = struct.Struct("<i")
BLK_UINT = struct.Struct("<I")
BLK_USHORT = struct.Struct("<H")
BLK_ULONG = struct.Struct("<Q")
BLK_RANGE = struct.Struct("<QQ")          # BLKDISCARD / BLKZEROOUT: start, length in bytes
SECTOR_SIZE = 512
BLK_MAX_BLOCK_SIZE = 65536                # the largest logical block size a queue takes
# /dev/random ioctls (_IOR/_IOW('R', n, int)), all but RNDGETENTCNT needing CAP_SYS_ADMIN
RNDGETENTCNT, RNDADDTOENTCNT, RNDGETPOOL, RNDADDENTROPY = 0x80045200, 0x40045201, 0x80085202, \
    0x40085203
RNDZAPENTCNT, RNDCLEARPOOL, RNDRESEEDCRNG = 0x5204, 0x5206, 0x5207
