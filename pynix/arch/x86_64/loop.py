"""x86-64 Linux loop device ABI (include/uapi/linux/loop.h, uapi/linux/fs.h): device numbers,
the loop and loop-control ioctls, LO_FLAGS_*, struct loop_info (the old one, with 32-bit
offset) struct loop_info64 and struct loop_config.
ABI facts only: values, the layout and its packers.
"""
from __future__ import annotations

import struct
from typing import NamedTuple

# block major 7; /dev/loop-control is the misc device 10:237
LOOP_MAJOR, LOOP_CTRL_MINOR, MISC_MAJOR = 7, 237, 10
LOOP_SET_FD, LOOP_CLR_FD, LOOP_SET_STATUS, LOOP_GET_STATUS = 0x4C00, 0x4C01, 0x4C02, 0x4C03
LOOP_SET_STATUS64, LOOP_GET_STATUS64 = 0x4C04, 0x4C05
LOOP_CHANGE_FD, LOOP_SET_CAPACITY, LOOP_SET_DIRECT_IO = 0x4C06, 0x4C07, 0x4C08
LOOP_SET_BLOCK_SIZE, LOOP_CONFIGURE = 0x4C09, 0x4C0A
LOOP_CTL_ADD, LOOP_CTL_REMOVE, LOOP_CTL_GET_FREE = 0x4C80, 0x4C81, 0x4C82
LO_FLAGS_READ_ONLY, LO_FLAGS_AUTOCLEAR, LO_FLAGS_PARTSCAN, LO_FLAGS_DIRECT_IO = 1, 4, 8, 16
LOOP_SET_STATUS_SETTABLE_FLAGS = LO_FLAGS_AUTOCLEAR | LO_FLAGS_PARTSCAN
LOOP_SET_STATUS_CLEARABLE_FLAGS = LO_FLAGS_AUTOCLEAR
LOOP_CONFIGURE_SETTABLE_FLAGS = (LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR | LO_FLAGS_PARTSCAN
                                 | LO_FLAGS_DIRECT_IO)
LO_NAME_SIZE = 64
# struct loop_info64: device, inode, rdevice, offset, sizelimit, number, encrypt_type,
# encrypt_key_size, flags, file_name[64], crypt_name[64], encrypt_key[32], init[2]
LOOP_INFO64 = struct.Struct("<QQQQQIIII64s64s32s16s")
# struct loop_info: number, (pad), device, inode, rdevice (unsigned long), offset, encrypt_type,
# encrypt_key_size, flags (int), name[64], encrypt_key[32], init[2] (unsigned long), reserved[4]
LOOP_INFO = struct.Struct("<i4xQQQiiii64s32s16s4s4x")
# struct loop_config: fd, block_size, struct loop_info64 info, reserved[8] (u64)
LOOP_CONFIG = struct.Struct("<II")             # then the loop_info64, then 64 reserved bytes
LOOP_CONFIG_SIZE = LOOP_CONFIG.size + LOOP_INFO64.size + 64


class LoopStatus(NamedTuple):
    """What LOOP_SET_STATUS64 takes from a struct loop_info64."""
    offset: int
    flags: int
    file_name: bytes                         # up to its first NUL
    sizelimit: int = 0


def pack_loop_info64(device: int, inode: int, offset: int, number: int, flags: int,
                     file_name: bytes, sizelimit: int = 0) -> bytes:
    """LOOP_GET_STATUS64's struct loop_info64 (no encryption)."""
    return LOOP_INFO64.pack(device, inode, 0, offset, sizelimit, number, 0, 0, flags,
                            file_name, b"", b"", b"")


def unpack_loop_status(raw: bytes) -> LoopStatus:
    f = LOOP_INFO64.unpack(raw[:LOOP_INFO64.size])
    return LoopStatus(f[3], f[8], f[9].split(b"\0", 1)[0], f[4])


def unpack_loop_config(raw: bytes) -> tuple[int, int, LoopStatus]:
    """LOOP_CONFIGURE's struct loop_config: (fd, block_size, the loop_info64's settings)."""
    fd, block_size = LOOP_CONFIG.unpack_from(raw)
    return fd, block_size, unpack_loop_status(raw[LOOP_CONFIG.size:])


def pack_loop_info(device: int, inode: int, offset: int, number: int, flags: int,
                   file_name: bytes) -> bytes:
    """LOOP_GET_STATUS's struct loop_info."""
    return LOOP_INFO.pack(number, device, inode, 0, offset, 0, 0, flags, file_name, b"", b"", b"")


def unpack_loop_info(raw: bytes) -> LoopStatus:
    f = LOOP_INFO.unpack(raw[:LOOP_INFO.size])
    return LoopStatus(f[4] & 0xFFFFFFFF, f[7], f[8].split(b"\0", 1)[0])
