"""namei: turning a path name into a place in the tree (Bach ch. 4.4; Linux fs/namei.c).

Provides:
- ``namei(fs, path, base, follow=True)`` -> ``Path``: walk every component from the root (or
  ``base`` for a relative name), checking search permission on each directory, crossing mount
  points downward and ``..`` upward, following symlinks (at most 40, else ELOOP).
- ``nameiparent(fs, path, base)`` -> ``(Path of the parent, last component)`` for calls that
  create or remove a name.
- ``permission(cred, inode, mask)``: the mode-bit check (owner, group, other; root bypass,
  except that exec needs some x bit).

``fs`` is the task's FsStruct (root, cwd, umask, cred, mount table). Raises KernelError with
ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES as Linux does.
"""
from __future__ import annotations

from typing import Protocol

from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_DAC_OVERRIDE
from pynix.arch.x86_64.limits import NAME_MAX, PATH_MAX
from pynix.base.errors import KernelError
from pynix.fs.vfs.dcache import MountTable, Path
from pynix.fs.vfs.inode import Inode
from pynix.kernel.cred import capable_fs

MAY_EXEC, MAY_WRITE, MAY_READ = 1, 2, 4
MAXSYMLINKS = 40


class Cred(Protocol):
    fsuid: int
    fsgid: int
    groups: list[int]


class FsContext(Protocol):
    root: Path
    cwd: Path
    mounts: MountTable
    cred: Cred


def permission(cred: Cred, inode: Inode, mask: int) -> None:
    """generic_permission: raise EACCES unless ``cred`` may ``mask`` (MAY_*) the inode."""
    mode = inode.mode
    if capable_fs(cred, CAP_DAC_OVERRIDE):
        if mask & MAY_EXEC and not inode.is_dir() and not mode & 0o111:
            raise KernelError(E.EACCES)
        return
    if cred.fsuid == inode.uid:
        bits = (mode >> 6) & 7
    elif cred.fsgid == inode.gid or inode.gid in cred.groups:
        bits = (mode >> 3) & 7
    else:
        bits = mode & 7
    if mask & ~bits & 7:
        raise KernelError(E.EACCES)


def follow_mount(mounts: MountTable, p: Path) -> Path:
    """If something is mounted on ``p``, go to the root of the topmost mount there."""
    while p.dentry.mounted:
        m = mounts.lookup_mnt(p)
        if m is None:
            break
        p = Path(m, m.root)
    return p


def follow_dotdot(fs: FsContext, p: Path) -> Path:
    """``..``: never above the task's root; from a mount's root, up into the parent mount."""
    while True:
        if p.mnt is fs.root.mnt and p.dentry is fs.root.dentry:
            return p
        if p.dentry is not p.mnt.root:
            return follow_mount(fs.mounts, Path(p.mnt, p.dentry.parent))
        if p.mnt.parent is p.mnt:
            return p
        p = Path(p.mnt.parent, p.mnt.mountpoint)


def _split(path: bytes) -> list[bytes]:
    if len(path) >= PATH_MAX:
        raise KernelError(E.ENAMETOOLONG)
    comps = [c for c in path.split(b"/") if c]
    for c in comps:
        if len(c) > NAME_MAX:
            raise KernelError(E.ENAMETOOLONG)
    return comps


def _walk(fs: FsContext, comps: list[bytes], start: Path, follow_last: bool,
          depth: list[int]) -> Path:
    cur = start
    n = len(comps)
    for i, name in enumerate(comps):
        inode = cur.inode
        if not inode.is_dir():
            raise KernelError(E.ENOTDIR)
        permission(fs.cred, inode, MAY_EXEC)
        if name == b".":
            continue
        if name == b"..":
            cur = follow_dotdot(fs, cur)
            continue
        d = cur.dentry.child(name)
        if d is None:
            raise KernelError(E.ENOENT)
        nxt = follow_mount(fs.mounts, Path(cur.mnt, d))
        if nxt.inode.is_lnk() and (i < n - 1 or follow_last):
            depth[0] += 1
            if depth[0] > MAXSYMLINKS:
                raise KernelError(E.ELOOP)
            get_link = getattr(nxt.inode, "get_link", None)
            if get_link is not None:            # a magic link (/proc/pid/fd/N): nd_jump_link
                nxt = get_link()
            else:
                target = nxt.inode.readlink()
                if not target:
                    raise KernelError(E.ENOENT)
                base = fs.root if target.startswith(b"/") else cur
                nxt = _walk(fs, _split(target), base, True, depth)
        cur = nxt
    return cur


def namei(fs: FsContext, path: bytes, base: Path | None = None, follow: bool = True) -> Path:
    """Resolve ``path``; a trailing slash requires a directory and follows a final symlink."""
    if not path:
        raise KernelError(E.ENOENT)
    trailing = path.endswith(b"/")
    start = fs.root if path.startswith(b"/") else (base or fs.cwd)
    p = _walk(fs, _split(path), start, follow or trailing, [0])
    if trailing and not p.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    return p


def nameiparent(fs: FsContext, path: bytes, base: Path | None = None) -> tuple[Path, bytes]:
    """The directory that holds the last component, and that component (may be b"." / b".."
    / b"" for "/"; callers reject those as Linux does)."""
    if not path:
        raise KernelError(E.ENOENT)
    comps = _split(path)
    start = fs.root if path.startswith(b"/") else (base or fs.cwd)
    if not comps:
        return start, b""
    parent = _walk(fs, comps[:-1], start, True, [0])
    if not parent.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    return parent, comps[-1]
