"""/proc/[pid], /proc/[pid]/task/[tid], /proc/self and /proc/thread-self (Linux fs/proc/base.c
tgid_base_stuff, tid_base_stuff, proc_pid_lookup, proc_fd.c, self.c, thread_self.c).

Provides ``proc_root_entries(sb)``: what the proc root holds (registered system-wide entries,
``self``, ``thread-self`` and one directory per live thread group; other tids resolve but are
not listed, as on Linux). Each per-process entry is generated from the Task when it is looked up:
``stat``/``status``/``statm``/``maps``/``limits`` through fs/procfs/array.py, ``cmdline``/``environ`` from
the task's own memory, ``exe``/``cwd``/``root``/``fd/N`` as magic links that namei follows to
the object itself. A nameless file (pipe, console) behind ``fd/N`` is reopened through
``FdTarget``: a pipe gets a new end on the same pipe (open_pipe_end), other streams the same file.

Owns: nothing; every entry reads the task tables when asked.
"""
from __future__ import annotations

import stat
from typing import TYPE_CHECKING, Callable

from pynix.kernel.pid import find_task_by_pid_ns, task_pid_nr_ns, task_tgid_nr_ns
from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_SYS_PTRACE, CAP_SYS_RESOURCE
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD
from pynix.base.taskio import TaskIoAccounting
from pynix.fs.anon import anon_inode
from pynix.fs.nsfs import ns_path
from pynix.fs.pipe import open_pipe_end
from pynix.fs.procfs.array import (
    proc_pid_limits,
    proc_pid_maps,
    proc_pid_stat,
    proc_pid_statm,
    proc_pid_status,
)
from pynix.fs.procfs.files import mnt_id, show_mountinfo, show_mounts
from pynix.fs.procfs.inode import Entry, ProcDir, ProcFile, ProcLink, file_entry, proc_ino
from pynix.fs.procfs.registry import registry_entries, registry_find
from pynix.fs.procfs.task_mmu import pagemap_opener, proc_pid_smaps, proc_pid_smaps_rollup
from pynix.fs.vfs.dcache import Dentry, Mount, Path, d_path
from pynix.fs.vfs.file import File
from pynix.fs.vfs.inode import Inode
from pynix.kernel.cred import capable
from pynix.kernel.ns_common import NS_LINKS, ns_get_ready, task_namespaces
from pynix.mm.oom_kill import (
    oom_adj_of,
    oom_adj_to_score,
    parse_oom_int,
    proc_oom_score,
    set_oom_adj,
)
from pynix.mm.uaccess import copy_from_user

if TYPE_CHECKING:
    from pynix.fs.procfs.super import ProcSuperBlock
    from pynix.kernel.task import Task
    from pynix.mm.mm import MM


def live(t: Task) -> bool:
    return t.kernel.tasks.get(t.pid) is t and t.state != TASK_DEAD


def reader_root(sb: ProcSuperBlock, t: Task) -> Path | None:
    """The root the names are printed against: the reader's, else the task's own."""
    cur = sb.current()
    fs = cur.fs if cur is not None and cur.fs is not None else t.fs
    return fs.root if fs is not None else None


def may_inspect(sb: ProcSuperBlock, t: Task) -> None:
    """ptrace_may_access(PTRACE_MODE_READ) for the links and environ: same uid or root."""
    cur = sb.current()
    if cur is not None and not capable(cur, CAP_SYS_PTRACE) and cur.cred.euid != t.cred.euid:
        raise KernelError(E.EACCES)


def read_user_range(t: Task, mm: MM | None, start: int, end: int) -> bytes:
    """cmdline/environ: bytes of an address space of the task, empty for kernel threads,
    zombies and an address space gone since (mm_users 0: the task exec'd or exited)."""
    if mm is None or mm.users == 0 or t.is_kthread or end <= start or not live(t):
        return b""
    try:
        return copy_from_user(mm, start, end - start)
    except KernelError:
        return b""


