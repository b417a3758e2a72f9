"""The OOM killer's figures: how bad a task would be to keep (Linux mm/oom_kill.c
oom_badness, fs/proc/base.c proc_oom_score, __set_oom_adj, oom_adj_read/oom_adj_write).

Provides, for /proc/PID/{oom_score,oom_score_adj,oom_adj} (fs/procfs/pid.py):
- ``oom_badness(task, totalpages)``: the task's resident pages and page tables plus its
  oom_score_adj scaled to the machine (adj * totalpages / 1000); None for a task the OOM
  killer never picks (a kernel thread, the global init, an OOM_SCORE_ADJ_MIN task).
- ``proc_oom_score(task, totalpages)``: the 0..1333 figure /proc/PID/oom_score prints
  (Linux's (1000 + badness * 1000 / totalpages) * 2 / 3, 0 when unkillable).
- ``set_oom_adj(task, value, legacy, privileged)``: store a new adjustment for the whole
  thread group (the signal struct holds ``oom_score_adj`` and ``oom_score_adj_min``, which fork
  copies). Out of range is EINVAL; lowering it below oom_score_adj_min (or, through the
  legacy oom_adj, below the current value) without CAP_SYS_RESOURCE is EACCES; a privileged
  write also sets the minimum. ``oom_adj_of``/``oom_adj_to_score`` convert the legacy scale
  (-17..15) to and from the -1000..1000 one.

The task argument is duck-typed (``mm``, ``signal``, ``pid``, ``is_kthread``), as this sits
below the process lifecycle. Owns nothing.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError

OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX = -1000, 1000
OOM_DISABLE, OOM_ADJUST_MIN, OOM_ADJUST_MAX = -17, -17, 15
PTRS_PER_PTE = 512


def _cdiv(a: int, b: int) -> int:
    """C's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def oom_badness(task: Any, totalpages: int) -> int | None:
    """oom_badness: None when the task is unkillable, else its points."""
    mm = task.mm
    adj = task.signal.oom_score_adj
    if task.is_kthread or task.pid == 1 or mm is None or adj == OOM_SCORE_ADJ_MIN:
        return None
    pt = mm.pt
    points = len(pt) + len({vpn // PTRS_PER_PTE for vpn in pt})   # rss + page-table pages
    return points + adj * _cdiv(totalpages, 1000)


def proc_oom_score(task: Any, totalpages: int) -> int:
    badness = oom_badness(task, totalpages)
    if badness is None or totalpages <= 0:
        return 0
    return _cdiv((1000 + _cdiv(badness * 1000, totalpages)) * 2, 3)


def oom_adj_of(score_adj: int) -> int:
    """oom_adj_read: the legacy figure of an oom_score_adj."""
    if score_adj == OOM_SCORE_ADJ_MAX:
        return OOM_ADJUST_MAX
    return _cdiv(score_adj * -OOM_DISABLE, OOM_SCORE_ADJ_MAX)


def oom_adj_to_score(oom_adj: int) -> int:
    """oom_adj_write's scaling: 15 is the maximum, the rest scale by 1000/17."""
    if not OOM_ADJUST_MIN <= oom_adj <= OOM_ADJUST_MAX and oom_adj != OOM_DISABLE:
        raise KernelError(E.EINVAL)
    if oom_adj == OOM_ADJUST_MAX:
        return OOM_SCORE_ADJ_MAX
    return _cdiv(oom_adj * OOM_SCORE_ADJ_MAX, -OOM_DISABLE)


def set_oom_adj(task: Any, score_adj: int, legacy: bool, privileged: bool) -> None:
    """__set_oom_adj: the group's new oom_score_adj."""
    if not OOM_SCORE_ADJ_MIN <= score_adj <= OOM_SCORE_ADJ_MAX:
        raise KernelError(E.EINVAL)
    sig = task.signal
    if legacy:
        if score_adj < sig.oom_score_adj and not privileged:
            raise KernelError(E.EACCES)
    elif score_adj < sig.oom_score_adj_min and not privileged:
        raise KernelError(E.EACCES)
    sig.oom_score_adj = score_adj
    if privileged and not legacy:
        sig.oom_score_adj_min = score_adj


def parse_oom_int(data: bytes) -> int:
    """kstrtoint(strstrip(buf), 0): a decimal, 0x hex or 0 octal int, blanks around it;
    anything else EINVAL. Only the first 12 bytes count (PROC_NUMBUF)."""
    text = data[:12].strip().decode(errors="replace")
    try:
        value = int(text, 0) if not (len(text) > 1 and text.lstrip("+-")[:1] == "0"
                                     and text.lstrip("+-")[1:2].isdigit()) else int(text, 8)
    except ValueError:
        raise KernelError(E.EINVAL) from None
    if not -(1 << 31) <= value < 1 << 31:
        raise KernelError(E.ERANGE)
    return value
