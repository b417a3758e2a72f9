"""POSIX message queues (Linux ipc/mqueue.c): mq_open, mq_unlink, mq_timedsend,
mq_timedreceive, mq_notify, mq_getsetattr.

A queue has a name in its IPC namespace (``ns.mqueues``), an owner and mode, a capacity
(mq_maxmsg messages of at most mq_msgsize bytes) and messages kept highest priority first,
oldest first within a priority. mq_open returns a descriptor (``MqFile``): reading it gives
Linux's status line ``QSIZE:... NOTIFY:... SIGNO:... NOTIFY_PID:...``, poll is readable while
a message waits and writable while one fits. Sends block while the queue is full, receives
while it is empty (EAGAIN under O_NONBLOCK, ETIMEDOUT at an absolute CLOCK_REALTIME
deadline). One process may ask to be notified (a signal, si_code SI_MESGQ) when a message
arrives in an empty queue nobody is waiting on; the registration is then used up
(kernel/sigqueue.send_signal sends it).
mq_unlink removes the name; the queue lives while descriptors hold it.
Limits as Linux's defaults (/proc/sys/fs/mqueue): 10 messages of 8192 bytes unless root.
SIGEV_THREAD notification (done by the C library over netlink) is not available.

Owns the queues and their wait queues.
"""
from __future__ import annotations

import bisect
import itertools
import stat
from dataclasses import dataclass, field
from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import ipc as I
from pynix.arch.x86_64.capability import CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_SYS_RESOURCE
from pynix.arch.x86_64.limits import NAME_MAX
from pynix.arch.x86_64.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue, wait_event
from pynix.fs.anon import anon_inode
from pynix.fs.vfs.file import File
from pynix.ipc.util import ipc_ns_of
from pynix.kernel.cred import capable
from pynix.kernel.sigqueue import send_signal
from pynix.kernel.task import SigInfo, Task

DFLT_MSGMAX, DFLT_MSGSIZEMAX = 10, 8192          # fs.mqueue.msg_max / msgsize_max
HARD_MSGMAX, HARD_MSGSIZEMAX = 65536, 16 << 20
QUEUES_MAX = 256
SIGEV_SIGNAL, SIGEV_NONE = A.SIGEV_SIGNAL, A.SIGEV_NONE


@dataclass
class Notify:
    task: Task
    notify: int
    signo: int
    value: int


@dataclass
class MQueue:
    name: bytes
    uid: int
    gid: int
    mode: int
    maxmsg: int
    msgsize: int
    msgs: list[tuple[int, int, bytes]] = field(default_factory=list)   # (-prio, seq, text)
    wait_send: WaitQueue = field(default_factory=WaitQueue)
    wait_recv: WaitQueue = field(default_factory=WaitQueue)
    notify: Notify | None = None
    receivers: int = 0
    ino: int = 0

    def bytes_queued(self) -> int:
        return sum(len(m[2]) for m in self.msgs)


_seq = itertools.count()


class MqFile(File):
    def __init__(self, mq: MQueue, flags: int) -> None:
        super().__init__(flags & (A.O_ACCMODE | A.O_NONBLOCK))
        self.mq = mq
        self.anon = anon_inode("mqueue", stat.S_IFREG | (mq.mode & 0o777))
        self.readable_mq = flags & A.O_ACCMODE in (A.O_RDONLY, A.O_RDWR)
        self.writable_mq = flags & A.O_ACCMODE in (A.O_WRONLY, A.O_RDWR)

    def read(self, n: int) -> bytes:
        mq = self.mq
        nt = mq.notify
        text = (f"QSIZE:{mq.bytes_queued():<10} NOTIFY:{nt.notify if nt else 0:<5} "
                f"SIGNO:{nt.signo if nt else 0:<5} NOTIFY_PID:{nt.task.tgid if nt else 0:<6}\n")
        return text.encode()[:n]

    def poll(self) -> int:
        mask = 0
        if self.mq.msgs:
            mask |= POLLIN | POLLRDNORM
        if len(self.mq.msgs) < self.mq.maxmsg:
            mask |= POLLOUT | POLLWRNORM
        return mask

    def wait_queues(self) -> list[WaitQueue]:
        return [self.mq.wait_send, self.mq.wait_recv]

    def release(self) -> None:
        nt = self.mq.notify
        if nt is not None and nt.task.tgid == getattr(self, "opener_tgid", None):
            self.mq.notify = None            # the registrant closed its descriptor


def _ns_queues(t: Task) -> dict[bytes, MQueue]:
    ns = ipc_ns_of(t)
    q = getattr(ns, "mqueues", None)
    if q is None:
        q = ns.mqueues = {}
    return q


def _check_name(name: bytes) -> None:
    if not name:
        raise KernelError(E.ENOENT)
    if len(name) > NAME_MAX:
        raise KernelError(E.ENAMETOOLONG)
    if b"/" in name:
        raise KernelError(E.EACCES)


def _may_access(t: Task, mq: MQueue, acc: int) -> None:
    c = t.cred
    if capable(t, CAP_DAC_OVERRIDE):
        return
    mode = mq.mode
    bits = (mode >> 6) if c.euid == mq.uid else (mode >> 3) if c.egid == mq.gid or mq.gid in c.groups \
        else mode
    want = {A.O_RDONLY: 4, A.O_WRONLY: 2, A.O_RDWR: 6}.get(acc, 6)
    if want & ~bits & 7:
        raise KernelError(E.EACCES)


