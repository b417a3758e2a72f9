"""The capability rules of the commoncap security module (Linux security/commoncap.c, with
kernel/capability.c's capset checks).

Provides, on a credential's five 64-bit capability sets (cap_inheritable, cap_permitted,
cap_effective, cap_bset, cap_ambient) and its securebits (kernel/cred.py ``Cred`` holds them):
- ``cap_capable(cred, cap)``: is ``cap`` in the effective set (the only user namespace).
- ``cap_emulate_setxuid(new, old_ids)`` and ``cap_fix_setfsuid(cred, old_fsuid)``: the
  capability changes that follow uid changes (cap_task_fix_setuid): leaving uid 0 in all of
  ruid/euid/suid clears permitted and effective (SECBIT_KEEP_CAPS keeps them) and ambient;
  euid leaving 0 clears effective, euid coming back to 0 makes effective the permitted set;
  the fsuid leaving 0 drops CAP_FS_MASK from effective, coming back raises it from permitted.
  SECBIT_NO_SETUID_FIXUP turns all of that off. set*id in kernel/cred.py calls them.
- ``cap_capset(cred, eff, inh, prm)``: capset's rules (EPERM), then the new sets.
- ``cap_bprm_creds_from_file(cred, no_new_privs)``: the ids and sets an exec gives (without
  file capabilities or set-id bits, which pynix does not have; a ptracer's lack of privilege
  does not downgrade the exec as Linux's LSM_UNSAFE_PTRACE would); returns secureexec.
- ``cap_task_prctl(cred, option, a2, a3, a4, a5)``: PR_CAPBSET_*, PR_*_SECUREBITS,
  PR_*_KEEPCAPS and PR_CAP_AMBIENT; None for an option that is not theirs.

Owns no state: every function reads and changes the cred it is given.
"""
from __future__ import annotations

from typing import Protocol

from pynix.arch.x86_64 import capability as C
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError


class CapCred(Protocol):
    uid: int
    euid: int
    suid: int
    fsuid: int
    gid: int
    egid: int
    sgid: int
    fsgid: int
    cap_inheritable: int
    cap_permitted: int
    cap_effective: int
    cap_bset: int
    cap_ambient: int
    securebits: int


def cap_valid(cap: int) -> bool:
    return 0 <= cap <= C.CAP_LAST_CAP


def cap_capable(cred: CapCred, cap: int) -> bool:
    """cap_capable: ``cap`` is in the effective set."""
    return bool(cred.cap_effective >> cap & 1)


def issecure(cred: CapCred, bit: int) -> bool:
    return bool(cred.securebits >> bit & 1)


def cap_emulate_setxuid(new: CapCred, old: tuple[int, int, int]) -> None:
    """The capability side of setuid/setreuid/setresuid (cap_emulate_setxuid, called from
    cap_task_fix_setuid with LSM_SETID_ID/RE/RES). ``old`` is (ruid, euid, suid) before the
    call; ``new`` already has the new ids."""
    if issecure(new, C.SECURE_NO_SETUID_FIXUP):
        return
    if 0 in old and 0 not in (new.uid, new.euid, new.suid):
        if not issecure(new, C.SECURE_KEEP_CAPS):
            new.cap_permitted = new.cap_effective = 0
        new.cap_ambient = 0          # setresuid to non-root then exec must drop everything
    if old[1] == 0 and new.euid != 0:
        new.cap_effective = 0
    if old[1] != 0 and new.euid == 0:
        new.cap_effective = new.cap_permitted


def cap_fix_setfsuid(new: CapCred, old_fsuid: int) -> None:
    """The capability side of setfsuid (cap_task_fix_setuid, LSM_SETID_FS)."""
    if issecure(new, C.SECURE_NO_SETUID_FIXUP):
        return
    if old_fsuid == 0 and new.fsuid != 0:
        new.cap_effective &= ~C.CAP_FS_MASK
    if old_fsuid != 0 and new.fsuid == 0:
        new.cap_effective |= new.cap_permitted & C.CAP_FS_MASK


def cap_capset(cred: CapCred, effective: int, inheritable: int, permitted: int) -> None:
    """capset's checks (cap_capset): without CAP_SETPCAP the new inheritable set stays within
    the old inheritable and permitted ones; it never goes outside the old inheritable set and
    the bounding set; permitted may only shrink; effective lies within the new permitted
    set. EPERM otherwise. Ambient keeps only what is still both permitted and inheritable."""
    old_i, old_p = cred.cap_inheritable, cred.cap_permitted
    if not cap_capable(cred, C.CAP_SETPCAP) and inheritable & ~(old_i | old_p):
        raise KernelError(E.EPERM)
    if inheritable & ~(old_i | cred.cap_bset):
        raise KernelError(E.EPERM)
    if permitted & ~old_p or effective & ~permitted:
        raise KernelError(E.EPERM)
    cred.cap_effective, cred.cap_inheritable, cred.cap_permitted = effective, inheritable, permitted
    cred.cap_ambient &= permitted & inheritable


