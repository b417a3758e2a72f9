"""pidfds: a process as a file descriptor (Linux kernel/pid.c pidfd_open, kernel/signal.c
pidfd_send_signal, fs/pidfs).

``PidFdFile(leader)`` names one thread group. It polls readable once the whole group has
exited (a zombie or reaped), so a parent can wait for a process in poll/epoll with other
descriptors; pidfd_send_signal signals it without the pid-reuse race of kill(2); waitid
accepts it as P_PIDFD; clone(CLONE_PIDFD) and clone3 hand one out for the child. read and
write are EINVAL. ``group_exited(leader)`` wakes the pollers (kernel/exit.py).

Owns nothing but its reference to the task.
"""
from __future__ import annotations

from typing import Any

from pynix.kernel.pid import find_task_by_vpid
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.poll import POLLIN, POLLRDNORM
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_ZOMBIE
from pynix.base.wait import WaitQueue, wait_queue_of
from pynix.fs.anon import anon_inode
from pynix.fs.procfs.pid import tgid_dir_task
from pynix.fs.vfs.file import File

PIDFD_NONBLOCK = A.O_NONBLOCK


def pidfd_wqh(leader: Any) -> WaitQueue:
    return wait_queue_of(leader, "pidfd_wqh")


def group_exited(leader: Any) -> None:
    """The last thread of ``leader``'s group is gone: pidfd pollers look again."""
    wq = getattr(leader, "pidfd_wqh", None)
    if wq is not None:
        wq.wake_up()


class PidFdFile(File):
    def __init__(self, leader: Any, flags: int) -> None:
        super().__init__(A.O_RDWR | (flags & A.O_NONBLOCK))
        self.task = leader
        self.anon = anon_inode("anon_inodefs", 0o600)
        self.anon_name = b"[pidfd]"

    def exited(self) -> bool:
        t = self.task
        return t.state in (TASK_ZOMBIE, TASK_DEAD) and t.signal.nr_threads == 0

    def read(self, n: int) -> bytes:
        raise KernelError(E.EINVAL)

    def write(self, data: bytes) -> int:
        raise KernelError(E.EINVAL)

    def poll(self) -> int:
        return POLLIN | POLLRDNORM if self.exited() else 0

    def wait_queues(self) -> list[WaitQueue]:
        return [pidfd_wqh(self.task)]


def pidfd_create(cur: Any, pid: int, flags: int) -> PidFdFile:
    """pidfd_open's checks: flags, a positive pid (EINVAL), one that exists (ESRCH), a
    thread-group leader (ENOENT, as Linux 6 says for a thread's id)."""
    if flags & ~PIDFD_NONBLOCK or pid <= 0:
        raise KernelError(E.EINVAL)
    t = find_task_by_vpid(cur, pid)                # the number as the caller sees it
    if t is None or t.state == TASK_DEAD:
        raise KernelError(E.ESRCH)
    if t.group_leader is not t:
        raise KernelError(E.ENOENT)
    return PidFdFile(t, flags)


def pidfd_task(f: File) -> Any:
    """pidfd_pid: the process of a pidfd (waitid's P_PIDFD, pidfd_getfd); else EBADF."""
    if not isinstance(f, PidFdFile):
        raise KernelError(E.EBADF)
    return f.task


def pidfd_to_task(f: File) -> Any:
    """pidfd_to_pid: the process of a pidfd, or of a /proc/PID directory opened (which
    pidfd_send_signal accepts too, tgid_pidfd_to_pid); EBADF for any other file."""
    if isinstance(f, PidFdFile):
        return f.task
    t = tgid_dir_task(f.inode)
    if t is None:
        raise KernelError(E.EBADF)
    return t
