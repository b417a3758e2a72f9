"""struct pid and pid namespaces (kernel/pid.py): a number on every level, visibility,
freeing, ENOMEM after the namespace's init died, the nesting limit."""
from __future__ import annotations

import pytest

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.thread import MAX_PID_NS_LEVEL
from pynix.base.errors import KernelError
from pynix.kernel.pid import PidMap, PidNamespace, alloc_pid, free_pid
from pynix.kernel.pid_namespace import create_pid_namespace


def _root() -> PidNamespace:
    return PidNamespace(None, 1, PidMap())


def test_a_pid_has_a_number_on_every_level() -> None:
    root = _root()
    root.pid_map.last_pid = 500
    child = create_pid_namespace(root)
    grand = create_pid_namespace(child)
    p = alloc_pid(grand)
    assert [u.nr for u in p.numbers] == [501, 1, 1]
    assert p.nr_ns(root) == 501 and p.nr_ns(child) == 1 and p.nr_ns(grand) == 1
    q = alloc_pid(child)
    assert q.nr_ns(child) == 2 and q.nr_ns(grand) == 0     # not visible below
    assert root.pid_hash[501] is p and child.pid_hash[1] is p and grand.pid_hash[1] is p
    assert root.is_ancestor_of(grand) and not grand.is_ancestor_of(child)


def test_free_pid_returns_every_number() -> None:
    root = _root()
    ns = create_pid_namespace(root)
    p = alloc_pid(ns)
    free_pid(p)
    assert not ns.pid_hash and not root.pid_hash
    assert not ns.pid_map.is_used(1) and ns.pid_map.nr_used == 0


def test_a_full_level_gives_back_what_it_took() -> None:
    root = _root()
    ns = PidNamespace(root, 2, PidMap(pid_max=3, reserved=2))
    alloc_pid(ns), alloc_pid(ns)
    used = root.pid_map.nr_used
    with pytest.raises(KernelError) as e:
        alloc_pid(ns)
    assert e.value.errno == E.EAGAIN and root.pid_map.nr_used == used


def test_no_pids_after_the_init_died_and_the_empty_namespace_is_announced() -> None:
    root = _root()
    ns = create_pid_namespace(root)
    init, other = alloc_pid(ns), alloc_pid(ns)
    heard: list[int] = []
    ns.adding = False
    ns.on_empty.append(lambda: heard.append(len(ns.pid_hash)))
    with pytest.raises(KernelError) as e:
        alloc_pid(ns)
    assert e.value.errno == E.ENOMEM
    free_pid(other)
    assert heard == [1] and init.nr_ns(ns) == 1


def test_nesting_stops_at_linux_limit() -> None:
    ns = _root()
    for _ in range(MAX_PID_NS_LEVEL):
        ns = create_pid_namespace(ns)
    assert ns.level == MAX_PID_NS_LEVEL
    with pytest.raises(KernelError) as e:
        create_pid_namespace(ns)
    assert e.value.errno == E.ENOSPC
