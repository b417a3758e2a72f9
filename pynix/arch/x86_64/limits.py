"""Path and I/O size limits (Linux include/uapi/linux/limits.h).

``PATH_MAX``: the longest path name a syscall accepts, its NUL included (ENAMETOOLONG);
``NAME_MAX``: the longest single component; ``UIO_MAXIOV``: the most iovecs one vector call
takes (include/uapi/linux/uio.h); ``MAX_RW_COUNT``: the most bytes one read or write moves
(include/linux/fs.h: INT_MAX & PAGE_MASK). ABI facts only.
"""
from __future__ import annotations

PATH_MAX = 4096
NAME_MAX = 255
UIO_MAXIOV = 1024
MAX_RW_COUNT = 0x7FFFF000