def mq_open(t: Task, name: bytes, flags: int, mode: int,
            attr: tuple[int, int] | None, umask: int) -> MqFile:
    """do_mq_open: ``attr`` is (maxmsg, msgsize) from a struct mq_attr, or None."""
    _check_name(name)
    acc = flags & A.O_ACCMODE
    if acc not in (A.O_RDONLY, A.O_WRONLY, A.O_RDWR):
        raise KernelError(E.EINVAL)
    queues = _ns_queues(t)
    mq = queues.get(name)
    if mq is not None:
        if flags & A.O_CREAT and flags & A.O_EXCL:
            raise KernelError(E.EEXIST)
        _may_access(t, mq, acc)
    elif not flags & A.O_CREAT:
        raise KernelError(E.ENOENT)
    else:
        maxmsg, msgsize = attr if attr is not None else (DFLT_MSGMAX, DFLT_MSGSIZEMAX)
        if maxmsg <= 0 or msgsize <= 0:
            raise KernelError(E.EINVAL)
        root = capable(t, CAP_SYS_RESOURCE)
        if maxmsg > (HARD_MSGMAX if root else DFLT_MSGMAX) or \
                msgsize > (HARD_MSGSIZEMAX if root else DFLT_MSGSIZEMAX):
            raise KernelError(E.EINVAL)
        if len(queues) >= QUEUES_MAX and not root:
            raise KernelError(E.ENOSPC)
        mq = MQueue(name, t.cred.euid, t.cred.egid, mode & ~umask & 0o777, maxmsg, msgsize)
        queues[name] = mq
    f = MqFile(mq, flags)
    f.opener_tgid = t.tgid  # type: ignore[attr-defined]
    return f


def mq_unlink(t: Task, name: bytes) -> None:
    _check_name(name)
    queues = _ns_queues(t)
    mq = queues.get(name)
    if mq is None:
        raise KernelError(E.ENOENT)
    if t.cred.euid != mq.uid and not capable(t, CAP_FOWNER):
        raise KernelError(E.EACCES)
    del queues[name]


def mq_file(f: File) -> MqFile:
    if not isinstance(f, MqFile):
        raise KernelError(E.EBADF)
    return f


def mq_timedsend(t: Task, f: MqFile, text: bytes, prio: int,
                 deadline: int | None) -> Generator[None, None, int]:
    """``deadline``: host monotonic ns, or None to wait forever."""
    if not f.writable_mq:
        raise KernelError(E.EBADF)
    mq = f.mq
    if prio >= I.MQ_PRIO_MAX or prio < 0:
        raise KernelError(E.EINVAL)
    if len(text) > mq.msgsize:
        raise KernelError(E.EMSGSIZE)
    if len(mq.msgs) >= mq.maxmsg:
        if f.flags & A.O_NONBLOCK:
            raise KernelError(E.EAGAIN)
        if not (yield from wait_event(t, mq.wait_send, lambda: len(mq.msgs) < mq.maxmsg, deadline,
                                      restart=E.EINTR)):
            raise KernelError(E.ETIMEDOUT)
    was_empty = not mq.msgs
    bisect.insort(mq.msgs, (-prio, next(_seq), text))
    if was_empty and mq.notify is not None and not mq.receivers:
        _notify(t, mq)
    mq.wait_recv.wake_up()
    return 0


def _notify(sender: Task, mq: MQueue) -> None:
    """__do_notify: the registrant learns of a message in its empty queue; once."""
    nt = mq.notify
    mq.notify = None
    if nt is None or nt.notify != SIGEV_SIGNAL:
        return
    send_signal(nt.task, SigInfo(nt.signo, I.SI_MESGQ, pid=sender.tgid, uid=sender.cred.uid,
                                 value=nt.value))


def mq_timedreceive(t: Task, f: MqFile, size: int,
                    deadline: int | None) -> Generator[None, None, tuple[bytes, int]]:
    if not f.readable_mq:
        raise KernelError(E.EBADF)
    mq = f.mq
    if size < mq.msgsize:
        raise KernelError(E.EMSGSIZE)
    if not mq.msgs:
        if f.flags & A.O_NONBLOCK:
            raise KernelError(E.EAGAIN)
        mq.receivers += 1
        try:
            if not (yield from wait_event(t, mq.wait_recv, lambda: bool(mq.msgs), deadline,
                                          restart=E.EINTR)):
                raise KernelError(E.ETIMEDOUT)
        finally:
            mq.receivers -= 1
    neg_prio, _, text = mq.msgs.pop(0)
    mq.wait_send.wake_up()
    return text, -neg_prio


def mq_check_notify(notify: tuple[int, int, int] | None) -> None:
    """do_mq_notify's first step, before it looks at the descriptor: a sigevent pynix can
    deliver (SIGEV_THREAD needs a netlink socket, which pynix lacks)."""
    if notify is None:
        return
    how, signo, _ = notify
    if how not in (SIGEV_SIGNAL, SIGEV_NONE):
        raise KernelError(E.EINVAL)
    if how == SIGEV_SIGNAL and not 1 <= signo < A.NSIG:
        raise KernelError(E.EINVAL)


def mq_notify(t: Task, f: MqFile, notify: tuple[int, int, int] | None) -> None:
    """Register (notify = (sigev_notify, signo, value), checked by mq_check_notify) or, with
    None, unregister."""
    mq = f.mq
    if notify is None:
        if mq.notify is not None and mq.notify.task.tgid == t.tgid:
            mq.notify = None
        return
    how, signo, value = notify
    if mq.notify is not None:
        raise KernelError(E.EBUSY)
    mq.notify = Notify(t.group_leader, how, signo, value)


def mq_attr(f: MqFile) -> tuple[int, int, int, int]:
    """(mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs)."""
    return f.flags & A.O_NONBLOCK, f.mq.maxmsg, f.mq.msgsize, len(f.mq.msgs)
