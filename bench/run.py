#!/usr/bin/env python3
"""Benchmarks: the same programs natively, under qemu-user and under pynix, in one sitting.

    .venv/bin/python bench/run.py                 # every benchmark, every runner
    .venv/bin/python bench/run.py --only null_syscall --only compute
    .venv/bin/python bench/run.py --runners native,pynix --repeat 5 --scale 0.5
    .venv/bin/python bench/run.py --cpu 0          # pin all runs to one host CPU
    .venv/bin/python bench/run.py --list

Each benchmark is a pair of commands: the *work* command does N units of
work, the *baseline* command does the same with no work (process start-up,
shell start-up, a loop without its body). The reported figure is

    (best time of work - best time of baseline) / N

so the cost of starting pynix (Python, Unicorn, loading the ELF) does not
hide the cost being measured. The baseline itself is shown by the
``startup`` benchmark. Every command must exit 0, and the work command must
print the same stdout under every runner, or the cell shows FAIL.

Programs come from userland/bench/*.c, built with ``musl-gcc -static -O2``
into build/bench/ when stale. Inside pynix, build/bench is bound at /b.

To add a benchmark, add a ``Benchmark`` to ``BENCHMARKS``: a name, a unit,
N, and a function from N to a ``Cmd``. These are not tests: nothing here is
run by pytest.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
BENCH_SRC = REPO / "userland" / "bench"
BENCH_BUILD = REPO / "build" / "bench"
GUEST_DIR = "/b"
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
TIMEOUT = 600.0


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class Cmd:
    """A command in guest terms: a bench program ("nullsys") or the shell (prog="sh")."""

    prog: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()  # extra environment, same meaning everywhere


def bench_prog(name: str, *args: object) -> Cmd:
    return Cmd(name, tuple(str(a) for a in args))


def shell(script: str, **env: str) -> Cmd:
    return Cmd("sh", ("-c", script), tuple(env.items()))


BOOT = "boot"     # pynix boot to the shell prompt; natively/qemu: busybox sh -l to its prompt
PROMPT = "# "


# ----------------------------------------------------------------- runners


def host_busybox() -> str:
    for c in (shutil.which("busybox"), "/bin/busybox", str(REPO / "build/host/busybox-static/bin/busybox")):
        if c and os.access(c, os.X_OK):
            return c
    sys.exit("bench: no busybox on this machine: run scripts/setup.sh")


class Runner:
    """Turns a Cmd into an argv (and environment) for one way of running x86-64 code."""

    name = ""

    def argv(self, cmd: Cmd) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def available(self) -> str | None:
        """None when usable, else why not."""
        return None


class Native(Runner):
    name = "native"
    prefix: list[str] = []

    def argv(self, cmd: Cmd) -> tuple[list[str], dict[str, str]]:
        env = {"PATH": PATH, **dict(cmd.env)}
        # The shell loops run "$T": natively a link named "true" to the host's
        # static busybox, so every runner execs the same program.
        env = {k: (str(host_true()) if v == "/bin/true" else v) for k, v in env.items()}
        if cmd.prog == "sh":
            return [*self.prefix, host_busybox(), "sh", *cmd.args], env
        if cmd.prog == BOOT:     # natively the machine is up: only the login shell starts
            return [*self.prefix, host_busybox(), "sh", "-l"], {**env, "ENV": "", "PS1": PROMPT}
        return [*self.prefix, str(BENCH_BUILD / cmd.prog), *cmd.args], env


class Qemu(Native):
    """qemu-user. Note: a program it execve()s runs natively (no binfmt_misc here)."""

    name = "qemu"
    prefix = ["qemu-x86_64-static"]

    def available(self) -> str | None:
        return None if shutil.which("qemu-x86_64-static") else "qemu-x86_64-static not installed"


class Pynix(Runner):
    name = "pynix"

    def __init__(self, command: list[str]):
        self.command = command

    def argv(self, cmd: Cmd) -> tuple[list[str], dict[str, str]]:
        if cmd.prog == BOOT:
            return [*self.command, "boot"], dict(os.environ)
        argv = [*self.command, "run", "--bind", f"{BENCH_BUILD}:{GUEST_DIR}", "--env", f"PATH={PATH}"]
        for k, v in cmd.env:
            argv += ["--env", f"{k}={v}"]
        prog = "/bin/sh" if cmd.prog == "sh" else f"{GUEST_DIR}/{cmd.prog}"
        return [*argv, "--", prog, *cmd.args], dict(os.environ)

    def available(self) -> str | None:
        exe = self.command[0]
        return None if shutil.which(exe) or Path(exe).exists() else f"{exe} not found (run scripts/setup.sh)"


def host_true() -> Path:
    link = BENCH_BUILD / "bin" / "true"
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(host_busybox())
    return link


# -------------------------------------------------------------- benchmarks


@dataclass(frozen=True)
class Benchmark:
    name: str
    what: str
    unit: str  # of the reported figure
    n: int  # units of work in the work command
    work: Callable[[int], Cmd]  # N -> command doing N units
    baseline: Callable[[int], Cmd] | None  # N -> same command doing no work; None: report raw time
    scale: float = 1e3  # seconds -> unit (1e3 ms, 1e6 us)
    until_prompt: bool = False  # time until PROMPT shows on a terminal, not until exit


def sh_loop(body: str) -> Callable[[int], Cmd]:
    return lambda n: shell(f"i=0; while [ $i -lt {n} ]; do {body}; i=$((i+1)); done; echo $i", T="/bin/true")


BENCHMARKS = [
    Benchmark("startup", "start, run and exit a static program that does nothing", "ms", 1,
              lambda n: bench_prog("nullsys", 0), None),
    Benchmark("null_syscall", "getpid() via syscall(SYS_getpid)", "us/call", 100_000,
              lambda n: bench_prog("nullsys", n), lambda n: bench_prog("nullsys", 0), scale=1e6),
    Benchmark("compute", "sieve of 1e6 + hash of 256 KiB, no syscalls (per round)", "ms/round", 50,
              lambda n: bench_prog("compute", n), lambda n: bench_prog("compute", 0)),
    Benchmark("fork_exec", "busybox sh loop: fork + exec /bin/true + wait", "ms/iter", 200,
              sh_loop("$T"), lambda n: sh_loop(":")(n)),
    Benchmark("signal_rt", "kill(self, SIGUSR1) -> handler -> rt_sigreturn", "us/signal", 10_000,
              lambda n: bench_prog("sigrt", n), lambda n: bench_prog("sigrt", 0), scale=1e6),
    Benchmark("boot_prompt", "pynix boot until the shell prompt (native, qemu: busybox sh -l)", "ms", 1,
              lambda n: Cmd(BOOT), None, until_prompt=True),
    Benchmark("pipe_pingpong", "1-byte round trip between two processes over pipes", "us/trip", 10_000,
              lambda n: bench_prog("pingpong", n), lambda n: bench_prog("pingpong", 0), scale=1e6),
    Benchmark("msg_pingpong", "1-byte round trip between two processes over a SysV message queue",
              "us/trip", 10_000, lambda n: bench_prog("ipcpong", "msg", n),
              lambda n: bench_prog("ipcpong", "msg", 0), scale=1e6),
    Benchmark("unix_pingpong", "1-byte round trip between two processes over an AF_UNIX socketpair",
              "us/trip", 10_000, lambda n: bench_prog("ipcpong", "unix", n),
              lambda n: bench_prog("ipcpong", "unix", 0), scale=1e6),
    Benchmark("file_dd", "busybox dd 64 KiB blocks /dev/zero -> /tmp file (per MiB)", "ms/MiB", 16,
              lambda n: shell(f"dd if=/dev/zero of=/tmp/pynix-bench-dd bs=65536 count={n * 16} 2>/dev/null;"
                              " rm -f /tmp/pynix-bench-dd; echo done"),
              lambda n: shell("dd if=/dev/zero of=/tmp/pynix-bench-dd bs=65536 count=0 2>/dev/null;"
                              " rm -f /tmp/pynix-bench-dd; echo done")),
    # The disk: /var/tmp is on pynix's ext2 root disk (natively: the host's disk).
    Benchmark("disk_write", "busybox dd 64 KiB blocks -> a file on the root disk, + sync (per MiB)",
              "ms/MiB", 64,
              lambda n: shell(f"dd if=/dev/zero of=/var/tmp/pynix-bench-dd bs=65536 count={n * 16} 2>/dev/null;"
                              " sync; rm -f /var/tmp/pynix-bench-dd; echo done"),
              lambda n: shell("dd if=/dev/zero of=/var/tmp/pynix-bench-dd bs=65536 count=0 2>/dev/null;"
                              " sync; rm -f /var/tmp/pynix-bench-dd; echo done")),
    Benchmark("disk_read", "busybox dd a file on the root disk back, 64 KiB blocks (per MiB)",
              "ms/MiB", 64,
              lambda n: shell(f"dd if=/dev/zero of=/var/tmp/pynix-bench-rd bs=65536 count={n * 16} 2>/dev/null;"
                              " dd if=/var/tmp/pynix-bench-rd of=/dev/null bs=65536 2>/dev/null;"
                              " rm -f /var/tmp/pynix-bench-rd; echo done"),
              lambda n: shell(f"dd if=/dev/zero of=/var/tmp/pynix-bench-rd bs=65536 count={n * 16} 2>/dev/null;"
                              " rm -f /var/tmp/pynix-bench-rd; echo done")),
    Benchmark("thread_create", "pthread_create + pthread_join of an empty thread", "us/thread", 2_000,
              lambda n: bench_prog("threads", "create", n), lambda n: bench_prog("threads", "create", 0),
              scale=1e6),
    Benchmark("mutex_uncontended", "pthread_mutex_lock + unlock, one thread", "ns/pair", 4_000_000,
              lambda n: bench_prog("threads", "mutex", n), lambda n: bench_prog("threads", "mutex", 0),
              scale=1e9),
    Benchmark("mutex_contended", "two threads: lock, increment, unlock one mutex", "ns/pair", 4_000_000,
              lambda n: bench_prog("threads", "contended", n),
              lambda n: bench_prog("threads", "contended", 0), scale=1e9),
    # /proc: a generated file opened, read and closed by the shell itself; ps walking /proc
    Benchmark("proc_read", "open + read + close of /proc/self/stat (its text made at open)", "us/read",
              2_000, lambda n: bench_prog("procread", n), lambda n: bench_prog("procread", 0), scale=1e6),
    Benchmark("ps", "busybox ps over /proc (per run, minus fork + exec of true)", "ms/ps", 20,
              sh_loop("ps >/dev/null"), lambda n: sh_loop("$T")(n)),
    Benchmark("file_create", "create + stat + unlink of files on the root disk (per file)", "us/file",
              10_000, lambda n: bench_prog("fileops", n, "/var/tmp"),
              lambda n: bench_prog("fileops", 0, "/var/tmp"), scale=1e6),
]


# ----------------------------------------------------------------- running


@dataclass
class Cell:
    value: float | None = None  # in the benchmark's unit
    error: str | None = None
    stdout: str = ""


@dataclass
class Row:
    bench: Benchmark
    cells: dict[str, Cell] = field(default_factory=dict)


def build() -> None:
    cc = shutil.which("musl-gcc")
    if cc is None:
        sys.exit("bench: musl-gcc not found: run scripts/setup.sh")
    BENCH_BUILD.mkdir(parents=True, exist_ok=True)
    for src in sorted(BENCH_SRC.glob("*.c")):
        out = BENCH_BUILD / src.stem
        if out.exists() and out.stat().st_mtime >= src.stat().st_mtime:
            continue
        subprocess.run([cc, "-static", "-O2", "-o", str(out), str(src)], check=True)


PIN: list[str] = []  # ["taskset", "-c", CPU] with --cpu


def best_time(runner: Runner, cmd: Cmd, repeat: int) -> tuple[float, str]:
    """Fastest of `repeat` runs, in seconds, and the stdout; raises RuntimeError on failure."""
    argv, env = runner.argv(cmd)
    argv = [*PIN, *argv]
    best, out = float("inf"), ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            p = subprocess.run(argv, env=env, cwd="/", stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"timed out after {TIMEOUT:.0f} s: {shlex.join(argv)}") from None
        elapsed = time.perf_counter() - t0
        if p.returncode != 0:
            err = p.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise RuntimeError(f"exit {p.returncode}: {shlex.join(argv)}: {err[0]}")
        best, out = min(best, elapsed), p.stdout.decode(errors="replace")
    return best, out


def prompt_time(runner: Runner, cmd: Cmd, repeat: int) -> tuple[float, str]:
    """Fastest of `repeat` starts on a fresh pseudo-terminal until PROMPT appears, in seconds."""
    import pty
    import select
    argv, env = runner.argv(cmd)
    best = float("inf")
    for _ in range(repeat):
        master, slave = pty.openpty()
        t0 = time.perf_counter()
        p = subprocess.Popen([*PIN, *argv], env=env, cwd=str(REPO), stdin=slave, stdout=slave,
                             stderr=slave, start_new_session=True)
        os.close(slave)
        seen = b""
        try:
            while PROMPT.encode() not in seen.replace(b"\x1b[6n", b""):
                if time.perf_counter() - t0 > 60 or not select.select([master], [], [], 60)[0]:
                    raise RuntimeError(f"no prompt within 60 s: {shlex.join(argv)}: {seen[-80:]!r}")
                seen += os.read(master, 4096)
            best = min(best, time.perf_counter() - t0)
        except OSError:
            raise RuntimeError(f"exited before its prompt: {shlex.join(argv)}: {seen[-80:]!r}") from None
        finally:
            p.kill()
            p.wait()
            os.close(master)
    return best, ""


def measure(bench: Benchmark, runner: Runner, repeat: int, scale: float) -> Cell:
    n = max(1, round(bench.n * scale)) if bench.baseline else bench.n
    try:
        if bench.until_prompt:
            return Cell(prompt_time(runner, bench.work(n), repeat)[0] * bench.scale)
        t_work, out = best_time(runner, bench.work(n), repeat)
        if bench.baseline is None:
            return Cell(t_work * bench.scale, stdout=out)
        t_base, _ = best_time(runner, bench.baseline(n), repeat)
    except RuntimeError as e:
        return Cell(error=str(e))
    return Cell(max(t_work - t_base, 0.0) / n * bench.scale, stdout=out)


def fmt(v: float | None) -> str:
    if v is None:
        return "FAIL"
    return f"{v:.3g}" if v < 1000 else f"{v:.0f}"


def ratio(a: Cell | None, b: Cell | None) -> str:
    if not a or not b or a.value is None or b.value is None or b.value <= 0:
        return "-"
    return f"{a.value / b.value:.1f}x"


def print_table(rows: list[Row], runners: list[str]) -> None:
    head = ["benchmark", "unit", *runners]
    if "pynix" in runners and "native" in runners:
        head.append("pynix/native")
    if "pynix" in runners and "qemu" in runners:
        head.append("pynix/qemu")
    table = [head]
    notes = []
    for row in rows:
        line = [row.bench.name, row.bench.unit, *(fmt(row.cells[r].value) for r in runners)]
        if "pynix/native" in head:
            line.append(ratio(row.cells.get("pynix"), row.cells.get("native")))
        if "pynix/qemu" in head:
            line.append(ratio(row.cells.get("pynix"), row.cells.get("qemu")))
        table.append(line)
        for r in runners:
            if row.cells[r].error:
                notes.append(f"{row.bench.name} [{r}]: {row.cells[r].error}")
    widths = [max(len(line[i]) for line in table) for i in range(len(head))]
    for i, line in enumerate(table):
        print("  ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(line, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    if any(r.bench.name == "fork_exec" for r in rows) and "qemu" in runners:
        notes.append("fork_exec [qemu]: qemu-user runs the exec'd /bin/true natively, so it is not comparable")
    for note in notes:
        print(f"  note: {note}")


def main(argv: list[str] | None = None) -> int:
    names = [b.name for b in BENCHMARKS]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", metavar="NAME", choices=names,
                    help="run only this benchmark (repeatable): " + ", ".join(names))
    ap.add_argument("--runners", default="native,qemu,pynix", help="comma-separated subset of native,qemu,pynix")
    ap.add_argument("--repeat", type=int, default=3, help="runs per command; the fastest counts (default 3)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every benchmark's N (default 1)")
    ap.add_argument("--pynix", default=str(REPO / ".venv" / "bin" / "pynix"), help="the pynix command")
    ap.add_argument("--cpu", type=int, metavar="N",
                    help="pin every run to host CPU N with taskset (steadier pipe/fork figures)")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = ap.parse_args(argv)
    if args.cpu is not None:
        PIN[:] = ["taskset", "-c", str(args.cpu)]

    if args.list:
        for b in BENCHMARKS:
            print(f"{b.name:14} {b.unit:9} N={b.n:<7} {b.what}")
        return 0

    all_runners: dict[str, Runner] = {"native": Native(), "qemu": Qemu(), "pynix": Pynix(shlex.split(args.pynix))}
    wanted = [r.strip() for r in args.runners.split(",") if r.strip()]
    for r in wanted:
        if r not in all_runners:
            ap.error(f"unknown runner {r!r}")
    runners = []
    for r in wanted:
        why = all_runners[r].available()
        if why:
            print(f"bench: skipping {r}: {why}", file=sys.stderr)
        else:
            runners.append(r)

    build()
    selected = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    rows = []
    for bench in selected:
        row = Row(bench)
        for r in runners:
            print(f"bench: {bench.name} [{r}] ...", file=sys.stderr, flush=True)
            row.cells[r] = measure(bench, all_runners[r], args.repeat, args.scale)
        outputs = {c.stdout for c in row.cells.values() if c.value is not None}
        if len(outputs) > 1:
            for r, c in row.cells.items():
                if r != "native" and c.value is not None and c.stdout != row.cells.get("native", c).stdout:
                    row.cells[r] = Cell(error=f"output differs from native: {c.stdout.strip()[:80]!r}")
        rows.append(row)
    print_table(rows, runners)
    return 0 if all(c.value is not None for row in rows for c in row.cells.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
