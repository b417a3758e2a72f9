"""kernel/commoncap.py: the capability rules on a Cred (security/commoncap.c)."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import capability as C
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.kernel import commoncap as CC
from pynix.kernel.cred import Cred

FULL = C.CAP_FULL_SET


def _errno(fn, *args) -> int:  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except KernelError as err:
        return err.errno
    return 0


def test_cred_from_ids() -> None:
    assert (Cred().cap_permitted, Cred().cap_effective, Cred().cap_bset) == (FULL, FULL, FULL)
    user = Cred(*[1000] * 8)
    assert (user.cap_permitted, user.cap_effective) == (0, 0)
    half = Cred(0, 1000, 0, 1000)
    assert (half.cap_permitted, half.cap_effective) == (FULL, 0)
    fs = Cred(0, 0, 0, 1000)
    assert fs.cap_effective == FULL & ~C.CAP_FS_MASK


def test_setxuid_and_fsuid() -> None:
    c = Cred()
    c.euid = 1000
    CC.cap_emulate_setxuid(c, (0, 0, 0))
    assert (c.cap_permitted, c.cap_effective) == (FULL, 0)
    c.euid = 0
    CC.cap_emulate_setxuid(c, (0, 1000, 0))
    assert c.cap_effective == FULL
    c.uid = c.euid = c.suid = 5
    c.securebits = C.SECBIT_KEEP_CAPS
    c.cap_inheritable = c.cap_ambient = 1 << C.CAP_KILL
    CC.cap_emulate_setxuid(c, (0, 0, 0))
    assert (c.cap_permitted, c.cap_effective, c.cap_ambient) == (FULL, 0, 0)
    r = Cred()
    r.fsuid = 7
    CC.cap_fix_setfsuid(r, 0)
    assert r.cap_effective == FULL & ~C.CAP_FS_MASK
    r.fsuid = 0
    CC.cap_fix_setfsuid(r, 7)
    assert r.cap_effective == FULL


def test_capset_rules() -> None:
    k = 1 << C.CAP_KILL
    c = Cred()
    assert _errno(CC.cap_capset, c, FULL, FULL & ~k, 0) == E.EPERM     # effective outside permitted
    assert _errno(CC.cap_capset, c, 0, FULL & ~k, 0) == 0
    assert _errno(CC.cap_capset, c, 0, FULL, 0) == E.EPERM             # permitted grows
    c.cap_bset &= ~k
    assert _errno(CC.cap_capset, c, 0, FULL & ~k, k) == E.EPERM        # outside bset


def test_exec_sets() -> None:
    c = Cred()
    c.cap_bset = 0xFF
    c.cap_inheritable = 1 << 20
    assert CC.cap_bprm_creds_from_file(c, False) is False
    assert (c.cap_permitted, c.cap_effective) == (0xFF | 1 << 20, 0xFF | 1 << 20)
    u = Cred(*[1000] * 8)
    assert CC.cap_bprm_creds_from_file(u, False) is False
    assert (u.cap_permitted, u.cap_effective) == (0, 0)
    s = Cred(1000, 0, 0, 0)
    assert CC.cap_bprm_creds_from_file(s, False) is True               # AT_SECURE
    n = Cred()
    n.cap_permitted = n.cap_effective = 3
    CC.cap_bprm_creds_from_file(n, True)                               # no_new_privs
    assert (n.cap_permitted, n.cap_effective) == (3, 3)


def test_prctl_options() -> None:
    c = Cred()
    assert CC.cap_task_prctl(c, C.PR_CAPBSET_READ, C.CAP_KILL, 0, 0, 0) == 1
    assert CC.cap_task_prctl(c, C.PR_CAPBSET_DROP, C.CAP_KILL, 0, 0, 0) == 0
    assert CC.cap_task_prctl(c, C.PR_CAPBSET_READ, C.CAP_KILL, 0, 0, 0) == 0
    assert _errno(CC.cap_task_prctl, c, C.PR_CAPBSET_READ, C.CAP_LAST_CAP + 1, 0, 0, 0) == E.EINVAL
    assert _errno(CC.cap_task_prctl, c, C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_RAISE, 0, 0, 0) == E.EPERM
    c.cap_inheritable = 1
    assert CC.cap_task_prctl(c, C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_RAISE, 0, 0, 0) == 0
    assert c.cap_ambient == 1
    assert CC.cap_task_prctl(c, 9999, 0, 0, 0, 0) is None
    with pytest.raises(KernelError):
        CC.cap_task_prctl(c, C.PR_SET_SECUREBITS, 1 << 12, 0, 0, 0)