# -- magic links ---------------------------------------------------------------------------------
class FdTarget(Inode):
    """The object behind /proc/pid/fd/N when the open file has no name: opening it reopens
    that object (a pipe gets a fresh end, as Linux's fifo_open on the pipe inode does)."""

    def __init__(self, f: File, like: Inode, uid: int) -> None:
        super().__init__(like.sb, like.ino, like.mode, uid, rdev=like.rdev)
        self.file = f
        self.pipe = getattr(f, "pipe", None)

    def open_file(self, flags: int, path: Path) -> File:
        if self.pipe is not None:
            f = open_pipe_end(self.pipe, flags, path)   # a pipe, not a FIFO: no partner wait
            f.anon = self
            return f
        return self.file.get()


def fd_link_text(f: File, root: Path | None) -> bytes:
    """What readlink gives for /proc/pid/fd/N (d_path, or the pseudo fs name and inode)."""
    dname = getattr(f.stat_inode, "d_dname", None)      # a pseudo fs naming its own (nsfs)
    if dname is not None:
        return dname()  # type: ignore[no-any-return]
    if isinstance(f.path, Path) and root is not None:
        return d_path(f.path, root)
    inode = f.stat_inode
    kind = inode.sb.fs_name if inode is not None else "anon_inodefs"
    ino = inode.ino if inode is not None else 0
    if kind == "pipefs":
        return b"pipe:[%d]" % ino
    if kind == "sockfs":
        return b"socket:[%d]" % ino
    if kind == "devpts" and inode is not None:
        return b"/dev/pts/%d" % (inode.rdev & 0xFF)
    return b"anon_inode:[%s]" % getattr(f, "anon_name", b"[unknown]").strip(b"[]")


def fd_jump(f: File, t: Task) -> Path:
    if isinstance(f.path, Path):
        return f.path
    like = f.stat_inode or anon_inode("anon_inodefs", stat.S_IFREG | 0o600)
    target = FdTarget(f, like, t.cred.euid)
    d = Dentry(b"fd", None, target)
    return Path(Mount(target.sb, d, "none"), d)


def _link(target: Callable[[], bytes], jump: Callable[[], Path], mode: int = 0o777,
          uid: int = 0) -> Entry:
    return lambda sb, ino: ProcLink(sb, ino, target, jump, mode, uid)


def path_link(sb: ProcSuperBlock, t: Task, get: Callable[[], Path | None]) -> Entry:
    """exe, cwd, root: links to a Path the task holds."""
    def path() -> Path:
        may_inspect(sb, t)
        p = get()
        if p is None or not live(t):
            raise KernelError(E.ENOENT)
        return p

    def text() -> bytes:
        root = reader_root(sb, t)
        return d_path(path(), root) if root is not None else b""
    return _link(text, path, uid=t.cred.euid)


def ns_entries(sb: ProcSuperBlock, t: Task) -> dict[bytes, Entry]:
    """ns/net, ns/uts, ...: links reading "uts:[4026531838]"; followed, the namespace's nsfs
    inode (fs/nsfs.py), numbered by the namespace (stat -L tells namespaces apart)."""
    if not live(t):
        return {}
    out: dict[bytes, Entry] = {}
    for name, ns in task_namespaces(t).items():
        kind, nstype = NS_LINKS[name]

        def text(kind: str = kind, ns: object = ns) -> bytes:
            may_inspect(sb, t)
            ns_get_ready(ns)
            return b"%s:[%d]" % (kind.encode(), ns.inum)  # type: ignore[attr-defined]

        def jump(kind: str = kind, nstype: int = nstype, ns: object = ns) -> Path:
            may_inspect(sb, t)
            ns_get_ready(ns)
            return ns_path(ns, kind, nstype)
        out[name] = _link(text, jump, uid=t.cred.euid)
    return out


def fd_entries(sb: ProcSuperBlock, t: Task) -> dict[bytes, Entry]:
    files = t.files
    if files is None or not live(t):
        return {}
    out: dict[bytes, Entry] = {}
    for fd in sorted(files.fds):
        f = files.fds[fd]
        mode = (0o400 if f.readable else 0) | (0o200 if f.writable else 0) | 0o100

        def text(f: File = f) -> bytes:
            may_inspect(sb, t)
            return fd_link_text(f, reader_root(sb, t))

        def jump(f: File = f) -> Path:
            may_inspect(sb, t)
            return fd_jump(f, t)
        out[b"%d" % fd] = _link(text, jump, mode, t.cred.euid)
    return out


