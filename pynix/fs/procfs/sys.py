"""/proc/sys: the sysctl files pynix has (Linux kernel/sysctl.c, kernel/utsname_sysctl.c).

Registers ``sys/kernel/{hostname,domainname,ostype,osrelease,version,pid_max}``,
``sys/kernel/random/{uuid,boot_id,entropy_avail,poolsize}`` (uuid is a new random version-4
UUID at each read, boot_id one per boot, as drivers/char/random.c proc_do_uuid), and read-only
``sys/vm/overcommit_memory``, ``sys/fs/file-max``, and root-writable
``sys/fs/inotify/{max_queued_events,max_user_instances,max_user_watches}``. ``hostname``
and ``domainname`` are writable by root and change what uname(2) reports, as sethostname(2)
does; a write replaces the value up to the first newline (proc_dostring), at most 64 bytes.

Integer sysctls written by root (``sysctl_int``, Linux's proc_dointvec_minmax: one decimal
number, EINVAL outside its range): ``fs/nr_open`` (the descriptor table's ceiling, see
vfs/file.NrOpen), ``kernel/ns_last_pid`` (the pid the next one is allocated after),
``kernel/tainted`` (bits can be set, as Linux allows), ``kernel/core_uses_pid``,
``vm/vfs_cache_pressure``, ``vm/max_map_count`` (mm/vma.MaxMapCount), ``vm/unprivileged_userfaultfd``, ``fs/pipe-max-size`` (rounded up to a power-of-two of pages, as
proc_dopipe_max_size) and ``fs/pipe-user-pages-{soft,hard}`` (fs/pipe_acct.py),
``fs/lease-break-time`` and ``fs/leases-enable`` (fs/leases.py); ``kernel/core_pattern`` is a string (proc_dostring). pynix writes
no core files, so core_pattern, core_uses_pid and vfs_cache_pressure are kept and read back
but change nothing.

These are the sysctls of fs itself and of the layers below it, which cannot import procfs
(the release strings of kernel/version.py, the UTS namespace, the pid map, mm); subsystems
register their own (ipc/procfs.py: the IPC tunables).
"""
from __future__ import annotations

