"""copy_process by clone flags: what is shared, ids, thread groups and the EINVAL checks."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.base.runqueue import TASK_DEAD, TASK_ZOMBIE
from pynix.fs.vfs.file import File
from pynix.kernel.exit import do_exit, do_group_exit
from pynix.kernel.fork import copy_process

from .threads_fixture import kernel_and_task, regs

THREAD = A.CLONE_VM | A.CLONE_FS | A.CLONE_FILES | A.CLONE_SIGHAND | A.CLONE_THREAD


def test_clone_files_shares_the_table_and_a_close_is_seen() -> None:
    k, t = kernel_and_task()
    fd = t.files.alloc(File(A.O_RDONLY))
    child = copy_process(t, A.CLONE_FILES | A.SIGCHLD, 0, 0, regs(), None)
    assert child.files is t.files
    child.files.close(fd)
    with pytest.raises(KernelError) as e:
        t.files.get(fd)
    assert e.value.errno == E.EBADF


def test_without_clone_files_a_close_is_private() -> None:
    k, t = kernel_and_task()
    fd = t.files.alloc(File(A.O_RDONLY))
    child = copy_process(t, A.SIGCHLD, 0, 0, regs(), None)
    assert child.files is not t.files
    child.files.close(fd)
    assert t.files.get(fd) is not None


def test_thread_ids_and_group() -> None:
    k, t = kernel_and_task()
    th = copy_process(t, THREAD, 0, 0, regs(), None)
    assert th.tgid == t.tgid == t.pid and th.pid != t.pid
    assert th.group_leader is t and th.thread_group is t.thread_group
    assert th.mm is t.mm and th.sighand is t.sighand and th.signal is t.signal
    assert t.signal.nr_threads == 2
    assert th.exit_signal == -1
    assert th not in t.children                    # wait sees groups, not threads
    proc = copy_process(th, A.SIGCHLD, 0, 0, regs(), None)
    assert proc.tgid == proc.pid and proc.real_parent is t     # a thread's child: the group's
    assert proc.mm is not t.mm and proc.signal is not t.signal


@pytest.mark.parametrize("flags", [
    A.CLONE_SIGHAND,                                         # SIGHAND needs VM
    A.CLONE_VM | A.CLONE_THREAD,                             # THREAD needs SIGHAND
    A.CLONE_FS | A.CLONE_NEWNS,
    A.CLONE_FS | A.CLONE_NEWUSER,
    THREAD | A.CLONE_NEWPID,
    THREAD | A.CLONE_NEWUSER & ~A.CLONE_FS,
])
def test_bad_flag_combinations_are_einval(flags: int) -> None:
    k, t = kernel_and_task()
    with pytest.raises(KernelError) as e:
        copy_process(t, flags, 0, 0, regs(), None)
    assert e.value.errno == E.EINVAL


def test_new_pid_namespace_child_is_pid_1_there() -> None:
    k, t = kernel_and_task()
    child = copy_process(t, A.SIGCHLD | A.CLONE_NEWPID, 0, 0, regs(), None)
    ns = child.thread_pid.ns
    assert ns.level == 1 and ns.parent is t.thread_pid.ns
    assert child.thread_pid.nr_ns(ns) == 1 and child.pid == child.thread_pid.numbers[0].nr > 1
    assert ns.child_reaper is child and child.signal.unkillable


@pytest.mark.parametrize("ns", [A.CLONE_NEWUSER, A.CLONE_NEWNET,
                                A.CLONE_NEWCGROUP])
def test_namespaces_not_implemented_are_refused_not_ignored(ns: int) -> None:
    k, t = kernel_and_task()
    with pytest.raises(KernelError) as e:
        copy_process(t, A.SIGCHLD | ns, 0, 0, regs(), None)
    assert e.value.errno == E.EINVAL


def test_new_mount_namespace_cannot_share_the_fs_struct() -> None:
    """(the copy itself: tests/fs/test_mnt_ns.py and userland/tests/mount_ns.c)"""
    k, t = kernel_and_task()
    with pytest.raises(KernelError) as e:
        copy_process(t, A.SIGCHLD | A.CLONE_NEWNS | A.CLONE_FS, 0, 0, regs(), None)
    assert e.value.errno == E.EINVAL


def test_new_uts_namespace_is_a_copy_for_the_child_only() -> None:
    k, t = kernel_and_task()
    k.init_uts_ns.hostname = b"box"
    child = copy_process(t, A.SIGCHLD | A.CLONE_NEWUTS, 0, 0, regs(), None)
    assert child.uts_ns is not t.uts_ns and child.uts_ns.hostname == b"box"
    assert child.uts_ns.inum != t.uts_ns.inum
    sibling = copy_process(t, A.SIGCHLD, 0, 0, regs(), None)
    assert sibling.uts_ns is t.uts_ns


def test_group_becomes_a_zombie_with_its_last_thread() -> None:
    k, t = kernel_and_task()
    th = copy_process(t, THREAD, 0, 0, regs(), None)
    do_exit(t, 0)                                  # the leader leaves first
    assert t.state == TASK_ZOMBIE and t.thread_group == [t, th]
    do_exit(th, 3 << 8)
    assert th.state == TASK_DEAD and t.thread_group == [t]
    assert t.signal.nr_threads == 0


def test_group_exit_takes_every_thread() -> None:
    k, t = kernel_and_task()
    a = copy_process(t, THREAD, 0, 0, regs(), None)
    b = copy_process(t, THREAD, 0, 0, regs(), None)
    do_group_exit(a, 7 << 8)
    assert t.signal.group_exit and t.signal.group_exit_code == 7 << 8
    from pynix.kernel.task import signal_pending
    assert signal_pending(t) and signal_pending(b)  # the others die on their way to user mode


def test_exec_from_a_thread_takes_the_leaders_pid() -> None:
    from pynix.kernel.exec import de_thread
    k, parent = kernel_and_task()
    leader = copy_process(parent, A.SIGCHLD, 0, 0, regs(), None)     # a process with threads
    other = copy_process(leader, THREAD, 0, 0, regs(), None)
    execer = copy_process(leader, THREAD, 0, 0, regs(), None)
    kid = copy_process(leader, A.SIGCHLD, 0, 0, regs(), None)        # the leader's child
    pid, old_tid = leader.pid, execer.pid
    de_thread(execer)
    assert other.state == TASK_DEAD and leader.state == TASK_DEAD
    assert execer.pid == pid == execer.tgid and k.tasks[pid] is execer
    assert old_tid not in k.tasks and not k.pids.is_used(old_tid)
    assert execer.is_group_leader and execer.thread_group == [execer]
    assert execer.signal.nr_threads == 1
    assert execer in parent.children and leader not in parent.children
    assert kid in execer.children and kid.real_parent is execer      # no SIGCHLD for the move
    assert not execer.pending and not execer.signal.shared_pending
