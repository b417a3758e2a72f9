"""Keyrings: links, searches, restrictions (Linux security/keys/keyring.c).

Provides:
- ``keyring_alloc``: a new, instantiated keyring, optionally linked into another.
- ``key_link`` / ``key_unlink`` / ``keyring_clear`` / ``key_move``: a keyring holds at most one
  key per (type, description), a new link replacing the old (__key_link); linking a keyring
  that leads back to the destination is EDEADLK, one nested deeper than six ELOOP; a
  restricted keyring refuses new links (EPERM); the target must be a keyring (ENOTDIR).
- ``SearchCtx`` and ``keyring_search``: search_nested_keyrings, a depth-first walk through
  the keyrings the caller may search (SEARCH permission, possession inherited from the
  top), matching the top keyring too. With ``state_check`` a match that is revoked
  (EKEYREVOKED), expired (EKEYEXPIRED), not searchable (EACCES) or negative (its error) is
  skipped and remembered; the search ends with the key, or raises the last such error, or
  EAGAIN when nothing matched.
- ``find_keyring_by_name``: a named keyring the caller may search (join_session_keyring).
- ``keyring_restrict``: KEYCTL_RESTRICT_KEYRING with no type (reject every new link).

Each link holds a reference on the linked key (key.key_get); dropping it is key_put.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.base.errors import KernelError
from pynix.kernel.cred import Cred
from pynix.security.keys.key import (
    ALLOC_IN_QUOTA,
    INVALIDATED,
    REVOKED,
    UID_KEYRING,
    Key,
    KeyRef,
    KeyService,
    key_alloc,
    key_get,
    key_put,
    key_task_permission,
    key_validate,
    now,
)
from pynix.security.keys.types import KEY_TYPE_KEYRING, KeyType


def keyring_alloc(svc: KeyService, desc: str, uid: int, gid: int, perm: int,
                  flags: int = ALLOC_IN_QUOTA, dest: Key | None = None) -> Key:
    """keyring_alloc: an empty keyring, linked into ``dest`` when given."""
    ring = key_alloc(svc, KEY_TYPE_KEYRING, desc, uid, gid, perm, flags)
    KEY_TYPE_KEYRING.instantiate(svc, ring, KEY_TYPE_KEYRING.preparse(None))
    if dest is not None:
        try:
            key_link(svc, dest, ring)
        except KernelError:
            key_put(svc, ring)
            raise
    return ring


def _need_keyring(key: Key) -> None:
    if not key.is_keyring:
        raise KernelError(E.ENOTDIR)


def _reaches(start: Key, target: Key, depth: int = 1) -> int:
    """keyring_detect_cycle's search: 0 if ``target`` cannot be reached from ``start``,
    EDEADLK if it can, ELOOP if keyrings nest deeper than the search may go."""
    if start is target:
        return E.EDEADLK
    if depth > K.KEYRING_SEARCH_MAX_DEPTH:
        return E.ELOOP
    for k in start.links.values():
        if k.is_keyring:
            err = _reaches(k, target, depth + 1)
            if err:
                return err
    return 0


def _link_checks(ring: Key, key: Key) -> None:
    _need_keyring(ring)
    if ring.restricted:
        raise KernelError(E.EPERM)                 # restrict_link_reject
    if key.is_keyring:
        err = _reaches(key, ring)
        if err:
            raise KernelError(err)


def _index(key: Key) -> tuple[str, str]:
    return (key.type.name, key.description)


def __key_link(svc: KeyService, ring: Key, key: Key) -> None:
    """__key_link: link ``key``, displacing the key of the same type and description."""
    old = ring.links.get(_index(key))
    if old is key:
        return
    ring.links[_index(key)] = key_get(key)
    key_put(svc, old)


def key_link(svc: KeyService, ring: Key, key: Key) -> None:
    """key_link (the caller checked WRITE on ``ring`` and LINK on ``key``)."""
    _link_checks(ring, key)
    __key_link(svc, ring, key)


def key_unlink(svc: KeyService, ring: Key, key: Key) -> None:
    """key_unlink: ENOENT when ``ring`` does not link to ``key``."""
    _need_keyring(ring)
    if ring.links.get(_index(key)) is not key:
        raise KernelError(E.ENOENT)
    del ring.links[_index(key)]
    key_put(svc, key)


def keyring_clear(svc: KeyService, ring: Key) -> None:
    _need_keyring(ring)
    links, ring.links = ring.links, {}
    for k in links.values():
        key_put(svc, k)


def key_move(svc: KeyService, key: Key, src: Key, dst: Key, flags: int) -> None:
    """key_move: move the link to ``key`` from ``src`` to ``dst`` (ENOENT if ``src`` has
    none, EEXIST under KEYCTL_MOVE_EXCL if ``dst`` has a key of that type and description)."""
    _need_keyring(src)
    _need_keyring(dst)
    if src is dst:
        return
    if src.links.get(_index(key)) is not key:
        raise KernelError(E.ENOENT)
    _link_checks(dst, key)
    if flags & K.KEYCTL_MOVE_EXCL and _index(key) in dst.links:
        raise KernelError(E.EEXIST)
    __key_link(svc, dst, key)
    del src.links[_index(key)]
    key_put(svc, key)


@dataclass
class SearchCtx:
    """struct keyring_search_context: what to match and how strictly."""
    cred: Cred
    match: Callable[[Key], bool]
    state_check: bool = True           # KEYRING_SEARCH_DO_STATE_CHECK
    check_perm: bool = True            # not KEYRING_SEARCH_NO_CHECK_PERM
    skip_expired: bool = False         # KEYRING_SEARCH_SKIP_EXPIRED: no EKEYEXPIRED
    errno: int = E.EAGAIN              # ctx->result when nothing was found
    at: int = field(default_factory=now)


def match_type_desc(ktype: KeyType, desc: str) -> Callable[[Key], bool]:
    """key_default_cmp: the same type and description."""
    return lambda k: k.type is ktype and k.description == desc


def _iterate(ctx: SearchCtx, key: Key, possessed: bool) -> bool:
    """keyring_search_iterator: is this matching key the answer? Remember why not."""
    if ctx.state_check:
        if key.flags & {INVALIDATED, REVOKED}:
            ctx.errno = E.EKEYREVOKED
            return False
        if key.expired(ctx.at):
            if not ctx.skip_expired:
                ctx.errno = E.EKEYEXPIRED
            return False
    if ctx.check_perm:
        try:
            key_task_permission(KeyRef(key, possessed), ctx.cred, K.KEY_OTH_SEARCH)
        except KernelError:
            ctx.errno = E.EACCES
            return False
    if ctx.state_check and key.state < 0:
        ctx.errno = -key.state
        return False
    return True


def _search_nested(ctx: SearchCtx, ring: Key, possessed: bool, depth: int) -> Key | None:
    for k in list(ring.links.values()):
        if ctx.match(k) and _iterate(ctx, k, possessed):
            return k
    if depth >= K.KEYRING_SEARCH_MAX_DEPTH:
        return None
    for k in list(ring.links.values()):
        if not k.is_keyring:
            continue
        if ctx.check_perm:
            try:
                key_task_permission(KeyRef(k, possessed), ctx.cred, K.KEY_OTH_SEARCH)
            except KernelError:
                continue
        found = _search_nested(ctx, k, possessed, depth + 1)
        if found is not None:
            return found
    return None


def keyring_search(ref: KeyRef, ctx: SearchCtx) -> KeyRef:
    """keyring_search_rcu: search ``ref`` (SEARCH needed on it) and what it leads to."""
    _need_keyring(ref.key)
    if ctx.check_perm:
        key_task_permission(ref, ctx.cred, K.KEY_OTH_SEARCH)
    ctx.at = now()
    top = ref.key
    if ctx.match(top) and _iterate(ctx, top, ref.possessed):
        return KeyRef(top, ref.possessed)
    found = _search_nested(ctx, top, ref.possessed, 1)
    if found is None:
        raise KernelError(ctx.errno)
    return KeyRef(found, ref.possessed)


def find_keyring_by_name(svc: KeyService, cred: Cred, name: str) -> Key:
    """find_keyring_by_name: a live keyring of that name (not a per-user one) that the
    caller may search, with a reference; ENOKEY when there is none."""
    for k in svc.keys.values():
        if not k.is_keyring or k.description != name or k.usage == 0:
            continue
        if REVOKED in k.flags or UID_KEYRING in k.flags or name.startswith("."):
            continue
        try:
            key_task_permission(KeyRef(k, False), cred, K.KEY_OTH_SEARCH)
        except KernelError:
            continue
        return key_get(k)
    raise KernelError(E.ENOKEY)


def keyring_restrict(svc: KeyService, ref: KeyRef, ktype: KeyType | None) -> None:
    """keyring_restrict: with no type, refuse all further links (restrict_link_reject);
    pynix's types have no restriction schemes (ENOENT, as a type without
    ->lookup_restriction); EEXIST if already restricted."""
    key_validate(ref.key)
    _need_keyring(ref.key)
    if ktype is not None:
        raise KernelError(E.ENOENT)
    if ref.key.restricted:
        raise KernelError(E.EEXIST)
    ref.key.restricted = True
