"""Path limits (Linux include/uapi/linux/limits.h).

``PATH_MAX``: the longest path name a syscall accepts, its NUL included (ENAMETOOLONG);
``NAME_MAX``: the longest single component. ABI facts only.
"""
from __future__ import annotations

PATH_MAX = 4096
NAME_MAX = 255
