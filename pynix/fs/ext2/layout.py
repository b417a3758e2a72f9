"""ext2 on-disk formats: superblock, group descriptor, inode, directory entry, xattr block.

Provides struct formats, field names, feature bits and small pack/unpack helpers for the
structures described in Linux's include/linux/ext2_fs.h (and e2fsprogs' ext2_fs.h, whose
rev 1 superblock this follows). Formats and constants only: no I/O and no policy. All
on-disk integers are little-endian.

- ``SUPER``, ``GROUP_DESC``, ``INODE``, ``INODE_EXTRA``: ``Struct`` views. Callers unpack a
  structure into a plain ``dict`` of named fields (``SUPER.unpack(buf, off)``), change fields,
  and pack it back over the raw bytes (``SUPER.pack_into(buf, off, fields)``); bytes this
  module does not name are preserved, so fields pynix does not understand survive a rewrite.
- Directory entries: ``DIRENT_HEADER`` (``DIRENT_HEADER_OLD`` without the filetype feature),
  ``rec_len_for``, ``ftype_of_mode`` and ``DTYPE_OF_FT``.
- Device numbers in a device inode's i_block: ``encode_rdev`` / ``decode_rdev``; timestamps
  with the extra epoch/nanosecond word: ``encode_time`` / ``decode_time``;
  ``group_has_super`` for sparse_super backups.
"""
from __future__ import annotations

import struct
import sys
from typing import Any, Mapping

from pynix.arch.x86_64.kdev_t import major, makedev, minor

assert sys.byteorder == "little", "pynix's ext2 maps block pointer arrays with native uint32"

EXT2_SUPER_MAGIC = 0xEF53
SUPERBLOCK_OFFSET = 1024          # bytes from the start of the device
SUPERBLOCK_SIZE = 1024
EXT2_GOOD_OLD_REV, EXT2_DYNAMIC_REV = 0, 1
EXT2_GOOD_OLD_INODE_SIZE = 128
EXT2_GOOD_OLD_FIRST_INO = 11

EXT2_BAD_INO, EXT2_ROOT_INO, EXT2_RESIZE_INO = 1, 2, 7
EXT2_NDIR_BLOCKS = 12
EXT2_IND_BLOCK, EXT2_DIND_BLOCK, EXT2_TIND_BLOCK = 12, 13, 14
EXT2_N_BLOCKS = 15
EXT2_LINK_MAX = 32000
EXT2_NAME_LEN = 255

EXT2_VALID_FS, EXT2_ERROR_FS = 1, 2
EXT2_ERRORS_CONTINUE = 1
EXT2_OS_LINUX = 0

# s_feature_compat
COMPAT_DIR_PREALLOC = 0x0001
COMPAT_IMAGIC_INODES = 0x0002
COMPAT_HAS_JOURNAL = 0x0004
COMPAT_EXT_ATTR = 0x0008
COMPAT_RESIZE_INODE = 0x0010
COMPAT_DIR_INDEX = 0x0020
# s_feature_ro_compat
RO_COMPAT_SPARSE_SUPER = 0x0001
RO_COMPAT_LARGE_FILE = 0x0002
RO_COMPAT_BTREE_DIR = 0x0004
# s_feature_incompat
INCOMPAT_COMPRESSION = 0x0001
INCOMPAT_FILETYPE = 0x0002
INCOMPAT_RECOVER = 0x0004
INCOMPAT_JOURNAL_DEV = 0x0008
INCOMPAT_META_BG = 0x0010

Fields = dict[str, Any]     # an unpacked structure: ints, bytes, and lists of ints

SUPPORTED_INCOMPAT = INCOMPAT_FILETYPE
SUPPORTED_RO_COMPAT = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_BTREE_DIR

# i_flags
EXT2_INDEX_FL = 0x00001000        # hashed (htree) directory; cleared when pynix edits the dir
EXT2_FL_USER_MODIFIABLE = 0x000380FF    # what FS_IOC_SETFLAGS may change

