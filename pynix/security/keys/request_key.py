"""Making keys: add_key's create-or-update and request_key's search-or-construct (Linux
security/keys/key.c key_create_or_update, request_key.c request_key_and_link).

Provides:
- ``default_perm(ktype)``: the permissions of a key made by add_key or request_key.
- ``key_create_or_update(svc, cred, ring_ref, type, desc, payload)``: update the key of that
  type and description the keyring links to (WRITE on it needed) when the type can be
  updated, else make a new key, charge it, instantiate it and link it in its place.
- ``request_key_and_link(svc, cred, fs, ktype, desc, callout, dest)``: find a key in the
  caller's keyrings (linking it into ``dest``); failing that, with callout information,
  construct one: an uninstantiated key linked into the destination keyring (chosen by the
  cred's request_key default, WRITE needed), for /sbin/request-key to instantiate. pynix
  runs no user-mode helpers: the upcall fails as Linux's does when the helper cannot be
  executed (ENOENT when /sbin/request-key is missing, EOPNOTSUPP when it exists but pynix
  cannot start it), and the key is negated for 60 s, so repeated requests get ENOKEY.
"""
from __future__ import annotations

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.base.errors import KernelError
from pynix.fs.vfs.namei import FsContext, namei
from pynix.kernel.cred import Cred
from pynix.security.keys.key import (
    ALLOC_IN_QUOTA,
    INVALIDATED,
    REVOKED,
    USER_CONSTRUCT,
    Key,
    KeyRef,
    KeyService,
    key_alloc,
    key_put,
    key_set_timeout,
    key_task_permission,
    mark_instantiated,
)
from pynix.security.keys.keyring import SearchCtx, key_link, match_type_desc
from pynix.security.keys.process_keys import look_up_user_keyrings, search_process_keyrings
from pynix.security.keys.types import KEY_TYPE_KEYRING, KeyType, key_type_lookup

REQUEST_KEY_HELPER = b"/sbin/request-key"


def default_perm(ktype: KeyType) -> int:
    """KEY_PERM_UNDEF's expansion: the possessor may view, search, link and set attributes
    (read if the type can be read, write if it is a keyring or can be updated); the owner
    may view."""
    perm = K.KEY_POS_VIEW | K.KEY_POS_SEARCH | K.KEY_POS_LINK | K.KEY_POS_SETATTR | K.KEY_USR_VIEW
    if ktype.readable:
        perm |= K.KEY_POS_READ
    if ktype is KEY_TYPE_KEYRING or ktype.updatable:
        perm |= K.KEY_POS_WRITE
    return perm


def key_create_or_update(svc: KeyService, cred: Cred, ring_ref: KeyRef, type_name: str,
                         desc: str | None, payload: bytes | None) -> KeyRef:
    """key_create_or_update (the caller has WRITE on the keyring)."""
    try:
        ktype = key_type_lookup(type_name)
    except KernelError:
        raise KernelError(E.ENODEV) from None
    ring = ring_ref.key
    if not ring.is_keyring:
        raise KernelError(E.ENOTDIR)
    prep = ktype.preparse(payload)
    if desc is None:
        raise KernelError(E.EINVAL)          # no type here makes up a description
    ktype.vet_description(desc)
    if ring.restricted:
        raise KernelError(E.EPERM)
    if ktype.updatable:
        old = ring.links.get((ktype.name, desc))
        if old is not None and not old.flags & {INVALIDATED, REVOKED}:
            ref = KeyRef(old, ring_ref.possessed)
            key_task_permission(ref, cred, K.KEY_OTH_WRITE)     # __key_update
            ktype.update(svc, old, prep)
            return ref
    key = key_alloc(svc, ktype, desc, cred.fsuid, cred.fsgid, default_perm(ktype), ALLOC_IN_QUOTA)
    try:
        ktype.instantiate(svc, key, prep)
        key_link(svc, ring, key)
    finally:
        key_put(svc, key)                     # the link (if made) holds it now
    return KeyRef(key, ring_ref.possessed)


