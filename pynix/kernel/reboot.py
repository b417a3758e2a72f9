"""Power off, halt and restart (Linux kernel/reboot.c: SYSCALL_DEFINE4(reboot),
kernel_power_off, kernel_halt, kernel_restart, orderly_poweroff).

``do_reboot(task, magic1, magic2, cmd)`` is reboot(2): only root, only with Linux's magic
numbers (EINVAL otherwise). LINUX_REBOOT_CMD_CAD_ON/OFF set what Ctrl-Alt-Del does;
POWER_OFF, HALT, RESTART and RESTART2 call ``kernel_shutdown``: announce it on the kernel
log, write back every dirty buffer, and set ``kernel.power_state`` to the command, which ends
the scheduler loop (init/main.py). The caller never returns to user mode. A restart also ends this
pynix (the host is the firmware that would boot it again).

Owns: ``kernel.power_state`` and ``kernel.cad_enabled``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Generator

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64 import termbits as T
from pynix.arch.x86_64.capability import CAP_SYS_BOOT
from pynix.base.errors import KernelError
from pynix.base.wait import wait_event
from pynix.fs.writeback import wakeup_flusher
from pynix.kernel.cred import capable

if TYPE_CHECKING:
    from pynix.kernel.kernel import Kernel
    from pynix.kernel.task import Task

MESSAGES = {T.LINUX_REBOOT_CMD_POWER_OFF: "reboot: Power down",
            T.LINUX_REBOOT_CMD_HALT: "reboot: System halted",
            T.LINUX_REBOOT_CMD_RESTART: "reboot: Restarting system",
            T.LINUX_REBOOT_CMD_RESTART2: "reboot: Restarting system"}


def kernel_shutdown(k: Kernel, cmd: int, quiet: bool = False) -> None:
    """Sync the disks and stop the machine (kernel_power_off / kernel_halt / kernel_restart)."""
    if getattr(k, "power_state", None) is not None:
        return
    wakeup_flusher(k)
    if k.vfs is not None:
        k.vfs.sync_all()
    if not quiet:
        k.log.write(f"\r\n{MESSAGES.get(cmd, 'reboot: Power down')}\r\n")
        k.log.flush()
    k.power_state = cmd
    k.irq.stopping = True
    k.cpu.stop()


def do_reboot(t: Task, magic1: int, magic2: int, cmd: int) -> Generator[None, None, int]:
    if not capable(t, CAP_SYS_BOOT):
        raise KernelError(E.EPERM)
    if magic1 != T.LINUX_REBOOT_MAGIC1 or magic2 not in T.LINUX_REBOOT_MAGIC2S:
        raise KernelError(E.EINVAL)
    k = t.kernel
    if cmd in (T.LINUX_REBOOT_CMD_CAD_ON, T.LINUX_REBOOT_CMD_CAD_OFF):
        k.cad_enabled = cmd == T.LINUX_REBOOT_CMD_CAD_ON
        return 0
    if cmd not in MESSAGES:
        raise KernelError(E.EINVAL)
    kernel_shutdown(k, cmd)
    yield from wait_event(t, [], lambda: False, interruptible=False)   # the machine is off
    return 0
