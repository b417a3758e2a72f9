"""membarrier: a memory barrier on every thread of a process, or of the system (Linux
kernel/sched/membarrier.c).

Provides ``membarrier(mm, cmd, flags) -> int``. pynix runs every thread on one emulated CPU,
one at a time, and a switch between threads is a full barrier: so, as Linux does on a
uniprocessor, a barrier command has nothing left to wait for once the rules are checked. The
rules are Linux's on x86-64 without CONFIG_RSEQ: MEMBARRIER_CMD_QUERY reports GLOBAL,
GLOBAL_EXPEDITED, PRIVATE_EXPEDITED, PRIVATE_EXPEDITED_SYNC_CORE, their REGISTER commands and
GET_REGISTRATIONS; a PRIVATE_EXPEDITED(_SYNC_CORE) barrier before its REGISTER command is
EPERM; the RSEQ commands are EINVAL; flags are EINVAL except MEMBARRIER_CMD_FLAG_CPU with
PRIVATE_EXPEDITED_RSEQ. Registrations belong to the address space (``mm.membarrier_state``,
the REGISTER command bits): threads share them, fork copies them, exec starts without.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import sched as S
from pynix.base.errors import KernelError
from pynix.mm.mm import MM

MEMBARRIER_CMD_BITMASK = (
    S.MEMBARRIER_CMD_GLOBAL | S.MEMBARRIER_CMD_GLOBAL_EXPEDITED
    | S.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | S.MEMBARRIER_CMD_PRIVATE_EXPEDITED
    | S.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED | S.MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
    | S.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE | S.MEMBARRIER_CMD_GET_REGISTRATIONS)

_REGISTER = (S.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, S.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
             S.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE)
_NEEDS = {S.MEMBARRIER_CMD_PRIVATE_EXPEDITED: S.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
          S.MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
              S.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE}
_RSEQ = (S.MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, S.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ)


def membarrier(mm: MM, cmd: int, flags: int) -> int:
    """sys_membarrier for the calling task's address space ``mm``."""
    if cmd == S.MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ:
        if flags not in (0, S.MEMBARRIER_CMD_FLAG_CPU):
            raise KernelError(E.EINVAL)
    elif flags:
        raise KernelError(E.EINVAL)
    if cmd == S.MEMBARRIER_CMD_QUERY:
        return MEMBARRIER_CMD_BITMASK
    if cmd == S.MEMBARRIER_CMD_GET_REGISTRATIONS:
        return mm.membarrier_state
    if cmd in (S.MEMBARRIER_CMD_GLOBAL, S.MEMBARRIER_CMD_GLOBAL_EXPEDITED):
        return 0                       # one CPU: every other thread is already past a switch
    if cmd in _REGISTER:
        mm.membarrier_state |= cmd
        return 0
    if cmd in _NEEDS:
        if not mm.membarrier_state & _NEEDS[cmd]:
            raise KernelError(E.EPERM)
        return 0
    raise KernelError(E.EINVAL)        # the RSEQ commands (no CONFIG_RSEQ) and unknown ones
