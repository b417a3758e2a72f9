"""Run the same programs on host Linux and on pynix, and compare.

Each ``userland/tests/*.c`` program (built by the ``userland_programs``
fixture) and each shell snippet below runs twice: natively on this machine,
and inside pynix as

    .venv/bin/pynix run --bind build/userland:/t --cwd / --env ... -- /t/NAME

Both runs get the same environment, ``/`` as the working directory and
``/dev/null`` as stdin. They must print the same stdout and end with the same
exit status; stderr is not compared (it is shown when they differ). A process
killed by signal N counts as exit status 128+N on both sides, as a shell
reports it.

All host-vs-pynix comparison goes through :func:`assert_same_as_linux`.

Knobs (environment variables):
  PYNIX          the pynix command (default: .venv/bin/pynix); may hold
                 arguments, split like a shell would.
  PYNIX_TIMEOUT  seconds one pynix run may take (default 120).
  PYNIX_BUDGET   seconds all pynix runs of a session may take together
                 (default 1800); once spent, the remaining cases fail at
                 once, so a pynix that hangs everywhere cannot eat CI's time.

``KNOWN_FAILURES`` lists cases that are expected to fail for now; they are
strict xfails, so one that starts passing fails the suite until it is
removed from the list.
"""

from __future__ import annotations

import difflib
import os
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
USERLAND_TESTS = REPO / "userland" / "tests"

NATIVE_TIMEOUT = 20.0
PYNIX_TIMEOUT = float(os.environ.get("PYNIX_TIMEOUT", "120"))
PYNIX_BUDGET = float(os.environ.get("PYNIX_BUDGET", "1800"))
_pynix_seconds_spent = 0.0
MAX_DIFF_LINES = 120
GUEST_BIN = "/t"  # where build/userland appears inside pynix
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/", "LC_ALL": "C"}

# Cases expected to fail for now, as "program:NAME" or "shell:ID".
# fpu_except: the emulated CPU (QEMU 5 core) never sets the MXCSR exception flags
KNOWN_FAILURES: set[str] = {"program:fpu_except"}

# Extra arguments for a program, by name; most take none.
PROGRAM_ARGS: dict[str, list[str]] = {}

