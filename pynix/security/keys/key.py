"""Keys, their owners' quotas and their life (Linux security/keys/key.c, permission.c, gc.c,
include/linux/key.h; keyrings(7)).

Provides:
- ``Key``: one key: serial, type, description, owner uid/gid, the 32-bit permission mask,
  the payload, its state (uninstantiated, positive, or negative with an error), expiry,
  revocation and invalidation flags, and ``usage``, the count of references (keyring links,
  credentials, the per-user registry) that keeps it alive.
- ``KeyRef``: a key and whether the caller possesses it (Linux's key_ref_t possession bit).
- ``KeyUser``: the per-uid accounting of /proc/key-users (nkeys, nikeys, qnkeys, qnbytes) and
  that user's two keyrings.
- ``KeyService``: what one kernel owns (``kernel.keys``): the serial table, the users, the
  kernel.keys sysctls (``quota``) and the garbage collector's deadlines.
- ``key_alloc`` (quota checked: EDQUOT), ``key_payload_reserve``, ``key_get``/``key_put``
  (the last put destroys the key: out of the serial table, quota given back, links dropped),
  ``key_validate`` (ENOKEY, EKEYREVOKED, EKEYEXPIRED), ``key_task_permission`` (EACCES),
  ``key_revoke``, ``key_invalidate``, ``key_set_timeout``, ``key_gc`` (unlink keys revoked or
  expired more than gc_delay seconds ago, and invalidated ones at once).

Key types (security/keys/types.py) and keyrings (keyring.py) build on these; nothing here
reads user memory. Times are CLOCK_REALTIME seconds, as ktime_get_real_seconds.
"""
from __future__ import annotations

import heapq
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.base.errors import KernelError
from pynix.kernel.cred import Cred

if TYPE_CHECKING:
    from pynix.security.keys.types import KeyType

KEY_IS_UNINSTANTIATED, KEY_IS_POSITIVE = 0, 1
INVALID_GID = 0xFFFFFFFF              # a gid no one has (INVALID_GID); shown as 65534
OVERFLOW_ID = 65534

# key flags (KEY_FLAG_*), kept as a set of names
DEAD, REVOKED, IN_QUOTA, USER_CONSTRUCT = "dead", "revoked", "in_quota", "user_construct"
INVALIDATED, UID_KEYRING, KEEP = "invalidated", "uid_keyring", "keep"

# key_alloc flags
ALLOC_IN_QUOTA, ALLOC_QUOTA_OVERRUN, ALLOC_NOT_IN_QUOTA, ALLOC_UID_KEYRING = 0, 1, 2, 4


def now() -> int:
    return int(time.time())


@dataclass
class KeyQuota:
    """The kernel.keys sysctls (/proc/sys/kernel/keys/)."""
    maxkeys: int = K.KEY_QUOTA_MAXKEYS
    maxbytes: int = K.KEY_QUOTA_MAXBYTES
    root_maxkeys: int = K.KEY_QUOTA_ROOT_MAXKEYS
    root_maxbytes: int = K.KEY_QUOTA_ROOT_MAXBYTES
    gc_delay: int = K.KEY_GC_DELAY

    def limits(self, uid: int) -> tuple[int, int]:
        return (self.root_maxkeys, self.root_maxbytes) if uid == 0 else (self.maxkeys, self.maxbytes)


@dataclass(eq=False)
class KeyUser:
    """struct key_user: one uid's keys and quota use; its keyrings (the registry)."""
    uid: int
    nkeys: int = 0                  # keys it owns
    nikeys: int = 0                 # ... of them instantiated
    qnkeys: int = 0                 # keys charged to its quota
    qnbytes: int = 0                # bytes charged to its quota
    uid_keyring: Key | None = None
    session_keyring: Key | None = None


