"""ptrace(2): decode and call kernel/ptrace_req.do_ptrace (Linux's sys_ptrace)."""
from __future__ import annotations

from pynix.kernel.ptrace_req import do_ptrace
from pynix.kernel.task import Task
from pynix.syscalls.util import s32


def sys_ptrace(t: Task, request: int, pid: int, addr: int, data: int) -> int:
    return do_ptrace(t, request & 0xFFFF_FFFF, s32(pid), addr, data)
