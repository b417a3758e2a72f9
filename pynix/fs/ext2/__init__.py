"""The ext2 filesystem (rev 0/1, 1-4 KiB blocks, sparse_super, filetype, large_file).

Modules, bottom up: layout (on-disk formats), balloc/ialloc (bitmaps), bmap (block trees),
inode (file data, symlinks, write-back), dir (directory records), namei (directory
operations), super (mount, statfs, sync). Mount with ``Ext2SuperBlock(BlockDevice(path))``.
"""
from pynix.fs.ext2.inode import Ext2Inode
from pynix.fs.ext2.super import Ext2Error, Ext2SuperBlock

__all__ = ["Ext2Error", "Ext2Inode", "Ext2SuperBlock"]