@dataclass(eq=False)
class Key:
    """struct key. ``links`` holds a keyring's contents, keyed by (type name, description)."""
    serial: int
    type: KeyType
    description: str
    uid: int
    gid: int
    perm: int
    user: KeyUser
    quotalen: int = 0
    datalen: int = 0
    payload: bytes | None = None
    state: int = KEY_IS_UNINSTANTIATED      # or KEY_IS_POSITIVE, or -errno when negative
    flags: set[str] = field(default_factory=set)
    expiry: int | None = None               # CLOCK_REALTIME second; None: never (TIME64_MAX)
    revoked_at: int = 0
    usage: int = 1
    links: dict[tuple[str, str], Key] = field(default_factory=dict)
    restricted: bool = False                # restrict_link_reject: no more links
    last_used: int = 0

    @property
    def is_keyring(self) -> bool:
        return self.type.name == "keyring"

    def expired(self, at: int | None = None) -> bool:
        return self.expiry is not None and (now() if at is None else at) >= self.expiry


class KeyRef(NamedTuple):
    key: Key
    possessed: bool


class KeyService:
    """The key subsystem of one kernel: serials, users, quotas, the gc's deadlines."""

    def __init__(self) -> None:
        self.keys: dict[int, Key] = {}
        self.users: dict[int, KeyUser] = {}
        self.quota = KeyQuota()
        self._gc_at: list[int] = []         # heap of deadlines at which key_gc has work

    def user(self, uid: int) -> KeyUser:
        """key_user_lookup: the accounting record of ``uid``, made on first use."""
        u = self.users.get(uid)
        if u is None:
            u = self.users[uid] = KeyUser(uid)
        return u

    def new_serial(self) -> int:
        """key_alloc_serial: a random unused serial above 2 (31 bits, positive)."""
        while True:
            s = random.randint(3, 0x7FFFFFFF)
            if s not in self.keys:
                return s

    def schedule_gc(self, when: int) -> None:
        """key_schedule_gc: run key_gc at ``when`` (or soon after)."""
        heapq.heappush(self._gc_at, when)

    def gc_due(self) -> bool:
        return bool(self._gc_at) and self._gc_at[0] <= now()

    def lookup(self, serial: int) -> Key:
        """key_lookup: the live key with this serial; ENOKEY when there is none."""
        key = self.keys.get(serial)
        if key is None or key.usage == 0:
            raise KernelError(E.ENOKEY)
        return key


def key_alloc(svc: KeyService, ktype: KeyType, desc: str, uid: int, gid: int, perm: int,
              flags: int = ALLOC_IN_QUOTA) -> Key:
    """key_alloc: a new uninstantiated key owned by ``uid``, charged its description (and the
    type's default data length) against the owner's quota unless ALLOC_NOT_IN_QUOTA;
    EDQUOT over maxkeys or maxbytes unless ALLOC_QUOTA_OVERRUN."""
    user = svc.user(uid)
    quotalen = len(desc) + 1 + ktype.def_datalen          # descriptions are latin-1 str
    kflags: set[str] = set()
    if not flags & ALLOC_NOT_IN_QUOTA:
        maxkeys, maxbytes = svc.quota.limits(uid)
        if (user.qnkeys + 1 > maxkeys or user.qnbytes + quotalen > maxbytes) \
                and not flags & ALLOC_QUOTA_OVERRUN:
            raise KernelError(E.EDQUOT)
        user.qnkeys += 1
        user.qnbytes += quotalen
        kflags.add(IN_QUOTA)
    if flags & ALLOC_UID_KEYRING:
        kflags.add(UID_KEYRING)
    user.nkeys += 1
    key = Key(svc.new_serial(), ktype, desc, uid, gid, perm, user, quotalen=quotalen,
              datalen=ktype.def_datalen, flags=kflags, last_used=now())
    svc.keys[key.serial] = key
    return key


def key_payload_reserve(svc: KeyService, key: Key, datalen: int) -> None:
    """key_payload_reserve: charge the key's owner for ``datalen`` payload bytes instead of
    the current ones; EDQUOT if that goes over maxbytes (root may: quota_overrun)."""
    delta = datalen - key.datalen
    if IN_QUOTA in key.flags and delta:
        _, maxbytes = svc.quota.limits(key.uid)
        if delta > 0 and key.user.qnbytes + delta > maxbytes:
            raise KernelError(E.EDQUOT)
        key.user.qnbytes += delta
        key.quotalen += delta
    key.datalen = datalen


def mark_instantiated(key: Key, state: int) -> None:
    """mark_key_instantiated: positive (state 1) or negative (-errno)."""
    if key.state == KEY_IS_UNINSTANTIATED:
        key.user.nikeys += 1
    key.state = state


