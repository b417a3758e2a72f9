"""The fixed parts of /sys (Linux drivers/base/cpu.c cpu_subsys and its online/possible/
present masks, mm/huge_memory.c's transparent_hugepage group, kernel/ksysfs.c /sys/kernel,
security/inode.c's securityfs mount point, kernel/cgroup's /sys/fs/cgroup mount point).

Registered at import: /sys/devices/system/cpu/{online,possible,present,kernel_max} and
cpu0 (pynix has one CPU), /sys/kernel/mm/transparent_hugepage/enabled ("[never]": pynix maps
no huge pages, and the file says so, so probing programs do not expect them), and the empty
directories /sys/fs/cgroup, /sys/kernel/security and /sys/kernel/debug where those
filesystems are mounted.

Owns: nothing; the figures are the kernel's.
"""
from __future__ import annotations

from pynix.fs.sysfs.kobject import kobject_add

NR_CPUS = 1

_cpu = kobject_add(kobject_add(kobject_add(None, "devices"), "system"), "cpu")
for _name in ("online", "possible", "present"):
    _cpu.add_file(_name, lambda: b"0\n" if NR_CPUS == 1 else b"0-%d\n" % (NR_CPUS - 1))
_cpu.add_file("kernel_max", lambda: b"%d\n" % (NR_CPUS - 1))
for _n in range(NR_CPUS):
    kobject_add(_cpu, "cpu%d" % _n)

_thp = kobject_add(kobject_add(kobject_add(None, "kernel"), "mm"), "transparent_hugepage")
_thp.add_file("enabled", lambda: b"always madvise [never]\n")
_thp.add_file("defrag", lambda: b"always defer defer+madvise madvise [never]\n")

kobject_add(kobject_add(None, "fs"), "cgroup")
kobject_add(kobject_add(None, "kernel"), "security")
kobject_add(kobject_add(None, "kernel"), "debug")