def fdinfo_text(t: Task, fd: int, f: File) -> bytes:
    """seq_show of /proc/pid/fdinfo/N: position, flags (with O_CLOEXEC), mount id, inode."""
    files = t.files
    flags = f.flags | (A.O_CLOEXEC if files is not None and fd in files.cloexec else 0)
    if isinstance(f.path, Path):
        flags |= A.O_LARGEFILE          # open(2) on x86-64 forces it (force_o_largefile)
    inode = f.stat_inode
    mid = mnt_id(f.path.mnt) if isinstance(f.path, Path) else 0
    extra = getattr(f, "fdinfo", None)      # the file's show_fdinfo (inotify's watches)
    return b"pos:\t%d\nflags:\t0%o\nmnt_id:\t%d\nino:\t%d\n" % (
        f.pos, flags, mid, inode.ino if inode is not None else 0) + (extra() if extra else b"")


def fdinfo_entries(sb: ProcSuperBlock, t: Task) -> dict[bytes, Entry]:
    files = t.files
    if files is None or not live(t):
        return {}
    return {b"%d" % fd: file_entry(lambda fd=fd, f=f: fdinfo_text(t, fd, f), 0o400, t.cred.euid)
            for fd, f in sorted(files.fds.items())}


# -- the per-process directory ----------------------------------------------------------------------
def _comm_store(t: Task) -> Callable[[bytes], None]:
    def store(data: bytes) -> None:
        t.comm = data.rstrip(b"\n")[:15]
    return store


def _timerslack_store(t: Task) -> Callable[[bytes], None]:
    def store(data: bytes) -> None:
        try:
            ns = int(data.strip())
        except ValueError:
            raise KernelError(E.EINVAL) from None
        if ns < 0:
            raise KernelError(E.EINVAL)
        t.set_timer_slack(ns)
    return store


def pid_entries(sb: ProcSuperBlock, t: Task, whole: bool) -> dict[bytes, Entry]:
    """tgid_base_stuff (``whole``) or tid_base_stuff: the files of one process or thread."""
    uid = t.cred.euid
    out: dict[bytes, Entry] = {
        b"stat": file_entry(lambda: proc_pid_stat(t, whole, sb.pid_ns), uid=uid),
        b"status": file_entry(lambda: proc_pid_status(t, whole, sb.pid_ns), uid=uid),
        b"statm": file_entry(lambda: proc_pid_statm(t), uid=uid),
        b"cmdline": file_entry(lambda: _cmdline(t), uid=uid),
        b"environ": lambda sb_, ino: ProcFile(sb_, ino, lambda: b"", None, 0o400, uid,
                                             opener=lambda: _environ_opener(sb, t)),
        b"comm": lambda sb_, ino: ProcFile(sb_, ino, lambda: t.comm + b"\n", _comm_store(t),
                                          0o644, uid),
        b"timerslack_ns": lambda sb_, ino: ProcFile(sb_, ino, lambda: b"%d\n" % t.timer_slack_ns,
                                                   _timerslack_store(t), 0o644, uid),
        b"maps": lambda sb_, ino: ProcFile(sb_, ino, lambda: b"", None, 0o444, uid,
                                          opener=lambda: _maps_opener(sb, t)),
        b"smaps": _mm_file(sb, t, proc_pid_smaps),
        b"smaps_rollup": _mm_file(sb, t, proc_pid_smaps_rollup),
        b"pagemap": lambda sb_, ino: PagemapInode(sb_, ino, sb, t),
        b"io": lambda sb_, ino: ProcFile(sb_, ino, lambda: b"", None, 0o400, uid,
                                        opener=lambda: _io_opener(sb, t, whole)),
        b"oom_score": file_entry(lambda: b"%d\n" % proc_oom_score(t, t.kernel.phys.nframes),
                                 uid=uid),
        b"oom_score_adj": lambda sb_, ino: ProcFile(
            sb_, ino, lambda: b"%d\n" % t.signal.oom_score_adj, _oom_store(sb, t, False), 0o644,
            uid),
        b"oom_adj": lambda sb_, ino: ProcFile(
            sb_, ino, lambda: b"%d\n" % oom_adj_of(t.signal.oom_score_adj),
            _oom_store(sb, t, True), 0o644, uid),
        b"limits": file_entry(lambda: proc_pid_limits(t), uid=uid),
        b"mounts": file_entry(lambda: show_mounts(t), uid=uid),
        b"mountinfo": file_entry(lambda: show_mountinfo(t), uid=uid),
        b"exe": path_link(sb, t, lambda: t.mm.exe if t.mm is not None else None),  # type: ignore[return-value,arg-type]
        b"cwd": path_link(sb, t, lambda: t.fs.cwd if t.fs is not None else None),
        b"root": path_link(sb, t, lambda: t.fs.root if t.fs is not None else None),
        b"fd": _dir(lambda: fd_entries(sb, t), 0o500, uid),
        b"fdinfo": _dir(lambda: fdinfo_entries(sb, t), 0o500, uid),
        b"ns": _dir(lambda: ns_entries(sb, t), 0o511, uid),
    }
    if whole:
        out[b"task"] = _dir(lambda: {b"%d" % task_pid_nr_ns(th, sb.pid_ns): _task_dir(sb, th, False)
                                     for th in t.thread_group if live(th)}, 0o555, uid)
    return out


