"""openat2's struct open_how, checked (Linux fs/open.c build_open_how / build_open_flags and
copy_struct_from_user's extension rules).

Provides ``build_open_how(raw)`` -> ``(flags, mode, resolve)`` from the ``size`` bytes the
caller passed (syscalls/sys_file.py copies them in; a size below OPEN_HOW_SIZE_VER0 or above
a page is refused there). Unlike open(2), nothing is ignored: unknown O_* or RESOLVE_* bits,
a mode without O_CREAT / O_TMPFILE or with bits beyond 07777, O_PATH with other flags, and
RESOLVE_BENEATH with RESOLVE_IN_ROOT are EINVAL; a larger struct's unknown tail must be
zero (E2BIG); RESOLVE_CACHED with a call that must write (O_CREAT, O_TRUNC, O_TMPFILE) is
EAGAIN. The lookup itself is namei's, with the RESOLVE_* flags. Owns nothing.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError

VALID_OPEN_FLAGS = (A.O_ACCMODE | A.O_CREAT | A.O_EXCL | A.O_NOCTTY | A.O_TRUNC | A.O_APPEND
                    | A.O_NONBLOCK | A.O_DSYNC | A.O_ASYNC | A.O_DIRECT | A.O_LARGEFILE
                    | A.O_DIRECTORY | A.O_NOFOLLOW | A.O_NOATIME | A.O_CLOEXEC | A.O_PATH
                    | A.O_TMPFILE | A.O_SYNC) & ~A.O_ACCMODE | A.O_WRONLY | A.O_RDWR
O_PATH_FLAGS = A.O_DIRECTORY | A.O_NOFOLLOW | A.O_PATH | A.O_CLOEXEC


def build_open_how(raw: bytes) -> tuple[int, int, int]:
    """The (flags, mode, resolve) of an open_how the caller gave in ``raw``."""
    if any(raw[A.OPEN_HOW.size:]):
        raise KernelError(E.E2BIG)                 # copy_struct_from_user: an unknown field
    flags, mode, resolve = A.OPEN_HOW.unpack_from(raw)
    if flags & ~VALID_OPEN_FLAGS or resolve & ~A.VALID_RESOLVE_FLAGS:
        raise KernelError(E.EINVAL)
    if flags & (A.O_CREAT | (A.O_TMPFILE & ~A.O_DIRECTORY)):
        if mode & ~0o7777:
            raise KernelError(E.EINVAL)
    elif mode:
        raise KernelError(E.EINVAL)
    if flags & A.O_PATH and flags & ~O_PATH_FLAGS:
        raise KernelError(E.EINVAL)
    if resolve & A.RESOLVE_BENEATH and resolve & A.RESOLVE_IN_ROOT:
        raise KernelError(E.EINVAL)
    if resolve & A.RESOLVE_CACHED and flags & (A.O_CREAT | A.O_TRUNC | (A.O_TMPFILE & ~A.O_DIRECTORY)):
        raise KernelError(E.EAGAIN)
    return flags, mode, resolve
