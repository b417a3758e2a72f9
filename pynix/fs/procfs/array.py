"""The text of /proc/[pid]/{stat,status,statm,maps,limits}: Linux's formats, byte for byte in layout
(fs/proc/array.c do_task_stat, proc_pid_status, proc_pid_statm; fs/proc/task_mmu.c
show_map_vma, task_mem).

Each ``proc_pid_*(task, whole, root)`` is a pure function of the kernel's tables returning
bytes; ``whole`` sums a thread group (the /proc/[pid] view) rather than one thread (the
/proc/[pid]/task/[tid] view); ``root`` is the reader's root Path for the names in ``maps``.
Times are in USER_HZ clock ticks (100 per second), memory in pages or kB as Linux prints.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynix.kernel.pid import Pid, PidNamespace, pid_global_to_ns, task_pid_nr_ns, task_tgid_nr_ns
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64.abi import PROT_EXEC, PROT_WRITE
from pynix.arch.x86_64.kdev_t import makedev
from pynix.base.runqueue import TASK_DEAD, TASK_ZOMBIE
from pynix.fs.devices import DEVICES
from pynix.fs.vfs.dcache import Path, d_path
from pynix.mm.vma import VM_GROWSDOWN, VMA

if TYPE_CHECKING:
    from pynix.kernel.task import Task
    from pynix.mm.mm import MM

USER_HZ = 100
NS_PER_TICK = 10**9 // USER_HZ
MAPS_NAME_COLUMN = 73        # seq_setwidth(25 + 6 * sizeof(void *) - 1) + seq_pad's space
STATE_NAMES = {"R": "R (running)", "S": "S (sleeping)", "D": "D (disk sleep)", "T": "T (stopped)",
               "t": "t (tracing stop)", "X": "X (dead)", "Z": "Z (zombie)", "P": "P (parked)",
               "I": "I (idle)"}


def ticks(ns: int) -> int:
    return ns // NS_PER_TICK


def sigmask_of(pending: list[Any]) -> int:
    m = 0
    for info in pending:
        m |= 1 << (info.signo - 1)
    return m


def sig_ign_cgt(t: Task) -> tuple[int, int]:
    """collect_sigign_sigcatch: the ignored and the caught signals of ``t``."""
    ign = cgt = 0
    if t.sighand is not None:
        for i, act in enumerate(t.sighand.action[1:], start=0):
            if act.handler == A.SIG_IGN:
                ign |= 1 << i
            elif act.handler != A.SIG_DFL:
                cgt |= 1 << i
    return ign, cgt


def tty_of(t: Task) -> tuple[int, int]:
    """(tty_nr, tpgid): the controlling terminal's device number (its /dev node) and its
    foreground process group; (0, -1) without one."""
    tty = t.signal.tty
    if tty is None:
        return 0, -1
    nr = getattr(tty, "dev", 0)         # a TtyStruct knows its number (a pty slave's 136:N)
    if not nr:
        node = DEVICES.get(getattr(tty, "name", b""))
        nr = makedev(node[1], node[2]) if node else 0
    return nr, getattr(tty, "pgrp", 0) or -1


def parent_tgid(t: Task, ns: PidNamespace) -> int:
    p = t.group_leader.real_parent
    return task_tgid_nr_ns(p, ns) if p is not None else 0


def ns_numbers(pid: Pid, ns: PidNamespace) -> str:
    """NSpid and friends: the numbers from ``ns`` down to where the pid was made."""
    return "\t".join(str(u.nr) for u in pid.numbers[ns.level:])


def _pgrp_pid(t: Task, nr: int) -> Pid | None:
    return t.kernel.init_pid_ns.pid_hash.get(nr) if hasattr(t.kernel, "init_pid_ns") else None


# -- memory figures (task_mmu.c task_mem) -------------------------------------------------------
def vma_rss(mm: MM, v: VMA) -> int:
    lo, hi = v.start >> 12, v.end >> 12
    pt = mm.pt
    if hi - lo > len(pt):
        return sum(1 for vpn in pt if lo <= vpn < hi)
    return sum(1 for vpn in range(lo, hi) if vpn in pt)


class MemFigures:
    """The page counts task_mem and statm print, gathered in one walk of the areas."""

    def __init__(self, mm: MM) -> None:
        self.total = self.rss = self.anon = self.file = self.shmem = 0
        self.data = self.stack = self.exec_ = self.locked = 0
        for v in mm.vmas:
            pages = (v.end - v.start) >> 12
            rss = vma_rss(mm, v)
            self.total += pages
            self.rss += rss
            if v.file is not None:
                self.file += rss
            elif v.shared:
                self.shmem += rss
            else:
                self.anon += rss
            if v.vm_flags & VM_GROWSDOWN:
                self.stack += pages
            elif v.prot & PROT_WRITE and not v.shared:
                self.data += pages
            elif v.prot & PROT_EXEC:
                self.exec_ += pages
            if v.vm_flags & 0x2000:
                self.locked += pages
        self.text = min(self.exec_, ((mm.end_code + 0xFFF) >> 12) - (mm.start_code >> 12)
                        if mm.end_code else 0)
        self.pte_pages = len({vpn >> 9 for vpn in mm.pt})


def mm_figures(t: Task) -> MemFigures | None:
    return MemFigures(t.mm) if t.mm is not None and not t.is_kthread else None


# -- /proc/[pid]/stat ----------------------------------------------------------------------------
def proc_pid_stat(t: Task, whole: bool, ns: PidNamespace) -> bytes:
    """do_task_stat: 52 space-separated fields."""
    k = t.kernel
    sig = t.signal
    threads = t.thread_group if whole else [t]
    utime = sum(th.utime for th in threads)
    stime = sum(th.stime for th in threads)
    minflt = sum(th.min_flt for th in threads)
    mm = t.mm if not t.is_kthread else None
    fig = MemFigures(mm) if mm is not None else None
    pending = sigmask_of(t.pending) | sigmask_of(sig.shared_pending)
    ign, cgt = sig_ign_cgt(t)
    mask = 0x7FFFFFFF
    state = t.state if not (whole and t.group_leader.state == TASK_ZOMBIE) else TASK_ZOMBIE
    code = (mm.start_code, mm.end_code, mm.start_stack) if mm is not None else (0, 0, 0)
    tail = (mm.start_data, mm.end_data, mm.start_brk, mm.arg_start, mm.arg_end, mm.env_start,
            mm.env_end) if mm is not None else (0,) * 7
    fields: list[int | str] = [
        task_pid_nr_ns(t, ns) if not whole else task_tgid_nr_ns(t, ns),
        f"({t.comm.decode(errors='replace')})", state, parent_tgid(t, ns),
        pid_global_to_ns(k, sig.pgrp, ns), pid_global_to_ns(k, sig.session, ns), *tty_of(t),
        t.flags,
        minflt, 0, 0, 0, ticks(utime), ticks(stime),
        ticks(sig.cutime) if whole else 0, ticks(sig.cstime) if whole else 0,
        20 + t.nice, t.nice, len(t.thread_group), 0, ticks(t.start_time - k.boot_ns),
        (fig.total << 12) if fig else 0, fig.rss if fig else 0, sig.rlim[A.RLIMIT_RSS][0],
        *code, 0, 0, pending & mask, t.blocked & mask, ign & mask, cgt & mask,
        0, 0, 0, t.exit_signal, 0, 0, 0, 0, 0, 0, *tail,
        t.exit_code if t.state in (TASK_ZOMBIE, TASK_DEAD) else 0,
    ]
    return (" ".join(str(f) for f in fields) + "\n").encode()


# -- /proc/[pid]/statm ---------------------------------------------------------------------------
def proc_pid_statm(t: Task) -> bytes:
    fig = mm_figures(t)
    if fig is None:
        return b"0 0 0 0 0 0 0\n"
    return b"%d %d %d %d 0 %d 0\n" % (fig.total, fig.rss, fig.file + fig.shmem, fig.text,
                                        fig.data + fig.stack)


# -- /proc/[pid]/status --------------------------------------------------------------------------
def _kb(pages: int) -> str:
    return "%8d kB" % (pages * 4)


def fd_table_size(t: Task) -> int:
    """FDSize: the descriptor table's capacity (64, doubled as descriptors grow)."""
    files = t.files
    top = max(files.fds, default=0) + 1 if files is not None else 0
    size = 64
    while size < top:
        size *= 2
    return size if files is not None else 0