SHELL_SNIPPETS = {
    "pipe_tr": "echo hi | tr a-z A-Z",
    "for_loop": "for i in 1 2 3; do echo $i; done",
    "command_subst": "x=$(echo sub); echo $x",
    "subshell_status": "(exit 3); echo $?",
    "ls_root": "ls / >/dev/null && echo ok",
    "cat_hostname": "cat /etc/hostname >/dev/null; echo $?",
    "or_list": "false || echo alt",
    "and_list": "true && echo yes",
    "exit_status": "exit 7",
    "arith": "echo $((6 * 7)) $((17 % 5)) $((1 << 10))",
    "positional": 'set -- a "b c" d; echo $#; for a in "$@"; do echo "[$a]"; done',
    "case": "case hello in h*o) echo match;; *) echo no;; esac",
    "function": "f() { echo \"fn $1\"; return 4; }; f arg; echo $?",
    "while_read": "printf 'a\\nb\\nc\\n' | while read l; do echo \"<$l>\"; done",
    "pipeline_3": "seq 1 20 | sort -rn | head -3",
    "wc": "echo hello | wc -c",
    "redirect_tmp": "f=/tmp/pynix-sh-$$; echo data >$f; cat $f; rm $f; cat $f 2>/dev/null || echo gone",
    "append_tmp": "f=/tmp/pynix-sh-$$; echo 1 >$f; echo 2 >>$f; cat $f; rm $f",
    "cd_pwd": "cd /tmp && pwd && cd / && pwd",
    "nested_sh": "sh -c 'echo inner; exit 4'; echo outer $?",
    "background_wait": "sleep 0.05 & wait $!; echo waited $?",
    "kill_self": "kill -9 $$; echo not reached",
    "exec_replaces": "exec echo replaced; echo not reached",
    "trap_exit": "trap 'echo trapped' EXIT; echo body",
    "stderr_to_stdout": "ls /nonexistent-dir 2>&1 >/dev/null | wc -l",
    "here_doc": "cat <<EOF\nline one\nline two\nEOF",
    "env_var": "X=1 sh -c 'echo X=$X'; echo X=${X:-unset}",
    "many_forks": "i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i+1)); done; echo $i",
    # signals and jobs (the tty/job-control work)
    "trap_usr1": "trap 'echo got' USR1; kill -USR1 $$; echo after",
    "kill9_status": "sh -c 'kill -9 $$'; echo status=$?",
    "trap_term_child": "sh -c 'trap \"echo term; exit 3\" TERM; kill -TERM $$; sleep 1'; echo $?",
    "jobs_wait_all": "(sleep 0.1; exit 2) & (exit 5) & wait; echo all=$?",
    "jobs_wait_each": "(exit 2) & a=$!; (sleep 0.05; exit 5) & b=$!; wait $a; echo a=$?; wait $b; echo b=$?",
    "cmd_subst_nested": "echo $(echo a $(echo b $(echo c)))",
    "cmd_subst_status": "x=$(exit 7); echo $? \"$x\"",
    "subshell_codes": "(exit 0); echo $?; (exit 1); echo $?; (false); echo $?; (exit 255); echo $?",
    "subshell_signal": "(sh -c 'kill -INT $$'); echo $?",
    "kill_stop_cont": "sleep 0.2 & p=$!; kill -STOP $p; kill -CONT $p; wait $p; echo $?",
    # /proc and mounts, read the way busybox's ps, top, free, df, mount, pidof, killall do
    "proc_self_comm": "cat /proc/self/comm",
    "proc_ps_comm": "ps -o comm | grep -c '^ps$'",
    "proc_mount_lists_proc": "mount | grep -c ' on /proc type proc '",
    "proc_meminfo_readable": "test -r /proc/meminfo && echo ok",
    "proc_status_fields": "grep -E '^(Name|State|Threads):' /proc/self/status",
    "proc_cmdline": "cat /proc/self/cmdline | tr '\\0' ' '; echo",
    "proc_fd_pipe": "echo piped | cat /proc/self/fd/0",
    "dev_stdin_pipe": "echo through | cat /dev/stdin",
    "proc_maps_stack": "grep -c ' \\[stack\\]$' /proc/self/maps",
    "proc_stat_cpu": "head -1 /proc/stat | awk '{print $1, NF}'",
    "proc_uptime_loadavg": "awk '{print NF}' /proc/uptime /proc/loadavg",
    "proc_ostype": "cat /proc/sys/kernel/ostype",
    "proc_pidof_killall": "sleep 2 & pidof sleep >/dev/null && echo found; killall -0 sleep && echo alive; kill $!",
    "proc_free_header": "free | head -1 | awk '{print $1, $2}'",
    "proc_top_batch": "top -bn1 | head -1 | cut -d: -f1",
    "proc_df_root": "df / >/dev/null && echo ok",
    "proc_limits": "ulimit -S -n 64; ulimit -S -s 4096; grep -E '^(Limit|Max (open files|stack size|file size))' "
                   "/proc/self/limits | cut -c1-46",
    "proc_random_uuid": "grep -cE '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "
                        "/proc/sys/kernel/random/uuid /proc/sys/kernel/random/boot_id; "
                        "cat /proc/sys/vm/overcommit_memory",
    "stdin_is_dev_null": "readlink /proc/self/fd/0; test -c /dev/stdin && echo chr; stat -L -c '%t %T' /dev/stdin",
    "dmesg_reads": "dmesg >/dev/null; echo $?",
    # environ and maps read the address space of open time: after the reader's exec, nothing
    "proc_mm_pinned_at_open": "tr '\\0' '\\n' < /proc/self/environ | wc -l; cat < /proc/self/maps | wc -l; "
                              "grep -c . /proc/self/maps | awk '{print ($1 > 3)}'",
    "proc_swaps_header": "head -1 /proc/swaps; test -r /proc/cmdline && echo cmdline",
    "proc_self_exe": "readlink /proc/self/exe | grep -c busybox",
    # FIFOs and System V IPC seen from the shell
    "fifo_sh": "f=/tmp/pynix-fifo-$$; mkfifo $f; (echo through the fifo >$f &); cat $f; "
               "test -p $f && echo is a fifo; rm $f",
    "fifo_sh_reader_first": "f=/tmp/pynix-fifo2-$$; mkfifo $f; (cat $f; echo reader done) & sleep 0.2; "
                            "echo late writer >$f; wait; rm $f",
    "proc_sysvipc_headers": "head -1 /proc/sysvipc/msg /proc/sysvipc/sem /proc/sysvipc/shm",
    "proc_ipc_limits": "cat /proc/sys/kernel/msgmax /proc/sys/kernel/msgmnb /proc/sys/kernel/msgmni",
    "mount_tmpfs_sh": "d=/tmp/pynix-sh-mnt-$$; mkdir $d && mount -t tmpfs none $d && stat -f -c %T $d && "
                      "mount | grep -c \" $d \"; umount $d; echo $?; umount $d 2>/dev/null || echo again=$?; rmdir $d",
    "mount_loop_ext2": "f=/tmp/pynix-lp-$$.img; d=/tmp/pynix-lp-$$; dd if=/dev/zero of=$f bs=1k count=1024 "
                       "2>/dev/null; mke2fs -q -F $f >/dev/null 2>&1; mkdir $d; mount -o loop $f $d; echo rc=$?; "
                       "echo hi > $d/x; cat $d/x; grep -c \" $d ext2 \" /proc/mounts; umount $d; echo rc=$?; "
                       "rmdir $d; rm $f",
    "ulimit_fsize": "cd /dev/shm; f=pynix-fsz-$$; (ulimit -f 2; seq 1 1000 >$f; echo $?; truncate -s 5000 $f; "
                    "echo $?; trap '' XFSZ; echo x >>$f; echo $?); wc -c <$f; rm $f",
    "setgid_dir_inherits": "for d in /dev/shm/pynix-sg-$$ /var/tmp/pynix-sg-$$; do mkdir $d; chown 0:100 $d; "
                           "chmod 2775 $d; touch $d/f; mkdir $d/s; ln -s x $d/l; stat -c '%g %a' $d/f $d/s; "
                           "stat -c %g $d/l; rm -r $d; done",
    # a port of its own each run: a fixed one can still be held on the host by an earlier run
    "nc_loopback_tcp": "f=/tmp/pynix-nc-$$; p=$((30000 + $$ % 20000)); nc -l -p $p >$f & "
                       "for i in 1 2 3 4 5 6 7 8 9 10; do "
                       "echo over tcp | nc 127.0.0.1 $p 2>/dev/null && break; sleep 0.2; done; wait; cat $f; rm $f",
    # the sleep: Linux stamps ctime from the fine clock and atime from the coarse one, so a
    # read within a tick of the touch sees atime < ctime and updates atime a second time
    "relatime_read": "for f in /dev/shm/pynix-at-$$ /var/tmp/pynix-at-$$; do touch -d '2015-05-05 05:05:05' $f; "
                     "sleep 0.05; cat $f; stat -c %X $f >$f.1; cat $f; stat -c %X $f | cmp -s - $f.1 && echo once; "
                     "[ $(cat $f.1) -gt 1500000000 ] && echo updated; rm $f $f.1; done",
    "exec_arg_limits": "/bin/echo $(seq 1 100000) | wc -c; x=$(head -c 131072 /dev/zero | tr '\\0' a); "
                       "/bin/true \"$x\" 2>&1 | sed 's/.*: //'; (ulimit -s 256; /bin/echo $(seq 1 30000) | wc -c) 2>&1 "
                       "| sed 's/.*: //'",
    "deleted_names": "cd /tmp; f=pynix-del-$$; echo a >$f; exec 3<$f; rm $f; readlink /proc/$$/fd/3 | sed 's|.*-[0-9]*||'; "
                     "mkdir $f.d; cd $f.d; rmdir ../$f.d; readlink /proc/self/cwd | sed 's|.*-[0-9]*||'; "
                     "pwd -P >/dev/null 2>&1; echo pwd=$?",
    # tmpfs as shmem has it: sparse files, 20 bytes of directory size per entry, newest first
    "tmpfs_sparse_dirsize": "d=/dev/shm/pynix-sp-$$; mkdir $d; cd $d; truncate -s 1M sp; stat -c '%s %b' sp; "
                            "printf x | dd of=sp bs=1 seek=5000 conv=notrunc 2>/dev/null; stat -c '%s %b' sp; "
                            "touch c a b; mkdir z; rm a; touch a; find .; stat -c '%s' . z; cd /; rm -r $d",
}