# Extended-attribute block (Linux fs/ext2/xattr.h): a header, entries from the front, sorted
# by (name index, name length, name) and ended by four zero bytes, values from the back.
EA_MAGIC = 0xEA020000
EA_HEADER = struct.Struct("<IIII16x")   # h_magic, h_refcount, h_blocks (1), h_hash, reserved
EA_ENTRY = struct.Struct("<BBHIII")     # e_name_len, e_name_index, e_value_offs, e_value_block,
                                        # e_value_size, e_hash; then the name
EA_PAD = 4                              # entries and values are padded to 4 bytes
EA_INDEX_USER, EA_INDEX_POSIX_ACL_ACCESS, EA_INDEX_POSIX_ACL_DEFAULT = 1, 2, 3
EA_INDEX_TRUSTED, EA_INDEX_SECURITY = 4, 6


def ea_entry_len(name_len: int) -> int:
    """EXT2_XATTR_LEN: the bytes of an entry with its name, padded."""
    return (EA_ENTRY.size + name_len + EA_PAD - 1) & ~(EA_PAD - 1)


def ea_value_size(size: int) -> int:
    """EXT2_XATTR_SIZE: the bytes a value takes, padded."""
    return (size + EA_PAD - 1) & ~(EA_PAD - 1)


# ---------------------------------------------------------------------------------------
# Field tables: (name, struct code, byte offset). Arrays use a count prefix ("16s", "15I").

_SUPER_FIELDS: list[tuple[str, str, int]] = [
    ("s_inodes_count", "I", 0), ("s_blocks_count", "I", 4), ("s_r_blocks_count", "I", 8),
    ("s_free_blocks_count", "I", 12), ("s_free_inodes_count", "I", 16),
    ("s_first_data_block", "I", 20), ("s_log_block_size", "I", 24), ("s_log_frag_size", "I", 28),
    ("s_blocks_per_group", "I", 32), ("s_frags_per_group", "I", 36),
    ("s_inodes_per_group", "I", 40), ("s_mtime", "I", 44), ("s_wtime", "I", 48),
    ("s_mnt_count", "H", 52), ("s_max_mnt_count", "h", 54), ("s_magic", "H", 56),
    ("s_state", "H", 58), ("s_errors", "H", 60), ("s_minor_rev_level", "H", 62),
    ("s_lastcheck", "I", 64), ("s_checkinterval", "I", 68), ("s_creator_os", "I", 72),
    ("s_rev_level", "I", 76), ("s_def_resuid", "H", 80), ("s_def_resgid", "H", 82),
    ("s_first_ino", "I", 84), ("s_inode_size", "H", 88), ("s_block_group_nr", "H", 90),
    ("s_feature_compat", "I", 92), ("s_feature_incompat", "I", 96),
    ("s_feature_ro_compat", "I", 100), ("s_uuid", "16s", 104), ("s_volume_name", "16s", 120),
    ("s_last_mounted", "64s", 136), ("s_algorithm_usage_bitmap", "I", 200),
    ("s_prealloc_blocks", "B", 204), ("s_prealloc_dir_blocks", "B", 205),
    ("s_reserved_gdt_blocks", "H", 206), ("s_journal_uuid", "16s", 208),
    ("s_journal_inum", "I", 224), ("s_journal_dev", "I", 228), ("s_last_orphan", "I", 232),
    ("s_hash_seed", "16s", 236), ("s_def_hash_version", "B", 252),
    ("s_jnl_backup_type", "B", 253), ("s_desc_size", "H", 254),
    ("s_default_mount_opts", "I", 256), ("s_first_meta_bg", "I", 260), ("s_mkfs_time", "I", 264),
    ("s_min_extra_isize", "H", 348), ("s_want_extra_isize", "H", 350), ("s_flags", "I", 352),
]