def cap_bprm_creds_from_file(cred: CapCred, no_new_privs: bool) -> bool:
    """The sets after exec (cap_bprm_creds_from_file with no file capabilities): permitted
    starts empty; for root (euid or ruid 0, unless SECBIT_NOROOT) it is the bounding set
    with the inheritable one (pP' = pB | pI) and, for euid 0, effective is all of it;
    otherwise effective is the ambient set. Under no_new_privs nothing is gained over the
    old permitted set. Without set-id bits the exec changes no id (effective ids that differ
    from the real ones after set*id calls stay, as Linux 6.18 keeps them: only an exec that
    changes ids is set-id and clears ambient), so ambient stays and joins permitted. The
    saved and fs ids become the effective ones; SECBIT_KEEP_CAPS is cleared.
    Returns secureexec (AT_SECURE): effective ids other than the real ones, or a non-root
    real uid given an effective set."""
    old_p = cred.cap_permitted
    permitted, effective = 0, False
    if not issecure(cred, C.SECURE_NOROOT):
        if cred.euid == 0 or cred.uid == 0:
            permitted = cred.cap_bset | cred.cap_inheritable
        effective = cred.euid == 0
    if no_new_privs:
        permitted &= old_p
    cred.suid = cred.fsuid = cred.euid
    cred.sgid = cred.fsgid = cred.egid
    permitted |= cred.cap_ambient
    cred.cap_permitted = permitted
    cred.cap_effective = permitted if effective else cred.cap_ambient
    cred.securebits &= ~C.SECBIT_KEEP_CAPS
    return cred.euid != cred.uid or cred.egid != cred.gid or (cred.uid != 0 and effective)


def _set_securebits(cred: CapCred, bits: int) -> int:
    """PR_SET_SECUREBITS: no change of a locked bit, no unlocking, no unknown bit, and
    CAP_SETPCAP for anything (EPERM)."""
    old = cred.securebits
    if ((old & C.SECURE_ALL_LOCKS) >> 1) & (old ^ bits) or old & C.SECURE_ALL_LOCKS & ~bits \
            or bits & ~(C.SECURE_ALL_LOCKS | C.SECURE_ALL_BITS) \
            or not cap_capable(cred, C.CAP_SETPCAP):
        raise KernelError(E.EPERM)
    cred.securebits = bits
    return 0


def _cap_ambient(cred: CapCred, op: int, cap: int, a4: int, a5: int) -> int:
    """PR_CAP_AMBIENT: CLEAR_ALL (its other arguments 0), IS_SET, RAISE (the capability must
    be permitted and inheritable, and SECBIT_NO_CAP_AMBIENT_RAISE clear: EPERM), LOWER."""
    if op == C.PR_CAP_AMBIENT_CLEAR_ALL:
        if cap | a4 | a5:
            raise KernelError(E.EINVAL)
        cred.cap_ambient = 0
        return 0
    if not cap_valid(cap) or a4 | a5:
        raise KernelError(E.EINVAL)
    bit = 1 << cap
    if op == C.PR_CAP_AMBIENT_IS_SET:
        return int(bool(cred.cap_ambient & bit))
    if op == C.PR_CAP_AMBIENT_RAISE:
        if not cred.cap_permitted & bit or not cred.cap_inheritable & bit \
                or issecure(cred, C.SECURE_NO_CAP_AMBIENT_RAISE):
            raise KernelError(E.EPERM)
        cred.cap_ambient |= bit
        return 0
    if op == C.PR_CAP_AMBIENT_LOWER:
        cred.cap_ambient &= ~bit
        return 0
    raise KernelError(E.EINVAL)


def cap_task_prctl(cred: CapCred, option: int, a2: int, a3: int, a4: int, a5: int) -> int | None:
    """The prctl options of the capability module (cap_task_prctl); None when ``option`` is
    not one of them (Linux's -ENOSYS, after which prctl goes on)."""
    if option == C.PR_CAPBSET_READ:
        if not cap_valid(a2):
            raise KernelError(E.EINVAL)
        return cred.cap_bset >> a2 & 1
    if option == C.PR_CAPBSET_DROP:
        if not cap_capable(cred, C.CAP_SETPCAP):
            raise KernelError(E.EPERM)
        if not cap_valid(a2):
            raise KernelError(E.EINVAL)
        cred.cap_bset &= ~(1 << a2)
        return 0
    if option == C.PR_SET_SECUREBITS:
        return _set_securebits(cred, a2)
    if option == C.PR_GET_SECUREBITS:
        return cred.securebits
    if option == C.PR_GET_KEEPCAPS:
        return int(issecure(cred, C.SECURE_KEEP_CAPS))
    if option == C.PR_SET_KEEPCAPS:
        if a2 > 1:
            raise KernelError(E.EINVAL)
        if issecure(cred, C.SECURE_KEEP_CAPS_LOCKED):
            raise KernelError(E.EPERM)
        cred.securebits = cred.securebits | C.SECBIT_KEEP_CAPS if a2 else \
            cred.securebits & ~C.SECBIT_KEEP_CAPS
        return 0
    if option == C.PR_CAP_AMBIENT:
        return _cap_ambient(cred, a2, a3, a4, a5)
    return None
