"""Pipe buffer sizes and the per-user pipe page accounting (Linux fs/pipe.c: round_pipe_size,
pipe_set_size, account_pipe_buffers, too_many_pipe_buffers_soft/hard, alloc_pipe_info).

A pipe's ring has ``size // PAGE_SIZE`` slots; every slot of a user's pipes counts against
that user (``LIMITS``, the /proc/sys/fs files fs/procfs/sys.py registers):
- ``pipe-max-size`` (1 MiB): the most F_SETPIPE_SZ gives without CAP_SYS_RESOURCE (EPERM);
- ``pipe-user-pages-soft`` (16384): past it a new pipe of an unprivileged user gets 2 slots
  instead of 16, and F_SETPIPE_SZ cannot grow one (EPERM);
- ``pipe-user-pages-hard`` (0, no limit): past it new pipes fail (ENFILE) and growth EPERM.
"Unprivileged" is without CAP_SYS_RESOURCE and CAP_SYS_ADMIN (pipe_is_unprivileged_user).
Provides ``round_pipe_size``, ``pipe_account_new(pipe, uid, unprivileged)`` (pipe creation),
``pipe_set_size(pipe, arg, uid, cap_resource, unprivileged)`` (F_SETPIPE_SZ) and
``pipe_unaccount(pipe)`` (the last end closed). Owns the per-uid page counts and ``LIMITS``.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.machine.physmem import PAGE_SIZE

PIPE_DEF_BUFFERS, PIPE_MIN_DEF_BUFFERS = 16, 2
LIMITS = {"pipe-max-size": 1 << 20,
          "pipe-user-pages-soft": PIPE_DEF_BUFFERS * 1024,   # PIPE_DEF_BUFFERS * INR_OPEN_CUR
          "pipe-user-pages-hard": 0}
_user_pages: dict[int, int] = {}          # uid -> pipe slots its pipes hold (user->pipe_bufs)


def round_pipe_size(size: int) -> int:
    """A requested size as the ring's: a power of two pages, 0 if above 2 GiB."""
    if size > 1 << 31:
        return 0
    return max(PAGE_SIZE, 1 << (max(size, 1) - 1).bit_length())


def _account(uid: int, old: int, new: int) -> int:
    _user_pages[uid] = _user_pages.get(uid, 0) + new - old
    return _user_pages[uid]


def _too_many_soft(n: int) -> bool:
    soft = LIMITS["pipe-user-pages-soft"]
    return bool(soft) and n > soft


def _too_many_hard(n: int) -> bool:
    hard = LIMITS["pipe-user-pages-hard"]
    return bool(hard) and n > hard


def pipe_account_new(p: Any, uid: int, unprivileged: bool) -> None:
    """A new pipe's slots, charged to ``uid`` (alloc_pipe_info); sets ``p.size``."""
    slots = PIPE_DEF_BUFFERS
    n = _account(uid, 0, slots)
    if _too_many_soft(n) and unprivileged:
        n = _account(uid, slots, PIPE_MIN_DEF_BUFFERS)
        slots = PIPE_MIN_DEF_BUFFERS
    if _too_many_hard(n) and unprivileged:
        _account(uid, slots, 0)
        raise KernelError(E.ENFILE)
    p.user, p.nr_accounted, p.size = uid, slots, slots * PAGE_SIZE


def pipe_unaccount(p: Any) -> None:
    """The pipe is freed: its slots go back to its user (free_pipe_info)."""
    if getattr(p, "user", None) is not None:
        _account(p.user, p.nr_accounted, 0)
        p.user = None


def pipe_set_size(p: Any, arg: int, uid: int, cap_resource: bool, unprivileged: bool) -> int:
    """F_SETPIPE_SZ (pipe_set_size): EINVAL above 2 GiB, EPERM above pipe-max-size without
    CAP_SYS_RESOURCE or past the user's limits, EBUSY if the data would not fit."""
    size = round_pipe_size(arg)
    slots = size // PAGE_SIZE
    if not slots:
        raise KernelError(E.EINVAL)
    cur = p.size // PAGE_SIZE
    if slots > cur and size > LIMITS["pipe-max-size"] and not cap_resource:
        raise KernelError(E.EPERM)
    owner = getattr(p, "user", None)
    who = uid if owner is None else owner
    accounted = getattr(p, "nr_accounted", 0) if owner is not None else 0
    n = _account(who, accounted, slots)
    if slots > accounted and (_too_many_hard(n) or _too_many_soft(n)) and unprivileged:
        _account(who, slots, accounted)
        raise KernelError(E.EPERM)
    if slots < len(p.bufs):
        _account(who, slots, accounted)
        raise KernelError(E.EBUSY)
    p.user, p.nr_accounted, p.size = who, slots, size
    return size
