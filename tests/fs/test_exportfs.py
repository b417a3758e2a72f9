"""File handles (fs/exportfs.py): Linux's encodings, round trips, EOVERFLOW sizes, ESTALE."""
from __future__ import annotations

import stat

import pytest

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError
from pynix.fs.exportfs import HandleTooSmall, decode_fh, encode_fh
from pynix.fs.tmpfs import TmpfsSuperBlock, TmpInode


def _file(sb: TmpfsSuperBlock, name: bytes) -> TmpInode:
    f = TmpInode(sb, stat.S_IFREG | 0o644, 0, 0)
    sb.root.entries[name] = f
    return f


def test_tmpfs_handle_round_trip_and_stale() -> None:
    sb = TmpfsSuperBlock()
    f = _file(sb, b"a")
    with pytest.raises(HandleTooSmall) as e:
        encode_fh(f, 0)
    assert e.value.needed == 12 and e.value.errno == E.EOVERFLOW
    kind, data = encode_fh(f, 128)
    assert kind == 1 and len(data) == 12
    assert decode_fh(sb, kind, data) is f
    other = TmpfsSuperBlock()
    _file(other, b"b")                     # same inode number, another generation
    with pytest.raises(KernelError) as e2:
        decode_fh(other, kind, data)
    assert e2.value.errno == E.ESTALE
    del sb.root.entries[b"a"]              # deleted: nothing live has that number
    with pytest.raises(KernelError) as e3:
        decode_fh(sb, kind, data)
    assert e3.value.errno == E.ESTALE
