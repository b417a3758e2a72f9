"""The key service's /proc files (Linux security/keys/proc.c, sysctl.c): ``/proc/keys`` (the
keys the reader may view, possession counted, in Linux's columns), ``/proc/key-users`` (per
uid: usage, nkeys/nikeys, qnkeys/maxkeys, qnbytes/maxbytes) and the writable-by-root
``/proc/sys/kernel/keys/{maxkeys,maxbytes,root_maxkeys,root_maxbytes,gc_delay}`` (a negative
value is EINVAL). Registered at import through procfs's registry.
"""
from __future__ import annotations

from typing import Any

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.fs.procfs.registry import register_proc_file
from pynix.kernel.cred import capable
from pynix.security.keys.key import (
    DEAD, IN_QUOTA, INVALIDATED, KEY_IS_UNINSTANTIATED, OVERFLOW_ID, REVOKED, USER_CONSTRUCT,
    INVALID_GID, Key, KeyRef, key_task_permission, now,
)
from pynix.security.keys.process_keys import is_possessed


def _timeout(key: Key, t: int) -> str:
    if key.expiry is None:
        return "perm"
    if t >= key.expiry:
        return "expd"
    left = key.expiry - t
    for unit, div, lim in (("s", 1, 60), ("m", 60, 3600), ("h", 3600, 86400), ("d", 86400, 604800)):
        if left < lim:
            return "%d%s" % (left // div, unit)
    return "%dw" % (left // 604800)


def proc_keys_show(k: Any) -> bytes:
    """proc_keys_show, one line per key the reader can VIEW."""
    svc, cur = k.keys, k.current
    out, t = [], now()
    for key in sorted(svc.keys.values(), key=lambda x: x.serial):
        if cur is not None:
            try:
                key_task_permission(KeyRef(key, is_possessed(svc, cur.cred, key)), cur.cred,
                                    K.KEY_OTH_VIEW)
            except KernelError:
                continue
        f = key.flags
        flags = "".join(c if on else "-" for c, on in (
            ("I", key.state != KEY_IS_UNINSTANTIATED), ("R", REVOKED in f), ("D", DEAD in f),
            ("Q", IN_QUOTA in f), ("U", USER_CONSTRUCT in f), ("N", key.state < 0),
            ("i", INVALIDATED in f)))
        gid = OVERFLOW_ID if key.gid == INVALID_GID else key.gid
        out.append("%08x %s %5d %4s %08x %5d %5d %-9.9s %s\n" % (
            key.serial, flags, key.usage, _timeout(key, t), key.perm, key.uid, gid,
            key.type.name, key.type.describe(key)))
    return "".join(out).encode("latin-1")


def proc_key_users_show(k: Any) -> bytes:
    svc = k.keys
    out = []
    for uid in sorted(svc.users):
        u = svc.users[uid]
        if not u.nkeys:
            continue
        maxkeys, maxbytes = svc.quota.limits(uid)
        out.append("%5u: %5d %d/%d %d/%d %d/%d\n" % (uid, u.nkeys, u.nkeys, u.nikeys, u.qnkeys,
                                                   maxkeys, u.qnbytes, maxbytes))
    return "".join(out).encode()


def _sysctl(name: str) -> None:
    def show(k: Any) -> bytes:
        return b"%d\n" % getattr(k.keys.quota, name)

    def store(k: Any, task: Any, data: bytes) -> None:
        if task is not None and not capable(task, CAP_SYS_ADMIN):
            raise KernelError(E.EPERM)
        try:
            v = int(data.split()[0])
        except (ValueError, IndexError):
            raise KernelError(E.EINVAL) from None
        if v < 0 or v > 0x7FFFFFFF:
            raise KernelError(E.EINVAL)
        setattr(k.keys.quota, name, v)
    register_proc_file("sys/kernel/keys/" + name, show, store)


register_proc_file("keys", proc_keys_show)
register_proc_file("key-users", proc_key_users_show)
for _name in ("maxkeys", "maxbytes", "root_maxkeys", "root_maxbytes", "gc_delay"):
    _sysctl(_name)
