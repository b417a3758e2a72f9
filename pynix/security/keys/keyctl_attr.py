"""The keyctl commands that read a key or change its attributes, and the request_key
authority (Linux security/keys/keyctl.c): READ, CHOWN, SETPERM, SET_REQKEY_KEYRING,
SET_TIMEOUT, GET_SECURITY, SESSION_TO_PARENT, RESTRICT_KEYRING, CAPABILITIES,
ASSUME_AUTHORITY, INSTANTIATE, NEGATE and REJECT.

Called as keyctl.py's functions are: the task, then decoded arguments; the result is what
the call returns (bytes for the syscall to copy out where it reads). pynix never runs a
request_key upcall, so no authorisation key exists: ASSUME_AUTHORITY finds none (ENOKEY) and
INSTANTIATE, NEGATE and REJECT hold none (EPERM), after Linux's argument checks.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.kernel.cred import capable
from pynix.security.keys.key import (
    IN_QUOTA,
    KEEP,
    KEY_IS_UNINSTANTIATED,
    KeyService,
    in_group,
    key_set_timeout,
    key_task_permission,
    key_validate,
)
from pynix.security.keys.keyring import keyring_restrict
from pynix.security.keys.process_keys import (
    LOOKUP_CREATE,
    LOOKUP_PARTIAL,
    NEED_DEFER,
    install_process_keyring,
    install_session_keyring,
    install_thread_keyring,
    lookup_user_key,
)
from pynix.security.keys.types import key_type_lookup

CAPABILITIES = bytes([K.KEYCTL_CAPS0_CAPABILITIES | K.KEYCTL_CAPS0_INVALIDATE
                      | K.KEYCTL_CAPS0_RESTRICT_KEYRING | K.KEYCTL_CAPS0_MOVE,
                      K.KEYCTL_CAPS1_NS_KEYRING_NAME | K.KEYCTL_CAPS1_NS_KEY_TAG])
RESTART_ERRNOS = (E.ERESTARTSYS, E.ERESTARTNOINTR, E.ERESTARTNOHAND, E.ERESTART_RESTARTBLOCK)
MAX_ERRNO = 4095


def _svc(t: Any) -> KeyService:
    return t.kernel.keys


def keyctl_read_key(t: Any, kid: int) -> bytes:
    """keyctl_read_key: the payload (a keyring's serials). Any lookup failure is ENOKEY; a
    negative key answers its error; READ permission, or possession, is needed; a type
    without ->read is EOPNOTSUPP."""
    try:
        ref = lookup_user_key(_svc(t), t.cred, kid, 0, NEED_DEFER)
    except KernelError:
        raise KernelError(E.ENOKEY) from None
    key = ref.key
    if key.state < 0:
        raise KernelError(-key.state)
    try:
        key_task_permission(ref, t.cred, K.KEY_OTH_READ)
    except KernelError:
        if not ref.possessed:
            raise
    if not key.type.readable:
        raise KernelError(E.EOPNOTSUPP)
    key_validate(key)
    return key.type.read(key)


def keyctl_chown_key(t: Any, kid: int, uid: int, gid: int) -> int:
    """keyctl_chown_key: ids as u32, -1 (0xffffffff) keeps one. Giving the key away, or to a
    group the caller is not in, needs CAP_SYS_ADMIN (EACCES); the new owner's quota must
    take it (EDQUOT)."""
    keep = 0xFFFFFFFF
    if uid == keep and gid == keep:
        return 0
    svc = _svc(t)
    key = lookup_user_key(svc, t.cred, kid, LOOKUP_CREATE | LOOKUP_PARTIAL, K.KEY_OTH_SETATTR).key
    privileged = (uid != keep and uid != key.uid) or \
        (gid != keep and gid != key.gid and not in_group(t.cred, gid))
    if privileged and not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EACCES)
    if uid != keep and uid != key.uid:
        new = svc.user(uid)
        if IN_QUOTA in key.flags:
            maxkeys, maxbytes = svc.quota.limits(uid)
            if new.qnkeys + 1 > maxkeys or new.qnbytes + key.quotalen > maxbytes:
                raise KernelError(E.EDQUOT)
            new.qnkeys += 1
            new.qnbytes += key.quotalen
            key.user.qnkeys -= 1
            key.user.qnbytes -= key.quotalen
        key.user.nkeys -= 1
        new.nkeys += 1
        if key.state != KEY_IS_UNINSTANTIATED:
            key.user.nikeys -= 1
            new.nikeys += 1
        key.user, key.uid = new, uid
    if gid != keep:
        key.gid = gid
    return 0


def keyctl_setperm_key(t: Any, kid: int, perm: int) -> int:
    """keyctl_setperm_key: only defined bits (EINVAL); the owner or CAP_SYS_ADMIN (EACCES)."""
    if perm & ~K.KEY_PERM_ALL_BITS:
        raise KernelError(E.EINVAL)
    key = lookup_user_key(_svc(t), t.cred, kid, LOOKUP_CREATE | LOOKUP_PARTIAL,
                          K.KEY_OTH_SETATTR).key
    if key.uid != t.cred.fsuid and not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EACCES)
    key.perm = perm
    return 0


def keyctl_set_reqkey_keyring(t: Any, setting: int) -> int:
    """keyctl_set_reqkey_keyring: the old setting; the thread or process keyring named is
    made if missing; GROUP and unknown settings are EINVAL."""
    old = t.cred.jit_keyring
    if setting == K.KEY_REQKEY_DEFL_NO_CHANGE:
        return old
    svc = _svc(t)
    if setting == K.KEY_REQKEY_DEFL_THREAD_KEYRING:
        install_thread_keyring(svc, t.cred)
    elif setting == K.KEY_REQKEY_DEFL_PROCESS_KEYRING:
        install_process_keyring(svc, t.cred)
    elif setting not in (K.KEY_REQKEY_DEFL_DEFAULT, K.KEY_REQKEY_DEFL_SESSION_KEYRING,
                         K.KEY_REQKEY_DEFL_USER_KEYRING, K.KEY_REQKEY_DEFL_USER_SESSION_KEYRING,
                         K.KEY_REQKEY_DEFL_REQUESTOR_KEYRING):
        raise KernelError(E.EINVAL)
    t.cred.jit_keyring = setting
    return old


def keyctl_set_timeout(t: Any, kid: int, timeout: int) -> int:
    svc = _svc(t)
    key = lookup_user_key(svc, t.cred, kid, LOOKUP_CREATE | LOOKUP_PARTIAL, K.KEY_OTH_SETATTR).key
    if KEEP in key.flags:
        raise KernelError(E.EPERM)
    key_set_timeout(svc, key, timeout)
    return 0


def keyctl_get_security(t: Any, kid: int) -> bytes:
    """No security module labels keys: the label is the empty string (VIEW needed)."""
    lookup_user_key(_svc(t), t.cred, kid, LOOKUP_PARTIAL, K.KEY_OTH_VIEW)
    return b"\0"


def keyctl_session_to_parent(t: Any) -> int:
    """keyctl_session_to_parent: give the parent this session keyring (LINK needed on it).
    The parent must not be init, must be single-threaded and have exactly the caller's
    effective uid and gid as all its ids (EPERM); the same keyring is a no-op."""
    svc = _svc(t)
    ring = lookup_user_key(svc, t.cred, K.KEY_SPEC_SESSION_KEYRING, 0, K.KEY_OTH_LINK).key
    parent = t.real_parent
    if parent is None or parent.tgid <= 1 or parent.mm is None:
        raise KernelError(E.EPERM)
    if len(parent.thread_group) > 1:
        raise KernelError(E.EPERM)
    me, pc = t.cred, parent.cred
    if pc is me or pc.session_keyring is ring:
        return 0
    if (pc.uid, pc.euid, pc.suid) != (me.euid,) * 3 or (pc.gid, pc.egid, pc.sgid) != (me.egid,) * 3:
        raise KernelError(E.EPERM)
    if (pc.session_keyring is not None and pc.session_keyring.uid != me.euid) or ring.uid != me.euid:
        raise KernelError(E.EPERM)
    install_session_keyring(svc, pc, ring)
    return 0


def keyctl_restrict_keyring(t: Any, kid: int, type_name: str | None, restriction: bytes | None) -> int:
    """keyctl_restrict_keyring: SETATTR needed; a type and a restriction together or neither
    (EINVAL); an unknown type is ENOKEY."""
    ref = lookup_user_key(_svc(t), t.cred, kid, 0, K.KEY_OTH_SETATTR)
    if (type_name is None) != (restriction is None):
        raise KernelError(E.EINVAL)
    ktype = key_type_lookup_enokey(type_name) if type_name is not None else None
    keyring_restrict(_svc(t), ref, ktype)
    return 0


def key_type_lookup_enokey(name: str) -> Any:
    try:
        return key_type_lookup(name)
    except KernelError:
        raise KernelError(E.ENOKEY) from None


def keyctl_assume_authority(t: Any, kid: int) -> int:
    """Special ids are EINVAL; 0 gives up the authority held; no other can be found."""
    if kid < 0:
        raise KernelError(E.EINVAL)
    if kid == 0:
        t.cred.request_key_auth = None
        return 0
    raise KernelError(E.ENOKEY)


def keyctl_instantiate_key(t: Any, kid: int, plen: int) -> int:
    """INSTANTIATE and INSTANTIATE_IOV: more than 1 MiB - 1 is EINVAL; no authority: EPERM."""
    if plen > K.KEY_MAX_PAYLOAD:
        raise KernelError(E.EINVAL)
    raise KernelError(E.EPERM)


def keyctl_reject_key(t: Any, kid: int, error: int) -> int:
    """NEGATE (error ENOKEY) and REJECT: a bad error code is EINVAL; no authority: EPERM."""
    if error <= 0 or error >= MAX_ERRNO or error in RESTART_ERRNOS:
        raise KernelError(E.EINVAL)
    raise KernelError(E.EPERM)
