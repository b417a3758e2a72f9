"""Syscall tracing in strace's format: ``[pid N] openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3``.

Each table entry carries an argument signature, one letter per argument:
``d`` signed int, ``u`` unsigned, ``x`` pointer/hex, ``s`` path string, ``f`` fd or dirfd
(AT_FDCWD), ``o`` open flags, ``m`` octal mode, ``p`` mmap prot, ``M`` mmap flags,
``v`` argv-style array, ``e`` envp (address and count), ``S`` signal number, ``F`` futex
operation, ``A`` arch_prctl code. Errors print as ``-1 ENOENT (...)`` like strace.
String arguments are read at entry; a call that blocks prints ``<unfinished ...>`` and its
result later with ``<... name resumed>``.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import thread as X
from pynix.arch.x86_64.syscall_nr import NR
from pynix.mm.uaccess import copy_from_user, get_ptr_array, strncpy_from_user

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task
    from pynix.syscalls.support import Entry

_OPEN_FLAGS = [(A.O_WRONLY, "O_WRONLY"), (A.O_RDWR, "O_RDWR"), (A.O_CREAT, "O_CREAT"),
               (A.O_EXCL, "O_EXCL"), (A.O_NOCTTY, "O_NOCTTY"), (A.O_TRUNC, "O_TRUNC"),
               (A.O_APPEND, "O_APPEND"), (A.O_NONBLOCK, "O_NONBLOCK"), (A.O_DIRECTORY, "O_DIRECTORY"),
               (A.O_NOFOLLOW, "O_NOFOLLOW"), (A.O_CLOEXEC, "O_CLOEXEC"), (A.O_LARGEFILE, "O_LARGEFILE"),
               (A.O_PATH, "O_PATH")]
_PROT = [(A.PROT_READ, "PROT_READ"), (A.PROT_WRITE, "PROT_WRITE"), (A.PROT_EXEC, "PROT_EXEC")]
_MAP = [(A.MAP_SHARED, "MAP_SHARED"), (A.MAP_PRIVATE, "MAP_PRIVATE"), (A.MAP_FIXED, "MAP_FIXED"),
        (A.MAP_ANONYMOUS, "MAP_ANONYMOUS"), (A.MAP_GROWSDOWN, "MAP_GROWSDOWN"),
        (A.MAP_NORESERVE, "MAP_NORESERVE"), (A.MAP_POPULATE, "MAP_POPULATE"), (A.MAP_STACK, "MAP_STACK")]
_FUTEX_CMDS = {getattr(X, n): n for n in (
    "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE", "FUTEX_WAKE_OP",
    "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI", "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET",
    "FUTEX_WAIT_REQUEUE_PI", "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2")}
_FUTEX_NARGS = {X.FUTEX_WAIT: 4, X.FUTEX_WAKE: 3, X.FUTEX_FD: 3, X.FUTEX_REQUEUE: 5,
                X.FUTEX_LOCK_PI: 4, X.FUTEX_LOCK_PI2: 4, X.FUTEX_UNLOCK_PI: 2, X.FUTEX_TRYLOCK_PI: 2}
_ARCH_PRCTL = {A.ARCH_SET_GS: "ARCH_SET_GS", A.ARCH_SET_FS: "ARCH_SET_FS", A.ARCH_GET_FS: "ARCH_GET_FS",
               A.ARCH_GET_GS: "ARCH_GET_GS", A.ARCH_GET_CPUID: "ARCH_GET_CPUID",
               A.ARCH_SET_CPUID: "ARCH_SET_CPUID"}
_NAMES = {nr: name for name, nr in NR.items()}
SIGNAMES = {v: k for k, v in vars(A).items() if k.startswith("SIG") and not k.startswith("SIG_")
            and isinstance(v, int) and 0 < v < 32 and k not in ("SIGRTMIN",)}


def _flags(v: int, table: list[tuple[int, str]], zero: str) -> str:
    names = [n for bit, n in table if v & bit == bit and bit]
    rest = v & ~sum(b for b, _ in table)
    if rest:
        names.append(hex(rest))
    return "|".join(names) or zero


def _futex_op(v: int) -> str:
    """strace's FUTEX_WAIT_PRIVATE, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, ..."""
    v &= 0xFFFF_FFFF
    cmd = v & X.FUTEX_CMD_MASK
    name = _FUTEX_CMDS.get(cmd, str(cmd))
    if v & X.FUTEX_PRIVATE_FLAG:
        name += "_PRIVATE"
    if v & X.FUTEX_CLOCK_REALTIME:
        name += "|FUTEX_CLOCK_REALTIME"
    return name


def _s64(v: int) -> int:
    return v - (1 << 64) if v & (1 << 63) else v


