"""Key retention syscalls: add_key, request_key, keyctl (Linux security/keys/keyctl.c).

Thin: copy the type (at most 31 bytes: EINVAL; none: EINVAL; a leading dot: EPERM), the
description (up to 4095 bytes: EINVAL beyond, EFAULT for a bad pointer), payloads and
callout strings in, call security/keys/keyctl*.py, copy answers out. keyctl's commands are
decoded here in Linux's order; an unknown one is EOPNOTSUPP.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.base.errors import KernelError
from pynix.kernel.task import Task
from pynix.mm.uaccess import copy_from_user, copy_to_user, strncpy_from_user
from pynix.security.keys import keyctl as C
from pynix.security.keys import keyctl_attr as A
from pynix.syscalls.util import mm_of, s32


def _str(t: Task, addr: int, limit: int) -> str:
    return strndup_user(t, addr, limit).decode("latin-1")


def strndup_user(t: Task, addr: int, limit: int) -> bytes:
    try:
        return strncpy_from_user(mm_of(t), addr, limit)
    except KernelError as err:
        raise KernelError(E.EINVAL) if err.errno == E.ENAMETOOLONG else err


def _type(t: Task, addr: int) -> str:
    name = _str(t, addr, K.KEY_TYPE_NAME_MAX)
    if not name:
        raise KernelError(E.EINVAL)
    return C.check_type_name(name)


def _payload(t: Task, addr: int, n: int) -> bytes | None:
    return copy_from_user(mm_of(t), addr, n) if n else None


def sys_add_key(t: Task, typep: int, descp: int, payloadp: int, plen: int, ringid: int) -> int:
    if plen > K.KEY_MAX_PAYLOAD:
        raise KernelError(E.EINVAL)
    type_name = _type(t, typep)
    desc = _str(t, descp, K.KEY_MAX_DESC_SIZE) if descp else None
    if desc is not None and desc.startswith(".") and type_name.startswith("keyring"):
        raise KernelError(E.EPERM)
    payload = _payload(t, payloadp, plen)
    return C.do_add_key(t, type_name, desc or None, payload, s32(ringid))


def sys_request_key(t: Task, typep: int, descp: int, calloutp: int, destid: int) -> int:
    type_name = _type(t, typep)
    desc = _str(t, descp, K.KEY_MAX_DESC_SIZE)
    callout = strndup_user(t, calloutp, K.KEY_CALLOUT_MAX) if calloutp else None
    return C.do_request_key(t, type_name, desc, callout, s32(destid))


def _out(t: Task, buf: int, buflen: int, data: bytes, whole: bool) -> int:
    """Copy ``data`` out if it fits (``whole``) or as much as fits; its length."""
    if buf and buflen:
        if len(data) <= buflen:
            copy_to_user(mm_of(t), buf, data)
        elif not whole:
            copy_to_user(mm_of(t), buf, data[:buflen])
    return len(data)


def sys_keyctl(t: Task, option: int, a2: int, a3: int, a4: int, a5: int) -> int:
    op = s32(option)
    if op == K.KEYCTL_GET_KEYRING_ID:
        return C.keyctl_get_keyring_id(t, s32(a2), a3)
    if op == K.KEYCTL_JOIN_SESSION_KEYRING:
        return C.keyctl_join_session_keyring(t, _str(t, a2, K.KEY_MAX_DESC_SIZE) if a2 else None)
    if op == K.KEYCTL_UPDATE:
        if a4 > K.KEY_UPDATE_MAX:
            raise KernelError(E.EINVAL)
        return C.keyctl_update_key(t, s32(a2), _payload(t, a3, a4))
    if op == K.KEYCTL_REVOKE:
        return C.keyctl_revoke_key(t, s32(a2))
    if op == K.KEYCTL_CHOWN:
        return A.keyctl_chown_key(t, s32(a2), a3 & 0xFFFFFFFF, a4 & 0xFFFFFFFF)
    if op == K.KEYCTL_SETPERM:
        return A.keyctl_setperm_key(t, s32(a2), a3 & 0xFFFFFFFF)
    if op == K.KEYCTL_DESCRIBE:
        return _out(t, a3, a4, C.keyctl_describe_key(t, s32(a2)), True)
    if op == K.KEYCTL_CLEAR:
        return C.keyctl_keyring_clear(t, s32(a2))
    if op == K.KEYCTL_LINK:
        return C.keyctl_keyring_link(t, s32(a2), s32(a3))
    if op == K.KEYCTL_UNLINK:
        return C.keyctl_keyring_unlink(t, s32(a2), s32(a3))
    if op == K.KEYCTL_SEARCH:
        type_name = _type(t, a3)
        desc = _str(t, a4, K.KEY_MAX_DESC_SIZE)
        return C.keyctl_keyring_search(t, s32(a2), type_name, desc, s32(a5))
    if op == K.KEYCTL_READ:
        return _out(t, a3, a4, A.keyctl_read_key(t, s32(a2)), True)
    if op in (K.KEYCTL_INSTANTIATE, K.KEYCTL_INSTANTIATE_IOV):
        return A.keyctl_instantiate_key(t, s32(a2), a4 if op == K.KEYCTL_INSTANTIATE else 0)
    if op == K.KEYCTL_NEGATE:
        return A.keyctl_reject_key(t, s32(a2), E.ENOKEY)
    if op == K.KEYCTL_REJECT:
        return A.keyctl_reject_key(t, s32(a2), a4 & 0xFFFFFFFF)
    if op == K.KEYCTL_SET_REQKEY_KEYRING:
        return A.keyctl_set_reqkey_keyring(t, s32(a2))
    if op == K.KEYCTL_SET_TIMEOUT:
        return A.keyctl_set_timeout(t, s32(a2), a3 & 0xFFFFFFFF)
    if op == K.KEYCTL_ASSUME_AUTHORITY:
        return A.keyctl_assume_authority(t, s32(a2))
    if op == K.KEYCTL_GET_SECURITY:
        return _out(t, a3, a4, A.keyctl_get_security(t, s32(a2)), False)
    if op == K.KEYCTL_SESSION_TO_PARENT:
        return A.keyctl_session_to_parent(t)
    if op == K.KEYCTL_INVALIDATE:
        return C.keyctl_invalidate_key(t, s32(a2))
    if op == K.KEYCTL_RESTRICT_KEYRING:
        type_name = _type(t, a3) if a3 else None
        if type_name is not None and not a4:
            raise KernelError(E.EINVAL)
        restriction = strndup_user(t, a4, K.KEY_CALLOUT_MAX) if a4 and a3 else (b"" if a4 else None)
        return A.keyctl_restrict_keyring(t, s32(a2), type_name, restriction)
    if op == K.KEYCTL_MOVE:
        return C.keyctl_keyring_move(t, s32(a2), s32(a3), s32(a4), a5 & 0xFFFFFFFF)
    if op == K.KEYCTL_CAPABILITIES:
        caps = A.CAPABILITIES
        if a3:
            n = min(a3, len(caps))
            copy_to_user(mm_of(t), a2, caps[:n] + bytes(a3 - n))
        return len(caps)
    raise KernelError(E.EOPNOTSUPP)   # GET_PERSISTENT, DH_COMPUTE, PKEY_*, WATCH_KEY, unknown
