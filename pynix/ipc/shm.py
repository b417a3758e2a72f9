"""System V shared memory (Linux ipc/shm.c; Bach ch. 11.2.2 "Shared Memory").

Provides ``ShmSegment`` (struct shmid_kernel) and the algorithms:
- ``ksys_shmget(task, key, size, flags)``: a segment is a ``mm/filemap.SharedMem``, so every
  attach maps the same frames;
- ``do_shmat(task, shmid, addr, flags)``: maps the segment with ``mm/mmap.do_mmap`` (at
  ``addr``, rounded down with SHM_RND, or where the kernel chooses), read-only with SHM_RDONLY;
- ``ksys_shmdt(task, addr)``: unmaps the areas of the segment attached at ``addr``;
- ``shmctl_stat`` / ``shmctl_set`` / ``shmctl_lock`` (SHM_LOCK, SHM_UNLOCK) / ``shmctl_rmid``: IPC_RMID destroys the segment at once
  when nothing is attached, else marks it SHM_DEST (key private) until the last detach;
- ``proc_sysvipc_shm(ns)``: /proc/sysvipc/shm.

The segment is the areas' backing object: each area holding it counts one attach (the VMA's
``get_backing``/``put_backing`` are Linux's shm_open/shm_close), so fork's copy of the areas,
munmap, exec and exit keep ``shm_nattch``, the times and ``shm_lpid`` right by themselves.
Owns the SharedMem of each segment.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import ipc as I
from pynix.arch.x86_64.capability import CAP_IPC_LOCK
from pynix.base.errors import KernelError
from pynix.ipc.util import (
    S_IRUGO,
    S_IWUGO,
    IpcNamespace,
    KernIpcPerm,
    ipc_check_owner,
    ipc_check_perms,
    ipc_ns_of,
    ipc_update_perm,
    ipcget,
    now_sec,
)
from pynix.machine.physmem import PAGE_SHIFT, PAGE_SIZE
from pynix.kernel.cred import capable
from pynix.mm.filemap import SharedMem
from pynix.mm.mmap import do_mmap, do_munmap, page_align

if TYPE_CHECKING:
    from pynix.kernel.task import Task


class ShmSegment(KernIpcPerm):
    def __init__(self, key: int, mode: int, task: Task, size: int, ns: IpcNamespace) -> None:
        super().__init__(key, mode, task)
        self.size = size
        assert task.mm is not None
        self.mem = SharedMem(task.mm.phys, page_align(size) >> PAGE_SHIFT)
        self.kernel = task.kernel
        self.ns = ns
        self.atime = self.dtime = 0
        self.ctime = now_sec()
        self.cpid = task.tgid
        self.lpid = 0
        self.nattch = 0

    # -- the backing-object interface VMAs use (mm/vma.py, mm/fault.py) -------------------------
    @property
    def pages(self) -> dict[int, int]:
        return self.mem.pages

    def find_page(self, pgoff: int) -> int:
        return self.mem.find_page(pgoff)

    def get(self) -> None:
        """shm_open: one more area maps the segment (attach, fork, split)."""
        self.nattch += 1
        self.atime = now_sec()
        self._touch_pid()

    def put(self) -> None:
        """shm_close: an area went away (shmdt, munmap, exec, exit)."""
        self.nattch -= 1
        self.dtime = now_sec()
        self._touch_pid()
        if self.nattch == 0 and self.mode & I.SHM_DEST:
            self.shm_destroy()

    def _touch_pid(self) -> None:
        cur = self.kernel.current
        if cur is not None:
            self.lpid = cur.tgid

    def shm_destroy(self) -> None:
        self.ns.shm_ids.ipc_rmid(self)
        self.mem.put()


def _segment(task: Task, shmid: int) -> ShmSegment:
    return ipc_ns_of(task).shm_ids.ipc_obtain_object_check(shmid)  # type: ignore[return-value]


def ksys_shmget(task: Task, key: int, size: int, flags: int) -> int:
    ns = ipc_ns_of(task)

    def newseg() -> ShmSegment:
        # SHM_HUGETLB needs hugetlbfs, which pynix lacks (a kernel without CONFIG_HUGETLBFS)
        if size < I.SHMMIN or size > ns.shm_ctlmax or flags & I.SHM_HUGETLB:
            raise KernelError(E.EINVAL)
        return ShmSegment(key, flags, task, size, ns)

    def more_checks(obj: KernIpcPerm) -> None:
        if size > obj.size:  # type: ignore[attr-defined]
            raise KernelError(E.EINVAL)
    return ipcget(task, ns.shm_ids, key, flags, newseg, more_checks)


def do_shmat(task: Task, shmid: int, addr: int, flags: int) -> int:
    if shmid < 0:
        raise KernelError(E.EINVAL)
    if addr:
        if addr & (I.SHMLBA - 1):
            if not flags & I.SHM_RND:
                raise KernelError(E.EINVAL)
            addr &= ~(I.SHMLBA - 1)
    elif flags & I.SHM_REMAP:
        raise KernelError(E.EINVAL)
    seg = _segment(task, shmid)
    if flags & I.SHM_RDONLY:
        prot, need = A.PROT_READ, S_IRUGO
    else:
        prot, need = A.PROT_READ | A.PROT_WRITE, S_IRUGO | S_IWUGO
    if flags & I.SHM_EXEC:
        prot |= A.PROT_EXEC
        need |= 0o111
    ipc_check_perms(task, seg, need)
    mm = task.mm
    assert mm is not None
    length = page_align(seg.size)
    mflags = A.MAP_SHARED
    if addr:
        if not flags & I.SHM_REMAP and not mm.vmas.is_free(addr, addr + length):
            raise KernelError(E.EINVAL)
        mflags |= A.MAP_FIXED
    seg.get()                                  # the new area's reference
    try:
        return do_mmap(mm, addr, length, prot, mflags, seg, 0, f"/SYSV{seg.key & 0xFFFFFFFF:08x}")
    except KernelError:
        seg.put()
        raise


def ksys_shmdt(task: Task, addr: int) -> None:
    """Detach the segment attached at ``addr``: every area of it from there to its end."""
    mm = task.mm
    if addr & (PAGE_SIZE - 1) or mm is None:
        raise KernelError(E.EINVAL)
    first = mm.vmas.find(addr)
    if first is None or first.start != addr or not isinstance(first.mapping, ShmSegment):
        raise KernelError(E.EINVAL)
    seg = first.mapping
    base = addr - first.pgoff * PAGE_SIZE
    for v in mm.vmas.overlapping(addr, base + page_align(seg.size)):
        if v.mapping is seg and v.start - v.pgoff * PAGE_SIZE == base:
            do_munmap(mm, v.start, v.end - v.start)


def pack_shmid(seg: ShmSegment) -> bytes:
    return I.SHMID64_DS.pack(seg.pack_perm(), seg.size, seg.atime, seg.dtime, seg.ctime, seg.cpid,
                             seg.lpid, seg.nattch)


def shmctl_stat(task: Task, shmid: int) -> bytes:
    seg = _segment(task, shmid)
    ipc_check_perms(task, seg, S_IRUGO)
    return pack_shmid(seg)


def shmctl_info(task: Task, cmd: int) -> bytes:
    """IPC_INFO: struct shminfo64 (the limits); SHM_INFO: struct shm_info (what is in use)."""
    ns = ipc_ns_of(task)
    if cmd == I.IPC_INFO:
        return I.SHMINFO64.pack(ns.shm_ctlmax, I.SHMMIN, ns.shm_ctlmni, ns.shm_ctlmni, ns.shm_ctlall)
    tot = sum(page_align(s.size) >> PAGE_SHIFT for s in ns.shm_ids)
    rss = sum(len(s.mem.pages) for s in ns.shm_ids)
    return I.SHM_INFO_S.pack(len(ns.shm_ids), tot, rss, 0, 0, 0)


def shmctl_set(task: Task, shmid: int, buf: bytes) -> None:
    ipc_update_perm(task, _segment(task, shmid), buf)


def shmctl_lock(task: Task, shmid: int, lock: bool) -> None:
    """SHM_LOCK / SHM_UNLOCK (shmctl_do_lock): set or clear SHM_LOCKED in the mode. Without
    CAP_IPC_LOCK only the owner or creator may (EPERM), and locking needs a non-zero
    RLIMIT_MEMLOCK (EPERM) the segment fits in (ENOMEM, user_shm_lock). pynix has no swap,
    so the flag is all there is to a lock."""
    seg = _segment(task, shmid)
    if not capable(task, CAP_IPC_LOCK):
        if task.cred.euid not in (seg.uid, seg.cuid):
            raise KernelError(E.EPERM)
        limit = task.signal.rlim[A.RLIMIT_MEMLOCK][0]
        if lock and not limit:
            raise KernelError(E.EPERM)
        if lock and not seg.mode & I.SHM_LOCKED and page_align(seg.size) > limit:
            raise KernelError(E.ENOMEM)
    seg.mode = seg.mode | I.SHM_LOCKED if lock else seg.mode & ~I.SHM_LOCKED


def shmctl_rmid(task: Task, shmid: int) -> None:
    seg = _segment(task, shmid)
    ipc_check_owner(task, seg)
    if seg.nattch:
        seg.mode |= I.SHM_DEST
        seg.key = I.IPC_PRIVATE
    else:
        seg.shm_destroy()


def proc_sysvipc_shm(ns: IpcNamespace) -> str:
    lines = ["       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid"
             "      atime      dtime      ctime                   rss                  swap\n"]
    for s in ns.shm_ids:
        rss = len(s.mem.pages) * PAGE_SIZE
        lines.append(f"{s.key:10d} {s.id:10d}  {s.mode:4o} {s.size:21d} {s.cpid:5d} {s.lpid:5d}  "
                     f"{s.nattch:5d} {s.uid:5d} {s.gid:5d} {s.cuid:5d} {s.cgid:5d} {s.atime:10d} "
                     f"{s.dtime:10d} {s.ctime:10d} {rss:21d} {0:21d}\n")
    return "".join(lines)
