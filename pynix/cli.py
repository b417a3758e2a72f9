"""The ``pynix`` command: ``run`` a program on the kernel, ``boot`` the machine to /sbin/init,
``syscalls`` lists the table.

    pynix boot [--root DIR | --image IMG] [--bind HOST:GUEST]... [--strace] [--mem MB]

    pynix run [--root DIR | --image IMG] [--bind HOST:GUEST]... [--env K=V]... [--cwd DIR]
              [--strace] [--mem MB] -- PROG [ARGS...]
"""
from __future__ import annotations

import argparse
import os
import sys

from pynix.machine.disk import claim_disk
from pynix.rootfs import ensure_default_image


def _parse_bind(spec: str) -> tuple[str, str]:
    host, sep, guest = spec.partition(":")
    if not sep or not guest.startswith("/"):
        raise argparse.ArgumentTypeError(f"--bind wants HOST:/GUEST, got {spec!r}")
    if not os.path.exists(host):
        raise argparse.ArgumentTypeError(f"--bind: {host}: no such file or directory")
    return os.path.abspath(host), guest


def root_disk(a: argparse.Namespace) -> tuple[str | None, str | None]:
    """(root dir, root image): --root, --image, or the default disk built on first use."""
    if a.root:
        return a.root, None
    return None, claim_disk(a.image or ensure_default_image())


def cmd_run(a: argparse.Namespace) -> int:
    # imported here, not at the top, for start-up time: the kernel loads unicorn
    from pynix.init.main import Config, run
    if not a.prog:
        print("pynix run: missing program (pynix run -- PROG [ARGS...])", file=sys.stderr)
        return 2
    root, image = root_disk(a)
    defaults = ["PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/root"]
    if not a.env:
        defaults.append("TERM=" + os.environ.get("TERM", "linux"))
    given = {kv.split("=", 1)[0] for kv in a.env}      # --env K=V replaces a default K
    env = [kv for kv in defaults if kv.split("=", 1)[0] not in given] + a.env
    cfg = Config(root=root, image=image, binds=a.bind, env=env, cwd=a.cwd, argv=a.prog,
                 strace=a.strace, mem_mb=a.mem)
    return run(cfg)


def cmd_boot(a: argparse.Namespace) -> int:
    """Boot to /sbin/init on this terminal (or with console input from a pipe)."""
    # imported here, not at the top, for start-up time: the kernel loads unicorn
    from pynix.init.main import Config, run
    root, image = root_disk(a)
    cfg = Config(root=root, image=image, binds=a.bind, strace=a.strace, mem_mb=a.mem, boot=True)
    return run(cfg)


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().rstrip("B")
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    return int(t)


def cmd_mkfs(a: argparse.Namespace) -> int:
    # imported here, not at the top, for start-up time: the ext2 code takes ~20 ms to load
    from pynix.fs.mkfs import mkfs
    if a.block_size not in (1024, 2048, 4096):
        print("pynix mkfs: --block-size must be 1024, 2048 or 4096", file=sys.stderr)
        return 2
    mkfs(a.image, _size(a.size), a.block_size, from_dir=a.from_dir)
    return 0


def cmd_syscalls(a: argparse.Namespace) -> int:
    """Print the syscall table: number, name, full/partial/absent, what is missing. A reader
    that stops early (``pynix syscalls | head``) ends it quietly."""
    # imported here for start-up time: the table imports every syscall handler
    from pynix.syscalls import table
    rows = table.compat_rows()
    try:
        for nr, name, status, note in rows:
            if a.all or status != table.ABSENT:
                print(f"{nr:4d} {name:24s} {status:8s} {note}".rstrip())
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader is gone. Point stdout at /dev/null so the interpreter's final flush does
        # not fail again, and exit 1 (Python's documented way, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    n = {s: sum(1 for r in rows if r[2] == s) for s in (table.FULL, table.PARTIAL, table.ABSENT)}
    print(f"{n[table.FULL]} full, {n[table.PARTIAL]} partial, {n[table.ABSENT]} absent of "
          f"{len(rows)} x86-64 system calls", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="pynix", description="A Unix kernel in Python")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a program on a fresh kernel")
    r.add_argument("--root", help="host directory to use as the root filesystem")
    r.add_argument("--image", help="ext2 image to use as the root filesystem")
    r.add_argument("--bind", action="append", default=[], type=_parse_bind, metavar="HOST:GUEST")
    r.add_argument("--env", action="append", default=[], metavar="K=V")
    r.add_argument("--cwd", default="/")
    r.add_argument("--strace", action="store_true", help="print every syscall as strace does")
    r.add_argument("--mem", type=int, default=1024, help="physical memory in MiB")
    r.add_argument("prog", nargs=argparse.REMAINDER)
    r.set_defaults(fn=cmd_run)
    b = sub.add_parser("boot", help="boot /sbin/init with this terminal as the console")
    b.add_argument("--root", help="host directory to use as the root filesystem")
    b.add_argument("--image", help="ext2 image to use as the root filesystem")
    b.add_argument("--bind", action="append", default=[], type=_parse_bind, metavar="HOST:GUEST")
    b.add_argument("--strace", action="store_true", help="print every syscall as strace does")
    b.add_argument("--mem", type=int, default=1024, help="physical memory in MiB")
    b.set_defaults(fn=cmd_boot)
    m = sub.add_parser("mkfs", help="create an ext2 image with pynix's own mkfs")
    m.add_argument("image")
    m.add_argument("--size", default="256M", help="image size, e.g. 64M, 1G (default 256M)")
    m.add_argument("--block-size", type=int, default=4096, help="1024, 2048 or 4096")
    m.add_argument("--from", dest="from_dir", help="fill the image from this host directory")
    m.set_defaults(fn=cmd_mkfs)
    s = sub.add_parser("syscalls", help="list the syscalls: full or partial, what is missing")
    s.add_argument("--all", action="store_true", help="include the absent (ENOSYS) numbers")
    s.set_defaults(fn=cmd_syscalls)
    a = p.parse_args(argv)
    if getattr(a, "prog", None) and a.prog[0] == "--":
        a.prog = a.prog[1:]
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
