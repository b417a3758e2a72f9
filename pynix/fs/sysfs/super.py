"""sysfs: the superblock and the inodes it makes from the kobject tree (Linux fs/sysfs/mount.c
sysfs_fill_super, fs/kernfs/dir.c kernfs_iop_lookup / kernfs_fop_readdir, fs/kernfs/file.c
kernfs_fop_read, fs/kernfs/symlink.c).

``SysfsSuperBlock()`` is a sysfs instance (mount -t sysfs, or /sys at boot); its root shows
``sysfs_root`` (fs/sysfs/kobject.py). Each lookup or readdir asks the tree again, so devices
that come and go (a loop device's loop/ group) appear and vanish at once. Inodes are the
generated-file kinds procfs already has (fs/procfs/inode.py): an attribute is a ``ProcFile``
of size 4096 (as sysfs reports every attribute) whose text is made at the first read of an
open and whose writes go to the attribute's ``store``; a link is a ``ProcLink`` whose text is
the relative path between the two kobjects; a kobject is a ``ProcDir``.

Owns: nothing beyond the instance; every inode's content is computed when asked.
"""
from __future__ import annotations

from pynix.fs.procfs.inode import Entry, ProcDir, ProcFile, ProcLink
from pynix.fs.sysfs.kobject import Attribute, KObject, link_text, sysfs_root
from pynix.fs.vfs.inode import Inode, StatFs, SuperBlock

SYSFS_MAGIC = 0x62656572
SYSFS_ROOT_INO = 1
SYSFS_FILE_SIZE = 4096          # what stat says of every attribute (PAGE_SIZE)


class SysfsSuperBlock(SuperBlock):
    fs_name = "sysfs"
    magic = SYSFS_MAGIC

    def __init__(self) -> None:
        super().__init__()
        self.root = self.kobject_dir(sysfs_root, SYSFS_ROOT_INO, None)

    def statfs(self) -> StatFs:
        return StatFs(self.magic, 4096, 0, 0, 0, 0, 0)

    def kobject_dir(self, kobj: KObject, ino: int, parent: Inode | None) -> ProcDir:
        d = ProcDir(self, ino, 0o555 if kobj is sysfs_root else 0o755,  # type: ignore[arg-type]
                    lambda: {}, parent=parent)
        d.entries = lambda: {name: self._entry(kobj, name, node, d)
                             for name, node in kobj.listing()}

        def find(name: bytes) -> Entry | None:
            node = kobj.find(name)
            return self._entry(kobj, name, node, d) if node is not None else None
        d.find = find
        return d

    def _entry(self, kobj: KObject, name: bytes, node: KObject | Attribute,
               d: ProcDir) -> Entry:
        if isinstance(node, Attribute):
            attr = node

            def mk_file(sb: object, ino: int) -> Inode:
                f = ProcFile(self, ino, attr.show, attr.store, attr.mode)  # type: ignore[arg-type]
                f.size = SYSFS_FILE_SIZE
                return f
            return mk_file
        if kobj.is_link(name):
            text = link_text(kobj, node)
            return lambda sb, ino: ProcLink(self, ino, lambda: text)  # type: ignore[arg-type]
        child = node
        return lambda sb, ino: self.kobject_dir(child, ino, d)