GROUP_DESC_SIZE = 32
_GROUP_FIELDS: list[tuple[str, str, int]] = [
    ("bg_block_bitmap", "I", 0), ("bg_inode_bitmap", "I", 4), ("bg_inode_table", "I", 8),
    ("bg_free_blocks_count", "H", 12), ("bg_free_inodes_count", "H", 14),
    ("bg_used_dirs_count", "H", 16), ("bg_flags", "H", 18),
]

_INODE_FIELDS: list[tuple[str, str, int]] = [
    ("i_mode", "H", 0), ("i_uid", "H", 2), ("i_size", "I", 4), ("i_atime", "I", 8),
    ("i_ctime", "I", 12), ("i_mtime", "I", 16), ("i_dtime", "I", 20), ("i_gid", "H", 24),
    ("i_links_count", "H", 26), ("i_blocks", "I", 28), ("i_flags", "I", 32),
    ("i_block", "15I", 40), ("i_generation", "I", 100), ("i_file_acl", "I", 104),
    ("i_size_high", "I", 108), ("i_blocks_hi", "H", 116), ("i_file_acl_high", "H", 118),
    ("i_uid_high", "H", 120), ("i_gid_high", "H", 122),
]
# Present when the inode is larger than 128 bytes and i_extra_isize covers them.
_INODE_EXTRA_FIELDS: list[tuple[str, str, int]] = [
    ("i_extra_isize", "H", 128), ("i_ctime_extra", "I", 132), ("i_mtime_extra", "I", 136),
    ("i_atime_extra", "I", 140), ("i_crtime", "I", 144), ("i_crtime_extra", "I", 148),
]
INODE_EXTRA_TIMES_END = 152       # i_extra_isize >= 24 means the *_extra times are present


class Struct:
    """A named-field view over a fixed-size little-endian structure.

    Fields are grouped into runs of adjacent fields, each packed with one ``struct.Struct``,
    so bytes between runs (fields not named here) are never touched by ``pack_into``.
    """

    def __init__(self, fields: list[tuple[str, str, int]], size: int) -> None:
        self.size = size
        self.names = [name for name, _, _ in fields]
        self._runs: list[tuple[struct.Struct, int, list[tuple[str, int]]]] = []
        fmt, start, pos = "<", -1, -1
        names: list[tuple[str, int]] = []
        for name, code, off in sorted(fields, key=lambda f: f[2]):
            if off != pos and names:
                self._runs.append((struct.Struct(fmt), start, names))
                fmt, names = "<", []
            if not names:
                start = off
            fmt += code
            count = int(code[:-1]) if code[:-1].isdigit() and code[-1] != "s" else 0
            names.append((name, count))
            pos = off + struct.calcsize("<" + code)
        self._runs.append((struct.Struct(fmt), start, names))

    def unpack(self, buf: bytes | bytearray | memoryview, offset: int = 0) -> Fields:
        out: Fields = {}
        for st, start, names in self._runs:
            vals = st.unpack_from(buf, offset + start)
            i = 0
            for name, count in names:
                if count:
                    out[name] = list(vals[i:i + count])
                    i += count
                else:
                    out[name] = vals[i]
                    i += 1
        return out

    def pack_into(self, buf: bytearray | memoryview, offset: int, fields: Mapping[str, Any]) -> None:
        """Write ``fields`` over ``buf[offset:]``; bytes of unnamed fields are preserved."""
        for st, start, names in self._runs:
            args: list[object] = []
            for name, count in names:
                if count:
                    args.extend(fields[name])
                else:
                    args.append(fields[name])
            st.pack_into(buf, offset + start, *args)


SUPER = Struct(_SUPER_FIELDS, SUPERBLOCK_SIZE)
GROUP_DESC = Struct(_GROUP_FIELDS, GROUP_DESC_SIZE)
INODE = Struct(_INODE_FIELDS, EXT2_GOOD_OLD_INODE_SIZE)
INODE_EXTRA = Struct(_INODE_EXTRA_FIELDS, INODE_EXTRA_TIMES_END)

