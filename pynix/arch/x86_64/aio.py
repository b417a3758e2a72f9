"""x86-64 Linux ABI of native AIO (include/uapi/linux/aio_abi.h, the ring header of fs/aio.c,
; the RWF_* flags are abi.py's). ABI facts only.

- ``IOCB`` (struct iocb, 64 bytes): aio_data, aio_key, aio_rw_flags, aio_lio_opcode,
  aio_reqprio, aio_fildes, aio_buf, aio_nbytes, aio_offset, aio_reserved2, aio_flags,
  aio_resfd; ``IOCB_KEY_OFF`` is where aio_key sits (io_submit writes KIOCB_KEY there).
- ``IO_EVENT`` (struct io_event, 32 bytes): data, obj, res, res2.
- ``AIO_RING`` (struct aio_ring's header, 32 bytes): id, nr, head, tail, magic,
  compat_features, incompat_features, header_length; the io_events follow it.
- ``AIO_SIGSET`` (struct __aio_sigset of io_pgetevents): sigmask pointer, sigsetsize.
"""
from __future__ import annotations

import struct

IOCB_CMD_PREAD, IOCB_CMD_PWRITE, IOCB_CMD_FSYNC, IOCB_CMD_FDSYNC = 0, 1, 2, 3
IOCB_CMD_POLL, IOCB_CMD_NOOP, IOCB_CMD_PREADV, IOCB_CMD_PWRITEV = 5, 6, 7, 8

IOCB_FLAG_RESFD = 1 << 0          # signal the eventfd in aio_resfd on completion
IOCB_FLAG_IOPRIO = 1 << 1         # aio_reqprio is an I/O priority (class and level)

KIOCB_KEY = 0                     # what io_submit stores in aio_key; io_cancel checks it

IOCB = struct.Struct("<QIIHhIQQqQII")
IOCB_KEY_OFF = 8
IO_EVENT = struct.Struct("<QQqq")
AIO_RING = struct.Struct("<IIIIIIII")
AIO_RING_MAGIC = 0xA10A10A1
AIO_RING_COMPAT_FEATURES = 1
AIO_RING_INCOMPAT_FEATURES = 0
AIO_RING_HEAD_OFF, AIO_RING_TAIL_OFF = 8, 12    # offsetof(struct aio_ring, head / tail)
AIO_SIGSET = struct.Struct("<QQ")

AIO_MAX_NR_DEFAULT = 0x10000      # /proc/sys/fs/aio-max-nr at boot

# per-I/O flags of preadv2/pwritev2 and iocb.aio_rw_flags (include/uapi/linux/fs.h)
