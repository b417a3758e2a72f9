"""Property test of the whole file path: random sequences of file operations applied by the
same static program (userland/tools/fsops.c) to a host temporary directory on Linux and to an
ext2 image inside pynix must give the same transcript, and e2fsck must find the image clean
afterwards. This exercises namei, the VFS, the page cache and ext2 together."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
PYNIX = REPO / ".venv" / "bin" / "pynix"
NAMES = ["w/a", "w/b", "w/c", "w/d", "w/d/a", "w/d/b", "w/e", "w/e/f"]

pytestmark = pytest.mark.skipif(shutil.which("musl-gcc") is None or shutil.which("mke2fs") is None,
                                reason="needs musl-gcc and e2fsprogs")


@pytest.fixture(scope="module")
def fsops(userland_tools) -> Path:  # type: ignore[no-untyped-def]
    userland_tools.path("fsops")       # fails here if it did not build
    return userland_tools.dir


name = st.sampled_from(NAMES)
op = st.one_of(
    st.tuples(st.just("create"), name),
    st.tuples(st.just("write"), name, st.integers(0, 300_000).map(str), st.integers(1, 70_000).map(str),
              st.integers(0, 25).map(str)),
    st.tuples(st.just("truncate"), name, st.integers(0, 100_000).map(str)),
    st.tuples(st.just("read"), name),
    st.tuples(st.just("unlink"), name),
    st.tuples(st.just("mkdir"), name),
    st.tuples(st.just("rmdir"), name),
    st.tuples(st.just("rename"), name, name),
    st.tuples(st.just("link"), name, name),
    st.tuples(st.just("stat"), name),
    st.tuples(st.just("ls"), st.sampled_from(["w", "w/d", "w/e"])),
    st.tuples(st.just("openunlink"), name),
)


def transcript_native(tool: Path, args: list[str], tmp: Path) -> str:
    work = tmp / "native"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    r = subprocess.run([str(tool / "fsops"), *args], cwd=work, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def transcript_pynix(tool: Path, args: list[str], image: Path) -> str:
    r = subprocess.run([str(PYNIX), "run", "--image", str(image), "--bind", f"{tool}:/tools",
                        "--cwd", "/", "--", "/tools/fsops", *args],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("block_size", [1024, 4096])
def test_random_operations_match_linux(fsops: Path, tmp_path: Path, block_size: int) -> None:
    @settings(max_examples=int(os.environ.get("FS_MODEL_EXAMPLES", "6")), deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(op, min_size=5, max_size=30))
    def check(ops: list[tuple[str, ...]]) -> None:
        args = ["mkdir", "w"] + [a for o in ops for a in o]
        image = tmp_path / "disk.img"
        if image.exists():
            image.unlink()
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", str(block_size), str(image), "32M"],
                       check=True)
        native = transcript_native(fsops, args, tmp_path)
        guest = transcript_pynix(fsops, args, image)
        assert guest == native
        fsck = subprocess.run(["e2fsck", "-fn", str(image)], capture_output=True, text=True)
        assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    check()
