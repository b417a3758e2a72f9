"""ELF loading: program headers into an address space, and the initial user stack
(Linux fs/binfmt_elf.c load_elf_binary and create_elf_tables).

Provides:
- ``load_elf_binary(t, bprm, begin_new_exec) -> (entry, sp)``: the ELF binary format's
  handler, called by exec (kernel/exec.do_execve) with a ``Binprm`` (Linux's struct
  linux_binprm). It parses the program and its PT_INTERP, calls ``begin_new_exec()`` (exec's
  point of no return, which installs ``bprm.mm``), maps both images, sets up brk and the
  stack and returns where the task starts (exec's start_thread sets the registers).
- ``open_exec(t, path, base)``: look up a file to execute and check it may be (fs/exec.c).
- ``parse_elf(header_bytes, read)`` -> ``ElfImage``: validates a 64-bit little-endian x86-64
  ET_EXEC or ET_DYN file and returns its program headers (ENOEXEC otherwise).
- ``map_elf(mm, image, mapping, bias, name, file)``: maps each PT_LOAD as a private file mapping
  of the file's page cache (so text pages are shared by every process running the program),
  zeroes the partial bss page, and adds anonymous memory for the rest of bss (elf_map,
  padzero, set_brk).
- ``setup_stack_vma(mm)`` (setup_arg_pages) and ``build_stack(mm, argv, envp, auxv, execfn,
  random)`` -> initial rsp with argc, argv, envp, auxv laid out as the SysV x86-64 ABI
  requires (create_elf_tables).

Owns nothing; exec (kernel/exec.py) owns the point of no return and the task's new state.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from typing import Callable

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.limits import PATH_MAX
from pynix.base.errors import KernelError
from pynix.fs.vfs.dcache import MS_NOEXEC, Path, d_path
from pynix.fs.vfs.file import MAX_LFS_FILESIZE, InodeFile
from pynix.fs.vfs.namei import MAY_EXEC, namei, permission
from pynix.kernel.task import Task
from pynix.machine.physmem import PAGE_SIZE
from pynix.mm.filemap import mapping_of
from pynix.mm.mm import ELF_ET_DYN_BASE, MM, STACK_TOP
from pynix.mm.mmap import do_mmap, page_align
from pynix.mm.uaccess import copy_to_user
from pynix.mm.vma import VM_GROWSDOWN, VMA

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
ET_EXEC, ET_DYN = 2, 3
EM_X86_64 = 62
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
STACK_INITIAL = 128 << 10
PHDRS_MAX = 65536                # load_elf_phdrs' bound on e_phnum * e_phentsize
BINPRM_BUF = 256                 # bytes of the file exec looks at to pick a format
INTERP_BASE = 0x7FFF_F7FC_0000 - 0x1000000


@dataclass
class Binprm:
    """What exec hands a binary format (Linux's struct linux_binprm)."""
    path: Path                   # the file open_exec found
    head: bytes                  # its first BINPRM_BUF bytes (bprm->buf)
    filename: bytes              # the name execve was given: AT_EXECFN
    argv: list[bytes]
    envp: list[bytes]
    mm: MM                       # the new address space, installed by begin_new_exec
    secureexec: bool = False     # AT_SECURE: the exec raised privilege (set by begin_new_exec)


@dataclass
class Phdr:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int


@dataclass
class ElfImage:
    etype: int
    entry: int
    phoff: int
    phentsize: int
    phnum: int
    phdrs: list[Phdr] = field(default_factory=list)
    interp: bytes | None = None

    def loads(self) -> list[Phdr]:
        return [p for p in self.phdrs if p.type == PT_LOAD]

    @property
    def min_vaddr(self) -> int:
        return min(p.vaddr for p in self.loads()) & ~0xFFF

    def phdr_vaddr(self) -> int:
        for p in self.phdrs:
            if p.type == PT_PHDR:
                return p.vaddr
        for p in self.loads():
            if p.offset <= self.phoff < p.offset + p.filesz:
                return p.vaddr + self.phoff - p.offset
        return 0


def read_interp(read, off: int, filesz: int) -> bytes:  # type: ignore[no-untyped-def]
    """The PT_INTERP path as load_elf_binary takes it: 2..PATH_MAX bytes (ENOEXEC), all of
    them in the file (elf_read: EINVAL past loff_t, EIO when short), ending in a NUL (ENOEXEC)."""
    if not 2 <= filesz <= PATH_MAX:
        raise KernelError(E.ENOEXEC)
    if off + filesz > MAX_LFS_FILESIZE:
        raise KernelError(E.EINVAL)           # kernel_read's rw_verify_area
    raw = read(off, filesz)
    if len(raw) != filesz:
        raise KernelError(E.EIO)
    if raw[-1] != 0:
        raise KernelError(E.ENOEXEC)
    return raw.split(b"\0", 1)[0]        # a C string: up to the first NUL


def parse_elf(head: bytes, read) -> ElfImage:  # type: ignore[no-untyped-def]
    """``read(off, n) -> bytes`` reads the file for program headers and PT_INTERP."""
    if len(head) < EHDR.size or head[:4] != b"\x7fELF":
        raise KernelError(E.ENOEXEC)
    ident, etype, machine, _, entry, phoff, _, _, _, phentsize, phnum, _, _, _ = EHDR.unpack_from(head)
    if ident[4] != 2 or ident[5] != 1 or machine != EM_X86_64 or etype not in (ET_EXEC, ET_DYN):
        raise KernelError(E.ENOEXEC)
    if phentsize != PHDR.size or not 0 < phnum * PHDR.size <= PHDRS_MAX:
        raise KernelError(E.ENOEXEC)          # load_elf_phdrs: at most 64 KiB of them
    raw = read(phoff, phnum * PHDR.size)
    if len(raw) < phnum * PHDR.size:
        raise KernelError(E.ENOEXEC)
    img = ElfImage(etype, entry, phoff, phentsize, phnum)
    for i in range(phnum):
        ptype, flags, off, vaddr, _, filesz, memsz, _ = PHDR.unpack_from(raw, i * PHDR.size)
        if ptype == PT_LOAD and (filesz > memsz or (off - vaddr) % 4096):
            raise KernelError(E.ENOEXEC)
        img.phdrs.append(Phdr(ptype, flags, off, vaddr, filesz, memsz))
        if ptype == PT_INTERP and img.interp is None:
            img.interp = read_interp(read, off, filesz)
    if not img.loads():
        raise KernelError(E.ENOEXEC)
    return img


def _prot(flags: int) -> int:
    return (A.PROT_READ if flags & PF_R else 0) | (A.PROT_WRITE if flags & PF_W else 0) | \
           (A.PROT_EXEC if flags & PF_X else 0)


def map_elf(mm: MM, img: ElfImage, mapping: object, bias: int, name: str, file: object) -> int:
    """Map the PT_LOAD segments at ``bias``; returns the end of the highest segment."""
    end_max = 0
    for p in img.loads():
        start = (p.vaddr + bias) & ~0xFFF
        file_end = p.vaddr + bias + p.filesz
        mem_end = p.vaddr + bias + p.memsz
        prot = _prot(p.flags)
        if p.filesz:
            do_mmap(mm, start, page_align(file_end) - start, prot, A.MAP_PRIVATE | A.MAP_FIXED,
                    mapping, (p.offset & ~0xFFF) >> 12, name, file)
            if p.memsz > p.filesz and file_end & 0xFFF:
                # bss begins inside the last file page: that page's tail must read as zeros
                pad = page_align(file_end) - file_end
                if prot & A.PROT_WRITE:
                    copy_to_user(mm, file_end, bytes(pad))
                else:
                    vma = mm.vmas.find(file_end)
                    assert vma is not None
                    vma.prot |= A.PROT_WRITE
                    copy_to_user(mm, file_end, bytes(pad))
                    vma.prot = prot
                    mm.pt[file_end >> 12] &= ~2
        bss_start = page_align(file_end) if p.filesz else start
        if page_align(mem_end) > bss_start:
            do_mmap(mm, bss_start, page_align(mem_end) - bss_start, prot,
                    A.MAP_PRIVATE | A.MAP_FIXED | A.MAP_ANONYMOUS)
        if prot & A.PROT_EXEC:
            mm.start_code, mm.end_code = start, file_end
        elif prot & A.PROT_WRITE:
            mm.start_data, mm.end_data = start, file_end
        end_max = max(end_max, mem_end)
    return end_max


def setup_stack_vma(mm: MM) -> None:
    vma = VMA(STACK_TOP - STACK_INITIAL, STACK_TOP, A.PROT_READ | A.PROT_WRITE, A.MAP_PRIVATE,
              name="[stack]", vm_flags=VM_GROWSDOWN)
    mm.vmas.insert(vma)
    mm.start_stack = STACK_TOP


def build_stack(mm: MM, argv: list[bytes], envp: list[bytes], auxv: list[tuple[int, int]],
                execfn: bytes, random: bytes) -> int:
    """Lay out the strings, auxv, envp, argv and argc below STACK_TOP; returns rsp."""
    sp = STACK_TOP - 8
    def push_bytes(b: bytes) -> int:
        nonlocal sp
        sp -= len(b)
        copy_to_user(mm, sp, b)
        return sp
    execfn_addr = push_bytes(execfn + b"\0")
    env_addrs = [push_bytes(e + b"\0") for e in reversed(envp)][::-1]
    mm.env_start, mm.env_end = (env_addrs[0] if env_addrs else sp), execfn_addr
    arg_addrs = [push_bytes(a + b"\0") for a in reversed(argv)][::-1]
    mm.arg_start = arg_addrs[0] if arg_addrs else sp
    mm.arg_end = env_addrs[0] if env_addrs else execfn_addr
    platform = push_bytes(b"x86_64\0")
    rand = push_bytes(random)
    sp &= ~15
    aux = []
    for key, val in auxv:
        if key == A.AT_RANDOM:
            val = rand
        elif key == A.AT_EXECFN:
            val = execfn_addr
        elif key == A.AT_PLATFORM:
            val = platform
        aux += [key, val]
    aux += [A.AT_NULL, 0]
    words = [len(argv)] + arg_addrs + [0] + env_addrs + [0] + aux
    if len(words) % 2:
        sp -= 8
    sp -= 8 * len(words)
    copy_to_user(mm, sp, struct.pack(f"<{len(words)}Q", *words))
    mm.auxv = struct.pack(f"<{len(aux)}Q", *aux)
    return sp


def open_exec(t: Task, path: bytes, base: Path | None = None, follow: bool = True) -> Path:
    """Look up a file to execute (Linux's open_exec and do_open_execat): a regular file, on a
    mount that permits exec, with an x bit the caller may use; EACCES otherwise. An empty
    ``path`` is ``base`` itself (execveat's AT_EMPTY_PATH); without ``follow`` a final symlink
    is ELOOP (AT_SYMLINK_NOFOLLOW)."""
    assert t.fs is not None
    if not path and base is not None:
        p = base
    else:
        p = namei(t.fs, path, base, follow=follow)
    inode = p.inode
    if inode.is_lnk():
        raise KernelError(E.ELOOP)
    if not inode.is_reg():
        raise KernelError(E.EACCES)
    if p.mnt.flags & MS_NOEXEC:
        raise KernelError(E.EACCES)
    permission(t.fs.cred, inode, MAY_EXEC)
    if inode.i_writecount > 0:
        raise KernelError(E.ETXTBSY)                    # open for writing somewhere
    return p


def load_elf_binary(t: Task, bprm: Binprm, begin_new_exec: Callable[[], None]) -> tuple[int, int]:
    """Load an ELF program into ``bprm.mm`` for task ``t`` (Linux's load_elf_binary,
    fs/binfmt_elf.c). Before the point of no return: parse the program headers and, for a
    dynamic program, open and parse its interpreter (errors reach the old program). Then
    ``begin_new_exec()``, after which the old image is gone; map the program (ET_DYN at
    ELF_ET_DYN_BASE), start brk after its highest segment, map the interpreter (at
    INTERP_BASE), set up the stack and create the ELF tables (argv, envp, auxv).
    Returns (entry point, initial stack pointer): the interpreter's entry when there is one."""
    p = bprm.path
    img = parse_elf(bprm.head, p.inode.read)
    interp_p: Path | None = None
    interp_img: ElfImage | None = None
    if img.interp is not None:
        interp_p = open_exec(t, img.interp)
        interp_img = parse_elf(interp_p.inode.read(0, BINPRM_BUF), interp_p.inode.read)
    begin_new_exec()                                    # ---- point of no return ----
    mm = bprm.mm
    phys = mm.phys
    bias = ELF_ET_DYN_BASE if img.etype == ET_DYN else 0
    assert t.fs is not None
    exe_name = d_path(p, t.fs.root).decode(errors="replace")
    exe_file = InodeFile(A.O_RDONLY, p, p.inode, deny_write=True)   # the mm's exe_file
    end = map_elf(mm, img, mapping_of(phys, p.inode), bias, exe_name, exe_file)
    mm.start_brk = mm.brk = page_align(end)
    mm.exe = p
    mm.exe_file = exe_file
    entry = img.entry + bias
    at_base = 0
    if interp_img is not None and interp_p is not None:
        at_base = INTERP_BASE if interp_img.etype == ET_DYN else 0
        interp_file = InodeFile(A.O_RDONLY, interp_p, interp_p.inode)
        map_elf(mm, interp_img, mapping_of(phys, interp_p.inode), at_base,
                d_path(interp_p, t.fs.root).decode(errors="replace"), interp_file)
        interp_file.put()
        entry = interp_img.entry + at_base
    setup_stack_vma(mm)
    cred = t.cred
    auxv = [(A.AT_MINSIGSTKSZ, 2048), (A.AT_HWCAP, 0x178BFBFF),
            (A.AT_PAGESZ, PAGE_SIZE), (A.AT_CLKTCK, A.USER_HZ),
            (A.AT_PHDR, img.phdr_vaddr() + bias), (A.AT_PHENT, img.phentsize),
            (A.AT_PHNUM, img.phnum), (A.AT_BASE, at_base), (A.AT_FLAGS, 0),
            (A.AT_ENTRY, img.entry + bias), (A.AT_UID, cred.uid), (A.AT_EUID, cred.euid),
            (A.AT_GID, cred.gid), (A.AT_EGID, cred.egid), (A.AT_SECURE, int(bprm.secureexec)),
            (A.AT_RANDOM, 0), (A.AT_HWCAP2, 2), (A.AT_EXECFN, 0), (A.AT_PLATFORM, 0)]
    sp = build_stack(mm, bprm.argv, bprm.envp, auxv, bprm.filename, os.urandom(16))
    return entry, sp
