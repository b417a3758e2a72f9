"""Kernel threads: tasks with no user address space that run kernel code only
(Linux kernel/kthread.c; Love ch. 3 "Kernel Threads").

A kernel thread's body is a Python generator: it ``yield``s (usually via ``wait_event``) when
it must sleep, exactly as a blocked syscall does, and the scheduler resumes it like any task.
``kthread_create(kernel, name, body)`` makes one: PF_KTHREAD set, no mm, its own files and fs
from the kernel's init context, parented to kthreadd when there is one. ps shows its name in
[brackets] because its cmdline is empty.

kthreadd (pid 2, Linux's kthreadd): ``start_kthreadd(kernel)`` creates it; afterwards
``kthread_request(kernel, name, body)`` queues a creation request (the kthread_create_list) and
kthreadd makes the thread, as its child, the next time it runs. The request object's ``task``
is filled in then.

Running one is the scheduler's (kernel/sched.run_kthread: resume the body; do_exit when it
returns, an oops when it raises). So this module needs only the task structures and a file
table, and sits with the subsystems that ask for kernel threads (fs/writeback.py's flusher),
below the process lifecycle (scripts/layers.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Generator

from pynix.arch.x86_64.sched import PF_KTHREAD
from pynix.base.wait import WaitQueue, wait_event
from pynix.fs.vfs.file import FdTable
from pynix.kernel.task import SigHand, Task

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel

KThreadBody = Callable[[Task], Generator[None, None, object]]


def kthread_create(k: Kernel, name: bytes, body: KThreadBody, pid: int | None = None,
                   parent: Task | None = None) -> Task:
    """A kernel thread running ``body`` (what Linux's kthreadd does for a request in
    create_kthread / kernel_thread): PF_KTHREAD, no mm, fresh files, init's fs."""
    pid = pid if pid is not None else k.pids.alloc()
    if pid and k.pids.is_used(pid) is False:
        k.pids.bitmap[pid] = 1
        k.pids.nr_used += 1
    t = Task(k, pid, name)
    t.flags |= PF_KTHREAD
    t.sighand = SigHand()
    t.fs = k.init_fs.copy(t.cred) if k.init_fs is not None else None
    t.files = FdTable()
    t.real_parent = t.parent = parent if parent is not None else k.kthreadd
    if t.real_parent is not None:
        t.real_parent.children.append(t)
    t.kstack = body(t)
    k.add_task(t)
    return t


@dataclass
class KthreadCreateInfo:
    """One request on the kthread_create_list."""
    name: bytes
    body: KThreadBody
    task: Task | None = None


def start_kthreadd(k: Kernel) -> Task:
    """Create kthreadd; it owns the request list and the wait queue it sleeps on."""
    k.kthread_create_list = []
    k.kthreadd_wait = WaitQueue()
    t = kthread_create(k, b"kthreadd", kthreadd, parent=None)
    t.real_parent = t.parent = None
    k.kthreadd = t
    return t


def kthread_request(k: Kernel, name: bytes, body: KThreadBody) -> KthreadCreateInfo:
    """Ask kthreadd for a new kernel thread (the kthread_create flow)."""
    info = KthreadCreateInfo(name, body)
    k.kthread_create_list.append(info)
    k.kthreadd_wait.wake_up()
    return info


def kthreadd(t: Task) -> Generator[None, None, object]:
    """pid 2: sleep until a creation request arrives, then create the threads asked for."""
    k = t.kernel
    while True:
        yield from wait_event(t, k.kthreadd_wait, lambda: bool(k.kthread_create_list))
        while k.kthread_create_list:
            info = k.kthread_create_list.pop(0)
            info.task = kthread_create(k, info.name, info.body, parent=t)