def key_get(key: Key) -> Key:
    key.usage += 1
    return key


def key_put(svc: KeyService, key: Key | None) -> None:
    """key_put: drop a reference; the last one destroys the key (key_gc_unused_keys)."""
    if key is None or key.usage <= 0:
        return
    key.usage -= 1
    if key.usage == 0:
        _destroy(svc, key)


def _destroy(svc: KeyService, key: Key) -> None:
    key.flags.add(DEAD)
    if svc.keys.get(key.serial) is key:
        del svc.keys[key.serial]
    u = key.user
    if IN_QUOTA in key.flags:
        u.qnkeys -= 1
        u.qnbytes -= key.quotalen
    u.nkeys -= 1
    if key.state != KEY_IS_UNINSTANTIATED:
        u.nikeys -= 1
    links, key.links = key.links, {}
    for k in links.values():
        key_put(svc, k)
    key.payload = None


def key_validate(key: Key) -> None:
    """key_validate: ENOKEY if invalidated, EKEYREVOKED if revoked (or dead), EKEYEXPIRED if
    past its expiry."""
    if INVALIDATED in key.flags:
        raise KernelError(E.ENOKEY)
    if REVOKED in key.flags or DEAD in key.flags:
        raise KernelError(E.EKEYREVOKED)
    if key.expired():
        raise KernelError(E.EKEYEXPIRED)


def in_group(cred: Cred, gid: int) -> bool:
    return gid == cred.fsgid or gid in cred.groups


def key_task_permission(ref: KeyRef, cred: Cred, need: int) -> None:
    """key_task_permission: ``need`` is one KEY_OTH_* bit (None: no check). The owner uses the
    user byte, a member of the key's group the group byte, anyone else the other byte; a
    possessor adds the possessor byte. EACCES when the bit is not granted."""
    key = ref.key
    if key.uid == cred.fsuid:
        kperm = key.perm >> 16
    elif key.gid != INVALID_GID and key.perm & K.KEY_GRP_ALL and in_group(cred, key.gid):
        kperm = key.perm >> 8
    else:
        kperm = key.perm
    if ref.possessed:
        kperm |= key.perm >> 24
    if kperm & need != need:
        raise KernelError(E.EACCES)


def key_revoke(svc: KeyService, key: Key) -> None:
    """key_revoke: no more use of the key; the type drops the payload (and its quota); the
    gc unlinks it gc_delay seconds later."""
    if REVOKED in key.flags:
        return
    key.flags.add(REVOKED)
    key.type.revoke(svc, key)
    t = now()
    if key.revoked_at == 0 or key.revoked_at > t:
        key.revoked_at = t
        svc.schedule_gc(t + svc.quota.gc_delay)


def key_invalidate(svc: KeyService, key: Key) -> None:
    """key_invalidate: the key vanishes from lookups at once; gc unlinks it now."""
    if INVALIDATED not in key.flags:
        key.flags.add(INVALIDATED)
        svc.schedule_gc(0)


def key_set_timeout(svc: KeyService, key: Key, timeout: int) -> None:
    """key_set_timeout: expire ``timeout`` seconds from now (0: never)."""
    key.expiry = now() + timeout if timeout > 0 else None
    if key.expiry is not None:
        svc.schedule_gc(key.expiry + svc.quota.gc_delay)


def _collectable(svc: KeyService, key: Key, t: int) -> bool:
    if INVALIDATED in key.flags or DEAD in key.flags:
        return True
    if REVOKED in key.flags and key.revoked_at + svc.quota.gc_delay <= t:
        return True
    return key.expiry is not None and key.expiry + svc.quota.gc_delay <= t


def key_gc(svc: KeyService) -> None:
    """key_garbage_collector: when a deadline has passed, drop the links every keyring holds
    to keys invalidated, or revoked or expired more than gc_delay seconds ago."""
    if not svc.gc_due():
        return
    t = now()
    while svc._gc_at and svc._gc_at[0] <= t:
        heapq.heappop(svc._gc_at)
    for ring in [k for k in svc.keys.values() if k.is_keyring]:
        dead = [ix for ix, k in ring.links.items() if _collectable(svc, k, t)]
        for ix in dead:
            key_put(svc, ring.links.pop(ix))