# ---------------------------------------------------------------------------------------
# Directory entries: inode u32, rec_len u16, name_len u8, file_type u8, name (padded to 4).

DIRENT_HEADER = struct.Struct("<IHBB")
DIRENT_HEADER_OLD = struct.Struct("<IHH")    # without the filetype feature: 16-bit name_len

EXT2_FT_UNKNOWN, EXT2_FT_REG_FILE, EXT2_FT_DIR, EXT2_FT_CHRDEV = 0, 1, 2, 3
EXT2_FT_BLKDEV, EXT2_FT_FIFO, EXT2_FT_SOCK, EXT2_FT_SYMLINK = 4, 5, 6, 7

# S_IFMT >> 12 -> ext2 file type, and ext2 file type -> getdents d_type
_FT_OF_FMT = {0o01: EXT2_FT_FIFO, 0o02: EXT2_FT_CHRDEV, 0o04: EXT2_FT_DIR, 0o06: EXT2_FT_BLKDEV,
              0o10: EXT2_FT_REG_FILE, 0o12: EXT2_FT_SYMLINK, 0o14: EXT2_FT_SOCK}
DTYPE_OF_FT = (0, 8, 4, 2, 6, 1, 12, 10)


def ftype_of_mode(mode: int) -> int:
    return _FT_OF_FMT.get((mode & 0o170000) >> 12, EXT2_FT_UNKNOWN)


def rec_len_for(name_len: int) -> int:
    """EXT2_DIR_REC_LEN: the smallest record holding a name of this length."""
    return (8 + name_len + 3) & ~3


# ---------------------------------------------------------------------------------------
# Device numbers in i_block[0]/[1] (Linux old_encode_dev / new_encode_dev), from the
# userspace dev_t that st_rdev carries (glibc gnu_dev_makedev).

def encode_rdev(dev: int) -> tuple[int, int]:
    """(i_block[0], i_block[1]) for a device inode."""
    maj, mnr = major(dev), minor(dev)
    if maj < 256 and mnr < 256:
        return (maj << 8) | mnr, 0
    return 0, (mnr & 0xFF) | (maj << 8) | ((mnr & ~0xFF) << 12)


def decode_rdev(b0: int, b1: int) -> int:
    if b0:
        return makedev((b0 >> 8) & 0xFF, b0 & 0xFF)
    return makedev((b1 & 0xFFF00) >> 8, (b1 & 0xFF) | ((b1 >> 12) & 0xFFF00))


# ---------------------------------------------------------------------------------------
# Timestamps: 32-bit seconds plus, in large inodes, ((nsec << 2) | epoch bits).

def encode_time(t_ns: int) -> tuple[int, int]:
    sec, nsec = divmod(t_ns, 1_000_000_000)
    lo = sec & 0xFFFFFFFF
    signed_lo = lo - (1 << 32) if lo & 0x80000000 else lo
    epoch = ((sec - signed_lo) >> 32) & 3
    return lo, (nsec << 2) | epoch


def decode_time(lo: int, extra: int | None) -> int:
    sec = lo - (1 << 32) if lo & 0x80000000 else lo
    nsec = 0
    if extra is not None:
        sec += (extra & 3) << 32
        nsec = extra >> 2
        if nsec >= 1_000_000_000:
            nsec = 0
    return sec * 1_000_000_000 + nsec


def group_has_super(group: int, sparse: bool) -> bool:
    """Whether block group ``group`` holds a superblock + descriptor backup (sparse_super:
    groups 0, 1 and powers of 3, 5 and 7)."""
    if not sparse or group <= 1:
        return True
    for base in (3, 5, 7):
        n = base
        while n < group:
            n *= base
        if n == group:
            return True
    return False