def construct_get_dest_keyring(svc: KeyService, cred: Cred, dest: Key | None) -> Key | None:
    """construct_get_dest_keyring: ``dest``, or the keyring the cred's request_key default
    names (thread, then process, then session, then user session keyring); WRITE needed."""
    if dest is None:
        jit = cred.jit_keyring
        if jit == K.KEY_REQKEY_DEFL_USER_KEYRING:
            dest = look_up_user_keyrings(svc, cred)[0]
        else:
            chain = [K.KEY_REQKEY_DEFL_THREAD_KEYRING, K.KEY_REQKEY_DEFL_PROCESS_KEYRING,
                     K.KEY_REQKEY_DEFL_SESSION_KEYRING, K.KEY_REQKEY_DEFL_USER_SESSION_KEYRING]
            start = chain.index(jit) if jit in chain else 0
            rings = {K.KEY_REQKEY_DEFL_THREAD_KEYRING: cred.thread_keyring,
                     K.KEY_REQKEY_DEFL_PROCESS_KEYRING: cred.process_keyring,
                     K.KEY_REQKEY_DEFL_SESSION_KEYRING: cred.session_keyring}
            for step in chain[start:]:
                dest = rings.get(step)
                if dest is not None:
                    break
            if dest is None:
                dest = look_up_user_keyrings(svc, cred)[1]
    key_task_permission(KeyRef(dest, True), cred, K.KEY_OTH_WRITE)
    return dest


def call_sbin_request_key(fs: FsContext) -> None:
    """The upcall that would let /sbin/request-key instantiate the key. It always fails."""
    namei(fs, REQUEST_KEY_HELPER)                 # ENOENT (or the lookup's error)
    raise KernelError(E.EOPNOTSUPP)               # pynix has no call_usermodehelper


def key_reject_and_link(svc: KeyService, key: Key, timeout: int, error: int) -> None:
    """key_reject_and_link: a negative key that answers ``error`` for ``timeout`` seconds."""
    mark_instantiated(key, -error)
    key.flags.discard(USER_CONSTRUCT)
    key_set_timeout(svc, key, timeout)


def construct_key_and_link(svc: KeyService, cred: Cred, fs: FsContext, ktype: KeyType,
                           desc: str, dest: Key | None) -> Key:
    """construct_key_and_link: keyrings cannot be requested into being (EPERM)."""
    if ktype is KEY_TYPE_KEYRING:
        raise KernelError(E.EPERM)
    ring = construct_get_dest_keyring(svc, cred, dest)
    key = key_alloc(svc, ktype, desc, cred.fsuid, cred.fsgid, default_perm(ktype), ALLOC_IN_QUOTA)
    key.flags.add(USER_CONSTRUCT)
    try:
        if ring is not None:
            key_link(svc, ring, key)
        try:
            call_sbin_request_key(fs)
        except KernelError:
            key_reject_and_link(svc, key, K.KEY_NEGATIVE_TIMEOUT, E.ENOKEY)
            raise
    finally:
        key_put(svc, key)
    return key


def request_key_and_link(svc: KeyService, cred: Cred, fs: FsContext, ktype: KeyType, desc: str,
                         callout: bytes | None, dest: Key | None) -> Key:
    """request_key_and_link: the key found or made; ENOKEY when none and no callout."""
    ctx = SearchCtx(cred, match_type_desc(ktype, desc), skip_expired=True)
    try:
        found = search_process_keyrings(svc, cred, ctx)
    except KernelError as err:
        if err.errno != E.EAGAIN:
            raise
        if callout is None:
            raise KernelError(E.ENOKEY) from None
        return construct_key_and_link(svc, cred, fs, ktype, desc, dest)
    if dest is not None:
        key_link(svc, dest, found.key)
    return found.key
