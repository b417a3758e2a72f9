"""The operations of add_key, request_key and the keyctl commands that find, make, link and
search keys, on decoded arguments (Linux security/keys/keyctl.c, keyctl_*; the commands that
read or change a key's attributes are in keyctl_attr.py).

Each function takes the calling task (``t.kernel.keys`` is the ``KeyService``, ``t.cred`` the
credentials) and the arguments syscalls/sys_keys.py copied in (descriptions as latin-1
``str``, payloads as bytes), checks what Linux checks in Linux's order and returns what the
call returns (a serial, 0, or the bytes to copy out). Errors are KernelErrors.

The request_key authority (KEYCTL_ASSUME_AUTHORITY, INSTANTIATE, NEGATE, REJECT) exists only
inside a /sbin/request-key upcall, which pynix never starts: no authorisation key can be
found (ENOKEY) or held (EPERM). GET_PERSISTENT, DH_COMPUTE, the PKEY_* operations and
WATCH_KEY are EOPNOTSUPP, as on a kernel built without them.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.base.errors import KernelError
from pynix.security.keys.key import (
    KEEP,
    Key,
    KeyService,
    key_invalidate,
    key_revoke,
    key_task_permission,
    key_validate,
)
from pynix.security.keys.keyring import (
    SearchCtx,
    key_link,
    key_move,
    key_unlink,
    keyring_clear,
    keyring_search,
    match_type_desc,
)
from pynix.security.keys.process_keys import (
    LOOKUP_CREATE,
    LOOKUP_PARTIAL,
    NEED_UNLINK,
    join_session_keyring,
    lookup_user_key,
)
from pynix.security.keys.request_key import key_create_or_update, request_key_and_link
from pynix.security.keys.types import KeyType, key_type_lookup

def _svc(t: Any) -> KeyService:
    return t.kernel.keys


def check_type_name(name: str) -> str:
    """key_get_type_from_user's check: a type starting with "." is the kernel's (EPERM)."""
    if name.startswith("."):
        raise KernelError(E.EPERM)
    return name


def do_add_key(t: Any, type_name: str, desc: str | None, payload: bytes | None, ringid: int) -> int:
    """sys_add_key after the copies (and its dot-description check)."""
    svc = _svc(t)
    ring = lookup_user_key(svc, t.cred, ringid, LOOKUP_CREATE, K.KEY_OTH_WRITE)
    return key_create_or_update(svc, t.cred, ring, type_name, desc, payload).key.serial


def _dest_and_type(t: Any, destid: int, type_name: str) -> tuple[Key | None, KeyType]:
    """The destination keyring (if named: WRITE needed, made on demand), then the type, which
    request_key and KEYCTL_SEARCH report missing as ENOKEY."""
    dest = lookup_user_key(_svc(t), t.cred, destid, LOOKUP_CREATE, K.KEY_OTH_WRITE).key \
        if destid else None
    try:
        return dest, key_type_lookup(type_name)
    except KernelError:
        raise KernelError(E.ENOKEY) from None


def do_request_key(t: Any, type_name: str, desc: str, callout: bytes | None, destid: int) -> int:
    svc = _svc(t)
    dest, ktype = _dest_and_type(t, destid, type_name)
    key = request_key_and_link(svc, t.cred, t.fs, ktype, desc, callout, dest)
    if key.state < 0:
        raise KernelError(-key.state)
    key_validate(key)
    return key.serial


def keyctl_get_keyring_id(t: Any, kid: int, create: int) -> int:
    return lookup_user_key(_svc(t), t.cred, kid, LOOKUP_CREATE if create else 0,
                           K.KEY_OTH_SEARCH).key.serial


def keyctl_join_session_keyring(t: Any, name: str | None) -> int:
    if name is not None and name.startswith("."):
        raise KernelError(E.EPERM)
    return join_session_keyring(_svc(t), t.cred, name)


def keyctl_update_key(t: Any, kid: int, payload: bytes | None) -> int:
    svc = _svc(t)
    key = lookup_user_key(svc, t.cred, kid, 0, K.KEY_OTH_WRITE).key
    if not key.type.updatable:
        raise KernelError(E.EOPNOTSUPP)
    prep = key.type.preparse(payload)
    key.type.update(svc, key, prep)
    return 0


def _not_kept(key: Key) -> Key:
    """KEY_FLAG_KEEP: the key may not be revoked, invalidated, cleared or timed out (EPERM)."""
    if KEEP in key.flags:
        raise KernelError(E.EPERM)
    return key


def keyctl_revoke_key(t: Any, kid: int) -> int:
    """WRITE or, failing that, SETATTR permission."""
    svc = _svc(t)
    try:
        key = lookup_user_key(svc, t.cred, kid, 0, K.KEY_OTH_WRITE).key
    except KernelError as err:
        if err.errno != E.EACCES:
            raise
        key = lookup_user_key(svc, t.cred, kid, 0, K.KEY_OTH_SETATTR).key
    key_revoke(svc, _not_kept(key))
    return 0


def keyctl_invalidate_key(t: Any, kid: int) -> int:
    svc = _svc(t)
    key = lookup_user_key(svc, t.cred, kid, 0, K.KEY_OTH_SEARCH).key
    key_invalidate(svc, _not_kept(key))
    return 0


def keyctl_keyring_clear(t: Any, ringid: int) -> int:
    svc = _svc(t)
    ring = lookup_user_key(svc, t.cred, ringid, LOOKUP_CREATE, K.KEY_OTH_WRITE).key
    keyring_clear(svc, _not_kept(ring))
    return 0


def keyctl_keyring_link(t: Any, kid: int, ringid: int) -> int:
    svc = _svc(t)
    ring = lookup_user_key(svc, t.cred, ringid, LOOKUP_CREATE, K.KEY_OTH_WRITE).key
    key = lookup_user_key(svc, t.cred, kid, LOOKUP_CREATE, K.KEY_OTH_LINK).key
    key_link(svc, ring, key)
    return 0


def keyctl_keyring_unlink(t: Any, kid: int, ringid: int) -> int:
    svc = _svc(t)
    ring = lookup_user_key(svc, t.cred, ringid, 0, K.KEY_OTH_WRITE).key
    key = lookup_user_key(svc, t.cred, kid, LOOKUP_PARTIAL, NEED_UNLINK).key
    if KEEP in ring.flags and KEEP in key.flags:
        raise KernelError(E.EPERM)
    key_unlink(svc, ring, key)
    return 0


def keyctl_keyring_move(t: Any, kid: int, from_id: int, to_id: int, flags: int) -> int:
    if flags & ~K.KEYCTL_MOVE_EXCL:
        raise KernelError(E.EINVAL)
    svc = _svc(t)
    key = lookup_user_key(svc, t.cred, kid, LOOKUP_CREATE, K.KEY_OTH_LINK).key
    src = lookup_user_key(svc, t.cred, from_id, 0, K.KEY_OTH_WRITE).key
    dst = lookup_user_key(svc, t.cred, to_id, LOOKUP_CREATE, K.KEY_OTH_WRITE).key
    key_move(svc, key, src, dst, flags)
    return 0


def keyctl_describe_key(t: Any, kid: int) -> bytes:
    """"type;uid;gid;perm;description" and its NUL (VIEW needed); ids as 65534 when unset."""
    key = lookup_user_key(_svc(t), t.cred, kid, LOOKUP_PARTIAL, K.KEY_OTH_VIEW).key
    gid = key.gid if key.gid != 0xFFFFFFFF else 65534
    return b"%s;%d;%d;%08x;%s\0" % (key.type.name.encode(), key.uid, gid, key.perm,
                                    key.description.encode("latin-1"))


def keyctl_keyring_search(t: Any, ringid: int, type_name: str, desc: str, destid: int) -> int:
    svc = _svc(t)
    ring = lookup_user_key(svc, t.cred, ringid, 0, K.KEY_OTH_SEARCH)
    dest, ktype = _dest_and_type(t, destid, type_name)
    try:
        found = keyring_search(ring, SearchCtx(t.cred, match_type_desc(ktype, desc)))
    except KernelError as err:
        raise KernelError(E.ENOKEY if err.errno == E.EAGAIN else err.errno) from None
    if dest is not None:
        key_task_permission(found, t.cred, K.KEY_OTH_LINK)
        key_link(svc, dest, found.key)
    return found.key.serial
