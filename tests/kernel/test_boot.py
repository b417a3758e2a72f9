"""``pynix boot`` end to end: a real terminal (tmux) drives busybox init and sh on pynix's tty
layer, and a pipe drives the console of a second boot.

The tmux steps share one booted machine (module fixture) and run in file order: prompt,
``ls /``, a pipeline, Ctrl-C of a foreground job, Ctrl-Z then ``fg``, the window size
following a host resize, vi, ``exit`` respawning a shell, ``ps`` (skipped while the guest
has no /proc), and ``poweroff`` ending pynix with status 0.
"""
from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYNIX = REPO / ".venv" / "bin" / "pynix"
PROMPT = "root@pynix:/#"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Console:
    """A tmux window running ``pynix boot``: type keys, read the screen."""

    def __init__(self, tmp: Path, args: str = "boot") -> None:
        self.name = "pynix-test-" + uuid.uuid4().hex[:8]
        self.status = tmp / "status"
        cmd = f"{PYNIX} {args}; echo $? > {self.status}; sleep 60"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "100", "-y", "40", cmd],
                       check=True, cwd=REPO)
        self.started = time.monotonic()

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True,
                              text=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            scr = self.screen()
            if text in scr:
                return scr
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not on the screen after {timeout}s:\n{self.screen()}")

    def command(self, line: str, expect: str, timeout: float = 15.0) -> str:
        self.keys("C-l")                       # ash clears the screen; $? is kept
        time.sleep(0.2)
        self.keys(line, "Enter")
        return self.wait_for(expect, timeout)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)

    def exit_status(self, timeout: float = 30.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.status.exists():
            time.sleep(0.1)
        assert self.status.exists(), self.screen()
        return self.status.read_text().strip()


def private_image(tmp: Path) -> Path:
    """A fresh root disk made from the default tree for this test alone: the shared default
    image may be in use by another pynix, whose snapshot could catch it mid-write."""
    from pynix.rootfs import ensure_default_root
    image = tmp / "root.img"
    subprocess.run([str(PYNIX), "mkfs", str(image), "--size", "64M", "--from", ensure_default_root()],
                   check=True, capture_output=True)
    return image


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("boot")
    c = Console(tmp, f"boot --image {private_image(tmp)}")
    yield c
    c.close()


def test_prompt(console: Console) -> None:
    console.wait_for(PROMPT, timeout=30)
    print(f"prompt after {time.monotonic() - console.started:.2f}s")


def test_ls_root(console: Console) -> None:
    scr = console.command("ls /", "sbin")
    assert "bin" in scr and "etc" in scr


def test_pipeline(console: Console) -> None:
    console.command("echo pynix-pipe | tr a-z A-Z | rev", "EPIP-XINYP")


def foreground_sleep(console: Console, key: str, shows: str) -> None:
    """Start ``sleep 100`` in the foreground, then type ``key`` (a signal character)."""
    console.command("sleep 100", "sleep 100")
    time.sleep(0.5)
    console.keys(key)
    console.wait_for(shows)


def test_ctrl_c_interrupts_foreground_job(console: Console) -> None:
    foreground_sleep(console, "C-c", "^C")
    console.command("echo status=$?", "status=130")


def test_ctrl_z_then_fg(console: Console) -> None:
    foreground_sleep(console, "C-z", "Stopped")
    console.command("jobs", "[1]+  Stopped")
    console.command("fg", "sleep 100")
    time.sleep(0.3)
    console.keys("C-c")
    console.command("echo fg=$?", "fg=130")


def test_window_size_follows_the_host_terminal(console: Console) -> None:
    console.command("stty size", "40 100")
    subprocess.run(["tmux", "resize-window", "-t", console.name, "-x", "90", "-y", "35"], check=True)
    time.sleep(0.5)
    console.command("stty size", "35 90")


def test_vi_runs_in_raw_mode(console: Console) -> None:
    console.command("vi /tmp/vi-test", "/tmp/vi-test")
    time.sleep(0.5)
    console.keys("i", "typed in vi")
    time.sleep(0.3)
    console.keys("Escape")                         # alone: vi waits to tell it from a sequence
    time.sleep(0.5)
    console.keys(":wq", "Enter")
    time.sleep(0.5)
    console.command("cat /tmp/vi-test; echo end-$((5*5))", "end-25")
    assert "typed in vi" in console.screen()


def test_exit_respawns_a_shell_with_job_control(console: Console) -> None:
    console.command("exit", "exit")
    console.command("echo again-$((3*3))", "again-9")     # init started a new shell on tty1
    foreground_sleep(console, "C-z", "Stopped")
    console.command("kill %1; echo killed-$((4*4))", "killed-16")


def test_ps_lists_init_and_kthreadd(console: Console) -> None:
    scr = console.command("test -e /proc/1/stat && echo has-$((6*7)) || echo no-$((6*7))", "-42")
    assert "has-42" in scr                         # init's mount -a put /proc in place
    scr = console.command("ps", "PID")
    time.sleep(0.5)
    scr = console.screen()
    assert "init" in scr and "[kthreadd]" in scr


def test_poweroff_ends_pynix_with_status_0(console: Console) -> None:
    console.command("poweroff", "poweroff")
    assert console.exit_status() == "0"


def test_run_on_a_terminal_uses_the_tty_layer(tmp_path: Path) -> None:
    """pynix run with a terminal: the program controls tty1 and gets job control."""
    c = Console(tmp_path, "run -- /bin/sh")
    try:
        c.wait_for("/ #", timeout=30)
        c.command("tty", "/dev/tty1")
        foreground_sleep(c, "C-c", "^C")
        c.command("echo rc=$?", "rc=130")
        c.command("exit 3", "exit 3")
        assert c.exit_status() == "3"
    finally:
        c.close()


def test_boot_with_console_input_from_a_pipe(tmp_path: Path) -> None:
    """printf 'echo hi\npoweroff\n' | pynix boot: the script drives the shell."""
    p = subprocess.run([str(PYNIX), "boot", "--image", str(private_image(tmp_path))],
                       input=b"echo hi\npoweroff\n", capture_output=True, timeout=60, cwd=REPO)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    lines = [line.strip() for line in p.stdout.decode(errors="replace").splitlines()]
    assert "hi" in lines, p.stdout
