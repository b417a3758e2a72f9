"""System V semaphores (Linux ipc/sem.c; Bach ch. 11.2.3 "Semaphores").

Provides ``SemArray`` (struct sem_array), ``SemUndoList`` (struct sem_undo_list: a process's
SEM_UNDO adjustments, shared by CLONE_SYSVSEM) and the algorithms:
- ``ksys_semget(task, key, nsems, flags)``;
- ``do_semtimedop(task, semid, sops, deadline)``: a generator; applies all of ``sops`` at once
  or none (perform_atomic_semop); an operation that cannot proceed makes the caller wait
  (EAGAIN under IPC_NOWAIT or at the deadline), counted by GETNCNT/GETZCNT through the
  operation that blocked it; SEM_UNDO records the inverse in the caller's undo list;
- ``semctl_*``: GETVAL/SETVAL/GETALL/SETALL/GETPID/GETNCNT/GETZCNT/IPC_STAT/IPC_SET/IPC_RMID
  (waiters of a removed set get EIDRM; SETVAL/SETALL clear the adjustments of what they set);
- ``exit_sem(task)``: at the last exit of the undo list's users, apply the adjustments
  (called from ``Kernel.ipc_exit``);
- ``proc_sysvipc_sem(ns)``: /proc/sysvipc/sem.

Owns the semaphore values, the pending-operation list and the undo lists.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import ipc as I
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

if TYPE_CHECKING:
    from pynix.kernel.task import Task

Sop = tuple[int, int, int]          # sem_num, sem_op, sem_flg


class SemArray(KernIpcPerm):
    def __init__(self, key: int, mode: int, task: Task, nsems: int) -> None:
        super().__init__(key, mode, task)
        self.semval = [0] * nsems
        self.sempid = [0] * nsems
        self.otime = 0
        self.ctime = now_sec()
        self.pending: list[Sop] = []        # the operation each sleeper is blocked on
        self.wait = WaitQueue()

    @property
    def nsems(self) -> int:
        return len(self.semval)

    def perform_atomic_semop(self, sops: list[Sop], dry: bool = False) -> Sop | None:
        """Apply every operation or none: returns the one that must wait, or None when all
        were applied (or, ``dry``, could be); raises ERANGE past SEMVMX."""
        vals = list(self.semval)
        for sop in sops:
            num, op, _flg = sop
            v = vals[num]
            if op == 0:
                if v:
                    return sop
            elif v + op < 0:
                return sop
            elif v + op > I.SEMVMX:
                raise KernelError(E.ERANGE)
            vals[num] = v + op
        if not dry:
            self.semval = vals
        return None

    def would_block(self, sops: list[Sop]) -> bool:
        try:
            return self.perform_atomic_semop(sops, dry=True) is not None
        except KernelError:
            return False

    def count_semcnt(self, num: int, zero: bool) -> int:
        return sum(1 for n, op, _ in self.pending if n == num and ((op == 0) if zero else op < 0))


class SemUndoList:
    """A process's SEM_UNDO adjustments: semid -> (set, per-semaphore adjustment)."""

    def __init__(self) -> None:
        self.undos: dict[int, tuple[SemArray, list[int]]] = {}
        self.users = 1

    def adjust(self, sma: SemArray, sops: list[Sop]) -> None:
        entry = self.undos.get(sma.id)
        if entry is None or entry[0] is not sma:
            entry = self.undos[sma.id] = (sma, [0] * sma.nsems)
        for num, op, flg in sops:
            if flg & I.SEM_UNDO:
                entry[1][num] -= op


def _array(task: Task, semid: int) -> SemArray:
    return ipc_ns_of(task).sem_ids.ipc_obtain_object_check(semid)  # type: ignore[return-value]


def undo_list_of(task: Task) -> SemUndoList:
    ulp = getattr(task, "sysvsem", None)
    if ulp is None:
        ulp = task.sysvsem = SemUndoList()
    return ulp


def ksys_semget(task: Task, key: int, nsems: int, flags: int) -> int:
    ns = ipc_ns_of(task)
    if nsems < 0 or nsems > ns.sem_ctls[0]:
        raise KernelError(E.EINVAL)

    def newary() -> SemArray:
        if nsems == 0:
            raise KernelError(E.EINVAL)
        return SemArray(key, flags, task, nsems)

    def more_checks(obj: KernIpcPerm) -> None:
        if nsems > obj.nsems:  # type: ignore[attr-defined]
            raise KernelError(E.EINVAL)
    return ipcget(task, ns.sem_ids, key, flags, newary, more_checks)


def do_semtimedop(task: Task, semid: int, sops: list[Sop], deadline: int | None) -> Generator[None, None, int]:
    ns = ipc_ns_of(task)
    if not sops or semid < 0:
        raise KernelError(E.EINVAL)
    if len(sops) > ns.sem_ctls[2]:
        raise KernelError(E.E2BIG)
    sma = _array(task, semid)
    if any(num >= sma.nsems for num, _, _ in sops):
        raise KernelError(E.EFBIG)
    alter = any(op for _, op, _ in sops)
    ipc_check_perms(task, sma, S_IWUGO if alter else S_IRUGO)
    while True:
        blocking = sma.perform_atomic_semop(sops)
        if blocking is None:
            if any(flg & I.SEM_UNDO for _, _, flg in sops):
                undo_list_of(task).adjust(sma, sops)
            for num, _, _ in sops:
                sma.sempid[num] = task.tgid
            sma.otime = now_sec()
            sma.wait.wake_up()
            return 0
        if blocking[2] & I.IPC_NOWAIT:
            raise KernelError(E.EAGAIN)
        sma.pending.append(blocking)
        try:
            ok = yield from wait_event(task, sma.wait, lambda: sma.deleted or not sma.would_block(sops),
                                       deadline, restart=E.EINTR)
        finally:
            sma.pending.remove(blocking)
        if sma.deleted:
            raise KernelError(E.EIDRM)
        if not ok:
            raise KernelError(E.EAGAIN)


