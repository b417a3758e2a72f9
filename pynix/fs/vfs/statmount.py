"""statmount(2) and listmount(2): a mount's facts by its 64-bit id, and the ids of the mounts
under one (Linux fs/namespace.c do_statmount, do_listmount).

Provides ``statmount(task, mnt_id, mask, bufsize)`` -> the bytes of struct statmount and its
strings, and ``listmount(task, mnt_id, last_id, nr)`` -> the unique ids, in id order, of the
mounts of the caller's namespace below ``mnt_id`` (LSMT_ROOT: the caller's root, itself
included) after ``last_id``. Both look only in the caller's mount namespace (ENOENT), and a
mount the caller's root cannot reach needs CAP_SYS_ADMIN (EPERM). The request decoding
(struct mnt_id_req) is the syscall layer's.

Owns: nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import mount_api as M
from pynix.arch.x86_64.capability import CAP_SYS_ADMIN
from pynix.arch.x86_64.kdev_t import major, minor
from pynix.base.errors import KernelError
from pynix.fs.procfs.files import mount_options, mount_root_path
from pynix.fs.vfs.dcache import (
    MNT_UNIQUE_ID_OFFSET,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    Mount,
    Path,
    d_path,
)
from pynix.fs.vfs.pnode import get_dominating_id, is_path_reachable
from pynix.kernel.cred import capable

if TYPE_CHECKING:
    from pynix.kernel.task import Task

_ATTRS = ((MS_RDONLY, M.MOUNT_ATTR_RDONLY), (MS_NOSUID, M.MOUNT_ATTR_NOSUID),
          (MS_NODEV, M.MOUNT_ATTR_NODEV), (MS_NOEXEC, M.MOUNT_ATTR_NOEXEC))


def _lookup(t: Task, mnt_id: int) -> Mount:
    """The mount with that unique id in the caller's namespace (lookup_mnt_in_ns), EPERM if
    the caller's root cannot reach it and it is not CAP_SYS_ADMIN."""
    assert t.fs is not None
    ns = t.fs.mounts
    mnt = next((m for m in ns.mounts if m.mnt_id_unique == mnt_id), None)
    if mnt is None:
        raise KernelError(E.ENOENT)
    if not is_path_reachable(Path(mnt, mnt.root), t.fs.root) and not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    return mnt


def mnt_propagation(mnt: Mount) -> int:
    kind = (A.MS_SHARED if mnt.peers is not None else 0) \
        | (A.MS_SLAVE if mnt.master is not None else 0) \
        | (A.MS_UNBINDABLE if mnt.unbindable else 0)
    return kind or MS_PRIVATE


def statmount(t: Task, mnt_id: int, mask: int, bufsize: int) -> bytes:
    """do_statmount: what ``mask`` asks about the mount, as struct statmount + strings;
    EOVERFLOW when the strings do not fit in ``bufsize``."""
    assert t.fs is not None
    mnt = _lookup(t, mnt_id)
    sb = mnt.sb
    f = dict.fromkeys(("mnt_opts", "dev_major", "dev_minor", "magic", "sb_flags", "fs_type",
                       "id", "parent", "id_old", "parent_old", "attr", "prop", "peer",
                       "master", "from", "root", "point", "ns"), 0)
    strings = bytearray()

    def add(key: str, s: bytes) -> None:
        f[key] = len(strings)
        strings.extend(s + b"\0")

    if mask & M.STATMOUNT_SB_BASIC:
        f["dev_major"], f["dev_minor"] = major(sb.dev), minor(sb.dev)
        f["magic"] = sb.statfs().fs_type
        f["sb_flags"] = M.SB_RDONLY if sb.readonly else 0
    if mask & M.STATMOUNT_MNT_BASIC:
        f["id"], f["parent"] = mnt.mnt_id_unique, mnt.parent.mnt_id_unique
        f["id_old"], f["parent_old"] = mnt.mnt_id, mnt.parent.mnt_id
        f["attr"] = sum(bit for flag, bit in _ATTRS if mnt.flags & flag)
        f["prop"] = mnt_propagation(mnt)
        f["peer"] = mnt.group_id if mnt.peers is not None else 0
        f["master"] = mnt.master.group_id if mnt.master is not None else 0
    if mask & M.STATMOUNT_PROPAGATE_FROM:
        f["from"] = get_dominating_id(mnt, t.fs.root)
    if mask & M.STATMOUNT_FS_TYPE:
        add("fs_type", sb.fs_name.encode())
    if mask & M.STATMOUNT_MNT_ROOT:
        add("root", mount_root_path(mnt))
    if mask & M.STATMOUNT_MNT_POINT:
        add("point", d_path(Path(mnt, mnt.root), t.fs.root))
    if mask & M.STATMOUNT_MNT_NS_ID:
        f["ns"] = t.fs.mounts.seq
    if mask & M.STATMOUNT_MNT_OPTS:
        add("mnt_opts", mount_options(mnt))
    if strings and M.STATMOUNT_STR_OFFSET + len(strings) > bufsize:
        raise KernelError(E.EOVERFLOW)
    size = min(bufsize, M.STATMOUNT_STR_OFFSET) + len(strings)
    head = M.STATMOUNT.pack(size, f["mnt_opts"], mask & M.STATMOUNT_SUPPORTED, f["dev_major"],
                            f["dev_minor"], f["magic"], f["sb_flags"], f["fs_type"], f["id"],
                            f["parent"], f["id_old"], f["parent_old"], f["attr"], f["prop"],
                            f["peer"], f["master"], f["from"], f["root"], f["point"], f["ns"])
    if not strings:
        return head[:min(bufsize, len(head))]
    return head + bytes(strings)


def listmount(t: Task, mnt_id: int, last_id: int, nr: int, reverse: bool = False) -> list[int]:
    """do_listmount: up to ``nr`` unique ids of the mounts below ``mnt_id``, ascending, after
    ``last_id`` (0: from the first); ``reverse`` (LISTMOUNT_REVERSE): descending, before it."""
    assert t.fs is not None
    if mnt_id == M.LSMT_ROOT:
        top = t.fs.root
    else:
        if mnt_id <= MNT_UNIQUE_ID_OFFSET:
            raise KernelError(E.EINVAL)
        m = _lookup(t, mnt_id)
        top = Path(m, m.root)
    if not is_path_reachable(top, t.fs.root) and not capable(t, CAP_SYS_ADMIN):
        raise KernelError(E.EPERM)
    out = []
    for m in sorted(t.fs.mounts.mounts, key=lambda m: m.mnt_id_unique, reverse=reverse):
        if len(out) >= nr:
            break
        uid = m.mnt_id_unique
        if last_id and (uid >= last_id if reverse else uid <= last_id) or uid == mnt_id:
            continue
        if is_path_reachable(Path(m, m.root), top):
            out.append(m.mnt_id_unique)
    return out