def _ns_or_0(t: Task, nr: int, ns: PidNamespace) -> str:
    pid = _pgrp_pid(t, nr)
    return ns_numbers(pid, ns) if pid is not None and pid.nr_ns(ns) else "0"


def proc_pid_status(t: Task, whole: bool, ns: PidNamespace) -> bytes:
    c = t.cred
    sig = t.signal
    name = t.comm.decode(errors="replace").replace("\\", "\\\\").replace("\n", "\\n")
    umask = t.fs.umask if t.fs is not None else 0o022
    lines = [f"Name:\t{name}", f"Umask:\t{umask:04o}",
             f"State:\t{STATE_NAMES.get(t.state, t.state)}",
             f"Tgid:\t{task_tgid_nr_ns(t, ns)}", "Ngid:\t0",
             f"Pid:\t{task_pid_nr_ns(t, ns)}", f"PPid:\t{parent_tgid(t, ns)}", "TracerPid:\t0",
             f"Uid:\t{c.uid}\t{c.euid}\t{c.suid}\t{c.fsuid}",
             f"Gid:\t{c.gid}\t{c.egid}\t{c.sgid}\t{c.fsgid}",
             f"FDSize:\t{fd_table_size(t)}",
             "Groups:\t" + " ".join(str(g) for g in c.groups) + " ",
             f"NStgid:\t{ns_numbers(t.group_leader.thread_pid, ns)}",
             f"NSpid:\t{ns_numbers(t.thread_pid, ns)}",
             f"NSpgid:\t{_ns_or_0(t, sig.pgrp, ns)}",
             f"NSsid:\t{_ns_or_0(t, sig.session, ns)}", f"Kthread:\t{1 if t.is_kthread else 0}"]
    fig = mm_figures(t)
    if fig is not None:
        lines += [f"VmPeak:\t{_kb(fig.total)}", f"VmSize:\t{_kb(fig.total)}",
                  f"VmLck:\t{_kb(fig.locked)}", f"VmPin:\t{_kb(0)}",
                  f"VmHWM:\t{_kb(fig.rss)}", f"VmRSS:\t{_kb(fig.rss)}",
                  f"RssAnon:\t{_kb(fig.anon)}", f"RssFile:\t{_kb(fig.file)}",
                  f"RssShmem:\t{_kb(fig.shmem)}", f"VmData:\t{_kb(fig.data)}",
                  f"VmStk:\t{_kb(fig.stack)}", f"VmExe:\t{_kb(fig.text)}",
                  f"VmLib:\t{_kb(fig.exec_ - fig.text)}", f"VmPTE:\t{_kb(fig.pte_pages)}",
                  f"VmSwap:\t{_kb(0)}", f"HugetlbPages:\t{_kb(0)}"]
    pending = sigmask_of(t.pending)
    ign, cgt = sig_ign_cgt(t)
    queued = len(sig.shared_pending) + sum(len(th.pending) for th in t.thread_group)
    lines += ["CoreDumping:\t0", "THP_enabled:\t1",
              f"Threads:\t{len(t.thread_group)}",
              f"SigQ:\t{queued}/{sig.rlim[11][0]}", f"SigPnd:\t{pending:016x}",
              f"ShdPnd:\t{sigmask_of(sig.shared_pending):016x}", f"SigBlk:\t{t.blocked:016x}",
              f"SigIgn:\t{ign:016x}", f"SigCgt:\t{cgt:016x}", f"CapInh:\t{c.cap_inheritable:016x}",
              f"CapPrm:\t{c.cap_permitted:016x}", f"CapEff:\t{c.cap_effective:016x}",
              f"CapBnd:\t{c.cap_bset:016x}", f"CapAmb:\t{c.cap_ambient:016x}",
              f"NoNewPrivs:\t{t.no_new_privs}", f"Seccomp:\t{min(t.seccomp_mode, 2)}",
              f"Seccomp_filters:\t{t.seccomp_filter.count if t.seccomp_filter else 0}", "Cpus_allowed:\t1", "Cpus_allowed_list:\t0",
              "Mems_allowed:\t00000001", "Mems_allowed_list:\t0",
              f"voluntary_ctxt_switches:\t{t.nvcsw}",
              f"nonvoluntary_ctxt_switches:\t{t.nivcsw}"]
    return ("\n".join(lines) + "\n").encode()


