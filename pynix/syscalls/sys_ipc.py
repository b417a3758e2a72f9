"""System V IPC syscalls: msgget/msgsnd/msgrcv/msgctl, semget/semop/semtimedop/semctl,
shmget/shmat/shmdt/shmctl (Linux ipc/syscall.c entry points of ipc/msg.c, sem.c, shm.c), and
the POSIX message queue calls mq_open & co. (ipc/mqueue.c).

Thin handlers: decode registers, copy user buffers, call pynix/ipc, copy results out.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import event as V
from pynix.arch.x86_64 import ipc as I
from pynix.base.errors import KernelError
from pynix.base.timer import monotonic_ns
from pynix.ipc import mqueue, msg, sem, shm
from pynix.ipc.util import IpcIds, IpcNamespace, ipc_key_s32, ipc_ns_of
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, put_u32, strncpy_from_user
from pynix.syscalls.util import (
    fget,
    fs_of,
    get_timespec,
    install_new_file,
    mm_of,
    s32,
    s64,
)


def sys_msgget(t: Task, key: int, flags: int) -> int:
    return msg.ksys_msgget(t, ipc_key_s32(key), s32(flags))


def sys_msgsnd(t: Task, msqid: int, msgp: int, msgsz: int, flags: int) -> Generator[None, None, int]:
    if s64(msgsz) < 0 or msgsz > ipc_ns_of(t).msg_ctlmax:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    mtype = I.MSG_LONG.unpack(copy_from_user(mm, msgp, I.MSG_LONG.size))[0]
    text = copy_from_user(mm, msgp + I.MSG_LONG.size, msgsz)
    return (yield from msg.do_msgsnd(t, s32(msqid), mtype, text, s32(flags)))


def sys_msgrcv(t: Task, msqid: int, msgp: int, msgsz: int, msgtyp: int, flags: int) -> Generator[None, None, int]:
    if s64(msgsz) < 0:
        raise KernelError(E.EINVAL)
    mtype, text = yield from msg.do_msgrcv(t, s32(msqid), msgsz, s64(msgtyp), s32(flags))
    mm = mm_of(t)
    copy_to_user(mm, msgp, I.MSG_LONG.pack(mtype))
    copy_to_user(mm, msgp + I.MSG_LONG.size, text)
    return len(text)


@dataclass(frozen=True)
class CtlOps:
    """What msgctl, semctl and shmctl share: the kind's table, struct and operations."""
    ids: Callable[[IpcNamespace], IpcIds]
    size: int                                   # sizeof struct *id64_ds
    pack: Callable[[Any], bytes]
    stat: Callable[[Task, int], bytes]
    set_: Callable[[Task, int, bytes], None]
    rmid: Callable[[Task, int], None]
    info: Callable[[Task, int], bytes]
    info_cmd: int                               # MSG_INFO / SEM_INFO / SHM_INFO
    stat_cmds: tuple[int, int]                  # MSG_STAT, MSG_STAT_ANY ...


MSG_OPS = CtlOps(lambda ns: ns.msg_ids, I.MSQID64_DS.size, msg.pack_msqid, msg.msgctl_stat,
                 msg.msgctl_set, msg.msgctl_rmid, msg.msgctl_info, I.MSG_INFO,
                 (I.MSG_STAT, I.MSG_STAT_ANY))
SEM_OPS = CtlOps(lambda ns: ns.sem_ids, I.SEMID64_DS.size, sem.pack_semid, sem.semctl_stat,
                 sem.semctl_set, sem.semctl_rmid, sem.semctl_info, I.SEM_INFO,
                 (I.SEM_STAT, I.SEM_STAT_ANY))
SHM_OPS = CtlOps(lambda ns: ns.shm_ids, I.SHMID64_DS.size, shm.pack_shmid, shm.shmctl_stat,
                 shm.shmctl_set, shm.shmctl_rmid, shm.shmctl_info, I.SHM_INFO,
                 (I.SHM_STAT, I.SHM_STAT_ANY))


