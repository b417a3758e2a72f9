"""The default root tree: busybox-static with its applet links, an /etc skeleton and
``mkfs.ext2`` (a script running busybox's mke2fs, the name Debian's e2fsprogs provides).

``ensure_default_root()`` builds it on first use under the cache directory
(``$PYNIX_CACHE`` or ``~/.cache/pynix``) and returns its path. busybox comes from Debian's
busybox-static: the host's /bin/busybox when it is the static build, else the package is
fetched with ``apt-get download`` and unpacked (no root needed).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile

ETC_FILES = {
    "passwd": "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
              "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    "group": "root:x:0:\ndaemon:x:1:\ntty:x:5:\nusers:x:100:\nnogroup:x:65534:\n",
    "hostname": "pynix\n",
    "hosts": "127.0.0.1\tlocalhost\n127.0.1.1\tpynix\n",
    "shells": "/bin/sh\n/bin/ash\n",
    "profile": "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\nexport PS1='\\u@\\h:\\w\\$ '\n",
    # the shell runs on tty1 (the console's terminal), so it gets a controlling tty and job
    # control; /dev/console itself never becomes one (as on Linux)
    "inittab": "::sysinit:/bin/mount -a\ntty1::respawn:-/bin/sh\n::ctrlaltdel:/sbin/reboot\n"
               "::shutdown:/bin/sync\n",
    "fstab": "proc /proc proc defaults 0 0\nsysfs /sys sysfs defaults 0 0\n",
    "os-release": 'NAME="pynix"\nID=pynix\nPRETTY_NAME="pynix (busybox userland)"\n',
}
DIRS = ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "root", "proc", "sys", "dev", "home",
        "var/tmp", "var/log", "mnt", "run"]
# Names Debian's e2fsprogs gives mke2fs, which busybox's applet does not answer to: LTP and
# mkfs(8) run "mkfs.ext2 DEVICE", so the tree has them as scripts that run busybox mke2fs.
MKFS_ALIASES = ["sbin/mkfs.ext2"]
ROOT_VERSION = "4"


def cache_dir() -> str:
    return os.environ.get("PYNIX_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "pynix")


def is_static_elf(path: str) -> bool:
    try:
        out = subprocess.run(["file", "-b", path], capture_output=True, text=True).stdout
        if out:
            return "statically linked" in out or "static-pie" in out
    except FileNotFoundError:
        pass
    with open(path, "rb") as f:                     # no PT_INTERP program header => static
        data = f.read(4096)
    return data[:4] == b"\x7fELF" and b"/lib64/ld-linux" not in data and b"ld-musl" not in data


def find_busybox() -> str:
    for cand in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(cand) and is_static_elf(cand):
            return cand
    d = os.path.join(cache_dir(), "busybox-static")
    path = os.path.join(d, "bin", "busybox")
    if os.path.exists(path):
        return path
    os.makedirs(d, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", "busybox-static"], cwd=tmp, check=True)
        deb = next(f for f in os.listdir(tmp) if f.endswith(".deb"))
        subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, deb), d], check=True)
    return path


def applets(busybox: str) -> list[str]:
    out = subprocess.run([busybox, "--list-full"], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def build_root(dest: str) -> None:
    bb = find_busybox()
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for d in DIRS:
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    os.chmod(os.path.join(tmp, "tmp"), 0o1777)
    shutil.copy2(bb, os.path.join(tmp, "bin", "busybox"))
    os.chmod(os.path.join(tmp, "bin", "busybox"), 0o755)
    for app in applets(bb):
        link = os.path.join(tmp, app)
        if app == "bin/busybox" or os.path.lexists(link):
            continue
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink("/bin/busybox", link)
    for alias in MKFS_ALIASES:
        with open(os.path.join(tmp, alias), "w") as f:
            f.write('#!/bin/sh\nexec /sbin/mke2fs "$@"\n')
        os.chmod(os.path.join(tmp, alias), 0o755)
    for name, text in ETC_FILES.items():
        with open(os.path.join(tmp, "etc", name), "w") as f:
            f.write(text)
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)
    with open(dest + ".version", "w") as f:        # beside the tree, not in the guest's view
        f.write(ROOT_VERSION + "\n")


@contextlib.contextmanager
def cache_lock():
    """Hold the cache directory's lock: pynix runs started together build the tree and the
    image once, one after the other, instead of writing the same temporary paths at once."""
    os.makedirs(cache_dir(), exist_ok=True)
    with open(os.path.join(cache_dir(), ".lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def is_current(stamp: str, *paths: str) -> bool:
    try:
        with open(stamp) as f:
            return f.read().strip() == ROOT_VERSION and all(os.path.exists(p) for p in paths)
    except OSError:
        return False


def ensure_default_root() -> str:
    dest = os.path.join(cache_dir(), "rootfs")
    stamp = dest + ".version"
    if is_current(stamp):
        return dest
    with cache_lock():
        if not is_current(stamp):                  # nobody built it while we waited
            build_root(dest)
    return dest


# -- the default root disk ---------------------------------------------------------------------
IMAGE_SIZE = 256 << 20
IMAGE_BLOCK = 4096


def ensure_default_image() -> str:
    """The default root disk: an ext2 image made by pynix's mkfs from the default tree, built
    on first use and kept (what guests write survives to the next run). Rebuilt when the
    tree's version changes."""
    # imported here, not at the top, for start-up time: the ext2 code takes ~20 ms to load
    from pynix.fs.mkfs import mkfs
    tree = ensure_default_root()
    image = os.path.join(cache_dir(), "root.img")
    stamp = image + ".version"
    if is_current(stamp, image):
        return image
    with cache_lock():
        if not is_current(stamp, image):
            tmp = image + ".tmp"
            mkfs(tmp, IMAGE_SIZE, IMAGE_BLOCK, from_dir=tree)
            os.rename(tmp, image)
            with open(stamp, "w") as f:
                f.write(ROOT_VERSION + "\n")
    return image
