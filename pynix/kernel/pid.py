"""Process ids and pid namespaces (Linux's kernel/pid.c struct pid / struct upid, alloc_pid,
free_pid, pid_nr_ns, find_pid_ns; include/linux/pid_namespace.h).

Provides:
- ``PidMap``: one namespace's pid bitmap. ``alloc()`` returns the lowest free pid above the
  last one handed out, wrapping to ``RESERVED_PIDS`` after ``pid_max`` (Linux's cyclic
  allocation; a namespace other than the initial one wraps to 2, as Linux's idr does past
  its reaper), ``free(pid)`` returns one. Pid 0 is the idle task and never allocated.
- ``PidNamespace``: a level in the tree of pid namespaces: its ``pid_map``, ``pid_hash``
  (number -> Pid), ``child_reaper`` (its init, or None before the first fork into it),
  ``level``, ``parent``, ``inum`` (/proc/PID/ns/pid), and ``adding`` (False once its init
  died: alloc_pid then fails with ENOMEM, Linux's cleared PIDNS_ADDING).
- ``Pid``: struct pid: one ``Upid`` (nr, ns) per level from the initial namespace down to the
  one it was made in; ``task`` is the thread whose pid it is. ``nr_ns(ns)`` is its number in
  ``ns`` (0 when invisible there: pid_nr_ns).
- ``alloc_pid(ns)`` (one number from each level's map, deepest first) and ``free_pid(pid)``;
  ``init_pid(kernel, nr)`` the Pid of an initial-namespace number allocated directly (boot,
  kernel threads).
- ``task_pid_nr_ns``, ``task_tgid_nr_ns``, ``task_pid_vnr``, ``task_tgid_vnr``,
  ``task_active_pid_ns``, ``find_task_by_pid_ns``, ``find_task_by_vpid``, ``pid_vnr_to_global``
  and ``pid_global_to_ns``: the numbers that cross to user space. Inside the kernel a task is
  named by ``task.pid`` / ``task.tgid``, its initial-namespace numbers; only these helpers
  turn them into what a task in a namespace sees, and back.

Owns: the bitmaps, the per-namespace hashes and the counts of pids in use.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.nsfs import PROC_PID_INIT_INO
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD

PID_MAX_DEFAULT = 32768
RESERVED_PIDS = 300


class PidMap:
    def __init__(self, pid_max: int = PID_MAX_DEFAULT, reserved: int = RESERVED_PIDS) -> None:
        self.pid_max = pid_max
        self.reserved = reserved
        self.bitmap = bytearray(pid_max)
        self.bitmap[0] = 1
        self.last_pid = 0
        self.nr_used = 0

    def alloc(self) -> int:
        """Lowest free pid above last_pid; wrap to the reserved floor; EAGAIN when full."""
        bm = self.bitmap
        start = self.last_pid + 1
        for lo, hi in ((start, self.pid_max), (min(self.reserved, start), start)):
            i = bm.find(0, lo, hi) if lo < hi else -1
            if i > 0:
                bm[i] = 1
                self.last_pid = i
                self.nr_used += 1
                return i
        raise KernelError(E.EAGAIN)

    def mark(self, pid: int) -> None:
        """Take a number chosen by the caller (boot's pid 1, a kernel thread's)."""
        if not self.bitmap[pid]:
            self.bitmap[pid] = 1
            self.nr_used += 1

    def free(self, pid: int) -> None:
        if self.bitmap[pid]:
            self.bitmap[pid] = 0
            self.nr_used -= 1

    def is_used(self, pid: int) -> bool:
        return 0 < pid < self.pid_max and bool(self.bitmap[pid])


class PidNamespace:
    """struct pid_namespace."""

    kind = "pid"

    def __init__(self, parent: PidNamespace | None, inum: int, pid_map: PidMap | None = None,
                 owner: Any = None) -> None:
        self.parent = parent
        self.level = parent.level + 1 if parent is not None else 0
        self.pid_map = pid_map if pid_map is not None else PidMap(reserved=2)
        self.pid_hash: dict[int, Pid] = {}
        self.child_reaper: Any = None            # the namespace's init (a Task)
        self.adding = True                       # PIDNS_ADDING
        self.inum = inum
        self.owner = owner                       # the owning user namespace
        self.owner_uid = 0
        self.proc_sb: Any = None                 # procfs superblock of this namespace
        self.on_empty: list[Callable[[], None]] = []   # zap_pid_ns_processes' waiter

    def is_ancestor_of(self, other: PidNamespace) -> bool:
        """``self`` is ``other`` or one of its ancestors (pidns_is_ancestor)."""
        ns: PidNamespace | None = other
        while ns is not None and ns.level >= self.level:
            if ns is self:
                return True
            ns = ns.parent
        return False

    def __repr__(self) -> str:
        return f"<PidNamespace level {self.level} inum {self.inum}>"


@dataclass
class Upid:
    nr: int
    ns: PidNamespace


class Pid:
    """struct pid: a number in each namespace from the initial one to ``ns``."""

    def __init__(self, numbers: list[Upid]) -> None:
        self.numbers = numbers
        self.level = len(numbers) - 1
        self.task: Any = None

    @property
    def ns(self) -> PidNamespace:
        """ns_of_pid: the namespace it was allocated in (its deepest)."""
        return self.numbers[-1].ns

    def nr_ns(self, ns: PidNamespace) -> int:
        """pid_nr_ns: the number in ``ns``; 0 where it cannot be seen."""
        if ns.level <= self.level:
            u = self.numbers[ns.level]
            if u.ns is ns:
                return u.nr
        return 0

    def __repr__(self) -> str:
        return "<Pid %s>" % "/".join(str(u.nr) for u in self.numbers)


def _chain(ns: PidNamespace) -> list[PidNamespace]:
    out: list[PidNamespace] = []
    n: PidNamespace | None = ns
    while n is not None:
        out.append(n)
        n = n.parent
    out.reverse()
    return out


def alloc_pid(ns: PidNamespace) -> Pid:
    """Linux's alloc_pid: a number from every level's map, from ``ns`` up to the initial
    namespace; ENOMEM once the namespace's init has died, EAGAIN when a map is full."""
    if not ns.adding:
        raise KernelError(E.ENOMEM)
    levels = _chain(ns)
    got: list[Upid] = []
    try:
        for n in reversed(levels):
            got.append(Upid(n.pid_map.alloc(), n))
    except KernelError:
        for u in got:
            u.ns.pid_map.free(u.nr)
        raise
    got.reverse()
    pid = Pid(got)
    for u in got:
        u.ns.pid_hash[u.nr] = pid
    return pid


