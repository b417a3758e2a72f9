"""x86-64 Linux loop device ABI (include/uapi/linux/loop.h, uapi/linux/fs.h): device numbers,
the loop and loop-control ioctls, LO_FLAGS_*, struct loop_info (the old one, with 32-bit
offset) and struct loop_info64, and BLKGETSIZE64's u64.
ABI facts only: values, the layout and its packers.
"""
from __future__ import annotations

import struct
from typing import NamedTuple

# block major 7; /dev/loop-control is the misc device 10:237
LOOP_MAJOR, LOOP_CTRL_MINOR, MISC_MAJOR = 7, 237, 10
LOOP_SET_FD, LOOP_CLR_FD, LOOP_SET_STATUS, LOOP_GET_STATUS = 0x4C00, 0x4C01, 0x4C02, 0x4C03
LOOP_SET_STATUS64, LOOP_GET_STATUS64 = 0x4C04, 0x4C05
LOOP_CTL_ADD, LOOP_CTL_REMOVE, LOOP_CTL_GET_FREE = 0x4C80, 0x4C81, 0x4C82
LO_FLAGS_READ_ONLY, LO_FLAGS_AUTOCLEAR = 1, 4
LO_NAME_SIZE = 64
# struct loop_info64: device, inode, rdevice, offset, sizelimit, number, encrypt_type,
# encrypt_key_size, flags, file_name[64], crypt_name[64], encrypt_key[32], init[2]
LOOP_INFO64 = struct.Struct("<QQQQQIIII64s64s32s16s")
# struct loop_info: number, (pad), device, inode, rdevice (unsigned long), offset, encrypt_type,
# encrypt_key_size, flags (int), name[64], encrypt_key[32], init[2] (unsigned long), reserved[4]
LOOP_INFO = struct.Struct("<i4xQQQiiii64s32s16s4s4x")
BLKGETSIZE64 = 0x80081272
BLKGETSIZE64_ARG = struct.Struct("<Q")       # the u64 BLKGETSIZE64 stores
# the other block-device ioctls (uapi/linux/fs.h): read-only flag, size in 512-byte sectors
# (an unsigned long), flush buffers, logical sector size and soft block size (ints)
BLKROGET, BLKGETSIZE, BLKFLSBUF, BLKSSZGET = 0x125E, 0x1260, 0x1261, 0x1268
BLKBSZGET = 0x80081270
BLK_INT = struct.Struct("<i")
BLK_ULONG = struct.Struct("<Q")
SECTOR_SIZE = 512


class LoopStatus(NamedTuple):
    """What LOOP_SET_STATUS64 takes from a struct loop_info64."""
    offset: int
    flags: int
    file_name: bytes                         # up to its first NUL


def pack_loop_info64(device: int, inode: int, offset: int, number: int, flags: int,
                     file_name: bytes) -> bytes:
    """LOOP_GET_STATUS64's struct loop_info64 (no size limit, no encryption)."""
    return LOOP_INFO64.pack(device, inode, 0, offset, 0, number, 0, 0, flags, file_name,
                            b"", b"", b"")


def unpack_loop_status(raw: bytes) -> LoopStatus:
    f = LOOP_INFO64.unpack(raw[:LOOP_INFO64.size])
    return LoopStatus(f[3], f[8], f[9].split(b"\0", 1)[0])


def pack_loop_info(device: int, inode: int, offset: int, number: int, flags: int,
                   file_name: bytes) -> bytes:
    """LOOP_GET_STATUS's struct loop_info."""
    return LOOP_INFO.pack(number, device, inode, 0, offset, 0, 0, flags, file_name, b"", b"", b"")


def unpack_loop_info(raw: bytes) -> LoopStatus:
    f = LOOP_INFO.unpack(raw[:LOOP_INFO.size])
    return LoopStatus(f[4] & 0xFFFFFFFF, f[7], f[8].split(b"\0", 1)[0])
