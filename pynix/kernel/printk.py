"""The kernel log buffer (Linux kernel/printk/printk.c) and syslog(2) over it.

Provides ``printk(kernel, text, level=6)``, which appends one record, and ``do_syslog(kernel,
task, action, length)``, which serves syslog(2)'s actions the way klogctl(3) and dmesg(1) use
them: READ_ALL returns the newest ``length`` bytes of records as
``<level>[seconds.micros] text\\n``, CLEAR forgets them, SIZE_BUFFER gives the capacity. As with
dmesg_restrict=0, anyone may READ_ALL and SIZE_BUFFER; the other actions need root (EPERM).

Owns: the records (kept on the kernel object, oldest dropped past LOG_BUF_LEN bytes).
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYSLOG
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.kernel.cred import capable

LOG_BUF_LEN = 1 << 17
UNPRIVILEGED = {A.SYSLOG_ACTION_READ_ALL, A.SYSLOG_ACTION_SIZE_BUFFER}


class LogBuf:
    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.size = 0
        self.unread = 0          # bytes not yet consumed by SYSLOG_ACTION_READ (/proc/kmsg)


def log_buf(k: Any) -> LogBuf:
    if getattr(k, "log_buf", None) is None:
        k.log_buf = LogBuf()
    return k.log_buf


def printk(k: Any, text: str, level: int = 6) -> None:
    ns = monotonic_ns() - getattr(k, "boot_ns", monotonic_ns())
    rec = b"<%d>[%5d.%06d] %s\n" % (level, ns // 10**9, ns // 1000 % 10**6, text.encode())
    buf = log_buf(k)
    buf.records.append(rec)
    buf.size += len(rec)
    buf.unread += len(rec)
    while buf.size > LOG_BUF_LEN:
        gone = buf.records.pop(0)
        buf.size -= len(gone)
        buf.unread = min(buf.unread, buf.size)


def do_syslog(k: Any, task: Any, action: int, length: int) -> tuple[int, bytes]:
    """(return value, bytes for the caller's buffer) of syslog(action, buf, length)."""
    if action not in UNPRIVILEGED and not capable(task, CAP_SYSLOG):
        raise KernelError(E.EPERM)
    buf = log_buf(k)
    if action in (A.SYSLOG_ACTION_READ, A.SYSLOG_ACTION_READ_ALL, A.SYSLOG_ACTION_READ_CLEAR):
        if length < 0:
            raise KernelError(E.EINVAL)
        text = b"".join(buf.records)
        if action == A.SYSLOG_ACTION_READ:
            text = text[len(text) - buf.unread:][:length]
            buf.unread -= len(text)
        else:
            text = text[-length:] if length else b""
        if action == A.SYSLOG_ACTION_READ_CLEAR:
            buf.records, buf.size, buf.unread = [], 0, 0
        return len(text), text
    if action == A.SYSLOG_ACTION_CLEAR:
        buf.records, buf.size, buf.unread = [], 0, 0
        return 0, b""
    if action in (A.SYSLOG_ACTION_CLOSE, A.SYSLOG_ACTION_OPEN, A.SYSLOG_ACTION_CONSOLE_OFF,
                  A.SYSLOG_ACTION_CONSOLE_ON):
        return 0, b""
    if action == A.SYSLOG_ACTION_CONSOLE_LEVEL:
        if not 1 <= length <= 8:
            raise KernelError(E.EINVAL)
        return 0, b""
    if action == A.SYSLOG_ACTION_SIZE_UNREAD:
        return buf.unread, b""
    if action == A.SYSLOG_ACTION_SIZE_BUFFER:
        return LOG_BUF_LEN, b""
    raise KernelError(E.EINVAL)
