"""Boot: from a configuration to a running first process (Linux init/main.c start_kernel,
rest_init, kernel_init, run_init_process; Bach ch. 7.9 "the system boot and the init process").

``run(cfg)`` is the whole life of one machine. ``Machine(cfg)`` is start_kernel: it builds the
kernel (physical memory, CPU), mounts the root filesystem and the standard mounts (/dev, /tmp,
/dev/shm, /proc, /sys), binds host paths, wires the console to the host's stdio, installs the system
call entry, and starts pid 2, kthreadd, which starts the flusher. ``Machine.run()`` then
starts pid 1 and runs the scheduler until the machine stops:

- ``pynix run``: pid 1 is a kernel-side init that reaps orphans and waits for the program;
  ``spawn`` starts the program as pid 1's child; ``run`` returns its exit status (128+N when
  killed by signal N).
- ``pynix boot`` (``cfg.boot``): pid 1 is the real /sbin/init with /dev/console as fds 0-2
  (``run_init_process``); ``run`` returns 0 once reboot(2) powers the machine off.

The console is the tty layer (drivers/tty.py over machine/hostterm.py) when booting or when
the host's stdin is a terminal; ``pynix run`` with piped or redirected stdio passes the host
streams through (drivers/hoststream.py) so its output compares byte for byte with Linux.

Importing this module is Linux's do_initcalls: the subsystems it imports register their
/proc files (fs/filesystems.py, ipc/procfs.py, procfs's own files) as they load.

Owns: the Machine (its kernel, console and exit status). This is the top of the kernel: it
imports any layer below and nothing imports it but the command line and tests.
"""
from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from typing import Generator

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.termbits import LINUX_REBOOT_CMD_POWER_OFF
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_ZOMBIE
from pynix.base.wait import wait_event
from pynix.drivers.hoststream import HostInput, HostStream
from pynix.drivers.pty import register_ptmx
from pynix.drivers.tty import TtyStruct, register_console
from pynix.drivers.tty_jobctrl import proc_set_tty
from pynix.fs import filesystems  # noqa: F401  (initcall: registers /proc/filesystems)
from pynix.fs.devices import register_chrdev
from pynix.fs.devpts import DevptsSuperBlock
from pynix.fs.devtmpfs import make_devfs
from pynix.fs.ext2.super import mount_image
from pynix.fs.hostfs import HostSuperBlock
from pynix.fs.procfs import ProcSuperBlock
from pynix.fs.sysfs import SysfsSuperBlock
from pynix.fs.tmpfs import TmpfsSuperBlock
from pynix.fs.vfs.dcache import MS_NODEV, MS_NOEXEC, MS_NOSUID
from pynix.fs.vfs.file import FdTable
from pynix.fs.vfs.mount import VFS
from pynix.fs.vfs.namei import namei
from pynix.fs.vfs.ops import do_open, vfs_mkdir
from pynix.fs.writeback import start_flusher
from pynix.ipc import procfs as ipc_procfs  # noqa: F401  (initcall: /proc/sysvipc, IPC sysctls)
from pynix.security.keys import proc as keys_procfs  # noqa: F401  (initcall: /proc/keys, key sysctls)
from pynix.kernel.exec import do_execve
from pynix.kernel.exit import do_wait
from pynix.kernel.kernel import Kernel
from pynix.kernel.kthread import kthread_create, start_kthreadd
from pynix.kernel.printk import printk
from pynix.kernel.reboot import kernel_shutdown
from pynix.kernel.sched import schedule
from pynix.kernel.task import Cred, FsStruct, SigHand, Task
from pynix.kernel.version import LINUX_BANNER
from pynix.machine.hostterm import HostTerminal
from pynix.syscalls.dispatch import Dispatcher

# /dev/pts as systemd mounts it: slaves in group tty (5), mode 0620
DEVPTS_OPTIONS = b"gid=5,mode=620"


@dataclass
class Config:
    root: str | None = None                 # host directory for the root filesystem
    image: str | None = None                # ext2 image for the root filesystem
    binds: list[tuple[str, str]] = field(default_factory=list)   # (host, guest)
    env: list[str] = field(default_factory=list)
    cwd: str = "/"
    argv: list[str] = field(default_factory=list)
    strace: bool = False
    mem_mb: int = 1024
    hostname: str = "pynix"
    boot: bool = False                      # pynix boot: /sbin/init as pid 1


def mkdir_p(fs: FsStruct, path: bytes) -> None:
    cur = b""
    for comp in [c for c in path.split(b"/") if c]:
        cur += b"/" + comp
        try:
            namei(fs, cur)
        except KernelError as e:
            if e.errno != E.ENOENT:
                raise
            vfs_mkdir(fs, cur, 0o755)


def is_host_null(fd: int) -> bool:
    """Is the host's descriptor fd its /dev/null?"""
    try:
        st, null = os.fstat(fd), os.stat("/dev/null")
    except OSError:
        return False
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == null.st_rdev


