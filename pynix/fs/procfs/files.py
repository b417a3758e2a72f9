"""The system-wide /proc files: meminfo, stat, uptime, loadavg, cpuinfo, version, mounts, swaps
(no swap: the header only), cmdline, config.gz (Linux fs/proc/meminfo.c, stat.c, uptime.c,
loadavg.c, version.c, cmdline.c, fs/proc_namespace.c show_vfsmnt, mm/swapfile.c swap_show,
kernel/configs.c). /proc/filesystems is fs/filesystems.py's own.

Each ``show_*(kernel)`` returns the file's text from the kernel's figures: physical frames
(machine/physmem.py), the task table and its CPU times, the run queue's switch count, the mount
table. They are registered at import with ``register_proc_file`` (fs/procfs/registry.py);
``show_mounts(task)`` serves /proc/[pid]/mounts and /proc/mounts is a link to self/mounts.
Load averages follow calc_load's fixed-point decay, sampled lazily every 5 s of uptime.
"""
from __future__ import annotations

import gzip
import math
from typing import TYPE_CHECKING, Any

from pynix.base.kconfig import kconfig_text
from pynix.base.runqueue import TASK_RUNNING, TASK_UNINTERRUPTIBLE
from pynix.base.timer import monotonic_ns
from pynix.fs.procfs.array import NS_PER_TICK, ticks
from pynix.fs.procfs.registry import register_proc_file, register_proc_symlink
from pynix.fs.vfs.dcache import MS_NODEV, MS_NOEXEC, MS_NOSUID, Mount, Path, d_path
from pynix.fs.vfs.pnode import propagation_fields
from pynix.kernel.version import LINUX_BANNER

if TYPE_CHECKING:
    from pynix.kernel.task import Task

LOAD_FREQ_NS = 5 * 10**9
EXP = (math.exp(-5 / 60), math.exp(-5 / 300), math.exp(-5 / 900))      # 1, 5, 15 minutes


def kb_line(label: str, kb: int) -> str:
    """show_val_kb: the label padded to 16 columns, the value to 8, then " kB"."""
    return f"{label + ':':<16}{kb:>8} kB"


def show_meminfo(k: Any) -> bytes:
    phys = k.phys
    total = phys.size >> 10
    free = phys.free_frames * 4
    lines = [kb_line("MemTotal", total), kb_line("MemFree", free), kb_line("MemAvailable", free)]
    for label in ("Buffers", "Cached", "SwapCached", "Active", "Inactive", "Active(anon)",
                  "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",
                  "SwapTotal", "SwapFree", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem",
                  "KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack",
                  "PageTables", "CommitLimit", "Committed_AS", "VmallocTotal", "VmallocUsed",
                  "VmallocChunk", "AnonHugePages"):
        lines.append(kb_line(label, _mem_figure(k, label, total - free)))
    lines += [f"{'HugePages_Total:':<16}{0:>8}", f"{'HugePages_Free:':<16}{0:>8}",
              kb_line("Hugepagesize", 2048)]
    return ("\n".join(lines) + "\n").encode()


def _mem_figure(k: Any, label: str, used: int) -> int:
    """The few figures pynix keeps: frames mapped by tasks, page-table pages, the commit limit."""
    if label in ("AnonPages", "Active(anon)", "Active"):
        return used
    if label == "PageTables":
        return sum(len({v >> 9 for v in mm.pt}) * 4 for mm in _mms(k))
    if label == "CommitLimit":
        return k.phys.size >> 10
    if label == "Committed_AS":
        return sum(mm.total_vm_pages * 4 for mm in _mms(k))
    if label == "VmallocTotal":
        return 34359738367
    return 0


def _mms(k: Any) -> list[Any]:
    seen: dict[int, Any] = {}
    for t in k.tasks.values():
        if t.mm is not None and not t.is_kthread:
            seen[id(t.mm)] = t.mm
    return list(seen.values())


# -- CPU time and load -----------------------------------------------------------------------------
def cpu_ticks(k: Any) -> tuple[int, int]:
    """(user, system) ticks used since boot: live threads plus what reaped children left in
    their ancestors' cutime/cstime (each finished task is counted once, where it was reaped)."""
    user = system = 0
    for t in k.tasks.values():
        user += t.utime
        system += t.stime
        if t.is_group_leader:
            user += t.signal.cutime
            system += t.signal.cstime
    return ticks(user), ticks(system)


def uptime_ns(k: Any) -> int:
    return monotonic_ns() - k.boot_ns


