"""x86-64 Linux ABI of io_uring (include/uapi/linux/io_uring.h). ABI facts only.

- ``IO_URING_PARAMS`` (struct io_uring_params, 120 bytes): sq_entries, cq_entries, flags,
  sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3], then ``io_sqring_offsets`` (head,
  tail, ring_mask, ring_entries, flags, dropped, array, resv1, user_addr) and
  ``io_cqring_offsets`` (head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1,
  user_addr).
- ``SQE`` (struct io_uring_sqe, 64 bytes): opcode, flags, ioprio, fd, off, addr, len, op_flags
  (rw_flags / poll32_events / timeout_flags / msg_flags / open_flags ...), user_data,
  buf_index, personality, file_index, addr3, pad.
- ``CQE`` (struct io_uring_cqe, 16 bytes): user_data, res, flags.
- The ring layout pynix reports (struct io_rings, as Linux lays it out: the indices on their
  own cache lines, the CQEs after the masks, the SQ index array after the CQEs).
- ``PROBE`` / ``PROBE_OP``: struct io_uring_probe and io_uring_probe_op.
"""
from __future__ import annotations

import struct

IO_URING_PARAMS = struct.Struct("<IIIIIII3I" + "IIIIIIIIQ" + "IIIIIIIIQ")
SQE = struct.Struct("<BBHiQQIIQHHiQQ")
CQE = struct.Struct("<QiI")
PROBE = struct.Struct("<BBH3I")
PROBE_OP = struct.Struct("<BBHI")
IO_URING_OP_SUPPORTED = 1

# mmap offsets
IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES = 0, 0x8000000, 0x10000000
IORING_OFF_MMAP_MASK = 0xF8000000

# struct io_rings field offsets
SQ_HEAD, SQ_TAIL, CQ_HEAD, CQ_TAIL = 0, 64, 128, 192
SQ_RING_MASK, CQ_RING_MASK, SQ_RING_ENTRIES, CQ_RING_ENTRIES = 256, 260, 264, 268
SQ_DROPPED, SQ_FLAGS, CQ_FLAGS, CQ_OVERFLOW = 272, 276, 280, 284
CQES_OFF = 320

# io_uring_setup flags
IORING_SETUP_IOPOLL, IORING_SETUP_SQPOLL, IORING_SETUP_SQ_AFF = 1 << 0, 1 << 1, 1 << 2
IORING_SETUP_CQSIZE, IORING_SETUP_CLAMP, IORING_SETUP_ATTACH_WQ = 1 << 3, 1 << 4, 1 << 5
IORING_SETUP_R_DISABLED = 1 << 6
IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES = 32768, 2 * 32768

# features
IORING_FEAT_SINGLE_MMAP, IORING_FEAT_NODROP, IORING_FEAT_SUBMIT_STABLE = 1 << 0, 1 << 1, 1 << 2
IORING_FEAT_RW_CUR_POS = 1 << 3

# io_uring_enter flags
IORING_ENTER_GETEVENTS, IORING_ENTER_SQ_WAKEUP, IORING_ENTER_SQ_WAIT = 1 << 0, 1 << 1, 1 << 2
IORING_ENTER_EXT_ARG = 1 << 3

# sqe.flags
IOSQE_FIXED_FILE, IOSQE_IO_DRAIN, IOSQE_IO_LINK = 1 << 0, 1 << 1, 1 << 2
IOSQE_IO_HARDLINK, IOSQE_ASYNC, IOSQE_BUFFER_SELECT = 1 << 3, 1 << 4, 1 << 5
IOSQE_CQE_SKIP_SUCCESS = 1 << 6

# opcodes
(IORING_OP_NOP, IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_FSYNC, IORING_OP_READ_FIXED,
 IORING_OP_WRITE_FIXED, IORING_OP_POLL_ADD, IORING_OP_POLL_REMOVE, IORING_OP_SYNC_FILE_RANGE,
 IORING_OP_SENDMSG, IORING_OP_RECVMSG, IORING_OP_TIMEOUT, IORING_OP_TIMEOUT_REMOVE,
 IORING_OP_ACCEPT, IORING_OP_ASYNC_CANCEL, IORING_OP_LINK_TIMEOUT, IORING_OP_CONNECT,
 IORING_OP_FALLOCATE, IORING_OP_OPENAT, IORING_OP_CLOSE, IORING_OP_FILES_UPDATE,
 IORING_OP_STATX, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FADVISE, IORING_OP_MADVISE,
 IORING_OP_SEND, IORING_OP_RECV) = range(28)
IORING_OP_LAST = 58                     # Linux 6.x's count of opcodes

IORING_FSYNC_DATASYNC = 1
IORING_TIMEOUT_ABS = 1
IORING_POLL_ADD_MULTI = 1

# io_uring_register opcodes
IORING_REGISTER_BUFFERS, IORING_UNREGISTER_BUFFERS = 0, 1
IORING_REGISTER_FILES, IORING_UNREGISTER_FILES = 2, 3
IORING_REGISTER_EVENTFD, IORING_UNREGISTER_EVENTFD = 4, 5
IORING_REGISTER_PROBE = 8
IORING_MAX_REG_BUFFERS = 1 << 14
IORING_MAX_FIXED_FILES = 1 << 15
