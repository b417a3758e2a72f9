"""System V message queues (Linux ipc/msg.c; Bach ch. 11.2.1 "Messages").

Provides ``MsgQueue`` (struct msg_queue) and the algorithms behind the syscalls:
- ``ksys_msgget(task, key, flags)``;
- ``do_msgsnd(task, msqid, mtype, text, flags)``: a generator; waits while the queue is full
  (its bytes would pass ``qbytes``) unless IPC_NOWAIT (EAGAIN);
- ``do_msgrcv(task, msqid, bufsz, msgtyp, flags)``: a generator returning ``(mtype, text)``;
  msgtyp 0 takes the first message, > 0 the first of that type (of any other type with
  MSG_EXCEPT), < 0 the first of the lowest type <= |msgtyp|; a longer message than ``bufsz``
  fails with E2BIG unless MSG_NOERROR truncates it; with none, ENOMSG under IPC_NOWAIT, else
  wait;
- ``msgctl_stat`` / ``msgctl_set`` / ``msgctl_rmid`` (IPC_RMID wakes every waiter with EIDRM);
- ``proc_sysvipc_msg(ns)``: /proc/sysvipc/msg in Linux's format.

A signal ends a wait with ERESTARTNOHAND (EINTR once a handler ran), as in Linux.
Owns the queued messages and two wait queues, as Linux's q_senders and q_receivers: a send
wakes only receivers and a receive only senders, so a ping-pong pair never wakes itself.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import ipc as I
from pynix.arch.x86_64.capability import CAP_SYS_RESOURCE
from pynix.base.errors import KernelError
from pynix.base.wait import WaitQueue, wait_event
from pynix.ipc.util import (
    S_IRUGO,
    S_IWUGO,
    IpcNamespace,
    KernIpcPerm,
    ipc_check_owner,
    ipc_check_perms,
    ipc_ns_of,
    ipc_update_perm,
    ipcget,
    now_sec,
)
from pynix.kernel.cred import capable

if TYPE_CHECKING:
    from pynix.kernel.task import Task


class MsgQueue(KernIpcPerm):
    def __init__(self, key: int, mode: int, task: Task, qbytes: int) -> None:
        super().__init__(key, mode, task)
        self.messages: list[tuple[int, bytes]] = []
        self.qbytes = qbytes
        self.cbytes = 0
        self.stime = self.rtime = 0
        self.ctime = now_sec()
        self.lspid = self.lrpid = 0
        self.senders = WaitQueue()       # msgsnd waiting for room
        self.receivers = WaitQueue()     # msgrcv waiting for a message

    def fits(self, n: int) -> bool:
        """msg_fits_inqueue: room for ``n`` more bytes and one more message."""
        return self.cbytes + n <= self.qbytes and len(self.messages) + 1 <= self.qbytes

    def find_msg(self, msgtyp: int, flags: int) -> int | None:
        """Index of the message msgrcv's ``msgtyp`` selects (find_msg), or None."""
        if msgtyp == 0:
            return 0 if self.messages else None
        if msgtyp > 0:
            for i, (mtype, _) in enumerate(self.messages):
                if (mtype != msgtyp) if flags & I.MSG_EXCEPT else (mtype == msgtyp):
                    return i
            return None
        best = None
        for i, (mtype, _) in enumerate(self.messages):
            if mtype <= -msgtyp and (best is None or mtype < self.messages[best][0]):
                best = i
        return best


def _queue(task: Task, msqid: int) -> MsgQueue:
    return ipc_ns_of(task).msg_ids.ipc_obtain_object_check(msqid)  # type: ignore[return-value]


def ksys_msgget(task: Task, key: int, flags: int) -> int:
    ns = ipc_ns_of(task)
    return ipcget(task, ns.msg_ids, key, flags, lambda: MsgQueue(key, flags, task, ns.msg_ctlmnb))


def do_msgsnd(task: Task, msqid: int, mtype: int, text: bytes, flags: int) -> Generator[None, None, int]:
    ns = ipc_ns_of(task)
    if len(text) > ns.msg_ctlmax or msqid < 0:
        raise KernelError(E.EINVAL)
    if mtype < 1:
        raise KernelError(E.EINVAL)
    q = _queue(task, msqid)
    ipc_check_perms(task, q, S_IWUGO)
    while not q.fits(len(text)):
        if flags & I.IPC_NOWAIT:
            raise KernelError(E.EAGAIN)
        yield from wait_event(task, q.senders, lambda: q.deleted or q.fits(len(text)),
                              restart=E.ERESTARTNOHAND)
        if q.deleted:
            raise KernelError(E.EIDRM)
    q.messages.append((mtype, text))
    q.cbytes += len(text)
    q.lspid = task.tgid
    q.stime = now_sec()
    q.receivers.wake_up()
    return 0


