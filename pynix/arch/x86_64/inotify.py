"""inotify's ABI (Linux include/uapi/linux/inotify.h) and the fsnotify event bits it shares
with fanotify (include/linux/fsnotify_backend.h: FS_* equal IN_* for the common events).

``INOTIFY_EVENT`` is struct inotify_event's fixed part: int wd; u32 mask, cookie, len; the
name (len bytes, NUL-padded) follows it.
"""
from __future__ import annotations

import struct

IN_ACCESS = 0x00000001
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
IN_OPEN = 0x00000020
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_CLOSE = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
IN_MOVE = IN_MOVED_FROM | IN_MOVED_TO
IN_ALL_EVENTS = 0x00000FFF
# fsnotify's private bit for a rename within one directory (Linux's FS_DN_RENAME, dnotify's
# DN_RENAME); never reported to inotify
FS_DN_RENAME = 0x20000000

IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_MASK_CREATE = 0x10000000
IN_MASK_ADD = 0x20000000
IN_ISDIR = 0x40000000
IN_ONESHOT = 0x80000000

IN_CLOEXEC = 0o2000000
IN_NONBLOCK = 0o4000

# the flags inotify_add_watch accepts besides the events (INOTIFY_USER_MASK)
IN_WATCH_FLAGS = IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | \
    IN_ONESHOT
# what a read reports of an event's mask (inotify_mask_to_arg)
IN_REPORTED = IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW

INOTIFY_EVENT = struct.Struct("<iIII")

# the defaults of /proc/sys/fs/inotify (fs/notify/inotify/inotify_user.c)
INOTIFY_MAX_QUEUED_EVENTS = 16384
INOTIFY_MAX_USER_INSTANCES = 128
INOTIFY_MAX_USER_WATCHES = 8192
