"""System V IPC common code: identifiers, keys, permissions and the per-namespace registry
(Linux ipc/util.c, ipc/namespace.c; Bach ch. 11.2).

Provides:
- ``KernIpcPerm``: the header every message queue, semaphore set and shared memory segment
  starts with (key, owner, creator, mode, sequence number, id, deleted flag).
- ``IpcIds``: one table of objects of one kind. ``ipc_addid`` gives an object the id
  ``seq * 32768 + index`` (the sequence number makes a stale id fail after the slot is
  reused); ``ipc_obtain_object_check(id)`` finds it again (EINVAL); ``ipc_rmid`` forgets it.
- ``ipcget(task, ids, key, flags, newfn, more_checks)``: msgget/semget/shmget's common
  algorithm: IPC_PRIVATE always creates, IPC_CREAT creates when the key is unused,
  IPC_CREAT|IPC_EXCL fails with EEXIST on a used key, no IPC_CREAT fails with ENOENT.
- ``ipcperms(task, perm, flag)``: the rwx check against owner, group or other (ipcperms);
  ``ipc_check_owner`` for IPC_SET/IPC_RMID; ``ipc_update_perm`` for IPC_SET.
- ``IpcNamespace``: the three tables plus the tunable limits; reached as ``task.ipc_ns``
  (``ipc_ns_of``), one per kernel until IPC namespaces arrive.

Owns: the id tables. The objects themselves live in ipc/msg.py, sem.py and shm.py.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Generic, TypeVar

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import ipc as I
from pynix.arch.x86_64.abi import CLONE_NEWIPC, CLONE_SYSVSEM
from pynix.arch.x86_64.capability import CAP_IPC_OWNER, CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.kernel.cred import capable
from pynix.kernel.ns_common import alloc_inum, ns_of

if TYPE_CHECKING:
    from pynix.kernel.task import Task

S_IRUGO, S_IWUGO = 0o444, 0o222


def now_sec() -> int:
    return int(time.time())


class KernIpcPerm:
    """struct kern_ipc_perm: identity and access rights of one IPC object."""

    def __init__(self, key: int, mode: int, task: Task) -> None:
        self.key = key
        self.uid = self.cuid = task.cred.euid
        self.gid = self.cgid = task.cred.egid
        self.mode = mode & 0o777
        self.seq = 0
        self.id = -1
        self.deleted = False

    def pack_perm(self) -> bytes:
        return I.pack_ipc64_perm(self.key, self.uid, self.gid, self.cuid, self.cgid, self.mode,
                                 self.seq)


T = TypeVar("T", bound=KernIpcPerm)


class IpcIds(Generic[T]):
    """struct ipc_ids: the objects of one kind in one namespace."""

    def __init__(self, limit: int) -> None:
        self.entries: dict[int, T] = {}
        self.seq = 0
        self.limit = limit             # msgmni / semmni / shmmni

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.entries.values(), key=lambda o: o.id % I.IPCMNI_SEQ_MULTIPLIER))

    def ipc_addid(self, obj: T) -> int:
        if len(self.entries) >= self.limit:
            raise KernelError(E.ENOSPC)
        idx = 0
        while idx in self.entries:
            idx += 1
        obj.seq = self.seq
        self.seq = (self.seq + 1) % (1 << 16)
        obj.id = obj.seq * I.IPCMNI_SEQ_MULTIPLIER + idx
        self.entries[idx] = obj
        return obj.id

    def ipc_findkey(self, key: int) -> T | None:
        for obj in self.entries.values():
            if obj.key == key:
                return obj
        return None

    def ipc_obtain_object_check(self, ident: int) -> T:
        if ident < 0:
            raise KernelError(E.EINVAL)
        obj = self.entries.get(ident % I.IPCMNI_SEQ_MULTIPLIER)
        if obj is None or obj.id != ident:
            raise KernelError(E.EINVAL)
        return obj

    def max_idx(self) -> int:
        """ipc_get_maxidx: the highest index in use (0 when empty), what *_INFO return."""
        return max(self.entries, default=0)

    def obtain_by_index(self, task: Task, idx: int, cmd_any: bool) -> T:
        """MSG_STAT/SEM_STAT/SHM_STAT: the object at index ``idx`` (the *_STAT_ANY forms skip
        the read permission check)."""
        obj = self.entries.get(idx)
        if obj is None or idx < 0:
            raise KernelError(E.EINVAL)
        if not cmd_any:
            ipc_check_perms(task, obj, S_IRUGO)
        return obj

    def ipc_rmid(self, obj: T) -> None:
        if self.entries.get(obj.id % I.IPCMNI_SEQ_MULTIPLIER) is obj:
            del self.entries[obj.id % I.IPCMNI_SEQ_MULTIPLIER]
        obj.deleted = True


class IpcNamespace:
    """struct ipc_namespace: the registries and the limits of /proc/sys/kernel. ``inum``
    names it in /proc/PID/ns/ipc (kernel/ns_common.py numbers them)."""

    def __init__(self, inum: int | None = None) -> None:
        self.inum = inum if inum is not None else alloc_inum()
        self.msg_ctlmax = I.MSGMAX
        self.msg_ctlmnb = I.MSGMNB
        self.msg_ctlmni = I.MSGMNI
        self.sem_ctls = [I.SEMMSL, I.SEMMNS, I.SEMOPM, I.SEMMNI]
        self.shm_ctlmax = I.SHMMAX
        self.shm_ctlall = I.SHMALL
        self.shm_ctlmni = I.SHMMNI
        self.msg_ids: IpcIds = IpcIds(self.msg_ctlmni)
        self.sem_ids: IpcIds = IpcIds(self.sem_ctls[3])
        self.shm_ids: IpcIds = IpcIds(self.shm_ctlmni)


def ipc_ns_of(task: Task) -> IpcNamespace:
    return ns_of(task, "ipc")


def copy_ipcs(parent: Task, flags: int) -> IpcNamespace:
    """fork/clone: the child's IPC namespace; CLONE_NEWIPC (root only, not with CLONE_SYSVSEM)
    gives it a fresh, empty one (copy_ipcs / create_ipc_ns)."""
    if not flags & CLONE_NEWIPC:
        return ipc_ns_of(parent)
    if flags & CLONE_SYSVSEM:
        raise KernelError(E.EINVAL)
    if not capable(parent, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    return IpcNamespace()


def ipcperms(task: Task, perm: KernIpcPerm, flag: int) -> bool:
    """May ``task`` use ``perm`` with the rwx bits in ``flag`` (S_IRUGO, S_IWUGO...)?"""
    granted = perm.mode
    c = task.cred
    if c.euid in (perm.cuid, perm.uid):
        granted >>= 6
    elif c.egid in (perm.cgid, perm.gid) or perm.cgid in c.groups or perm.gid in c.groups:
        granted >>= 3
    requested = (flag >> 6) | (flag >> 3) | flag
    return not (requested & ~granted & 0o7) or capable(task, CAP_IPC_OWNER)


def ipc_check_perms(task: Task, perm: KernIpcPerm, flag: int) -> None:
    if not ipcperms(task, perm, flag):
        raise KernelError(E.EACCES)


def ipc_check_owner(task: Task, perm: KernIpcPerm) -> None:
    """IPC_SET and IPC_RMID belong to the owner, the creator and root (ipcctl_obtain_check)."""
    if task.cred.euid not in (perm.uid, perm.cuid) and not capable(task, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)


def ipc_update_perm(task: Task, perm: KernIpcPerm, packed: bytes) -> None:
    """IPC_SET by the owner: take uid, gid and the mode's permission bits from a user
    ipc64_perm; the change time moves."""
    ipc_check_owner(task, perm)
    uid, gid, mode = I.unpack_ipc64_perm_set(packed)
    if uid == 0xFFFF_FFFF or gid == 0xFFFF_FFFF:
        raise KernelError(E.EINVAL)          # uid_valid / gid_valid: (uid_t)-1 is no id
    perm.uid, perm.gid = uid, gid
    perm.mode = (perm.mode & ~0o777) | (mode & 0o777)
    perm.ctime = now_sec()  # type: ignore[attr-defined]


def ipcget(task: Task, ids: IpcIds, key: int, flags: int, newfn: Callable[[], KernIpcPerm],
           more_checks: Callable[[KernIpcPerm], None] | None = None) -> int:
    """The common part of msgget, semget and shmget (ipcget_new / ipcget_public)."""
    if key == I.IPC_PRIVATE:
        return ids.ipc_addid(newfn())
    obj = ids.ipc_findkey(key)
    if obj is None:
        if not flags & I.IPC_CREAT:
            raise KernelError(E.ENOENT)
        return ids.ipc_addid(newfn())
    if flags & I.IPC_CREAT and flags & I.IPC_EXCL:
        raise KernelError(E.EEXIST)
    if more_checks is not None:
        more_checks(obj)
    ipc_check_perms(task, obj, flags)
    return obj.id


def ipc_key_s32(key: int) -> int:
    key &= 0xFFFFFFFF
    return key - (1 << 32) if key & 0x80000000 else key
