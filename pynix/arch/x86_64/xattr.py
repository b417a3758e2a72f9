"""Extended attribute ABI (include/uapi/linux/xattr.h, linux/limits.h; xattr(7)).

ABI facts only: the flags of setxattr, the limits every call checks, the name-space prefixes
user space writes, the file-capability header of ``security.capability``
(include/uapi/linux/capability.h) and struct xattr_args of the *xattrat calls (Linux 6.13).
fs/xattr.py and syscalls/sys_xattr.py use them.
"""
from __future__ import annotations

import struct

XATTR_CREATE, XATTR_REPLACE = 0x1, 0x2   # setxattr flags: fail if it exists / is missing
XATTR_NAME_MAX = 255                     # chars in a name, prefix included
XATTR_SIZE_MAX = 65536                   # bytes in a value
XATTR_LIST_MAX = 65536                   # bytes in a listxattr answer

XATTR_USER_PREFIX = b"user."
XATTR_TRUSTED_PREFIX = b"trusted."
XATTR_SECURITY_PREFIX = b"security."
XATTR_SYSTEM_PREFIX = b"system."
XATTR_NAME_CAPS = b"security.capability"

# struct vfs_cap_data: magic_etc (revision in the top byte), then the sets (and a root uid in v3)
VFS_CAP_REVISION_MASK = 0xFF000000
VFS_CAP_REVISION_2, XATTR_CAPS_SZ_2 = 0x02000000, 20
VFS_CAP_REVISION_3, XATTR_CAPS_SZ_3 = 0x03000000, 24

XATTR_ARGS = struct.Struct("<QII")       # struct xattr_args: value pointer, size, flags
