"""Disk images through the whole kernel: host-made (mke2fs) and pynix-made (pynix mkfs)
images mount as root, what the guest writes is read back by debugfs, e2fsck finds them clean
after the run, and a damaged image is refused with a clear message."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYNIX = str(REPO / ".venv" / "bin" / "pynix")

pytestmark = pytest.mark.skipif(shutil.which("mke2fs") is None, reason="needs e2fsprogs")

SCRIPT = (
    "mkdir -p /data/sub && echo hello > /data/sub/hello.txt && "
    "dd if=/dev/zero bs=1024 count=3000 2>/dev/null | tr '\\0' x > /data/big && "
    "ln -s sub/hello.txt /data/link && ln /data/big /data/big2 && "
    "seq 1 2000 > /data/seq && rm /data/big2 && "
    "cat /data/link && wc -c < /data/big && tail -1 /data/seq"
)


def pynix(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYNIX, *args], capture_output=True, text=True, timeout=timeout)


def busybox_tree(tmp: Path) -> Path:
    """A minimal root: busybox and its links for the commands the script uses."""
    from pynix.rootfs import find_busybox
    root = tmp / "tree"
    (root / "bin").mkdir(parents=True)
    (root / "tmp").mkdir()
    (root / "dev").mkdir()
    shutil.copy2(find_busybox(), root / "bin" / "busybox")
    for app in ("sh", "mkdir", "echo", "dd", "tr", "ln", "seq", "rm", "cat", "wc", "tail", "ls", "grep", "true"):
        (root / "bin" / app).symlink_to("busybox")
    return root


@pytest.mark.parametrize("maker", ["mke2fs-1k", "mke2fs-4k", "pynix-mkfs"])
def test_guest_writes_are_on_disk(tmp_path: Path, maker: str) -> None:
    image = tmp_path / "disk.img"
    tree = busybox_tree(tmp_path)
    if maker == "pynix-mkfs":
        r = pynix("mkfs", str(image), "--size", "32M", "--block-size", "1024", "--from", str(tree))
        assert r.returncode == 0, r.stderr
    else:
        bs = "1024" if maker.endswith("1k") else "4096"
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", bs, "-d", str(tree), str(image), "32M"],
                       check=True)
    r = pynix("run", "--image", str(image), "--", "/bin/sh", "-c", SCRIPT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["hello", "3072000", "2000"]
    fsck = subprocess.run(["e2fsck", "-fn", str(image)], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout
    cat = subprocess.run(["debugfs", "-R", "cat /data/sub/hello.txt", str(image)],
                         capture_output=True, text=True)
    assert cat.stdout == "hello\n"
    stat = subprocess.run(["debugfs", "-R", "stat /data/big", str(image)], capture_output=True, text=True)
    assert "Size: 3072000" in stat.stdout and "Links: 1" in stat.stdout
    # and it is still there for the next boot
    r = pynix("run", "--image", str(image), "--", "/bin/sh", "-c", "cat /data/sub/hello.txt; ls /data")
    assert r.stdout == "hello\nbig\nlink\nseq\nsub\n"


def test_damaged_image_is_refused(tmp_path: Path) -> None:
    image = tmp_path / "bad.img"
    image.write_bytes(bytes(range(256)) * 64)
    r = pynix("run", "--image", str(image), "--", "/bin/true")
    assert r.returncode != 0
    assert "bad magic" in r.stderr and "Traceback" not in r.stderr


def test_full_disk_is_enospc_and_keeps_earlier_data(tmp_path: Path) -> None:
    image = tmp_path / "small.img"
    tree = busybox_tree(tmp_path)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", "-d", str(tree), str(image), "6M"],
                   check=True)
    script = ("echo precious > /keep; "
              "dd if=/dev/zero of=/fill bs=65536 count=1000 2>/tmp/err; echo dd=$?; "
              "grep -c 'No space left' /tmp/err; cat /keep; "
              "rm /fill; echo again > /after; cat /after")
    r = pynix("run", "--image", str(image), "--", "/bin/sh", "-c", script)
    assert r.stdout.split() == ["dd=1", "1", "precious", "again"], r.stdout + r.stderr
    fsck = subprocess.run(["e2fsck", "-fn", str(image)], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout


def free_blocks(image: Path) -> int:
    out = subprocess.run(["dumpe2fs", "-h", str(image)], capture_output=True, text=True).stdout
    return int(next(line.split(":")[1] for line in out.splitlines() if line.startswith("Free blocks")))


def test_unlinked_open_file_is_freed_at_last_close(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    tree = busybox_tree(tmp_path)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", "-d", str(tree), str(image), "16M"],
                   check=True)
    before = free_blocks(image)
    # fd 3 keeps the file open after rm: its data must still read back, and go at close
    script = ("dd if=/dev/zero of=/victim bs=1024 count=2048 2>/dev/null; exec 3</victim; rm /victim; "
              "ls /victim 2>/dev/null || echo gone; cat <&3 | wc -c; exec 3<&-; echo closed")
    r = pynix("run", "--image", str(image), "--", "/bin/sh", "-c", script)
    assert r.stdout.split() == ["gone", "2097152", "closed"], r.stdout + r.stderr
    fsck = subprocess.run(["e2fsck", "-fn", str(image)], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout
    assert abs(free_blocks(image) - before) < 8      # only the root directory may have grown


def fs_state(image: Path) -> str:
    out = subprocess.run(["dumpe2fs", "-h", str(image)], capture_output=True, text=True).stdout
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Filesystem state"))


def test_clean_flag_marks_a_crash(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    tree = busybox_tree(tmp_path)
    (tree / "bin" / "sleep").symlink_to("busybox")
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-d", str(tree), str(image), "8M"], check=True)
    assert pynix("run", "--image", str(image), "--", "/bin/true").returncode == 0
    assert fs_state(image) == "clean"                      # orderly shutdown
    p = subprocess.Popen([PYNIX, "run", "--image", str(image), "--", "/bin/sleep", "30"])
    try:
        for _ in range(100):                                 # wait until it is mounted
            if fs_state(image) != "clean":
                break
            subprocess.run(["sleep", "0.1"])
        assert fs_state(image) == "not clean"                # mounted = not clean
    finally:
        p.kill()
        p.wait()
    assert fs_state(image) == "not clean"                    # a crash leaves it so
