"""The kernel's name and version: what uname(2), /proc/version, /proc/sys/kernel/{ostype,
osrelease,version} and the first line of the kernel log report (Linux include/generated/
utsrelease.h and compile.h: UTS_RELEASE, UTS_VERSION, UTS_MACHINE; init/version.c
linux_banner).

Provides the constants ``UTS_SYSNAME``, ``UTS_RELEASE``, ``UTS_VERSION``, ``UTS_MACHINE`` and
``LINUX_BANNER`` (bytes, the text of /proc/version with its newline). The names that can
change (hostname, domain name) are per UTS namespace: kernel/nsproxy.py.

This module sits with the task structures, below the subsystems, so that procfs and the
syscalls both read the one release string. Owns: nothing (constants only).
"""
from __future__ import annotations

UTS_SYSNAME = b"Linux"
UTS_RELEASE = b"6.12.0-pynix"       # Debian 13's long-term kernel line
UTS_VERSION = b"#1 SMP PREEMPT pynix"
UTS_MACHINE = b"x86_64"

LINUX_BANNER = b"Linux version %s (pynix@pynix) (Python) %s\n" % (UTS_RELEASE, UTS_VERSION)