# -- /proc/[pid]/maps ----------------------------------------------------------------------------
def vma_name(v: VMA, root: Path | None) -> bytes:
    f = v.file
    path = getattr(f, "path", None)
    if isinstance(path, Path) and root is not None:
        return d_path(path, root)
    return v.name.encode()


def proc_pid_maps(t: Task, root: Path | None, mm: MM | None = None) -> bytes:
    """show_map_vma: ``start-end perms offset major:minor inode`` then the name at column 73;
    of ``mm`` (the address space pinned at open) or else the task's own."""
    mm = mm if mm is not None else t.mm
    if mm is None or t.is_kthread:
        return b""
    out = []
    for v in mm.vmas:
        inode = getattr(v.file, "inode", None)
        dev = inode.sb.dev if inode is not None else 0
        ino = inode.ino if inode is not None else 0
        off = v.pgoff << 12 if v.file is not None else 0
        line = b"%08x-%08x %s %08x %02x:%02x %d " % (v.start, v.end, v.prot_str().encode(), off,
                                                     (dev >> 8) & 0xFFF, dev & 0xFF, ino)
        name = vma_name(v, root)
        if name:
            line = line.ljust(MAPS_NAME_COLUMN) + name
        out.append(line + b"\n")
    return b"".join(out)


# proc_pid_limits: each rlimit's name and unit, in RLIMIT_* order (fs/proc/base.c lnames)
LIMIT_NAMES = [("Max cpu time", "seconds"), ("Max file size", "bytes"), ("Max data size", "bytes"),
               ("Max stack size", "bytes"), ("Max core file size", "bytes"),
               ("Max resident set", "bytes"), ("Max processes", "processes"),
               ("Max open files", "files"), ("Max locked memory", "bytes"),
               ("Max address space", "bytes"), ("Max file locks", "locks"),
               ("Max pending signals", "signals"), ("Max msgqueue size", "bytes"),
               ("Max nice priority", ""), ("Max realtime priority", ""),
               ("Max realtime timeout", "us")]


def proc_pid_limits(t: Task) -> bytes:
    """/proc/[pid]/limits: soft and hard value of every resource limit."""
    def value(v: int) -> str:
        return "unlimited" if v == A.RLIM_INFINITY else str(v)
    lines = ["%-25s %-20s %-20s %-10s\n" % ("Limit", "Soft Limit", "Hard Limit", "Units")]
    for (name, unit), (cur, mx) in zip(LIMIT_NAMES, t.signal.rlim):
        lines.append("%-25s %-20s %-20s " % (name, value(cur), value(mx))
                     + ("%-10s" % unit if unit else "") + "\n")
    return "".join(lines).encode()
