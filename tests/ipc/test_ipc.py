"""Unit tests of pynix/ipc: ids with sequence numbers, ipcget key rules, ipcperms, message
selection by type, atomic semaphore operations and undo, and the /proc/sysvipc formats."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import ipc as I
from pynix.base.errors import KernelError
from pynix.ipc.msg import MsgQueue, ksys_msgget, proc_sysvipc_msg
from pynix.ipc.sem import SemArray, SemUndoList, exit_sem, ksys_semget, proc_sysvipc_sem
from pynix.ipc.util import IpcNamespace, ipcperms
from pynix.kernel.cred import Cred


def make_task(uid: int = 1000, gid: int = 1000, pid: int = 42) -> SimpleNamespace:
    k = SimpleNamespace(init_ipc_ns=IpcNamespace(), tasks={}, current=None)
    cred = Cred(uid, uid, uid, uid, gid, gid, gid, gid)
    t = SimpleNamespace(kernel=k, cred=cred, tgid=pid, ipc_ns=k.init_ipc_ns, sysvsem=None)
    k.tasks[pid] = t
    return t


def test_ids_carry_a_sequence_number() -> None:
    t = make_task()
    a = ksys_msgget(t, I.IPC_PRIVATE, 0o600)
    t.ipc_ns.msg_ids.ipc_rmid(t.ipc_ns.msg_ids.ipc_obtain_object_check(a))
    b = ksys_msgget(t, I.IPC_PRIVATE, 0o600)
    assert a % I.IPCMNI_SEQ_MULTIPLIER == b % I.IPCMNI_SEQ_MULTIPLIER and a != b
    with pytest.raises(KernelError) as e:
        t.ipc_ns.msg_ids.ipc_obtain_object_check(a)      # a stale id is refused
    assert e.value.errno == E.EINVAL


def test_ipcget_key_rules() -> None:
    t = make_task()
    with pytest.raises(KernelError) as e:
        ksys_msgget(t, 1234, 0o600)
    assert e.value.errno == E.ENOENT
    a = ksys_msgget(t, 1234, I.IPC_CREAT | 0o600)
    assert ksys_msgget(t, 1234, 0) == a
    with pytest.raises(KernelError) as e:
        ksys_msgget(t, 1234, I.IPC_CREAT | I.IPC_EXCL | 0o600)
    assert e.value.errno == E.EEXIST
    other = make_task(uid=2000, gid=2000)
    other.ipc_ns = t.ipc_ns
    with pytest.raises(KernelError) as e:
        ksys_msgget(other, 1234, 0o400)                  # mode 0600: others may not read
    assert e.value.errno == E.EACCES


def test_ipcperms_owner_group_other_root() -> None:
    owner = make_task(uid=1, gid=1)
    q = MsgQueue(0, 0o640, owner, 100)
    assert ipcperms(owner, q, 0o600)
    group = make_task(uid=2, gid=1)
    assert ipcperms(group, q, 0o400) and not ipcperms(group, q, 0o200)
    assert not ipcperms(make_task(uid=3, gid=3), q, 0o400)
    assert ipcperms(make_task(uid=0, gid=0), q, 0o600)


def test_find_msg_by_type() -> None:
    q = MsgQueue(0, 0o600, make_task(), 1000)
    q.messages = [(3, b"a"), (1, b"b"), (2, b"c"), (1, b"d")]
    assert q.find_msg(0, 0) == 0
    assert q.find_msg(2, 0) == 2
    assert q.find_msg(3, I.MSG_EXCEPT) == 1
    assert q.find_msg(-2, 0) == 1                        # lowest type <= 2, first of them
    assert q.find_msg(7, 0) is None


def test_semop_is_all_or_nothing_and_undo_restores() -> None:
    t = make_task()
    sma = SemArray(0, 0o600, t, 2)
    sma.semval = [1, 0]
    assert sma.perform_atomic_semop([(0, -1, 0), (1, -1, 0)]) == (1, -1, 0)
    assert sma.semval == [1, 0]
    with pytest.raises(KernelError):
        sma.perform_atomic_semop([(0, I.SEMVMX, 0)])
    ulp = t.sysvsem = SemUndoList()
    sma.id = 5
    assert sma.perform_atomic_semop([(0, -1, I.SEM_UNDO)]) is None
    ulp.adjust(sma, [(0, -1, I.SEM_UNDO)])
    exit_sem(t)
    assert sma.semval == [1, 0]


def test_semget_nsems_checks() -> None:
    t = make_task()
    with pytest.raises(KernelError):
        ksys_semget(t, I.IPC_PRIVATE, 0, I.IPC_CREAT)
    sid = ksys_semget(t, 77, 2, I.IPC_CREAT | 0o600)
    with pytest.raises(KernelError):
        ksys_semget(t, 77, 3, 0)
    assert ksys_semget(t, 77, 1, 0) == sid


def test_proc_formats_match_linux_columns() -> None:
    t = make_task(uid=0, gid=0)
    ksys_msgget(t, I.IPC_PRIVATE, 0o600)
    text = proc_sysvipc_msg(t.ipc_ns).splitlines()
    assert text[0].startswith("       key      msqid perms      cbytes")
    assert text[1].startswith("         0          0   600           0          0")
    ksys_semget(t, 897637013, 2, I.IPC_CREAT | 0o644)
    sem = proc_sysvipc_sem(t.ipc_ns).splitlines()[1]
    assert sem.startswith(" 897637013          0   644          2     0     0     0     0          0 ")