def _cmdline(t: Task) -> bytes:
    mm = t.mm                               # the address space at the time of the read
    return read_user_range(t, mm, mm.arg_start, mm.arg_end) if mm is not None else b""


# environ and maps read the address space the task had at open (proc_mem_open): after an
# exec or exit it is gone, and they read as empty, as on Linux (`tr < /proc/self/environ`).
def _environ_opener(sb: ProcSuperBlock, t: Task) -> Callable[[], bytes]:
    may_inspect(sb, t)
    mm = t.mm
    return lambda: read_user_range(t, mm, mm.env_start, mm.env_end) if mm is not None else b""


def _maps_opener(sb: ProcSuperBlock, t: Task) -> Callable[[], bytes]:
    mm = t.mm
    return lambda: b"" if mm is None or mm.users == 0 else proc_pid_maps(t, reader_root(sb, t), mm)


def _oom_store(sb: ProcSuperBlock, t: Task, legacy: bool) -> Callable[[bytes], None]:
    """oom_score_adj_write / oom_adj_write: a number in range (EINVAL), for a live task
    (ESRCH), CAP_SYS_RESOURCE to lower it (EACCES)."""
    def store(data: bytes) -> None:
        value = parse_oom_int(data)
        if legacy:
            value = oom_adj_to_score(value)
        if not live(t):
            raise KernelError(E.ESRCH)
        cur = sb.current()
        set_oom_adj(t, value, legacy, cur is not None and capable(cur, CAP_SYS_RESOURCE))
    return store


def _io_opener(sb: ProcSuperBlock, t: Task, whole: bool) -> Callable[[], bytes]:
    """proc_tgid_io_accounting / proc_tid_io_accounting: a thread's counters, or its group's
    (the live threads' plus the dead threads' and reaped children's in the signal struct)."""
    may_inspect(sb, t)

    def show() -> bytes:
        acct = TaskIoAccounting()
        if whole:
            acct.add(t.signal.ioac)
        for th in (t.thread_group if whole else [t]):
            acct.add(th.ioac)
        return acct.show()
    return show


def _mm_file(sb: ProcSuperBlock, t: Task,
             show: Callable[[Task, Path | None, MM | None], bytes]) -> Entry:
    """smaps, smaps_rollup: of the address space pinned at open, as maps."""
    def opener() -> Callable[[], bytes]:
        may_inspect(sb, t)
        mm = t.mm
        return lambda: b"" if mm is None or mm.users == 0 else show(t, reader_root(sb, t), mm)
    return lambda sb_, ino: ProcFile(sb_, ino, lambda: b"", None, 0o444, t.cred.euid,
                                     opener=opener)


