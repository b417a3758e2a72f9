"""The System V IPC entries of /proc (Linux ipc/util.c sysvipc_proc_*, ipc/ipc_sysctl.c):
``/proc/sysvipc/{msg,sem,shm}`` listing every object in Linux's column format, and the tunables
``/proc/sys/kernel/{msgmax,msgmnb,msgmni,sem,shmmax,shmall,shmmni}``, readable by all and
writable by root (a write changes the limit the IPC calls check).

``register_ipc_proc()`` adds them through procfs's ``register_proc_file``; boot-time callers
need nothing else. The files show the IPC namespace of the task reading them (the initial one for the kernel).
"""
from __future__ import annotations

from typing import Any, Callable

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.fs.procfs.registry import register_proc_file
from pynix.ipc.msg import proc_sysvipc_msg
from pynix.ipc.sem import proc_sysvipc_sem
from pynix.ipc.shm import proc_sysvipc_shm
from pynix.ipc.util import IpcNamespace
from pynix.kernel.cred import capable


def _ns(k: Any) -> IpcNamespace:
    """The reader's namespace: procfs calls show() in the context of the reading task."""
    cur = k.current
    ns = getattr(cur, "ipc_ns", None) if cur is not None else None
    return ns if ns is not None else k.init_ipc_ns


def _parse_ints(data: bytes, n: int) -> list[int]:
    try:
        vals = [int(x) for x in data.split()]
    except ValueError:
        raise KernelError(E.EINVAL) from None
    if len(vals) < 1 or len(vals) > n or any(v < 0 for v in vals):
        raise KernelError(E.EINVAL)
    return vals


def _tunable(get: Callable[[IpcNamespace], int], put: Callable[[IpcNamespace, int], None],
             path: str) -> None:
    def show(k: Any) -> bytes:
        return b"%d\n" % get(_ns(k))

    def store(k: Any, task: Any, data: bytes) -> None:
        if task is not None and not capable(task, CAP_SYS_ADMIN):
            raise KernelError(E.EPERM)
        put(_ns(k), _parse_ints(data, 1)[0])
    register_proc_file(path, show, store)


def _set_msgmni(ns: IpcNamespace, v: int) -> None:
    ns.msg_ctlmni = ns.msg_ids.limit = v


def _set_shmmni(ns: IpcNamespace, v: int) -> None:
    ns.shm_ctlmni = ns.shm_ids.limit = v


def _show_sem(k: Any) -> bytes:
    return ("%d\t%d\t%d\t%d\n" % tuple(_ns(k).sem_ctls)).encode()


def _store_sem(k: Any, task: Any, data: bytes) -> None:
    if task is not None and not capable(task, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    vals = _parse_ints(data, 4)
    ns = _ns(k)
    ns.sem_ctls[:len(vals)] = vals
    ns.sem_ids.limit = ns.sem_ctls[3]


def register_ipc_proc() -> None:
    register_proc_file("sysvipc/msg", lambda k: proc_sysvipc_msg(_ns(k)).encode())
    register_proc_file("sysvipc/sem", lambda k: proc_sysvipc_sem(_ns(k)).encode())
    register_proc_file("sysvipc/shm", lambda k: proc_sysvipc_shm(_ns(k)).encode())
    _tunable(lambda ns: ns.msg_ctlmax, lambda ns, v: setattr(ns, "msg_ctlmax", v), "sys/kernel/msgmax")
    _tunable(lambda ns: ns.msg_ctlmnb, lambda ns, v: setattr(ns, "msg_ctlmnb", v), "sys/kernel/msgmnb")
    _tunable(lambda ns: ns.msg_ctlmni, _set_msgmni, "sys/kernel/msgmni")
    _tunable(lambda ns: ns.shm_ctlmax, lambda ns, v: setattr(ns, "shm_ctlmax", v), "sys/kernel/shmmax")
    _tunable(lambda ns: ns.shm_ctlall, lambda ns, v: setattr(ns, "shm_ctlall", v), "sys/kernel/shmall")
    _tunable(lambda ns: ns.shm_ctlmni, _set_shmmni, "sys/kernel/shmmni")
    register_proc_file("sys/kernel/sem", _show_sem, _store_sem)


register_ipc_proc()
