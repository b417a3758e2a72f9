"""x86-64 Linux IPC ABI: System V IPC's flags, commands, limits and the struct layouts of
include/uapi/linux/ipc.h, msg.h, sem.h, shm.h with the asm-generic ipc64_perm, msqid64_ds,
shmid64_ds and x86's semid64_ds; POSIX message queues' struct mq_attr (uapi/linux/mqueue.h).
ABI facts only: values and packers, no logic.
"""
from __future__ import annotations

import struct

IPC_PRIVATE = 0
IPC_CREAT, IPC_EXCL, IPC_NOWAIT = 0o1000, 0o2000, 0o4000
IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO = 0, 1, 2, 3
IPC_64 = 0x100

# msg
MSG_NOERROR, MSG_EXCEPT, MSG_COPY = 0o10000, 0o20000, 0o40000
MSG_STAT, MSG_INFO, MSG_STAT_ANY = 11, 12, 13
MSGMAX, MSGMNB, MSGMNI = 8192, 16384, 32000

# sem
SEM_UNDO = 0x1000
GETPID, GETVAL, GETALL, GETNCNT, GETZCNT, SETVAL, SETALL = 11, 12, 13, 14, 15, 16, 17
SEM_STAT, SEM_INFO, SEM_STAT_ANY = 18, 19, 20
SEMMSL, SEMMNS, SEMOPM, SEMMNI, SEMVMX, SEMAEM = 32000, 1024000000, 500, 32000, 32767, 32767

# shm
SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC = 0o10000, 0o20000, 0o40000, 0o100000
SHM_LOCK, SHM_UNLOCK, SHM_STAT, SHM_INFO, SHM_STAT_ANY = 11, 12, 13, 14, 15
SHM_DEST, SHM_LOCKED = 0o1000, 0o2000
SHM_HUGETLB = 0o4000                   # shmget: back the segment with huge pages
SHMMIN, SHMMNI, SHMLBA = 1, 4096, 4096
SHMMAX = SHMALL = 0xFFFFFFFFFFFFFFFF - (1 << 24)

IPCMNI_SEQ_MULTIPLIER = 32768

# struct ipc64_perm: key, uid, gid, cuid, cgid, mode, seq, __pad2, __unused1, __unused2
IPC64_PERM = struct.Struct("<iIIIIIHH4x16x")
# struct msqid64_ds: perm, stime, rtime, ctime, cbytes, qnum, qbytes, lspid, lrpid, unused*2
MSQID64_DS = struct.Struct("<48sqqqQQQii16x")
# x86-64 struct semid64_ds: perm, otime, unused, ctime, unused, nsems, unused*2
SEMID64_DS = struct.Struct("<48sq8xq8xQ16x")
# struct shmid64_ds: perm, segsz, atime, dtime, ctime, cpid, lpid, nattch, unused*2
SHMID64_DS = struct.Struct("<48sQqqqiiQ16x")
SEMBUF = struct.Struct("<Hhh")          # sem_num, sem_op, sem_flg
SEMVAL = struct.Struct("<H")            # one unsigned short of semctl's GETALL/SETALL array
MSG_LONG = struct.Struct("<q")          # msgbuf.mtype; mtext follows it
MSGINFO = struct.Struct("<7iH2x")      # msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql, msgseg
SEMINFO = struct.Struct("<10i")         # semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz,
                                        # semvmx, semaem
SHMINFO64 = struct.Struct("<5Q32x")     # shmmax, shmmin, shmmni, shmseg, shmall
SHM_INFO_S = struct.Struct("<i4x5Q")    # used_ids, shm_tot, shm_rss, shm_swp, swap_attempts/successes
MSGSSZ, MSGSEG = 16, 0xFFFF
MSGPOOL = MSGMNI * MSGMNB // 1024
SEMUSZ = 20

# POSIX message queues
MQ_PRIO_MAX = 32768
MQ_ATTR = struct.Struct("<qqqq32x")     # struct mq_attr: mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs
SI_MESGQ = -3                           # si_code of a message-queue notification


def pack_ipc64_perm(key: int, uid: int, gid: int, cuid: int, cgid: int, mode: int,
                    seq: int) -> bytes:
    """struct ipc64_perm, the head of every *id64_ds (seq is an unsigned short there)."""
    m = 0xFFFF_FFFF                      # ids and mode are u32 in ipc64_perm
    return IPC64_PERM.pack(key, uid & m, gid & m, cuid & m, cgid & m, mode & m, seq & 0xFFFF, 0)


def unpack_ipc64_perm_set(raw: bytes) -> tuple[int, int, int]:
    """(uid, gid, mode): the fields of a user ipc64_perm that IPC_SET takes."""
    _key, uid, gid, _cuid, _cgid, mode, _seq, _pad = IPC64_PERM.unpack_from(raw)
    return uid, gid, mode


def unpack_msqid64_qbytes(raw: bytes) -> int:
    """msg_qbytes of a user struct msqid64_ds (what msgctl's IPC_SET may change)."""
    return MSQID64_DS.unpack_from(raw)[6]


def pack_semvals(vals: list[int]) -> bytes:
    """semctl GETALL's array of unsigned shorts."""
    return b"".join(SEMVAL.pack(v) for v in vals)


def unpack_semvals(raw: bytes) -> list[int]:
    """semctl SETALL's array of unsigned shorts."""
    return [v for (v,) in SEMVAL.iter_unpack(raw)]
