"""The keyrings a task has and how key ids resolve (Linux security/keys/process_keys.c).

Provides:
- ``install_thread_keyring``, ``install_process_keyring``, ``install_session_keyring``: the
  "_tid", "_pid" and "_ses" keyrings of a cred, made on demand (a cred holds one reference on
  each); ``look_up_user_keyrings``: the per-user "_uid.N" and "_uid_ses.N" keyrings, made on
  first use and kept in the user's registry (never found by name: another user cannot forge
  them).
- ``join_session_keyring(svc, cred, name)``: KEYCTL_JOIN_SESSION_KEYRING: a new anonymous
  session keyring, or the named keyring the caller may search, made if missing.
- ``search_process_keyrings``: search the thread, process and session keyrings (the user
  session keyring when there is no session) in turn; a negative key's error wins over a
  revoked or expired key's, which win over "no key" (EAGAIN).
- ``lookup_user_key(svc, cred, id, lflags, need)``: a key id or KEY_SPEC_* to a ``KeyRef``
  (possessed when reachable from the cred's keyrings), with the state checks and the
  permission ``need`` (a KEY_OTH_* bit or one of the NEED_* overrides) of Linux.
- ``copy_keys`` (fork: the thread keyring is not inherited, a new thread gets a fresh one
  if its creator had one, the process keyring stays within the thread group, the session
  keyring is inherited), ``exec_keys`` (exec drops the thread and process keyrings),
  ``exit_keys`` (the cred's references go).
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.base.errors import KernelError
from pynix.kernel.cred import Cred
from pynix.security.keys.key import (
    ALLOC_IN_QUOTA,
    ALLOC_QUOTA_OVERRUN,
    ALLOC_UID_KEYRING,
    INVALID_GID,
    KEY_IS_UNINSTANTIATED,
    UID_KEYRING,
    Key,
    KeyRef,
    KeyService,
    key_get,
    key_gc,
    key_put,
    key_task_permission,
    key_validate,
    now,
)
from pynix.security.keys.keyring import SearchCtx, find_keyring_by_name, keyring_alloc, keyring_search

# lookup_user_key flags and the permission overrides (enum key_need_perm)
LOOKUP_CREATE, LOOKUP_PARTIAL = 0x1, 0x2
NEED_UNLINK, NEED_DEFER, NEED_SYSADMIN, NEED_AUTHTOKEN = -1, -2, -3, -4

USER_KEYRING_PERM = (K.KEY_POS_ALL & ~K.KEY_POS_SETATTR) | K.KEY_USR_ALL
PRIVATE_KEYRING_PERM = K.KEY_POS_ALL | K.KEY_USR_VIEW                   # _tid, _pid
SESSION_KEYRING_PERM = K.KEY_POS_ALL | K.KEY_USR_VIEW | K.KEY_USR_READ  # _ses
NAMED_SESSION_PERM = SESSION_KEYRING_PERM | K.KEY_USR_LINK


def install_thread_keyring(svc: KeyService, cred: Cred) -> None:
    """install_thread_keyring_to_cred: a "_tid" keyring unless there is one."""
    if cred.thread_keyring is None:
        cred.thread_keyring = keyring_alloc(svc, "_tid", cred.uid, cred.gid,
                                            PRIVATE_KEYRING_PERM, ALLOC_QUOTA_OVERRUN)


def install_process_keyring(svc: KeyService, cred: Cred) -> None:
    """install_process_keyring_to_cred: a "_pid" keyring unless there is one."""
    if cred.process_keyring is None:
        cred.process_keyring = keyring_alloc(svc, "_pid", cred.uid, cred.gid,
                                             PRIVATE_KEYRING_PERM, ALLOC_QUOTA_OVERRUN)


def install_session_keyring(svc: KeyService, cred: Cred, ring: Key | None) -> None:
    """install_session_keyring_to_cred: ``ring`` (a reference is taken), or a new "_ses"."""
    if ring is None:
        ring = keyring_alloc(svc, "_ses", cred.uid, cred.gid, SESSION_KEYRING_PERM,
                             ALLOC_QUOTA_OVERRUN)
    else:
        key_get(ring)
    old, cred.session_keyring = cred.session_keyring, ring
    key_put(svc, old)


def look_up_user_keyrings(svc: KeyService, cred: Cred) -> tuple[Key, Key]:
    """look_up_user_keyrings: the user keyring and the user session keyring (which links
    the user keyring) of the cred's real uid, made when missing."""
    u = svc.user(cred.uid)
    if u.uid_keyring is None or u.uid_keyring.usage == 0:
        u.uid_keyring = keyring_alloc(svc, "_uid.%d" % cred.uid, cred.uid, INVALID_GID,
                                      USER_KEYRING_PERM, ALLOC_UID_KEYRING | ALLOC_IN_QUOTA)
    if u.session_keyring is None or u.session_keyring.usage == 0:
        u.session_keyring = keyring_alloc(svc, "_uid_ses.%d" % cred.uid, cred.uid, INVALID_GID,
                                          USER_KEYRING_PERM, ALLOC_UID_KEYRING | ALLOC_IN_QUOTA)
        keyring_link_quiet(svc, u.session_keyring, u.uid_keyring)
    return u.uid_keyring, u.session_keyring


def keyring_link_quiet(svc: KeyService, ring: Key, key: Key) -> None:
    ring.links[(key.type.name, key.description)] = key_get(key)


def join_session_keyring(svc: KeyService, cred: Cred, name: str | None) -> int:
    """join_session_keyring: install an anonymous or a named session keyring; its serial."""
    if name is None:
        install_session_keyring(svc, cred, None)
        return cred.session_keyring.serial
    try:
        ring = find_keyring_by_name(svc, cred, name)
    except KernelError as err:
        if err.errno != E.ENOKEY:
            raise
        ring = keyring_alloc(svc, name, cred.uid, cred.gid, NAMED_SESSION_PERM, ALLOC_IN_QUOTA)
    if ring is cred.session_keyring:
        key_put(svc, ring)
        return 0
    install_session_keyring(svc, cred, ring)
    key_put(svc, ring)
    return ring.serial