class Tracer:
    def __init__(self, kernel: Kernel, out: object = None) -> None:
        self.k = kernel
        self.out = out or sys.stderr
        self.pending: dict[int, str] = {}

    def _fmt_arg(self, t: Task, kind: str, v: int) -> str:
        try:
            if kind == "d":
                return str(_s64(v))
            if kind == "u":
                return str(v)
            if kind == "f":
                fd = _s64(v) if v >> 32 == 0xFFFFFFFF or v >> 63 else v & 0xFFFFFFFF
                fd = fd - (1 << 32) if fd >= 1 << 31 else fd
                return "AT_FDCWD" if fd == A.AT_FDCWD else str(fd)
            if kind == "s":
                if v == 0 or t.mm is None:
                    return "NULL"
                s = strncpy_from_user(t.mm, v, 4096)
                return '"' + s.decode("utf-8", "backslashreplace")[:128] + '"'
            if kind == "v":
                if v == 0 or t.mm is None:
                    return "NULL"
                ptrs = get_ptr_array(t.mm, v)
                items = ['"' + strncpy_from_user(t.mm, p, 4096).decode("utf-8", "backslashreplace")[:64] + '"'
                         for p in ptrs[:8]]
                return "[" + ", ".join(items) + (", ..." if len(ptrs) > 8 else "") + "]"
            if kind == "o":
                acc = {0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR"}.get(v & 3, "3")
                rest = _flags(v & ~3, _OPEN_FLAGS[2:], "")
                return acc + ("|" + rest if rest else "")
            if kind == "m":
                return oct(v & 0o7777777).replace("0o", "0")
            if kind == "p":
                return _flags(v, _PROT, "PROT_NONE")
            if kind == "M":
                return _flags(v, _MAP, "0")
            if kind == "S":
                return SIGNAMES.get(v, str(v))
            if kind == "F":
                return _futex_op(v)
            if kind == "A":
                return _ARCH_PRCTL.get(v, hex(v))
            if kind == "e":                 # envp: strace shows the address and a count
                if v == 0 or t.mm is None:
                    return "NULL"
                return f"{v:#x} /* {len(get_ptr_array(t.mm, v))} vars */"
            if kind == "b":
                if t.mm is None:
                    return hex(v)
                data = copy_from_user(t.mm, v, 32)
                return repr(data)
        except Exception:
            return hex(v)
        return hex(v) if v else "NULL"

    def _call(self, t: Task, ent: Entry, args: tuple[int, ...]) -> str:
        parts = [self._fmt_arg(t, k, v) for k, v in zip(ent.sig, args)]
        if ent.name in ("open", "openat") and not args[len(parts) - 2] & (A.O_CREAT | A.O_TMPFILE):
            parts.pop()                     # strace shows the mode only when one is used
        if ent.name == "futex":             # as many arguments as the operation reads
            parts[2] = str(args[2] & 0xFFFF_FFFF)
            del parts[_FUTEX_NARGS.get(args[1] & X.FUTEX_CMD_MASK, 6):]
        return f"[pid {t.pid}] {ent.name}(" + ", ".join(parts) + ")"

    def enter(self, t: Task, ent: Entry, args: tuple[int, ...]) -> None:
        self.pending[t.pid] = self._call(t, ent, args)

    def blocked(self, t: Task, ent: Entry) -> None:
        call = self.pending.get(t.pid, "")
        self._write(call[:-1] + " <unfinished ...>")
        self.pending[t.pid] = f"[pid {t.pid}] <... {ent.name} resumed>)"

    def exit(self, t: Task, ent: Entry, args: object, ret: int) -> None:
        call = self.pending.pop(t.pid, f"[pid {t.pid}] {ent.name}(...)")
        self._write(f"{call} = {self.format_ret(ent, ret)}")

    def unknown(self, t: Task, nr: int, a: object) -> None:
        name = _NAMES.get(nr, f"syscall_{nr:#x}")
        self._write(f"[pid {t.pid}] {name}(...) = -1 ENOSYS (Function not implemented)")

    def note(self, t: Task, call: str, result: str) -> None:
        """A call the kernel made on the task's behalf (the first execve at boot)."""
        self._write(f"[pid {t.pid}] {call} = {result}")

    @staticmethod
    def format_ret(ent: Entry, ret: int) -> str:
        if -4096 < ret < 0:
            err = -ret
            name = E.NAMES.get(err, str(err))
            if err in (E.ERESTARTSYS, E.ERESTARTNOINTR, E.ERESTARTNOHAND, E.ERESTART_RESTARTBLOCK):
                return f"? {name} (To be restarted)"
            return f"-1 {name} ({os.strerror(err)})"
        if ent.name in ("mmap", "brk", "mremap", "shmat"):
            return hex(ret)
        return str(ret)

    def _write(self, line: str) -> None:
        try:
            self.out.write(line + "\n")  # type: ignore[attr-defined]
            self.out.flush()  # type: ignore[attr-defined]
        except Exception:
            pass
