"""x86-64 Linux System V IPC ABI: flags, commands, limits and the struct layouts of
include/uapi/linux/ipc.h, msg.h, sem.h, shm.h with the asm-generic ipc64_perm, msqid64_ds,
shmid64_ds and x86's semid64_ds. ABI facts only: values and packers, no logic.
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
MSG_LONG = struct.Struct("<q")          # msgbuf.mtype
MSGINFO = struct.Struct("<7iH2x")      # msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql, msgseg
SEMINFO = struct.Struct("<10i")         # semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz,
                                        # semvmx, semaem
SHMINFO64 = struct.Struct("<5Q32x")     # shmmax, shmmin, shmmni, shmseg, shmall
SHM_INFO_S = struct.Struct("<i4x5Q")    # used_ids, shm_tot, shm_rss, shm_swp, swap_attempts/successes
MSGSSZ, MSGSEG = 16, 0xFFFF
MSGPOOL = MSGMNI * MSGMNB // 1024
SEMUSZ = 20
