"""Unit tests of pynix/security/keys: the permission bytes and possession, quotas (EDQUOT,
given back when the last reference goes), the special keyrings of a cred over fork and
exec, and the /proc/keys line format."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import keyctl as K
from pynix.base.errors import KernelError
from pynix.kernel.cred import Cred
from pynix.security.keys.key import KeyRef, KeyService, key_task_permission
from pynix.security.keys.keyctl import do_add_key, keyctl_keyring_unlink
from pynix.security.keys.keyctl_attr import keyctl_read_key, keyctl_setperm_key
from pynix.security.keys.proc import proc_key_users_show, proc_keys_show
from pynix.security.keys.process_keys import copy_keys, exec_keys, lookup_user_key


def make_task(svc: KeyService, uid: int = 1000, gid: int = 1000) -> SimpleNamespace:
    k = SimpleNamespace(keys=svc, current=None)
    return SimpleNamespace(kernel=k, cred=Cred(uid, uid, uid, uid, gid, gid, gid, gid), fs=None)


def errno_of(fn, *args) -> int:
    with pytest.raises(KernelError) as e:
        fn(*args)
    return e.value.errno


def test_permission_bytes_and_possession() -> None:
    svc = KeyService()
    owner = make_task(svc)
    kid = do_add_key(owner, "user", "k", b"data", K.KEY_SPEC_PROCESS_KEYRING)
    key = svc.lookup(kid)
    assert key.perm == 0x3f010000                      # Linux's default for a user key
    key_task_permission(KeyRef(key, True), owner.cred, K.KEY_OTH_READ)       # possessor byte
    assert errno_of(key_task_permission, KeyRef(key, False), owner.cred, K.KEY_OTH_READ) == E.EACCES
    key_task_permission(KeyRef(key, False), owner.cred, K.KEY_OTH_VIEW)      # user byte
    other = make_task(svc, uid=2000, gid=1000)
    key.perm |= K.KEY_GRP_READ
    key_task_permission(KeyRef(key, False), other.cred, K.KEY_OTH_READ)      # group byte
    stranger = make_task(svc, uid=3000, gid=3000)
    assert errno_of(keyctl_read_key, stranger, kid) == E.EACCES
    assert keyctl_read_key(owner, kid) == b"data"      # possessed through the process keyring
    assert errno_of(keyctl_setperm_key, stranger, kid, 0) == E.EACCES


def test_quota_edquot_and_release() -> None:
    svc = KeyService()
    t = make_task(svc)
    svc.quota.maxkeys = 3
    ids = [do_add_key(t, "user", "k%d" % i, b"x", K.KEY_SPEC_THREAD_KEYRING) for i in range(2)]
    u = svc.user(1000)
    assert u.qnkeys == 3                               # two keys and the thread keyring
    assert errno_of(do_add_key, t, "user", "k9", b"x", K.KEY_SPEC_THREAD_KEYRING) == E.EDQUOT
    keyctl_keyring_unlink(t, ids[0], K.KEY_SPEC_THREAD_KEYRING)
    assert u.qnkeys == 2 and ids[0] not in svc.keys    # the last reference went
    svc.quota.maxbytes = u.qnbytes + 10
    assert errno_of(do_add_key, t, "user", "big", b"y" * 20, K.KEY_SPEC_THREAD_KEYRING) == E.EDQUOT
    assert proc_key_users_show(t.kernel).startswith(b" 1000:     2 2/2 2/3 ")


def test_cred_keyrings_over_fork_and_exec() -> None:
    svc = KeyService()
    t = make_task(svc)
    th = lookup_user_key(svc, t.cred, K.KEY_SPEC_THREAD_KEYRING, 1, K.KEY_OTH_SEARCH).key
    pr = lookup_user_key(svc, t.cred, K.KEY_SPEC_PROCESS_KEYRING, 1, K.KEY_OTH_SEARCH).key
    ses = lookup_user_key(svc, t.cred, K.KEY_SPEC_SESSION_KEYRING, 1, K.KEY_OTH_SEARCH).key
    child = t.cred.copy()
    copy_keys(svc, t.cred, child, 0)
    assert child.thread_keyring is None and child.process_keyring is None
    assert child.session_keyring is ses
    thread = t.cred.copy()
    copy_keys(svc, t.cred, thread, A.CLONE_THREAD)
    assert thread.process_keyring is pr and thread.thread_keyring not in (None, th)
    exec_keys(svc, t.cred)
    assert t.cred.thread_keyring is None and t.cred.process_keyring is None
    assert errno_of(lookup_user_key, svc, t.cred, K.KEY_SPEC_THREAD_KEYRING, 0, K.KEY_OTH_SEARCH) == E.ENOKEY


def test_proc_keys_format() -> None:
    svc = KeyService()
    t = make_task(svc)
    kid = do_add_key(t, "user", "hello", b"abc", K.KEY_SPEC_PROCESS_KEYRING)
    line = [ln for ln in proc_keys_show(t.kernel).decode().splitlines() if "hello" in ln][0]
    assert line == "%08x I--Q---     1 perm 3f010000  1000  1000 user      hello: 3" % kid