def make_root_sb(cfg: Config):  # type: ignore[no-untyped-def]
    if cfg.image:
        try:
            # named as Linux names a root the kernel mounts itself, not by the host's path
            return mount_image(cfg.image), "/dev/root"
        except (KernelError, OSError) as e:        # a damaged or foreign disk: refuse it
            raise SystemExit(f"pynix: cannot mount {cfg.image} as the root: {e}") from None
    assert cfg.root is not None
    return HostSuperBlock(cfg.root), cfg.root


class Machine:
    """One booted pynix: the kernel plus its root, console and init."""

    def __init__(self, cfg: Config) -> None:
        """start_kernel: the kernel, its root and standard mounts, the console, the system
        call entry, and pid 2 (kthreadd with the flusher); pid 1 is started by ``run``."""
        self.cfg = cfg
        k = self.k = Kernel(cfg.mem_mb << 20)
        printk(k, LINUX_BANNER.decode().rstrip("\n"), level=5)
        printk(k, f"Memory: {cfg.mem_mb << 10}K available")
        k.init_uts_ns.hostname = cfg.hostname.encode()
        k.need_resched = False
        k.vfs = VFS()
        sb, source = make_root_sb(cfg)
        root = k.vfs.mount_root(sb, source)
        assert k.vfs.mounts is not None
        cred = Cred()
        fs = FsStruct(root, root, k.vfs.mounts, cred)
        k.init_fs = fs
        k.kthreadd = None
        self._standard_mounts(fs)
        for host, guest in cfg.binds:
            self._bind(fs, host, guest)
        self._console()
        register_ptmx(k)
        k.syscalls = Dispatcher(k, trace=cfg.strace)
        k.cpu.on_syscall = k.syscalls.entry
        self.exit_status: int | None = None
        self.main: Task | None = None
        k.power_state = None
        if cfg.boot:
            self.init_pid = k.pids.alloc()          # pid 1: /sbin/init, exec'd in run()
        else:
            k.init_task = kthread_create(k, b"init", self._init_body, pid=k.pids.alloc())
            k.init_task.real_parent = k.init_task.parent = None
        start_kthreadd(k)
        start_flusher(k)

    def _standard_mounts(self, fs: FsStruct) -> None:
        k = self.k
        for path, sb, flags in ((b"/dev", make_devfs(), MS_NOSUID),
                                (b"/tmp", TmpfsSuperBlock(1 << 30), MS_NOSUID | MS_NODEV),
                                (b"/dev/shm", TmpfsSuperBlock(1 << 28), MS_NOSUID | MS_NODEV),
                                (b"/dev/pts", DevptsSuperBlock(DEVPTS_OPTIONS), MS_NOSUID | MS_NOEXEC)):
            try:
                at = namei(fs, path)
            except KernelError:
                if path.startswith(b"/dev/"):
                    continue
                try:
                    mkdir_p(fs, path)
                    at = namei(fs, path)
                except KernelError:
                    continue
            if path == b"/tmp":
                sb.root.mode = stat.S_IFDIR | 0o1777
            k.vfs.mount(sb, at, sb.fs_name if path != b"/dev" else "devtmpfs", flags)
        for where, sb in ((b"/proc", ProcSuperBlock(k)), (b"/sys", SysfsSuperBlock())):
            try:
                at = namei(fs, where)               # only where the root has the directory
            except KernelError:
                continue
            k.vfs.mount(sb, at, sb.fs_name, MS_NOSUID | MS_NODEV | MS_NOEXEC)

    def _bind(self, fs: FsStruct, host: str, guest: str) -> None:
        k = self.k
        sb = HostSuperBlock(host)
        g = guest.encode()
        try:
            at = namei(fs, g)
        except KernelError:
            if sb.root.is_dir():
                mkdir_p(fs, g)
            else:
                parent = os.path.dirname(guest) or "/"
                mkdir_p(fs, parent.encode())
                do_open(fs, g, A.O_CREAT | A.O_WRONLY, 0o644).put()
            at = namei(fs, g)
        try:
            k.vfs.mount(sb, at, host)
        except KernelError as e:             # e.g. a file bound over a directory
            kind = "directory" if sb.root.is_dir() else "file"
            raise SystemExit(f"pynix: --bind {host}:{guest}: cannot put a {kind} there: "
                             f"{os.strerror(e.errno)}") from None

    def _console(self) -> None:
        k = self.k
        self.tty: TtyStruct | None = None
        if self.cfg.boot or os.isatty(0):
            out = 1 if self.cfg.boot or os.isatty(1) or not os.isatty(2) else 2
            self.hostterm = HostTerminal(0, out, k.irq.post)
            self.tty = TtyStruct(k, b"tty1", self.hostterm, A.makedev(4, 1))
            register_console(self.tty)
            return
        self.stdin = HostInput(0, k.irq.post)       # no terminal: /dev/tty is ENXIO, as on Linux
        register_chrdev(5, 1, lambda flags, path: HostStream(flags, 1, self.stdin))

    def console_files(self) -> FdTable:
        files = FdTable()
        if self.tty is not None:
            for fd in (0, 1, 2):
                files.install(fd, do_open(self.k.init_fs, b"/dev/tty1", A.O_RDWR, 0)
                              if os.isatty(fd) or fd == 0 else HostStream(A.O_WRONLY, fd))
            return files
        for fd, flags in ((0, A.O_RDONLY), (1, A.O_WRONLY), (2, A.O_WRONLY)):
            if is_host_null(fd):            # the guest's own /dev/null, so it looks the same
                files.install(fd, do_open(self.k.init_fs, b"/dev/null", flags, 0))
            else:
                files.install(fd, HostStream(flags, None, self.stdin) if fd == 0 else HostStream(flags, fd))
        return files

    def _init_body(self, t: Task) -> Generator[None, None, object]:
        """pid 1 for `pynix run`: reap every child; note the program's status."""
        while True:
            try:
                res = yield from do_wait(t, A.P_ALL, 0, A.WEXITED | A.WALL)
            except KernelError as e:
                if e.errno == E.ECHILD:
                    seq = t.signal.wait_seq
                    yield from wait_event(t, t.signal.wait_chldexit, lambda: t.signal.wait_seq != seq,
                                          interruptible=False)
                    continue
                if e.errno == E.ERESTARTSYS:
                    t.pending.clear()
                    t.signal.shared_pending.clear()
                    continue
                raise
            if res is not None and self.main is not None and res.pid == self.main.tgid:
                self.exit_status = res.status

    def spawn(self, argv: list[str], env: list[str], cwd: str) -> Task:
        """Create the program's task as a child of init and exec it."""
        k = self.k
        init = k.init_task
        assert init is not None
        t = Task(k, k.pids.alloc(), b"")
        t.sighand = SigHand()
        t.files = self.console_files()
        t.fs = k.init_fs.copy(t.cred)
        t.real_parent = t.parent = init
        init.children.append(t)
        t.signal.pgrp = t.signal.session = t.pid
        t.mm = None
        try:
            p = namei(t.fs, cwd.encode())
            t.fs.cwd = p
        except KernelError as e:
            raise SystemExit(f"pynix: --cwd {cwd}: {os.strerror(e.errno)}") from None
        try:
            do_execve(t, argv[0].encode(), [a.encode() for a in argv], [e.encode() for e in env])
        except KernelError as e:
            raise SystemExit(f"pynix: {argv[0]}: {os.strerror(e.errno)}") from None
        if k.syscalls.tracer is not None:            # strace's first line: the traced exec
            shown = ", ".join('"' + a[:64] + '"' for a in argv[:8]) + (", ..." if len(argv) > 8 else "")
            k.syscalls.tracer.note(t, f'execve("{argv[0]}", [{shown}], /* {len(env)} vars */)', "0")
        k.add_task(t)
        self.main = t
        if self.tty is not None:
            proc_set_tty(t, self.tty)              # the program controls the terminal
        return t

    def start_init(self) -> Task:
        """kernel_init / run_init_process: pid 1 = /sbin/init on /dev/console, no session yet,
        no parent."""
        k = self.k
        t = Task(k, self.init_pid, b"")
        t.sighand = SigHand()
        t.fs = k.init_fs.copy(t.cred)
        t.files = FdTable()
        try:
            for fd in (0, 1, 2):
                t.files.install(fd, do_open(t.fs, b"/dev/console", A.O_RDWR, 0))
        except KernelError:
            k.log.write("Warning: unable to open an initial console.\r\n")   # as Linux says
        try:
            do_execve(t, b"/sbin/init", [b"/sbin/init"], [b"HOME=/", b"TERM=linux"])
        except KernelError as e:
            raise SystemExit(f"pynix: /sbin/init: {os.strerror(e.errno)}") from None
        k.init_task = t
        k.add_task(t)
        return t

    def boot(self) -> int:
        k = self.k
        init = self.start_init()
        if self.tty is not None and not os.isatty(0):     # a script on stdin: its end powers off
            self.tty.on_input_end = lambda: kernel_shutdown(k, LINUX_REBOOT_CMD_POWER_OFF)
        schedule(k, lambda: k.power_state is not None or init.state in (TASK_ZOMBIE, TASK_DEAD))
        if k.power_state is None:
            k.log.write(f"\r\nKernel panic - not syncing: Attempted to kill init! "
                        f"exitcode={init.exit_code:#010x}\r\n")
            return 1
        return 0

    def run(self) -> int:
        cfg = self.cfg
        k = self.k
        try:
            if self.tty is not None:
                self.hostterm.start(self.tty)
            if cfg.boot:
                return self.boot()
            self.spawn(cfg.argv, cfg.env, cfg.cwd)
            schedule(k, lambda: self.exit_status is not None or k.power_state is not None)
        finally:
            k.irq.stopping = True
            k.vfs.shutdown()
            sys.stdout.flush()
            if self.tty is not None:
                self.hostterm.restore()
        st = self.exit_status or 0
        if st & 0x7F:
            return 128 + (st & 0x7F)
        return (st >> 8) & 0xFF


def run(cfg: Config) -> int:
    return Machine(cfg).run()

