"""Credentials and privilege (Linux include/linux/cred.h, kernel/cred.c, kernel/capability.c,
the set*id rules of kernel/sys.c and kernel/groups.c; Bach ch. 7.6 "changing the user ID").

Provides:
- ``Cred``: a task's real, effective, saved and filesystem user and group ids and its
  supplementary groups (``task.cred``; fork copies it, CLONE_THREAD threads get a copy too),
  and, as struct cred, its thread, process and session keyrings, its assumed request_key
  authority and its request_key default keyring (security/keys/process_keys.py).
  Its capability sets, 64-bit masks of CAP_* bits (arch/x86_64/capability.py):
  cap_inheritable, cap_permitted, cap_effective, cap_bset (bounding) and cap_ambient, and its
  securebits. init's sets are full (inheritable and ambient empty); a Cred made from ids alone
  gets the sets a task reaching those ids from root would have (``__post_init__``). The rules
  that change them are kernel/commoncap.py's.
- ``capable(task, cap)``: is ``cap`` in the task's effective set? ``capable_fs(cred, cap)``
  is the same test on the credentials a path operation uses (the filesystem capabilities,
  CAP_FS_MASK, follow the fsuid through setfsuid's fixup). Every privilege check in pynix
  goes through one of them.
- ``ioprio_check_cap(task, ioprio)``: may the task use I/O priority ``ioprio`` (Linux's
  block/ioprio.c ioprio_check_cap, for ioprio_set and io_submit's IOCB_FLAG_IOPRIO)?
- ``__sys_setresuid``, ``__sys_setreuid``, ``__sys_setuid`` and the gid forms, ``may_setgroups``
  and ``set_current_groups``: the rules of the set*id calls. Without CAP_SETUID (CAP_SETGID) a
  task may only move among the ids it already has; the fsuid (fsgid) follows the effective id.
  Ids are the decoded (signed) values; -1 leaves one unchanged. The capability sets follow
  (commoncap's cap_task_fix_setuid).
- ``__sys_setfsuid``, ``__sys_setfsgid``: setfsuid/setfsgid, which always return the old
  fsuid (fsgid) and change it only to one of the task's four ids or with CAP_SETUID (CAP_SETGID).

Owns the Cred objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import (
    CAP_FS_MASK,
    CAP_FULL_SET,
    CAP_SETGID,
    CAP_SETUID,
    CAP_SYS_ADMIN,
    CAP_SYS_NICE,
)
from pynix.base.errors import KernelError
from pynix.kernel.commoncap import cap_capable, cap_emulate_setxuid, cap_fix_setfsuid

if TYPE_CHECKING:
    from pynix.kernel.task import Task


@dataclass
class Cred:
    uid: int = 0
    euid: int = 0
    suid: int = 0
    fsuid: int = 0
    gid: int = 0
    egid: int = 0
    sgid: int = 0
    fsgid: int = 0
    groups: list[int] = field(default_factory=list)
    # the key retention service's references (security/keys/process_keys.py owns them and
    # their counts; a plain copy shares them uncounted until copy_keys fixes the child's)
    thread_keyring: Any = None
    process_keyring: Any = None
    session_keyring: Any = None
    request_key_auth: Any = None
    jit_keyring: int = 0                   # KEYCTL_SET_REQKEY_KEYRING's setting
    # capability sets (-1: derive from the ids, see __post_init__) and securebits
    cap_inheritable: int = 0
    cap_permitted: int = -1
    cap_effective: int = -1
    cap_bset: int = CAP_FULL_SET
    cap_ambient: int = 0
    securebits: int = 0

    def __post_init__(self) -> None:
        """Sets not given follow the ids as commoncap's uid fixups leave them for a task that
        came from root: permitted full while any of ruid/euid/suid is 0, effective full for
        euid 0 less the filesystem capabilities when the fsuid is not 0."""
        if self.cap_permitted == -1:
            self.cap_permitted = CAP_FULL_SET if 0 in (self.uid, self.euid, self.suid) else 0
        if self.cap_effective == -1:
            eff = self.cap_permitted if self.euid == 0 else 0
            self.cap_effective = eff if self.fsuid == 0 else eff & ~CAP_FS_MASK

    def copy(self) -> Cred:
        return replace(self, groups=list(self.groups))


class FsCred(Protocol):
    """What a filesystem permission check reads of a cred (fs/vfs/namei.py's Cred)."""
    fsuid: int
    cap_effective: int


def capable(t: Task, cap: int) -> bool:
    """capable(cap): does ``t`` hold capability ``cap`` (ns_capable in the initial user
    namespace, the only one pynix has)?"""
    return cap_capable(t.cred, cap)


def check_same_owner(t: Task, p: Task) -> bool:
    """Linux's check_same_owner: ``t``'s effective uid is ``p``'s real or effective uid
    (who may change another task's CPU affinity without CAP_SYS_NICE)."""
    return t.cred.euid in (p.cred.uid, p.cred.euid)


def ioprio_check_cap(t: Task, ioprio: int) -> None:
    """An I/O priority the task may set (ioprio_check_cap): the real-time class needs
    CAP_SYS_ADMIN or CAP_SYS_NICE (EPERM); class NONE takes no level and classes past IDLE
    do not exist (EINVAL)."""
    cls, level = ioprio >> A.IOPRIO_CLASS_SHIFT, ioprio & A.IOPRIO_LEVEL_MASK
    if cls == A.IOPRIO_CLASS_RT and not (capable(t, CAP_SYS_ADMIN) or capable(t, CAP_SYS_NICE)):
        raise KernelError(E.EPERM)
    if cls == A.IOPRIO_CLASS_NONE and level or not 0 <= cls <= A.IOPRIO_CLASS_IDLE:
        raise KernelError(E.EINVAL)


def capable_fs(cred: FsCred, cap: int) -> bool:
    """A filesystem capability (one of CAP_FS_MASK) of the credentials a path operation uses
    (capable_wrt_inode_uidgid): in the effective set, which loses CAP_FS_MASK while the fsuid
    is not 0 (cap_fix_setfsuid)."""
    return bool(cred.cap_effective >> cap & 1)


def _check_ids(t: Task, cap: int, cur: tuple[int, int, int], new: tuple[int, int, int]) -> None:
    """Without ``cap``, every id set (not -1) must be one of the current three."""
    if capable(t, cap):
        return
    for v in new:
        if v != -1 and v not in cur:
            raise KernelError(E.EPERM)


def _merge(cur: tuple[int, int, int], new: tuple[int, int, int]) -> tuple[int, int, int]:
    return (cur[0] if new[0] == -1 else new[0], cur[1] if new[1] == -1 else new[1],
            cur[2] if new[2] == -1 else new[2])


def __sys_setresuid(t: Task, ruid: int, euid: int, suid: int) -> int:
    """setresuid (kernel/sys.c __sys_setresuid); the other set*uid calls reduce to it."""
    c = t.cred
    cur, new = (c.uid, c.euid, c.suid), (ruid, euid, suid)
    _check_ids(t, CAP_SETUID, cur, new)
    c.uid, c.euid, c.suid = _merge(cur, new)
    c.fsuid = c.euid
    cap_emulate_setxuid(c, cur)
    return 0


def __sys_setresgid(t: Task, rgid: int, egid: int, sgid: int) -> int:
    """setresgid (kernel/sys.c __sys_setresgid)."""
    c = t.cred
    cur, new = (c.gid, c.egid, c.sgid), (rgid, egid, sgid)
    _check_ids(t, CAP_SETGID, cur, new)
    c.gid, c.egid, c.sgid = _merge(cur, new)
    c.fsgid = c.egid
    return 0


def _setre(t: Task, cap: int, cur: tuple[int, int, int], r: int, e: int) -> tuple[int, int, int]:
    """The rules of setreuid and setregid (kernel/sys.c __sys_setreuid): the real id may
    become the current real or effective one, the effective id any of the three, unless
    ``cap``; the saved id follows the new effective id when the real id is set or the
    effective one changes to something but the old real id."""
    old_r, old_e, old_s = cur
    if not capable(t, cap):
        if r != -1 and r not in (old_r, old_e):
            raise KernelError(E.EPERM)
        if e != -1 and e not in cur:
            raise KernelError(E.EPERM)
    new_r = old_r if r == -1 else r
    new_e = old_e if e == -1 else e
    new_s = new_e if r != -1 or (e != -1 and e != old_r) else old_s
    return new_r, new_e, new_s


def _set1(t: Task, cap: int, cur: tuple[int, int, int], v: int) -> tuple[int, int, int]:
    """setuid/setgid (__sys_setuid): with ``cap`` all three ids, else only the effective one,
    and only to the real or saved id."""
    if capable(t, cap):
        return v, v, v
    if v not in (cur[0], cur[2]):
        raise KernelError(E.EPERM)
    return cur[0], v, cur[2]


def __sys_setuid(t: Task, uid: int) -> int:
    """setuid (__sys_setuid)."""
    c = t.cred
    old = (c.uid, c.euid, c.suid)
    c.uid, c.euid, c.suid = _set1(t, CAP_SETUID, old, uid)
    c.fsuid = c.euid
    cap_emulate_setxuid(c, old)
    return 0


def __sys_setgid(t: Task, gid: int) -> int:
    """setgid (__sys_setgid)."""
    c = t.cred
    c.gid, c.egid, c.sgid = _set1(t, CAP_SETGID, (c.gid, c.egid, c.sgid), gid)
    c.fsgid = c.egid
    return 0


def __sys_setreuid(t: Task, ruid: int, euid: int) -> int:
    """setreuid (__sys_setreuid)."""
    c = t.cred
    old = (c.uid, c.euid, c.suid)
    c.uid, c.euid, c.suid = _setre(t, CAP_SETUID, old, ruid, euid)
    c.fsuid = c.euid
    cap_emulate_setxuid(c, old)
    return 0


def __sys_setregid(t: Task, rgid: int, egid: int) -> int:
    """setregid (__sys_setregid)."""
    c = t.cred
    c.gid, c.egid, c.sgid = _setre(t, CAP_SETGID, (c.gid, c.egid, c.sgid), rgid, egid)
    c.fsgid = c.egid
    return 0


def _may_setfsid(t: Task, cap: int, ids: tuple[int, int, int, int], new: int) -> bool:
    """May ``new`` become the fs id (__sys_setfsuid's test)? -1 (an invalid id) never does;
    otherwise it must equal the real, effective, saved or current fs id, or the task holds
    ``cap``."""
    return new != -1 and (new in ids or capable(t, cap))


def __sys_setfsuid(t: Task, uid: int) -> int:
    """setfsuid (kernel/sys.c __sys_setfsuid): returns the old fsuid whether or not it changed
    (there is no error return); -1 only asks."""
    c = t.cred
    old = c.fsuid
    if _may_setfsid(t, CAP_SETUID, (c.uid, c.euid, c.suid, c.fsuid), uid) and uid != old:
        c.fsuid = uid
        cap_fix_setfsuid(c, old)
    return old


def __sys_setfsgid(t: Task, gid: int) -> int:
    """setfsgid (kernel/sys.c __sys_setfsgid), as setfsuid for the group ids and CAP_SETGID."""
    c = t.cred
    old = c.fsgid
    if _may_setfsid(t, CAP_SETGID, (c.gid, c.egid, c.sgid, c.fsgid), gid):
        c.fsgid = gid
    return old


def may_setgroups(t: Task) -> None:
    """setgroups needs CAP_SETGID (kernel/groups.c may_setgroups): EPERM."""
    if not capable(t, CAP_SETGID):
        raise KernelError(E.EPERM)


def set_current_groups(t: Task, groups: list[int]) -> None:
    """The supplementary groups (set_current_groups)."""
    t.cred.groups = groups