def do_msgrcv(task: Task, msqid: int, bufsz: int, msgtyp: int, flags: int) -> Generator[None, None, tuple[int, bytes]]:
    if msqid < 0 or bufsz < 0:
        raise KernelError(E.EINVAL)
    if flags & I.MSG_COPY:
        raise KernelError(E.ENOSYS)          # CONFIG_CHECKPOINT_RESTORE only
    q = _queue(task, msqid)
    ipc_check_perms(task, q, S_IRUGO)
    while True:
        i = q.find_msg(msgtyp, flags)
        if i is not None:
            mtype, text = q.messages[i]
            if len(text) > bufsz and not flags & I.MSG_NOERROR:
                raise KernelError(E.E2BIG)
            del q.messages[i]
            q.cbytes -= len(text)
            q.lrpid = task.tgid
            q.rtime = now_sec()
            q.senders.wake_up()
            return mtype, text[:bufsz]
        if flags & I.IPC_NOWAIT:
            raise KernelError(E.ENOMSG)
        yield from wait_event(task, q.receivers,
                              lambda: q.deleted or q.find_msg(msgtyp, flags) is not None,
                              restart=E.ERESTARTNOHAND)
        if q.deleted:
            raise KernelError(E.EIDRM)


def pack_msqid(q: MsgQueue) -> bytes:
    return I.MSQID64_DS.pack(q.pack_perm(), q.stime, q.rtime, q.ctime, q.cbytes, len(q.messages),
                             q.qbytes, q.lspid, q.lrpid)


def msgctl_stat(task: Task, msqid: int) -> bytes:
    q = _queue(task, msqid)
    ipc_check_perms(task, q, S_IRUGO)
    return pack_msqid(q)


def msgctl_info(task: Task, cmd: int) -> bytes:
    """IPC_INFO: the limits; MSG_INFO: the same with queues, messages and bytes in use."""
    ns = ipc_ns_of(task)
    pool, nmap, tql = I.MSGPOOL, I.MSGMNB, I.MSGMNB
    if cmd == I.MSG_INFO:
        pool = len(ns.msg_ids)
        nmap = sum(len(q.messages) for q in ns.msg_ids)
        tql = sum(q.cbytes for q in ns.msg_ids)
    return I.MSGINFO.pack(pool, nmap, ns.msg_ctlmax, ns.msg_ctlmnb, ns.msg_ctlmni, I.MSGSSZ, tql,
                          I.MSGSEG)


def msgctl_set(task: Task, msqid: int, buf: bytes) -> None:
    q = _queue(task, msqid)
    ipc_check_owner(task, q)
    qbytes = I.unpack_msqid64_qbytes(buf)
    if qbytes > ipc_ns_of(task).msg_ctlmnb and not capable(task, CAP_SYS_RESOURCE):
        raise KernelError(E.EPERM)
    ipc_update_perm(task, q, buf)
    q.qbytes = qbytes
    q.senders.wake_up()                      # senders may fit now


def msgctl_rmid(task: Task, msqid: int) -> None:
    q = _queue(task, msqid)
    ipc_check_owner(task, q)
    ipc_ns_of(task).msg_ids.ipc_rmid(q)
    q.messages.clear()
    q.senders.wake_up()                      # blocked senders and receivers get EIDRM
    q.receivers.wake_up()


def proc_sysvipc_msg(ns: IpcNamespace) -> str:
    lines = ["       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid"
             "      stime      rtime      ctime\n"]
    for q in ns.msg_ids:
        lines.append(f"{q.key:10d} {q.id:10d}  {q.mode:4o}  {q.cbytes:10d} {len(q.messages):10d} "
                     f"{q.lspid:5d} {q.lrpid:5d} {q.uid:5d} {q.gid:5d} {q.cuid:5d} {q.cgid:5d} "
                     f"{q.stime:10d} {q.rtime:10d} {q.ctime:10d}\n")
    return "".join(lines)