def _clear_undo(task: Task, sma: SemArray, num: int | None) -> None:
    """SETVAL/SETALL: every process's adjustment for what was set becomes 0."""
    for t in task.kernel.tasks.values():
        ulp = getattr(t, "sysvsem", None)
        entry = ulp.undos.get(sma.id) if ulp is not None else None
        if entry is not None and entry[0] is sma:
            for i in (range(sma.nsems) if num is None else (num,)):
                entry[1][i] = 0


def semctl_getval(task: Task, semid: int, num: int, cmd: int) -> int:
    sma = _array(task, semid)
    ipc_check_perms(task, sma, S_IRUGO)
    if not 0 <= num < sma.nsems:
        raise KernelError(E.EINVAL)
    if cmd == I.GETVAL:
        return sma.semval[num]
    if cmd == I.GETPID:
        return sma.sempid[num]
    return sma.count_semcnt(num, cmd == I.GETZCNT)


def semctl_setval(task: Task, semid: int, num: int, val: int) -> None:
    sma = _array(task, semid)
    if not 0 <= val <= I.SEMVMX:
        raise KernelError(E.ERANGE)
    if not 0 <= num < sma.nsems:
        raise KernelError(E.EINVAL)
    ipc_check_perms(task, sma, S_IWUGO)
    _clear_undo(task, sma, num)
    sma.semval[num] = val
    sma.sempid[num] = task.tgid
    sma.ctime = now_sec()
    sma.wait.wake_up()


def semctl_getall(task: Task, semid: int) -> list[int]:
    sma = _array(task, semid)
    ipc_check_perms(task, sma, S_IRUGO)
    return list(sma.semval)


def semctl_nsems(task: Task, semid: int) -> int:
    return _array(task, semid).nsems


def semctl_setall(task: Task, semid: int, vals: list[int]) -> None:
    sma = _array(task, semid)
    ipc_check_perms(task, sma, S_IWUGO)
    if any(v > I.SEMVMX for v in vals):
        raise KernelError(E.ERANGE)
    _clear_undo(task, sma, None)
    sma.semval = list(vals)
    sma.sempid = [task.tgid] * sma.nsems
    sma.ctime = now_sec()
    sma.wait.wake_up()


def pack_semid(sma: SemArray) -> bytes:
    return I.SEMID64_DS.pack(sma.pack_perm(), sma.otime, sma.ctime, sma.nsems)


def semctl_stat(task: Task, semid: int) -> bytes:
    sma = _array(task, semid)
    ipc_check_perms(task, sma, S_IRUGO)
    return pack_semid(sma)


def semctl_info(task: Task, cmd: int) -> bytes:
    """IPC_INFO: the limits; SEM_INFO: with sets in use (semusz) and semaphores (semaem)."""
    ns = ipc_ns_of(task)
    semmsl, semmns, semopm, semmni = ns.sem_ctls
    usz, aem = I.SEMUSZ, I.SEMAEM
    if cmd == I.SEM_INFO:
        usz, aem = len(ns.sem_ids), sum(s.nsems for s in ns.sem_ids)
    return I.SEMINFO.pack(semmns, semmni, semmns, semmns, semmsl, semopm, semopm, usz, I.SEMVMX, aem)


def semctl_set(task: Task, semid: int, buf: bytes) -> None:
    ipc_update_perm(task, _array(task, semid), buf)


def semctl_rmid(task: Task, semid: int) -> None:
    sma = _array(task, semid)
    ipc_check_owner(task, sma)
    ipc_ns_of(task).sem_ids.ipc_rmid(sma)
    sma.wait.wake_up()


def exit_sem(task: Task) -> None:
    """Apply the undo adjustments when the last task using the list exits (exit_sem)."""
    ulp = getattr(task, "sysvsem", None)
    if ulp is None:
        return
    task.sysvsem = None
    ulp.users -= 1
    if ulp.users:
        return
    for sma, adj in ulp.undos.values():
        if sma.deleted:
            continue
        for num, a in enumerate(adj):
            if a:
                sma.semval[num] = max(0, min(I.SEMVMX, sma.semval[num] + a))
                sma.sempid[num] = task.tgid
        sma.wait.wake_up()
    ulp.undos.clear()


def copy_semundo(parent: Task, child: Task, share: bool) -> None:
    """fork: CLONE_SYSVSEM shares the undo list; otherwise the child starts without one."""
    ulp = getattr(parent, "sysvsem", None)
    if share and ulp is not None:
        ulp.users += 1
        child.sysvsem = ulp
    else:
        child.sysvsem = None


def proc_sysvipc_sem(ns: IpcNamespace) -> str:
    lines = ["       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"]
    for s in ns.sem_ids:
        lines.append(f"{s.key:10d} {s.id:10d}  {s.mode:4o} {s.nsems:10d} {s.uid:5d} {s.gid:5d} "
                     f"{s.cuid:5d} {s.cgid:5d} {s.otime:10d} {s.ctime:10d}\n")
    return "".join(lines)
