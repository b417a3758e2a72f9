"""What the syscall table says about each call (syscalls/table.py): the ``Support`` record
(FULL or PARTIAL with a note; ABSENT is a number the table lacks), the ``Entry`` the
dispatcher looks up, and the notes several rows share.

Provides FULL, PARTIAL, ABSENT, ``Support``, ``partial(note)``, ``full(note)``, SUPPORTED,
``Entry``, and the shared notes (KEYS, RUSAGE, RLIMITS, CLOCKS, ...). Owns nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

FULL, PARTIAL, ABSENT = "full", "partial", "absent"


@dataclass(frozen=True)
class Support:
    """How much of a call pynix has: ``status`` FULL or PARTIAL, and ``note``, what is
    missing or different from Linux (for a FULL call a remark, or "")."""
    status: str
    note: str = ""


def partial(note: str) -> Support:
    return Support(PARTIAL, note)


def full(note: str) -> Support:
    """A call pynix has as Linux does, with a remark a user may want to know."""
    return Support(FULL, note)


SUPPORTED = Support(FULL)


@dataclass(frozen=True)
class Entry:
    name: str
    fn: Callable[..., object]
    sig: str
    blocking: bool
    nargs: int
    support: Support = SUPPORTED


# Notes shared by several calls.
KEYS = partial("key types user, logon and keyring; no request-key upcall (the key is negated, "
               "ENOENT or EOPNOTSUPP), so no request_key authority; no persistent keyrings, DH, "
               "public-key operations or key notifications (EOPNOTSUPP)")
RUSAGE = partial("struct rusage has only ru_utime and ru_stime; the other fields are 0")
RLIMITS = partial("every limit is kept and reported; RLIMIT_NOFILE, FSIZE, STACK, CORE, NPROC and "
                  "RTPRIO and SIGPENDING are enforced, CPU, DATA, AS, RSS, MEMLOCK, LOCKS, MSGQUEUE, "
                  "NICE and RTTIME are not")
CLOCKS = partial("REALTIME, MONOTONIC, their RAW and COARSE variants, BOOTTIME, the *_ALARM clocks "
                 "and the CPU-time clocks of any process or of a thread of the caller's "
                 "(clock_getcpuclockid, pthread_getcpuclockid); CLOCK_TAI and dynamic (fd) "
                 "clocks: EINVAL")
MSG_OOB = partial("MSG_OOB is ignored: there is no out-of-band data")
SOCKOPTS = partial("SOL_SOCKET: SO_TYPE, SO_ERROR, SO_ACCEPTCONN, SO_DOMAIN, SO_PROTOCOL, "
                   "SO_PEERCRED (read only), SO_RCVTIMEO, SO_SNDTIMEO, SO_PASSCRED; SO_LINGER, "
                   "SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_SNDBUF, SO_RCVBUF and the IP, "
                   "TCP and UDP options are kept and read back but change nothing; other options "
                   "ENOPROTOOPT, other levels EOPNOTSUPP")
ONE_CPU = full("the machine has one CPU")
CPU_ITIMERS = full("ITIMER_VIRTUAL and ITIMER_PROF expire when a task of the group returns "
                   "from user mode after the group's CPU time passed them, not on a tick")
RWF = full("RWF_HIPRI is accepted (no polled I/O); RWF_NOWAIT gives EAGAIN only where pynix "
           "would sleep (pipes, sockets, eventfds), since file I/O never waits for the disk")
XATTRS = partial("user, trusted and security names on ext2 (the EA block) and tmpfs; system.* "
                 "(POSIX ACLs) EOPNOTSUPP; other filesystems EOPNOTSUPP")
PTRACE = partial("TRACEME ATTACH SEIZE INTERRUPT LISTEN DETACH KILL, PEEK/POKE TEXT DATA USER (FOLL_FORCE; "
                 "u_debugreg kept, DR7 enabling EIO: no hardware breakpoints), GET/SETREGS, GET/SETFPREGS, "
                 "GET/SETREGSET (NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE: FP+SSE), GET/SETSIGINFO, GETEVENTMSG, "
                 "GET/SETSIGMASK, GET_SYSCALL_INFO (no seccomp), ARCH_PRCTL, SYSCALL SYSEMU CONT SINGLESTEP; "
                 "O_TRACEEXIT and O_TRACESECCOMP accepted but never stop; PEEKSIGINFO, SINGLEBLOCK: EIO")
