"""What every namespace has in common: the inode number that names it (Linux
include/linux/ns_common.h struct ns_common, fs/proc/generic.c proc_alloc_inum).

``alloc_inum()`` gives a new namespace its number; ``/proc/PID/ns/*`` shows it
(``ipc:[4026531839]``), and two tasks share a namespace when the numbers are equal. The
initial namespaces have the fixed numbers of kernel/nsproxy.py (PROC_IPC_INIT_INO, ...).
It sits below the subsystems, so ipc/ (IpcNamespace) and kernel/nsproxy.py (UtsNamespace)
number their namespaces from one counter.

Owns: the counter.
"""
from __future__ import annotations

import itertools

_next_inum = itertools.count(0xF0000000)       # later namespaces count up from here


def alloc_inum() -> int:
    """proc_alloc_inum: a number no other namespace has."""
    return next(_next_inum)
