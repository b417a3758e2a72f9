"""namei: turning a path name into a place in the tree (Bach ch. 4.4; Linux fs/namei.c).

Provides:
- ``namei(fs, path, base, follow=True, resolve=0)`` -> ``Path``: walk every component from the
  root (or ``base`` for a relative name), checking search permission on each directory,
  crossing mount points downward and ``..`` upward, following symlinks (at most 40, else
  ELOOP). ``resolve`` holds openat2's RESOLVE_* lookup flags (Linux's LOOKUP_NO_XDEV,
  NO_MAGICLINKS, NO_SYMLINKS, BENEATH, IN_ROOT): a mount crossing is EXDEV, a (magic)
  symlink ELOOP; BENEATH and IN_ROOT scope the walk to ``base`` (``..`` and absolute names
  may not leave it: EXDEV, or, IN_ROOT, they stay at it as at a chroot's root).
- ``nameiparent(fs, path, base)`` -> ``(Path of the parent, last component)`` for calls that
  create or remove a name.
- ``permission(cred, inode, mask)``: the mode-bit check (owner, group, other; root bypass,
  except that exec needs some x bit).

``fs`` is the task's FsStruct (root, cwd, umask, cred, mount table). Raises KernelError with
ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES as Linux does.
"""
from __future__ import annotations

from typing import Protocol

from pynix.arch.x86_64 import abi as A
from pynix.arch.x86_64 import errno as E
from pynix.arch.x86_64.capability import CAP_DAC_OVERRIDE, CAP_FOWNER
from pynix.arch.x86_64.limits import NAME_MAX, PATH_MAX
from pynix.base.errors import KernelError
from pynix.fs.vfs.dcache import MountTable, Path
from pynix.fs.vfs.fileattr import is_immutable
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
    """generic_permission: raise EACCES unless ``cred`` may ``mask`` (MAY_*) the inode; an
    inode with its own rule (``i_permission``, Linux's i_op->permission) decides for itself."""
    if mask & MAY_WRITE and is_immutable(inode):
        raise KernelError(E.EPERM)          # nobody writes to an immutable inode
    own = getattr(inode, "i_permission", None)
    if own is not None:
        own(cred, mask)
        return
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


def inode_owner_or_capable(cred: Cred, inode: Inode) -> bool:
    """inode_owner_or_capable: the fsuid owns the inode or holds CAP_FOWNER (chmod, utimes
    with explicit times, O_NOATIME at open or F_SETFL, sticky user xattrs)."""
    return cred.fsuid == inode.uid or capable_fs(cred, CAP_FOWNER)


def follow_mount(mounts: MountTable, p: Path) -> Path:
    """If something is mounted on ``p``, go to the root of the topmost mount there."""
    while p.dentry.mounted:
        m = mounts.lookup_mnt(p)
        if m is None:
            break
        p = Path(m, m.root)
    return p


SCOPED = A.RESOLVE_BENEATH | A.RESOLVE_IN_ROOT


def follow_dotdot(fs: FsContext, p: Path, root: Path | None = None) -> Path:
    """``..``: never above the task's root (or ``root``, a scoped lookup's); from a mount's
    root, up into the parent mount."""
    while True:
        if p.mnt is fs.root.mnt and p.dentry is fs.root.dentry:
            return p
        if root is not None and p.mnt is root.mnt and p.dentry is root.dentry:
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


def _same(a: Path, b: Path) -> bool:
    return a.mnt is b.mnt and a.dentry is b.dentry


def _no_xdev(resolve: int, cur: Path, nxt: Path) -> Path:
    """RESOLVE_NO_XDEV: a step that changes mount is EXDEV."""
    if resolve & A.RESOLVE_NO_XDEV and nxt.mnt is not cur.mnt:
        raise KernelError(E.EXDEV)
    return nxt


def _jump_root(fs: FsContext, root: Path, cur: Path, resolve: int) -> Path:
    """An absolute name (nd_jump_root): EXDEV under RESOLVE_BENEATH; the scoped root under
    RESOLVE_IN_ROOT; else the task's root."""
    if resolve & A.RESOLVE_BENEATH:
        raise KernelError(E.EXDEV)
    return _no_xdev(resolve, cur, root)


def _walk(fs: FsContext, comps: list[bytes], start: Path, follow_last: bool,
          depth: list[int], root: Path, resolve: int = 0) -> Path:
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
            if resolve & A.RESOLVE_BENEATH and _same(cur, root):
                raise KernelError(E.EXDEV)           # would climb out of the scope
            cur = _no_xdev(resolve, cur, follow_dotdot(fs, cur, root if resolve & SCOPED else None))
            continue
        d = cur.dentry.child(name)
        if d is None:
            raise KernelError(E.ENOENT)
        nxt = _no_xdev(resolve, cur, follow_mount(fs.mounts, Path(cur.mnt, d)))
        if nxt.inode.is_lnk() and (i < n - 1 or follow_last):
            depth[0] += 1
            if depth[0] > MAXSYMLINKS or resolve & A.RESOLVE_NO_SYMLINKS:
                raise KernelError(E.ELOOP)
            get_link = getattr(nxt.inode, "get_link", None)
            if get_link is not None:            # a magic link (/proc/pid/fd/N): nd_jump_link
                if resolve & A.RESOLVE_NO_MAGICLINKS:
                    raise KernelError(E.ELOOP)
                jumped = get_link()
                if resolve & SCOPED:
                    raise KernelError(E.EXDEV)  # not safe for scoped lookups
                nxt = _no_xdev(resolve, cur, jumped)
            else:
                target = nxt.inode.readlink()
                if not target:
                    raise KernelError(E.ENOENT)
                base = _jump_root(fs, root, cur, resolve) if target.startswith(b"/") else cur
                nxt = _walk(fs, _split(target), base, True, depth, root, resolve)
        cur = nxt
    return cur


def lookup_start(fs: FsContext, path: bytes, base: Path | None,
                 resolve: int = 0) -> tuple[Path, Path]:
    """Where a walk starts and its root (path_init): the task's root and cwd (or ``base``),
    or, for a scoped lookup, ``base`` as both."""
    rel = base or fs.cwd
    root = rel if resolve & SCOPED else fs.root
    if path.startswith(b"/"):
        return _jump_root(fs, root, rel, resolve & ~A.RESOLVE_NO_XDEV), root
    return rel, root


def namei(fs: FsContext, path: bytes, base: Path | None = None, follow: bool = True,
          resolve: int = 0) -> Path:
    """Resolve ``path``; a trailing slash requires a directory and follows a final symlink."""
    if not path:
        raise KernelError(E.ENOENT)
    trailing = path.endswith(b"/")
    start, root = lookup_start(fs, path, base, resolve)
    p = _walk(fs, _split(path), start, follow or trailing, [0], root, resolve)
    if trailing and not p.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    return p


def nameiparent(fs: FsContext, path: bytes, base: Path | None = None,
                resolve: int = 0) -> tuple[Path, bytes]:
    """The directory that holds the last component, and that component (may be b"." / b".."
    / b"" for "/"; callers reject those as Linux does)."""
    if not path:
        raise KernelError(E.ENOENT)
    comps = _split(path)
    start, root = lookup_start(fs, path, base, resolve)
    if not comps:
        return start, b""
    parent = _walk(fs, comps[:-1], start, True, [0], root, resolve)
    if not parent.inode.is_dir():
        raise KernelError(E.ENOTDIR)
    return parent, comps[-1]
