"""The registry of system-wide /proc entries (Linux fs/proc/generic.c: proc_create,
proc_create_single, proc_mkdir, proc_symlink; and the sysctl tables under /proc/sys).

Every subsystem registers its own files at import, from its own module: procfs/files.py the
kernel-wide figures (meminfo, stat, ...), procfs/sys.py the sysctls of the layers below fs,
fs/filesystems.py /proc/filesystems, ipc/procfs.py /proc/sysvipc and the IPC tunables.

- ``register_proc_file(path, show, store=None, mode=None)`` (proc_create): add /proc/<path>,
  making intermediate directories (proc_mkdir) as needed, e.g.
  ``register_proc_file("sysvipc/msg", lambda k: b"...")``. ``show`` takes the kernel and
  returns bytes; ``store`` takes (kernel, task, data) and makes the file writable (0644).
- ``register_proc_symlink(path, target)`` (proc_symlink): ``target(kernel)`` is the link text.
- ``registry_entries(sb, node, parent)`` / ``registry_find(sb, node, parent, name)``: what the
  proc root (pid.py) and the registered directories list and look up.

Owns: the tree of registered entries (one per pynix, shared by every proc instance).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.procfs.inode import Entry, ProcDir, ProcFile, ProcLink
from pynix.fs.vfs.inode import Inode

if TYPE_CHECKING:
    from pynix.fs.procfs.super import ProcSuperBlock


class _Node:
    def __init__(self) -> None:
        self.children: dict[bytes, _Node] = {}
        self.show: Callable[[Any], bytes] | None = None
        self.store: Callable[[Any, Any, bytes], None] | None = None
        self.link: Callable[[Any], bytes] | None = None
        self.mode = 0o444
        self.sysctl = False


def sysctl_perm(mode: int) -> Callable[[Any, int], None]:
    """proc_sys_permission / sysctl_perm: root is held to the owner bits, anyone else to the
    other bits; no capability overrides them (writing a 0444 sysctl is EACCES even for root)."""
    def check(cred: Any, mask: int) -> None:
        bits = (mode >> 6 if getattr(cred, "euid", cred.fsuid) == 0 else mode) & 7
        if mask & ~bits & 7:
            raise KernelError(E.EACCES)
    return check


_registry = _Node()


def _node(path: str) -> _Node:
    node = _registry
    for comp in path.strip("/").split("/"):
        node = node.children.setdefault(comp.encode(), _Node())
    return node


def register_proc_file(path: str, show: Callable[[Any], bytes],
                       store: Callable[[Any, Any, bytes], None] | None = None,
                       mode: int | None = None) -> None:
    """Add /proc/<path>; intermediate directories are made as needed."""
    node = _node(path)
    node.show, node.store = show, store
    node.mode = mode if mode is not None else (0o644 if store is not None else 0o444)
    node.sysctl = path.startswith("sys/")


def register_proc_symlink(path: str, target: Callable[[Any], bytes]) -> None:
    _node(path).link = target


def registry_entries(sb: ProcSuperBlock, node: _Node | None = None,
                     parent: Inode | None = None) -> dict[bytes, Entry]:
    """The entries of a registered directory (the root's when ``node`` is None)."""
    node = node if node is not None else _registry
    k = sb.kernel
    out: dict[bytes, Entry] = {}
    for name, child in node.children.items():
        out[name] = _maker(k, child, parent)
    return out


def registry_find(sb: ProcSuperBlock, node: _Node | None, parent: Inode | None,
                  name: bytes) -> Entry | None:
    """One entry of a registered directory (the root's when ``node`` is None)."""
    child = (node if node is not None else _registry).children.get(name)
    return _maker(sb.kernel, child, parent) if child is not None else None


def _maker(k: Any, child: _Node, parent: Inode | None) -> Entry:
    if child.show is not None:
        show, store = child.show, child.store

        def mk_file(sb: ProcSuperBlock, ino: int) -> Inode:
            def st(data: bytes) -> None:
                assert store is not None
                store(k, sb.current(), data)
            f = ProcFile(sb, ino, lambda: show(k), st if store is not None else None,
                         child.mode)
            if child.sysctl:
                f.i_permission = sysctl_perm(child.mode)  # type: ignore[attr-defined]
            return f
        return mk_file
    if child.link is not None:
        link = child.link
        return lambda sb, ino: ProcLink(sb, ino, lambda: link(k))

    def mk_dir(sb: ProcSuperBlock, ino: int) -> Inode:
        d = ProcDir(sb, ino, 0o555, lambda: {}, parent=parent or sb.root)
        d.entries = lambda: registry_entries(sb, child, d)
        d.find = lambda name: registry_find(sb, child, d, name)
        return d
    return mk_dir