import os
import uuid
from typing import Any, Callable

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.base.errors import KernelError
from pynix.fs.bio import shrink_buffer_caches
from pynix.fs.devices import POOL_BITS
from pynix.fs.leases import SETTINGS as LEASE_SETTINGS
from pynix.fs.notify.inotify import LIMITS as INOTIFY_LIMITS
from pynix.fs.pipe_acct import LIMITS as PIPE_LIMITS
from pynix.fs.pipe_acct import round_pipe_size
from pynix.fs.procfs.registry import register_proc_file
from pynix.fs.vfs.file import NrOpen
from pynix.kernel.cred import capable
from pynix.kernel.pid import PID_MAX_DEFAULT, task_active_pid_ns
from pynix.kernel.ns_common import uts_ns_of
from pynix.kernel.version import UTS_RELEASE, UTS_SYSNAME, UTS_VERSION
from pynix.mm.filemap import drop_pagecache
from pynix.mm.vma import MaxMapCount

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
register_proc_file("sys/kernel/random/entropy_avail", lambda k: b"%d\n" % POOL_BITS)
register_proc_file("sys/kernel/random/poolsize", lambda k: b"%d\n" % POOL_BITS)
register_proc_file("sys/vm/overcommit_memory", lambda k: b"0\n")
register_proc_file("sys/fs/file-max", lambda k: b"%d\n" % (k.phys.nframes * 4 // 10))  # kB / 10


def parse_int(data: bytes, lo: int, hi: int) -> int:
    """proc_dointvec_minmax's parse of a write: one decimal integer, in [lo, hi]."""
    try:
        value = int(data.split(b"\n", 1)[0].strip() or b"x")
    except ValueError:
        raise KernelError(E.EINVAL) from None
    if not lo <= value <= hi:
        raise KernelError(E.EINVAL)
    return value


def sysctl_int(path: str, get: Callable[[Any], int], put: Callable[[Any, int], None],
               lo: int = 0, hi: int = (1 << 31) - 1) -> None:
    """Register /proc/sys/<path> as an integer root may write (CAP_SYS_ADMIN, EPERM)."""
    def store(k: Any, task: Any, data: bytes) -> None:
        _need_root(task)
        put(k, parse_int(data, lo, hi))
    register_proc_file("sys/" + path, lambda k: b"%d\n" % get(k), store)


def _set_nr_open(k: Any, v: int) -> None:
    NrOpen.value = v


def _pid_map(k: Any) -> Any:
    """pid_ns_ctl_handler: ns_last_pid is the reader's own pid namespace's."""
    cur = k.current
    return task_active_pid_ns(cur).pid_map if cur is not None else k.pids


def _set_max_map_count(k: Any, v: int) -> None:
    MaxMapCount.value = v


def _set_last_pid(k: Any, v: int) -> None:
    _pid_map(k).last_pid = v


def _tunable(name: str, default: Any) -> Callable[[Any], Any]:
    """A sysctl kept on the kernel (k.sysctl) that nothing else reads."""
    return lambda k: k.sysctl.get(name, default)


def _set_tunable(name: str) -> Callable[[Any, Any], None]:
    def put(k: Any, v: Any) -> None:
        k.sysctl[name] = v
    return put


def _set_tainted(k: Any, v: int) -> None:
    _set_tunable("tainted")(k, _tunable("tainted", 0)(k) | v)   # taint bits are never cleared


def _store_core_pattern(k: Any, task: Any, data: bytes) -> None:
    _need_root(task)
    value = data.split(b"\n", 1)[0]
    if len(value) >= 128:                                       # CORENAME_MAX_SIZE
        raise KernelError(E.EINVAL)
    _set_tunable("core_pattern")(k, value)


sysctl_int("fs/nr_open", lambda k: NrOpen.value, _set_nr_open, NrOpen.MIN, NrOpen.MAX)
sysctl_int("kernel/ns_last_pid", lambda k: _pid_map(k).last_pid, _set_last_pid, 0,
           PID_MAX_DEFAULT - 1)
sysctl_int("kernel/tainted", _tunable("tainted", 0), _set_tainted)
sysctl_int("kernel/core_uses_pid", _tunable("core_uses_pid", 0), _set_tunable("core_uses_pid"), 0, 1)
sysctl_int("vm/max_map_count", lambda k: MaxMapCount.value, _set_max_map_count)
sysctl_int("vm/unprivileged_userfaultfd", _tunable("unprivileged_userfaultfd", 0),
           _set_tunable("unprivileged_userfaultfd"), 0, 1)      # read by sys_userfaultfd
sysctl_int("vm/vfs_cache_pressure", _tunable("vfs_cache_pressure", 100),
           _set_tunable("vfs_cache_pressure"))
def _drop_caches(k: Any, task: Any, data: bytes) -> None:
    """drop_caches_sysctl_handler: 1 frees the clean unmapped page cache, 2 the reclaimable
    kernel caches (here the clean unreferenced buffers), 3 both, 4 only silences the log."""
    value = parse_int(data, 1, 4)
    k.sysctl["drop_caches"] = value
    if value & 1:
        drop_pagecache()
    if value & 2:
        shrink_buffer_caches()


register_proc_file("sys/vm/drop_caches", lambda k: b"%d\n" % k.sysctl.get("drop_caches", 0),
                   _drop_caches, mode=0o200)
register_proc_file("sys/kernel/core_pattern", lambda k: _tunable("core_pattern", b"core")(k) + b"\n",
                   _store_core_pattern)


def _set_inotify(key: str) -> Callable[[Any, int], None]:
    def put(k: Any, v: int) -> None:
        INOTIFY_LIMITS[key] = v
    return put


for _key in ("max_queued_events", "max_user_instances", "max_user_watches"):
    sysctl_int("fs/inotify/" + _key, lambda k, key=_key: INOTIFY_LIMITS[key], _set_inotify(_key))


def _set_pipe_limit(key: str) -> Callable[[Any, int], None]:
    def put(k: Any, v: int) -> None:
        if key == "pipe-max-size":
            v = round_pipe_size(v)
            if not v:
                raise KernelError(E.EINVAL)
        PIPE_LIMITS[key] = v
    return put


sysctl_int("fs/pipe-max-size", lambda k: PIPE_LIMITS["pipe-max-size"],
           _set_pipe_limit("pipe-max-size"), 0, (1 << 32) - 1)
for _key in ("pipe-user-pages-soft", "pipe-user-pages-hard"):
    sysctl_int("fs/" + _key, lambda k, key=_key: PIPE_LIMITS[key], _set_pipe_limit(_key),
               0, (1 << 63) - 1)


def _set_lease(key: str) -> Callable[[Any, int], None]:
    def put(k: Any, v: int) -> None:
        LEASE_SETTINGS[key] = v
    return put


for _key in ("lease-break-time", "leases-enable"):
    sysctl_int("fs/" + _key, lambda k, key=_key: LEASE_SETTINGS[key], _set_lease(_key))
