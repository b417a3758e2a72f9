"""A kernel with a user task and no program, for unit tests of threads, futexes and clone.

``kernel_and_task()`` returns a Kernel (small memory) and a task that owns an address space
with one private and one shared anonymous page, an empty file table and signal handlers.
"""
from __future__ import annotations

from pynix.arch.x86_64 import abi as A
from pynix.fs.vfs.file import FdTable
from pynix.kernel.cred import Cred
from pynix.kernel.kernel import Kernel
from pynix.kernel.task import FsStruct, SigHand, Task
from pynix.machine.cpu import REG_NAMES
from pynix.mm.mm import MM
from pynix.mm.mmap import do_mmap

RW = A.PROT_READ | A.PROT_WRITE


def kernel_and_task(mem: int = 64 << 20) -> tuple[Kernel, Task]:
    k = Kernel(mem)
    t = Task(k, k.pids.alloc(), b"t")
    t.mm = MM(k.phys)
    t.files = FdTable()
    cred = Cred()
    t.fs = FsStruct(None, None, None, cred)  # type: ignore[arg-type]
    t.sighand = SigHand()
    k.add_task(t)
    t.private_page = do_mmap(t.mm, 0, 4096, RW, A.MAP_PRIVATE | A.MAP_ANONYMOUS)  # type: ignore[attr-defined]
    t.shared_page = do_mmap(t.mm, 0, 4096, RW, A.MAP_SHARED | A.MAP_ANONYMOUS)    # type: ignore[attr-defined]
    return k, t


def regs() -> list[int]:
    return [0] * len(REG_NAMES)
