"""Kernel error signalling.

Subsystems raise ``KernelError(errno)``; the syscall dispatcher turns it into ``-errno`` in rax
(Linux returns negative errno values from every sys_* function). Any other Python exception raised
inside the kernel is an *oops* (see syscalls/dispatch.py).
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E


class KernelError(Exception):
    """An errno result. ``KernelError(E.ENOENT)``."""

    __slots__ = ("errno",)

    def __init__(self, err: int, msg: str = "") -> None:
        super().__init__(msg or E.NAMES.get(err, str(err)))
        self.errno = err

    def __repr__(self) -> str:
        return f"KernelError({E.NAMES.get(self.errno, self.errno)})"