def _session_or_user_session(svc: KeyService, cred: Cred) -> Key | None:
    if cred.session_keyring is not None:
        return cred.session_keyring
    return svc.user(cred.uid).session_keyring


def search_process_keyrings(svc: KeyService, cred: Cred, ctx: SearchCtx) -> KeyRef:
    """search_cred_keyrings_rcu: the first match in the cred's keyrings, or the error."""
    negative: KernelError | None = None
    other = KernelError(E.EAGAIN)
    for ring in (cred.thread_keyring, cred.process_keyring, _session_or_user_session(svc, cred)):
        if ring is None:
            continue
        ctx.errno = E.EAGAIN
        try:
            return keyring_search(KeyRef(ring, True), ctx)
        except KernelError as err:
            if err.errno == E.EAGAIN:
                continue
            if err.errno == E.ENOKEY:
                negative = err
            else:
                other = err
    raise negative if negative is not None else other


def is_possessed(svc: KeyService, cred: Cred, key: Key) -> bool:
    """lookup_user_key_possessed: is ``key`` reachable from the cred's keyrings?"""
    ctx = SearchCtx(cred, lambda k: k is key, state_check=False)
    try:
        search_process_keyrings(svc, cred, ctx)
    except KernelError:
        return False
    return True


def _special(svc: KeyService, cred: Cred, kid: int, lflags: int) -> Key:
    create = bool(lflags & LOOKUP_CREATE)
    if kid == K.KEY_SPEC_THREAD_KEYRING:
        if cred.thread_keyring is None and create:
            install_thread_keyring(svc, cred)
        ring = cred.thread_keyring
    elif kid == K.KEY_SPEC_PROCESS_KEYRING:
        if cred.process_keyring is None and create:
            install_process_keyring(svc, cred)
        ring = cred.process_keyring
    elif kid == K.KEY_SPEC_SESSION_KEYRING:
        if cred.session_keyring is None:
            _, user_session = look_up_user_keyrings(svc, cred)
            if create:
                join_session_keyring(svc, cred, None)
            else:
                install_session_keyring(svc, cred, user_session)
        elif UID_KEYRING in cred.session_keyring.flags and create:
            join_session_keyring(svc, cred, None)
        ring = cred.session_keyring
    elif kid == K.KEY_SPEC_USER_KEYRING:
        ring = look_up_user_keyrings(svc, cred)[0]
    elif kid == K.KEY_SPEC_USER_SESSION_KEYRING:
        ring = look_up_user_keyrings(svc, cred)[1]
    elif kid == K.KEY_SPEC_REQKEY_AUTH_KEY:
        ring = cred.request_key_auth
    elif kid == K.KEY_SPEC_REQUESTOR_KEYRING:
        ring = None                       # no request_key authority can be assumed in pynix
    else:
        raise KernelError(E.EINVAL)       # the group keyring, unknown special ids
    if ring is None:
        raise KernelError(E.ENOKEY)
    return ring


def lookup_user_key(svc: KeyService, cred: Cred, kid: int, lflags: int, need: int) -> KeyRef:
    """lookup_user_key: resolve ``kid``; unless LOOKUP_PARTIAL the key must be instantiated,
    and (unless the check is deferred) positive, live and unexpired; then ``need``."""
    key_gc(svc)
    if kid < 0 and kid >= K.KEY_SPEC_REQUESTOR_KEYRING:
        ref = KeyRef(_special(svc, cred, kid, lflags), True)
    elif kid < 1:
        raise KernelError(E.EINVAL)
    else:
        key = svc.lookup(kid)
        ref = KeyRef(key, is_possessed(svc, cred, key))
    key = ref.key
    if need != NEED_UNLINK:
        if not lflags & LOOKUP_PARTIAL:
            err = 0
            if key.state < 0:
                err = -key.state
            else:
                try:
                    key_validate(key)
                except KernelError as e:
                    err = e.errno
            if err and need not in (NEED_AUTHTOKEN, NEED_DEFER):
                raise KernelError(err)
        elif need != NEED_DEFER:
            key_validate(key)
        if not lflags & LOOKUP_PARTIAL and key.state == KEY_IS_UNINSTANTIATED:
            raise KernelError(E.EIO)
    if need > 0:
        key_task_permission(ref, cred, need)
    key.last_used = now()
    return ref


def copy_keys(svc: KeyService, parent: Cred, child: Cred, flags: int) -> None:
    """copy_creds' keyring part: ``child`` is a plain copy of ``parent``."""
    child.thread_keyring = None
    if not flags & A.CLONE_THREAD:
        child.process_keyring = None
    for k in (child.process_keyring, child.session_keyring, child.request_key_auth):
        if k is not None:
            key_get(k)
    if parent.thread_keyring is not None and flags & A.CLONE_THREAD:
        install_thread_keyring(svc, child)


def exec_keys(svc: KeyService, cred: Cred) -> None:
    """prepare_exec_creds: no thread keyring and a new (not yet made) process keyring."""
    key_put(svc, cred.thread_keyring)
    key_put(svc, cred.process_keyring)
    cred.thread_keyring = cred.process_keyring = None


def exit_keys(svc: KeyService, cred: Cred) -> None:
    """put_cred's keyring part: the exiting task's references go."""
    for name in ("thread_keyring", "process_keyring", "session_keyring", "request_key_auth"):
        key_put(svc, getattr(cred, name))
        setattr(cred, name, None)