def show_stat(k: Any) -> bytes:
    user, system = cpu_ticks(k)
    idle = max(0, uptime_ns(k) // NS_PER_TICK - user - system)
    cpu = f"{user} 0 {system} {idle} 0 0 0 0 0 0"
    running = sum(1 for t in k.tasks.values() if t.state == TASK_RUNNING)
    blocked = sum(1 for t in k.tasks.values() if t.state == TASK_UNINTERRUPTIBLE)
    lines = [f"cpu  {cpu}", f"cpu0 {cpu}", "intr 0", f"ctxt {k.rq.nr_switches}",
             f"btime {k.boot_wall_ns // 10**9}", f"processes {k.total_forks}",
             f"procs_running {running}", f"procs_blocked {blocked}",
             "softirq 0 0 0 0 0 0 0 0 0 0 0"]
    return ("\n".join(lines) + "\n").encode()


def show_uptime(k: Any) -> bytes:
    up = uptime_ns(k)
    user, system = cpu_ticks(k)
    idle = max(0, up - (user + system) * NS_PER_TICK)
    return b"%d.%02d %d.%02d\n" % (up // 10**9, up // 10**7 % 100, idle // 10**9,
                                   idle // 10**7 % 100)


def calc_load(k: Any) -> list[float]:
    """The 1/5/15-minute averages of runnable tasks, decayed every LOAD_FREQ of uptime."""
    state = k.__dict__.setdefault("loadavg", {"avg": [0.0, 0.0, 0.0], "at": k.boot_ns})
    now = monotonic_ns()
    active = sum(1 for t in k.tasks.values() if t.state in (TASK_RUNNING, TASK_UNINTERRUPTIBLE) and not t.is_kthread)
    while now - state["at"] >= LOAD_FREQ_NS:
        state["at"] += LOAD_FREQ_NS
        state["avg"] = [a * e + active * (1 - e) for a, e in zip(state["avg"], EXP)]
    return state["avg"]


def show_loadavg(k: Any) -> bytes:
    a1, a5, a15 = calc_load(k)
    running = sum(1 for t in k.tasks.values() if t.state == TASK_RUNNING)
    return b"%.2f %.2f %.2f %d/%d %d\n" % (a1, a5, a15, running, len(k.tasks), k.pids.last_pid)


def show_cpuinfo(k: Any) -> bytes:
    fields = [("processor", "0"), ("vendor_id", "AuthenticAMD"), ("cpu family", "15"),
              ("model", "107"), ("model name", "QEMU Virtual CPU version 2.5+"),
              ("stepping", "1"), ("cpu MHz", "1000.000"), ("cache size", "512 KB"),
              ("physical id", "0"), ("siblings", "1"), ("core id", "0"), ("cpu cores", "1"),
              ("apicid", "0"), ("fpu", "yes"), ("fpu_exception", "yes"), ("cpuid level", "13"),
              ("wp", "yes"),
              ("flags", "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
                        "clflush mmx fxsr sse sse2 syscall nx lm nopl pni cx16 hypervisor lahf_lm"),
              ("bogomips", "2000.00"), ("clflush size", "64"), ("cache_alignment", "64"),
              ("address sizes", "48 bits physical, 48 bits virtual"), ("power management", "")]
    return ("".join(f"{name}\t: {val}\n" if len(name) >= 8 else f"{name}\t\t: {val}\n"
                    for name, val in fields) + "\n").encode()


def show_config_gz(k: Any) -> bytes:
    """kernel/configs.c: the build configuration (base/kconfig.py), gzip-compressed."""
    return gzip.compress(kconfig_text(), mtime=0)


# -- mounts ------------------------------------------------------------------------------------------
def mangle(name: bytes) -> bytes:
    """seq_escape with " \\t\\n\\\\": octal escapes, as getmntent expects."""
    for c in b"\\ \t\n":
        name = name.replace(bytes([c]), b"\\%03o" % c)
    return name


def mount_options(mnt: Mount) -> bytes:
    opts = [b"ro" if mnt.readonly else b"rw"]
    for flag, name in ((MS_NOSUID, b"nosuid"), (MS_NODEV, b"nodev"), (MS_NOEXEC, b"noexec")):
        if mnt.flags & flag:
            opts.append(name)
    opts.append(b"relatime")
    return b",".join(opts)


def mnt_id(mnt: Mount) -> int:
    """The mount's id in mountinfo and fdinfo: fixed for its life (Linux's mnt_id)."""
    return mnt.mnt_id


def mount_root_path(mnt: Mount) -> bytes:
    """Where the mount's root sits inside its filesystem: "/" unless it is a bind of a subtree."""
    parts: list[bytes] = []
    d = mnt.root
    while d.parent is not d:
        parts.append(d.name)
        d = d.parent
    return b"/" + b"/".join(reversed(parts))


def show_mountinfo(t: Task) -> bytes:
    """/proc/[pid]/mountinfo (show_mountinfo): ids, device, root, mount point, options, the
    propagation fields (shared:N master:N propagate_from:N unbindable), then the type, source
    and superblock options."""
    fs = t.fs
    if fs is None:
        return b""
    out = []
    for mnt in fs.mounts.mounts:
        dev = mnt.sb.dev
        where = d_path(Path(mnt, mnt.root), fs.root)
        out.append(b"%d %d %d:%d %s %s %s%s - %s %s %s\n" % (
            mnt_id(mnt), mnt_id(mnt.parent), (dev >> 8) & 0xFFF, dev & 0xFF,
            mangle(mount_root_path(mnt)), mangle(where), mount_options(mnt),
            propagation_fields(mnt, fs.root),
            mnt.sb.fs_name.encode(), mangle(mnt.source.encode() or b"none"),
            b"ro" if mnt.sb.readonly else b"rw"))
    return b"".join(out)


def show_mounts(t: Task) -> bytes:
    """/proc/[pid]/mounts: ``source mountpoint fstype options 0 0`` for each mount the task's
    root can see, in mount order (show_vfsmnt)."""
    fs = t.fs
    if fs is None:
        return b""
    out = []
    for mnt in fs.mounts.mounts:
        where = d_path(Path(mnt, mnt.root), fs.root)
        out.append(b"%s %s %s %s 0 0\n" % (mangle(mnt.source.encode() or b"none"), mangle(where),
                                           mnt.sb.fs_name.encode(), mount_options(mnt)))
    return b"".join(out)


register_proc_file("meminfo", show_meminfo)
register_proc_file("stat", show_stat)
register_proc_file("uptime", show_uptime)
register_proc_file("loadavg", show_loadavg)
register_proc_file("cpuinfo", show_cpuinfo)
register_proc_file("version", lambda k: LINUX_BANNER)
register_proc_symlink("mounts", lambda k: b"self/mounts")
register_proc_file("swaps", lambda k: b"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
register_proc_file("cmdline", lambda k: b"root=/dev/root rw console=tty1\n")
register_proc_file("config.gz", show_config_gz)