def free_pid(pid: Pid) -> None:
    """Linux's free_pid: give the numbers back; a dying namespace whose only pid left is its
    init's hears of it (zap_pid_ns_processes waits for that)."""
    for u in pid.numbers:
        ns = u.ns
        if ns.pid_hash.get(u.nr) is pid:
            del ns.pid_hash[u.nr]
            ns.pid_map.free(u.nr)
        if not ns.adding and len(ns.pid_hash) <= 1 and ns.on_empty:
            waiters, ns.on_empty = ns.on_empty, []
            for fn in waiters:
                fn()
    pid.task = None


def init_pid(kernel: Any, nr: int) -> Pid:
    """The Pid behind initial-namespace number ``nr`` (made if it has none: a number taken
    straight from the map at boot, or a task built by hand)."""
    ns: PidNamespace | None = getattr(kernel, "init_pid_ns", None)
    if ns is None:
        return Pid([Upid(nr, _lone_ns)])
    pid = ns.pid_hash.get(nr)
    if pid is None:
        pid = Pid([Upid(nr, ns)])
        if nr:
            ns.pid_map.mark(nr)
            ns.pid_hash[nr] = pid
    return pid


_lone_ns = PidNamespace(None, PROC_PID_INIT_INO)   # for tasks of kernels without one (tests)


# -- the numbers user space sees --------------------------------------------------------------
def task_active_pid_ns(t: Any) -> PidNamespace:
    """The namespace ``t`` was born in: where its getpid counts."""
    return t.thread_pid.ns  # type: ignore[no-any-return]


def task_pid_nr_ns(t: Any, ns: PidNamespace) -> int:
    return t.thread_pid.nr_ns(ns)  # type: ignore[no-any-return]


def task_tgid_nr_ns(t: Any, ns: PidNamespace) -> int:
    return t.group_leader.thread_pid.nr_ns(ns)  # type: ignore[no-any-return]


def task_pid_vnr(t: Any) -> int:
    return t.thread_pid.numbers[-1].nr  # type: ignore[no-any-return]


def task_tgid_vnr(t: Any) -> int:
    return task_tgid_nr_ns(t, task_active_pid_ns(t))


def find_task_by_pid_ns(nr: int, ns: PidNamespace) -> Any:
    """The live task with number ``nr`` in ``ns`` (None if there is none)."""
    pid = ns.pid_hash.get(nr)
    t = pid.task if pid is not None else None
    return t if t is not None and t.state != TASK_DEAD and t.kernel.tasks.get(t.pid) is t else None


def find_task_by_vpid(cur: Any, nr: int) -> Any:
    """find_task_by_vpid: ``nr`` as ``cur`` sees it."""
    return find_task_by_pid_ns(nr, task_active_pid_ns(cur))


def pid_vnr_to_global(cur: Any, nr: int) -> int:
    """A pid, process group or session number ``cur`` names, in the initial namespace's terms
    (0 if ``cur``'s namespace has no such number)."""
    ns = task_active_pid_ns(cur)
    if ns.level == 0:
        return nr
    pid = ns.pid_hash.get(nr)
    return pid.numbers[0].nr if pid is not None else 0


def pid_global_to_ns(kernel: Any, nr: int, ns: PidNamespace) -> int:
    """An initial-namespace number (pid, process group, session) as seen in ``ns``: 0 when
    it is outside ``ns`` or gone."""
    if ns.level == 0 or not nr:
        return nr
    init = getattr(kernel, "init_pid_ns", None)
    pid = init.pid_hash.get(nr) if init is not None else None
    return pid.nr_ns(ns) if pid is not None else 0
