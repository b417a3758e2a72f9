"""The key types pynix has (Linux security/keys/user_defined.c, keyring.c's key_type_keyring,
key.c's key type registry; include/linux/key-type.h).

Provides ``KeyType`` (the operations of struct key_type: preparse checks a payload and says
what it costs, instantiate and update install it, read returns it, describe is its
/proc/keys tail, revoke drops it) and ``key_type_lookup(name)`` (ENODEV, as
key_create_or_update reports an unknown type; request_key turns it into ENOKEY). The types:

- "user": a blob of 1..32767 bytes, readable and updatable (user_preparse, user_read).
- "logon": the same, never readable from user space; the description needs a "service:"
  prefix (logon_vet_description).
- "keyring": no payload; its contents are links to other keys (keyring.py).

"big_key", "encrypted", "trusted", "asymmetric" and the rest are not built in (ENODEV), as on
a kernel without their options; LTP skips them the same way.
"""
from __future__ import annotations

from typing import NamedTuple

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.base.errors import KernelError
from pynix.security.keys.key import (
    KEY_IS_POSITIVE,
    Key,
    KeyService,
    key_payload_reserve,
    key_put,
    mark_instantiated,
)


class Prep(NamedTuple):
    """struct key_preparsed_payload: the payload and the quota bytes it costs."""
    data: bytes
    quotalen: int


class KeyType:
    """struct key_type for a type whose payload is a byte string."""
    name = ""
    def_datalen = 0
    readable = True              # has ->read
    updatable = True             # has ->update

    def vet_description(self, desc: str) -> None:
        """->vet_description: refuse a description the type cannot take (EINVAL)."""

    def preparse(self, data: bytes | None) -> Prep:
        """user_preparse: 1..32767 bytes (EINVAL otherwise)."""
        if not data or len(data) > K.USER_KEY_MAX_DATA:
            raise KernelError(E.EINVAL)
        return Prep(data, len(data))

    def instantiate(self, svc: KeyService, key: Key, prep: Prep) -> None:
        """generic_key_instantiate: charge the payload and install it."""
        key_payload_reserve(svc, key, prep.quotalen)
        key.payload = prep.data
        mark_instantiated(key, KEY_IS_POSITIVE)

    def update(self, svc: KeyService, key: Key, prep: Prep) -> None:
        """user_update: a new payload in place (a negative key becomes positive)."""
        key_payload_reserve(svc, key, prep.quotalen)
        key.payload = prep.data
        if key.state != KEY_IS_POSITIVE:
            mark_instantiated(key, KEY_IS_POSITIVE)
            key.expiry = None

    def read(self, key: Key) -> bytes:
        return key.payload or b""

    def describe(self, key: Key) -> str:
        """user_describe: the description, and ": <datalen>" when positive."""
        if key.state == KEY_IS_POSITIVE:
            return "%s: %d" % (key.description, key.datalen)
        return key.description

    def revoke(self, svc: KeyService, key: Key) -> None:
        """user_revoke: the payload goes, and with it its quota bytes."""
        key_payload_reserve(svc, key, 0)
        key.payload = None


class UserType(KeyType):
    name = "user"


class LogonType(KeyType):
    name = "logon"
    readable = False

    def vet_description(self, desc: str) -> None:
        """logon_vet_description: "service:rest", a non-empty service before the colon."""
        if desc.find(":") <= 0:
            raise KernelError(E.EINVAL)


class KeyringType(KeyType):
    name = "keyring"
    updatable = False

    def preparse(self, data: bytes | None) -> Prep:
        """keyring_preparse: a keyring takes no payload (EINVAL)."""
        if data:
            raise KernelError(E.EINVAL)
        return Prep(b"", 0)

    def instantiate(self, svc: KeyService, key: Key, prep: Prep) -> None:
        mark_instantiated(key, KEY_IS_POSITIVE)

    def read(self, key: Key) -> bytes:
        """keyring_read: the serials it links to, 4 bytes each."""
        return b"".join(k.serial.to_bytes(4, "little") for k in key.links.values())

    def describe(self, key: Key) -> str:
        """keyring_describe: ": <links>" or ": empty" when positive."""
        if key.state != KEY_IS_POSITIVE:
            return key.description
        n = len(key.links)
        return "%s: %s" % (key.description, n if n else "empty")

    def revoke(self, svc: KeyService, key: Key) -> None:
        """keyring_revoke: a revoked keyring lets go of its links."""
        links, key.links = key.links, {}
        for k in links.values():
            key_put(svc, k)


KEY_TYPE_USER, KEY_TYPE_LOGON, KEY_TYPE_KEYRING = UserType(), LogonType(), KeyringType()
KEY_TYPES: dict[str, KeyType] = {t.name: t for t in (KEY_TYPE_USER, KEY_TYPE_LOGON, KEY_TYPE_KEYRING)}


def key_type_lookup(name: str) -> KeyType:
    """key_type_lookup: the registered type of that name; ENODEV when there is none."""
    t = KEY_TYPES.get(name)
    if t is None:
        raise KernelError(E.ENODEV)
    return t