def _ctl(t: Task, ident: int, cmd: int, buf: int, ops: CtlOps) -> int:
    """IPC_STAT / IPC_SET / IPC_RMID / IPC_INFO / *_INFO / *_STAT(_ANY) for any kind."""
    ident, cmd = s32(ident), s32(cmd)
    if ident < 0 or cmd < 0:
        raise KernelError(E.EINVAL)
    if cmd in (I.IPC_INFO, ops.info_cmd):
        copy_to_user(mm_of(t), buf, ops.info(t, cmd))
        return ops.ids(ipc_ns_of(t)).max_idx()
    if cmd in ops.stat_cmds:
        obj = ops.ids(ipc_ns_of(t)).obtain_by_index(t, ident, cmd == ops.stat_cmds[1])
        copy_to_user(mm_of(t), buf, ops.pack(obj))
        return obj.id
    if cmd == I.IPC_STAT:
        copy_to_user(mm_of(t), buf, ops.stat(t, ident))
    elif cmd == I.IPC_SET:
        ops.set_(t, ident, copy_from_user(mm_of(t), buf, ops.size))
    elif cmd == I.IPC_RMID:
        ops.rmid(t, ident)
    else:
        raise KernelError(E.EINVAL)
    return 0


def sys_msgctl(t: Task, msqid: int, cmd: int, buf: int) -> int:
    return _ctl(t, msqid, cmd, buf, MSG_OPS)


def sys_semget(t: Task, key: int, nsems: int, flags: int) -> int:
    return sem.ksys_semget(t, ipc_key_s32(key), s32(nsems), s32(flags))


def _sops(t: Task, sops: int, nsops: int) -> list[sem.Sop]:
    if nsops < 1:
        raise KernelError(E.EINVAL)
    if nsops > I.SEMOPM:
        raise KernelError(E.E2BIG)
    raw = copy_from_user(mm_of(t), sops, I.SEMBUF.size * nsops)
    return [I.SEMBUF.unpack_from(raw, i * I.SEMBUF.size) for i in range(nsops)]


def sys_semtimedop(t: Task, semid: int, sops: int, nsops: int, timeout: int) -> Generator[None, None, int]:
    ops = _sops(t, sops, nsops)
    deadline = monotonic_ns() + get_timespec(t, timeout) if timeout else None
    return (yield from sem.do_semtimedop(t, s32(semid), ops, deadline))


def sys_semop(t: Task, semid: int, sops: int, nsops: int) -> Generator[None, None, int]:
    return (yield from sys_semtimedop(t, semid, sops, nsops, 0))


def sys_semctl(t: Task, semid: int, semnum: int, cmd: int, arg: int) -> int:
    semid, semnum, cmd = s32(semid), s32(semnum), s32(cmd)
    if semid < 0 or cmd < 0:
        raise KernelError(E.EINVAL)
    if cmd in (I.GETVAL, I.GETPID, I.GETNCNT, I.GETZCNT):
        return sem.semctl_getval(t, semid, semnum, cmd)
    if cmd == I.SETVAL:
        sem.semctl_setval(t, semid, semnum, s32(arg))
    elif cmd == I.GETALL:
        vals = sem.semctl_getall(t, semid)
        copy_to_user(mm_of(t), arg, I.pack_semvals(vals))
    elif cmd == I.SETALL:
        n = sem.semctl_nsems(t, semid)
        sem.semctl_setall(t, semid, I.unpack_semvals(copy_from_user(mm_of(t), arg, I.SEMVAL.size * n)))
    else:
        return _ctl(t, semid, cmd, arg, SEM_OPS)
    return 0


def sys_shmget(t: Task, key: int, size: int, flags: int) -> int:
    return shm.ksys_shmget(t, ipc_key_s32(key), size, s32(flags))


def sys_shmat(t: Task, shmid: int, addr: int, flags: int) -> int:
    return shm.do_shmat(t, s32(shmid), addr, s32(flags))