@dataclass(frozen=True)
class Outcome:
    """How one run ended: its stdout, stderr and exit status (128+N for signal N)."""

    stdout: str
    stderr: str
    status: int | None  # None: did not finish within the timeout
    command: str


def run(argv: list[str], timeout: float, env: dict[str, str] | None = None) -> Outcome:
    """Run argv with stdin from /dev/null, cwd /, in its own process group."""
    command = shlex.join(argv)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd="/",
            env=env,
            start_new_session=True,
        )
    except OSError as e:
        return Outcome("", f"cannot start: {e}", 127, command)
    try:
        out, err = proc.communicate(timeout=timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        status = None
    if status is not None and status < 0:
        status = 128 - status
    return Outcome(out.decode(errors="replace"), err.decode(errors="replace"), status, command)


def run_pynix(argv: list[str]) -> Outcome:
    """run() for pynix, within PYNIX_TIMEOUT and what is left of PYNIX_BUDGET."""
    global _pynix_seconds_spent
    left = PYNIX_BUDGET - _pynix_seconds_spent
    if left <= 0:
        pytest.fail(f"not run: the pynix time budget of {PYNIX_BUDGET:.0f} s (PYNIX_BUDGET) is spent", pytrace=False)
    start = time.monotonic()
    try:
        return run(argv, min(PYNIX_TIMEOUT, left))
    finally:
        _pynix_seconds_spent += time.monotonic() - start


def pynix_command() -> list[str]:
    if "PYNIX" in os.environ:
        return shlex.split(os.environ["PYNIX"])
    exe = REPO / ".venv" / "bin" / "pynix"
    if not exe.exists():
        pytest.fail(f"{exe} not found: run ./test.sh (it sets up the venv)", pytrace=False)
    return [str(exe)]


def pynix_run_argv(argv: list[str], binds: dict[Path, str], env: dict[str, str] | None = None) -> list[str]:
    """The `pynix run` command line that runs argv in the guest."""
    cmd = [*pynix_command(), "run"]
    for host, guest in binds.items():
        cmd += ["--bind", f"{host}:{guest}"]
    for key, value in (env or ENV).items():
        cmd += ["--env", f"{key}={value}"]
    return [*cmd, "--cwd", "/", "--", *argv]


def host_busybox() -> str:
    for candidate in (
        shutil.which("busybox"),
        "/bin/busybox",
        str(REPO / "build" / "host" / "busybox-static" / "bin" / "busybox"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("no busybox on the host: run ./test.sh, or scripts/setup.sh", pytrace=False)


def describe(o: Outcome) -> str:
    return "timed out" if o.status is None else f"exit status {o.status}"


def tail(text: str, lines: int = 40) -> str:
    kept = text.splitlines()[-lines:]
    return "\n".join("    " + line for line in kept) if kept else "    (empty)"


def assert_same_as_linux(
    what: str,
    native_argv: list[str],
    guest_argv: list[str],
    binds: dict[Path, str] | None = None,
    native_must_succeed: bool = False,
    extra_env: dict[str, str] | None = None,
) -> None:
    """Run natively and in pynix; fail with a readable report unless stdout and status match.

    With native_must_succeed, a native run that does not exit 0 is reported as a
    broken test program (not a pynix bug).
    """
    env = {**ENV, **(extra_env or {})}
    native = run(native_argv, NATIVE_TIMEOUT, env)
    if native.status is None or (native_must_succeed and native.status != 0):
        pytest.fail(
            f"{what}: the native run failed ({describe(native)}), so the test itself is broken here\n"
            f"  command: {native.command}\n  stdout:\n{tail(native.stdout)}\n  stderr:\n{tail(native.stderr)}",
            pytrace=False,
        )
    guest = run_pynix(pynix_run_argv(guest_argv, binds or {}, env))
    if native.stdout == guest.stdout and native.status == guest.status:
        return
    report = [f"{what}: pynix differs from Linux", f"  command: {guest.command}"]
    if native.status != guest.status:
        report.append(f"  status: Linux {describe(native)}, pynix {describe(guest)}")
    if native.stdout != guest.stdout:
        diff = list(
            difflib.unified_diff(
                native.stdout.splitlines(),
                guest.stdout.splitlines(),
                "Linux stdout",
                "pynix stdout",
                lineterm="",
            )
        )
        shown = diff[:MAX_DIFF_LINES]
        if len(diff) > len(shown):
            shown.append(f"... {len(diff) - len(shown)} more diff lines")
        report.append("  stdout diff:\n" + "\n".join("    " + line for line in shown))
        if native.stdout.rstrip("\n") == guest.stdout.rstrip("\n"):
            report.append("  (only trailing newlines differ)")
    report.append("  pynix stderr (last lines):\n" + tail(guest.stderr))
    pytest.fail("\n".join(report), pytrace=False)


def cases(kind: str, ids: list[str]) -> list:
    """pytest params; "kind:id" in KNOWN_FAILURES makes that case a strict xfail."""
    mark = pytest.mark.xfail(strict=True, reason="listed in KNOWN_FAILURES")
    return [pytest.param(i, id=i, marks=[mark] if f"{kind}:{i}" in KNOWN_FAILURES else []) for i in ids]


PROGRAMS = sorted(p.stem for p in USERLAND_TESTS.glob("*.c"))


@pytest.mark.parametrize("name", cases("program", PROGRAMS))
def test_program(name: str, userland_programs) -> None:
    """userland/tests/NAME.c prints the same and exits the same on Linux and on pynix."""
    binary = userland_programs.path(name)
    args = PROGRAM_ARGS.get(name, [])
    assert_same_as_linux(
        f"userland/tests/{name}.c",
        [str(binary), *args],
        [f"{GUEST_BIN}/{name}", *args],
        binds={userland_programs.dir: GUEST_BIN},
        native_must_succeed=True,
    )


# File programs run a second time with their scratch files on a disk filesystem (ext2 in
# pynix's default root, the host's /var/tmp natively) instead of tmpfs.
ON_DISK = ["files", "dirs", "mmap_file", "locks", "perms", "fs_edges", "xattrs", "chown_rules",
           "fscalls", "splice", "inotify", "fcntl_ofd", "dnotify", "chattr"]


@pytest.mark.parametrize("name", cases("ondisk", ON_DISK))
def test_program_on_disk(name: str, userland_programs) -> None:
    binary = userland_programs.path(name)
    assert_same_as_linux(
        f"userland/tests/{name}.c (T_TMPDIR=/var/tmp)",
        [str(binary)],
        [f"{GUEST_BIN}/{name}"],
        binds={userland_programs.dir: GUEST_BIN},
        native_must_succeed=True,
        extra_env={"T_TMPDIR": "/var/tmp"},
    )


@pytest.mark.parametrize("snippet_id", cases("shell", list(SHELL_SNIPPETS)))
def test_shell(snippet_id: str) -> None:
    """busybox sh -c SNIPPET on the host and /bin/sh -c SNIPPET in pynix agree."""
    snippet = SHELL_SNIPPETS[snippet_id]
    assert_same_as_linux(
        f"sh -c {snippet!r}",
        [host_busybox(), "sh", "-c", snippet],
        ["/bin/sh", "-c", snippet],
    )


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_is_deterministic_on_linux(name: str, userland_programs) -> None:
    """The test program itself is sound: natively it exits 0, prints no FAIL, and prints the same twice."""
    binary = userland_programs.path(name)
    argv = [str(binary), *PROGRAM_ARGS.get(name, [])]
    first, second = (run(argv, NATIVE_TIMEOUT, ENV) for _ in range(2))
    assert first.status == 0, f"{name}: native {describe(first)}\n{tail(first.stdout)}\n{tail(first.stderr)}"
    assert "FAIL" not in first.stdout, f"{name}: native run reports failures\n{tail(first.stdout)}"
    assert first.stdout == second.stdout, f"{name}: two native runs differ:\n" + "\n".join(
        difflib.unified_diff(first.stdout.splitlines(), second.stdout.splitlines(), "run 1", "run 2", lineterm="")
    )
