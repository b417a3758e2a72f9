"""/proc/config.gz states what pynix has: the options that name a system call family agree
with the syscall table, so a program that trusts the config (LTP's needs_kconfigs) is not
sent to a call that is ENOSYS, nor kept from one that works."""
from __future__ import annotations

import gzip

import pytest

from pynix.base.kconfig import CONFIG, kconfig_text
from pynix.fs.procfs.files import show_config_gz
from pynix.syscalls.table import build_table

# option -> a system call it provides
OPTION_CALLS = {
    "CONFIG_EVENTFD": "eventfd2", "CONFIG_SIGNALFD": "signalfd4", "CONFIG_TIMERFD": "timerfd_create",
    "CONFIG_EPOLL": "epoll_create1", "CONFIG_SYSVIPC": "msgget", "CONFIG_POSIX_MQUEUE": "mq_open",
    "CONFIG_FUTEX": "futex", "CONFIG_POSIX_TIMERS": "timer_create", "CONFIG_FILE_LOCKING": "flock",
    "CONFIG_MEMFD_CREATE": "memfd_create", "CONFIG_ADVISE_SYSCALLS": "madvise",
    "CONFIG_AIO": "io_setup", "CONFIG_IO_URING": "io_uring_setup",
    "CONFIG_USERFAULTFD": "userfaultfd", "CONFIG_INOTIFY_USER": "inotify_init1",
    "CONFIG_FANOTIFY": "fanotify_init", "CONFIG_FHANDLE": "name_to_handle_at",
    "CONFIG_SECCOMP": "seccomp", "CONFIG_KCMP": "kcmp", "CONFIG_BPF_SYSCALL": "bpf",
    "CONFIG_CROSS_MEMORY_ATTACH": "process_vm_readv", "CONFIG_MEMBARRIER": "membarrier",
    "CONFIG_RSEQ": "rseq", "CONFIG_BSD_PROCESS_ACCT": "acct", "CONFIG_SWAP": "swapon",
    "CONFIG_QUOTA": "quotactl", "CONFIG_NET": "socket", "CONFIG_MULTIUSER": "setuid",
    "CONFIG_EXT2_FS_XATTR": "setxattr",
}


@pytest.mark.parametrize("option", sorted(OPTION_CALLS))
def test_option_matches_the_syscall_table(option: str) -> None:
    names = {e.name for e in build_table().values()}
    assert (CONFIG[option] == "y") == (OPTION_CALLS[option] in names), \
        f"{option}={CONFIG[option]} but {OPTION_CALLS[option]} is " \
        f"{'in' if OPTION_CALLS[option] in names else 'not in'} the table"


def test_proc_config_gz_is_the_config_gzipped() -> None:
    text = gzip.decompress(show_config_gz(None)).decode()
    assert text.encode() == kconfig_text()
    assert "CONFIG_BLK_DEV_LOOP=y\n" in text and "# CONFIG_USER_NS is not set\n" in text
    assert f"CONFIG_HZ={CONFIG['CONFIG_HZ']}\n" in text