class PagemapInode(Inode):
    """/proc/pid/pagemap (0400): opening it pins the address space (proc_mem_open)."""

    def __init__(self, sb_: ProcSuperBlock, ino: int, sb: ProcSuperBlock, t: Task) -> None:
        super().__init__(sb_, ino, stat.S_IFREG | 0o400, t.cred.euid)
        self.proc_sb, self.task = sb, t

    def open_file(self, flags: int, path: Path) -> File:
        may_inspect(self.proc_sb, self.task)
        return pagemap_opener(self.proc_sb.current(), self.task, self.task.mm, flags, path, self)


def _dir(entries: Callable[[], dict[bytes, Entry]], mode: int, uid: int) -> Entry:
    return lambda sb, ino: ProcDir(sb, ino, mode, entries, uid)


class ProcPidDir(ProcDir):
    """/proc/PID or /proc/PID/task/TID: a directory that names its task (``whole`` for the
    process's, Linux's proc_tgid_base_operations)."""

    def __init__(self, sb: ProcSuperBlock, ino: int, t: Task, whole: bool) -> None:
        super().__init__(sb, ino, 0o555, lambda: pid_entries(sb, t, whole) if live(t) else {},
                         t.cred.euid, t.cred.egid, 9)
        self.task, self.whole = t, whole


def tgid_dir_task(inode: Inode | None) -> Task | None:
    """tgid_pidfd_to_pid: the process a /proc/PID directory names, else None."""
    return inode.task if isinstance(inode, ProcPidDir) and inode.whole else None


def _task_dir(sb: ProcSuperBlock, t: Task, whole: bool) -> Entry:
    # numbered by the task as well as the name: a new process that reuses the pid gets
    # another inode, as Linux's proc_pid_make_inode gives each struct pid its own
    return lambda sb_, ino: ProcPidDir(sb_, proc_ino(ino, t.start_time), t, whole)


# -- the root ------------------------------------------------------------------------------------------
def _self_link(sb: ProcSuperBlock, thread: bool) -> Entry:
    def text() -> bytes:
        cur = sb.current()
        if cur is None:
            raise KernelError(E.ENOENT)
        ns = sb.pid_ns
        tgid, pid = task_tgid_nr_ns(cur, ns), task_pid_nr_ns(cur, ns)
        if not tgid:                          # a task outside the namespace proc shows
            raise KernelError(E.ENOENT)
        return b"%d/task/%d" % (tgid, pid) if thread else b"%d" % tgid
    return lambda sb_, ino: ProcLink(sb_, ino, text)


def proc_root_entries(sb: ProcSuperBlock) -> dict[bytes, Entry]:
    """The root's listing: registered entries, self, thread-self, then each thread group."""
    out = registry_entries(sb, None, sb.root)
    out[b"self"] = _self_link(sb, False)
    out[b"thread-self"] = _self_link(sb, True)
    pids = sb.pid_ns.pid_hash                 # the tasks of the mounter's pid namespace
    for nr in sorted(pids):
        t = pids[nr].task
        if t is not None and t.is_group_leader and t.state != TASK_DEAD:
            out[b"%d" % nr] = _task_dir(sb, t, True)
    return out


def proc_root_find(sb: ProcSuperBlock, name: bytes) -> Entry | None:
    """proc_root_lookup: a registered name, self, thread-self, or any live pid or tid (a tid
    resolves though the listing shows only thread groups, as on Linux)."""
    if name.isdigit() and not name.startswith(b"0"):
        t = find_task_by_pid_ns(int(name), sb.pid_ns)
        if t is None or t.state == TASK_DEAD:
            return None
        return _task_dir(sb, t, t.is_group_leader)
    if name in (b"self", b"thread-self"):
        return _self_link(sb, name == b"thread-self")
    return registry_find(sb, None, sb.root, name)