def sys_shmdt(t: Task, addr: int) -> int:
    shm.ksys_shmdt(t, addr)
    return 0


def sys_shmctl(t: Task, shmid: int, cmd: int, buf: int) -> int:
    if s32(cmd) in (I.SHM_LOCK, I.SHM_UNLOCK) and s32(shmid) >= 0:
        shm.shmctl_lock(t, s32(shmid), s32(cmd) == I.SHM_LOCK)
        return 0
    return _ctl(t, shmid, cmd, buf, SHM_OPS)


# -- POSIX message queues (ipc/mqueue.py) ------------------------------------------------------

def _mq_deadline(t: Task, abs_timeout: int) -> int | None:
    """An absolute CLOCK_REALTIME timeout as a host monotonic deadline (EINVAL if malformed)."""
    if not abs_timeout:
        return None
    return monotonic_ns() + get_timespec(t, abs_timeout) - time.time_ns()


def sys_mq_open(t: Task, namep: int, oflag: int, mode: int, attrp: int) -> int:
    name = strncpy_from_user(mm_of(t), namep, mqueue.NAME_MAX + 1)
    attr = None
    if attrp and s32(oflag) & A.O_CREAT:
        _flags, maxmsg, msgsize, _cur = I.MQ_ATTR.unpack(copy_from_user(mm_of(t), attrp, I.MQ_ATTR.size))
        attr = (maxmsg, msgsize)
    f = mqueue.mq_open(t, name, s32(oflag), mode & 0o7777, attr, fs_of(t).umask)
    return install_new_file(t, f, bool(s32(oflag) & A.O_CLOEXEC))


def sys_mq_unlink(t: Task, namep: int) -> int:
    mqueue.mq_unlink(t, strncpy_from_user(mm_of(t), namep, mqueue.NAME_MAX + 1))
    return 0


def sys_mq_timedsend(t: Task, mqd: int, msgp: int, msglen: int, prio: int,
                     abs_timeout: int) -> Generator[None, None, int]:
    f = mqueue.mq_file(fget(t, mqd))
    deadline = _mq_deadline(t, abs_timeout)
    if msglen > f.mq.msgsize:
        raise KernelError(E.EMSGSIZE)
    text = copy_from_user(mm_of(t), msgp, msglen)
    return (yield from mqueue.mq_timedsend(t, f, text, prio & 0xFFFFFFFF, deadline))


def sys_mq_timedreceive(t: Task, mqd: int, msgp: int, msglen: int, priop: int,
                        abs_timeout: int) -> Generator[None, None, int]:
    f = mqueue.mq_file(fget(t, mqd))
    deadline = _mq_deadline(t, abs_timeout)
    text, prio = yield from mqueue.mq_timedreceive(t, f, msglen, deadline)
    copy_to_user(mm_of(t), msgp, text)
    if priop:
        put_u32(mm_of(t), priop, prio)
    return len(text)


def sys_mq_notify(t: Task, mqd: int, sevp: int) -> int:
    notify = None
    if sevp:
        value, signo, how, _tid = V.SIGEVENT.unpack_from(copy_from_user(mm_of(t), sevp, V.SIGEVENT_SIZE))
        notify = (how, signo, value)
    mqueue.mq_check_notify(notify)
    mqueue.mq_notify(t, mqueue.mq_file(fget(t, mqd)), notify)
    return 0


def sys_mq_getsetattr(t: Task, mqd: int, newp: int, oldp: int) -> int:
    f = mqueue.mq_file(fget(t, mqd))
    new = I.MQ_ATTR.unpack(copy_from_user(mm_of(t), newp, I.MQ_ATTR.size)) if newp else None
    if new is not None and new[0] & ~A.O_NONBLOCK:
        raise KernelError(E.EINVAL)
    if oldp:
        copy_to_user(mm_of(t), oldp, I.MQ_ATTR.pack(*mqueue.mq_attr(f)))
    if new is not None:
        f.flags = (f.flags & ~A.O_NONBLOCK) | (new[0] & A.O_NONBLOCK)
    return 0
