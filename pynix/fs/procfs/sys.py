"""/proc/sys: the sysctl files pynix has (Linux kernel/sysctl.c, kernel/utsname_sysctl.c).

Registers ``sys/kernel/{hostname,domainname,ostype,osrelease,version,pid_max}``,
``sys/kernel/random/{uuid,boot_id,entropy_avail,poolsize}`` (uuid is a new random version-4
UUID at each read, boot_id one per boot, as drivers/char/random.c proc_do_uuid), and read-only
``sys/vm/overcommit_memory``, ``sys/fs/{file-max,nr_open}``, and root-writable
``sys/fs/inotify/{max_queued_events,max_user_instances,max_user_watches}``. ``hostname``
and ``domainname`` are writable by root and change what uname(2) reports, as sethostname(2)
does; a write replaces the value up to the first newline (proc_dostring), at most 64 bytes.

These are the sysctls of fs itself and of the layers below it, which cannot import procfs
(the release strings of kernel/version.py, the UTS namespace, the pid map, mm); subsystems
register their own (ipc/procfs.py: the IPC tunables).
"""
from __future__ import annotations

import os
import uuid
from typing import Any

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.fs.notify.inotify import LIMITS as INOTIFY_LIMITS
from pynix.fs.procfs.registry import register_proc_file
from pynix.kernel.cred import capable
from pynix.kernel.ns_common import uts_ns_of
from pynix.kernel.version import UTS_RELEASE, UTS_SYSNAME, UTS_VERSION

UTS_LEN = 64


def _uts_value(data: bytes) -> bytes:
    value = data.split(b"\n", 1)[0]
    if len(value) > UTS_LEN:
        raise KernelError(E.EINVAL)
    return value


def _need_root(task: Any) -> None:
    if task is not None and not capable(task, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)


def _reader_uts(k: Any) -> Any:
    """The UTS namespace of the task using the file (Linux's current->nsproxy->uts_ns)."""
    return uts_ns_of(k.current) if k.current is not None else k.init_uts_ns


def store_hostname(k: Any, task: Any, data: bytes) -> None:
    _need_root(task)
    (uts_ns_of(task) if task is not None else k.init_uts_ns).hostname = _uts_value(data)


def store_domainname(k: Any, task: Any, data: bytes) -> None:
    _need_root(task)
    (uts_ns_of(task) if task is not None else k.init_uts_ns).domainname = _uts_value(data)


register_proc_file("sys/kernel/hostname", lambda k: _reader_uts(k).hostname + b"\n", store_hostname)
register_proc_file("sys/kernel/domainname", lambda k: _reader_uts(k).domainname + b"\n",
                   store_domainname)
register_proc_file("sys/kernel/ostype", lambda k: UTS_SYSNAME + b"\n")
register_proc_file("sys/kernel/osrelease", lambda k: UTS_RELEASE + b"\n")
register_proc_file("sys/kernel/version", lambda k: UTS_VERSION + b"\n")
register_proc_file("sys/kernel/pid_max", lambda k: b"%d\n" % k.pids.pid_max)


def _boot_id(k: Any) -> bytes:
    if getattr(k, "boot_id", None) is None:
        k.boot_id = str(uuid.UUID(bytes=os.urandom(16), version=4)).encode()
    return k.boot_id + b"\n"


register_proc_file("sys/kernel/random/uuid",
                   lambda k: str(uuid.UUID(bytes=os.urandom(16), version=4)).encode() + b"\n")
register_proc_file("sys/kernel/random/boot_id", _boot_id)
register_proc_file("sys/kernel/random/entropy_avail", lambda k: b"256\n")
register_proc_file("sys/kernel/random/poolsize", lambda k: b"256\n")
register_proc_file("sys/vm/overcommit_memory", lambda k: b"0\n")
register_proc_file("sys/fs/file-max", lambda k: b"%d\n" % (k.phys.nframes * 4 // 10))  # kB / 10
register_proc_file("sys/fs/nr_open", lambda k: b"1048576\n")


def _inotify_store(key: str) -> Any:
    """proc_dointvec_minmax with a minimum of 0, root only (inotify_table)."""
    def store(k: Any, task: Any, data: bytes) -> None:
        _need_root(task)
        try:
            v = int(data.split(b"\n")[0].strip())
        except ValueError:
            raise KernelError(E.EINVAL) from None
        if not 0 <= v <= 0x7FFFFFFF:
            raise KernelError(E.EINVAL)
        INOTIFY_LIMITS[key] = v
    return store


for _key in ("max_queued_events", "max_user_instances", "max_user_watches"):
    register_proc_file("sys/fs/inotify/" + _key,
                       lambda k, key=_key: b"%d\n" % INOTIFY_LIMITS[key], _inotify_store(_key))
