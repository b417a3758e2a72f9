"""Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise, mincore, msync, mlock family,
mseal, userfaultfd (Linux mm/mmap.c and friends, fs/userfaultfd.c). Thin: argument checks,
then mm/mmap.py, mm/mseal.py, fs/userfaultfd.py.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_PTRACE
from pynix.arch.x86_64.userfaultfd import UFFD_USER_MODE_ONLY
from pynix.base.errors import KernelError
from pynix.fs.memfd import seal_check_mmap
from pynix.fs.vfs.dcache import d_path
from pynix.fs.vfs.file import MAX_LFS_FILESIZE
from pynix.fs.userfaultfd import userfaultfd_new
from pynix.kernel.cred import capable
from pynix.kernel.task import Task
from pynix.mm import mmap as M
from pynix.mm.filemap import mapping_of
from pynix.mm.membarrier import membarrier
from pynix.mm.mseal import do_mseal
from pynix.mm.vma import VM_LOCKED
from pynix.mm.uaccess import copy_to_user
from pynix.syscalls.util import fget, fs_of, install_new_file, mm_of, s32


def sys_brk(t: Task, brk: int) -> int:
    return M.do_brk(mm_of(t), brk)


def sys_mmap(t: Task, addr: int, length: int, prot: int, flags: int, fd: int, off: int) -> int:
    mm = mm_of(t)
    if off & 0xFFF:
        raise KernelError(E.EINVAL)
    f = None if flags & A.MAP_ANONYMOUS else fget(t, fd)    # EBADF before the other checks
    if length == 0 or flags & A.MAP_TYPE not in (A.MAP_SHARED, A.MAP_PRIVATE, A.MAP_SHARED_VALIDATE):
        raise KernelError(E.EINVAL)
    name = ""
    mapping = file = None
    maywrite = True
    region = getattr(f, "mmap_region", None)      # a file with its own f_op->mmap (io_uring)
    if region is not None:
        if not f.readable or flags & A.MAP_TYPE == A.MAP_PRIVATE:
            raise KernelError(E.EINVAL if f.readable else E.EACCES)
        mem, pgoff, name = region(off, length)
        mem.get()                                 # the area's reference
        try:
            return M.do_mmap(mm, addr, length, prot, flags, mem, pgoff, name, f)
        except KernelError:
            mem.put()
            raise
    if f is not None:
        ok = getattr(f, "mmap_ok", None)          # False: no f_op->mmap (proc's seq files)
        if f.inode is None or ok is False or not (f.inode.is_reg() or ok):
            raise KernelError(E.ENODEV if f.inode is None or f.inode.is_dir() or ok is False
                              else E.EACCES)
        if not f.readable:
            raise KernelError(E.EACCES)
        if flags & A.MAP_TYPE == A.MAP_SHARED and prot & A.PROT_WRITE and not f.writable:
            raise KernelError(E.EACCES)
        maywrite = seal_check_mmap(f.inode, flags & A.MAP_TYPE != A.MAP_PRIVATE, prot)
        if f.inode.is_reg() and off + M.page_align(length) > MAX_LFS_FILESIZE:
            raise KernelError(E.EOVERFLOW)          # file_mmap_ok
        mapping = mapping_of(t.kernel.phys, f.inode)
        file = f
        name = d_path(f.path, fs_of(t).root).decode(errors="replace") if f.path is not None else ""
    return M.do_mmap(mm, addr, length, prot, flags, mapping, off >> 12, name, file, maywrite)


def sys_munmap(t: Task, addr: int, length: int) -> int:
    M.do_munmap(mm_of(t), addr, length)
    return 0


def sys_mprotect(t: Task, addr: int, length: int, prot: int) -> int:
    M.do_mprotect(mm_of(t), addr, length, prot)
    return 0


def sys_mremap(t: Task, addr: int, old: int, new: int, flags: int, new_addr: int) -> int:
    return M.do_mremap(mm_of(t), addr, old, new, flags, new_addr)


def sys_madvise(t: Task, addr: int, length: int, advice: int) -> int:
    M.do_madvise(mm_of(t), addr, length, s32(advice))
    return 0


def sys_mincore(t: Task, addr: int, length: int, vec: int) -> int:
    copy_to_user(mm_of(t), vec, M.do_mincore(mm_of(t), addr, length))
    return 0


def sys_msync(t: Task, addr: int, length: int, flags: int) -> int:
    if addr & 0xFFF or flags & ~7 or (flags & A.MS_ASYNC and flags & A.MS_SYNC):
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    end = addr + M.page_align(length)
    if sum(min(v.end, end) - max(v.start, addr) for v in mm.vmas.overlapping(addr, end)) < end - addr:
        raise KernelError(E.ENOMEM)
    if flags & A.MS_INVALIDATE and any(v.vm_flags & VM_LOCKED
                                       for v in mm.vmas.overlapping(addr, end)):
        raise KernelError(E.EBUSY)                  # locked pages cannot be invalidated
    mm.writeback_range(addr, end)
    return 0


def sys_mlock(t: Task, addr: int, length: int) -> int:
    M.do_mlock(mm_of(t), addr, length, True)
    return 0


def sys_mlock2(t: Task, addr: int, length: int, flags: int) -> int:
    if flags & ~A.MLOCK_ONFAULT:
        raise KernelError(E.EINVAL)
    M.do_mlock(mm_of(t), addr, length, True, bool(flags & A.MLOCK_ONFAULT))
    return 0


def sys_munlock(t: Task, addr: int, length: int) -> int:
    M.do_mlock(mm_of(t), addr, length, False)
    return 0


def sys_mlockall(t: Task, flags: int) -> int:
    if not flags or flags & ~7:
        raise KernelError(E.EINVAL)
    mm = mm_of(t)
    if flags & A.MCL_CURRENT:
        for v in mm.vmas:
            v.vm_flags |= 0x2000
    mm.locked = bool(flags & A.MCL_FUTURE)
    return 0


def sys_munlockall(t: Task) -> int:
    mm = mm_of(t)
    for v in mm.vmas:
        v.vm_flags &= ~0x2000
    mm.locked = False
    return 0


def sys_membarrier(t: Task, cmd: int, flags: int, cpu_id: int) -> int:
    return membarrier(mm_of(t), s32(cmd), flags & 0xFFFFFFFF)


def sys_remap_file_pages(t: Task, start: int, size: int, prot: int, pgoff: int, flags: int) -> int:
    M.do_remap_file_pages(mm_of(t), start, size, prot, pgoff, flags)
    return 0


def sys_mseal(t: Task, start: int, length: int, flags: int) -> int:
    do_mseal(mm_of(t), start, length, flags)
    return 0


def sys_userfaultfd(t: Task, flags: int) -> int:
    """userfaultfd_syscall_allowed: kernel faults may be handled only with CAP_SYS_PTRACE or
    vm.unprivileged_userfaultfd set (EPERM); UFFD_USER_MODE_ONLY needs neither."""
    flags = s32(flags)
    if not (flags & UFFD_USER_MODE_ONLY or t.kernel.sysctl.get("unprivileged_userfaultfd", 0)
            or capable(t, CAP_SYS_PTRACE)):
        raise KernelError(E.EPERM)
    return install_new_file(t, userfaultfd_new(t, flags), bool(flags & A.O_CLOEXEC))
