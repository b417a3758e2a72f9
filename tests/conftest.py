"""Fixtures shared by the whole test suite.

- ``REPO``: the repository root.
- ``userland_programs`` (session scope): every ``userland/tests/*.c`` compiled
  with ``musl-gcc -static -O2`` into ``build/userland/NAME``, except ``*_glibc.c``,
  built with glibc as ``gcc -static -pthread -O2`` (glibc-static starts threads
  with clone3, registers rseq and robust lists: a second libc's view). A program is
  recompiled only when its source, or a header beside it, is newer than the
  binary. A program that does not compile fails only its own tests (the
  compiler's message is in the failure), never the whole session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
USERLAND_TESTS = REPO / "userland" / "tests"
USERLAND_BUILD = REPO / "build" / "userland"
CFLAGS = ["-static", "-O2", "-Wall"]
GLIBC_SUFFIX = "_glibc"            # NAME_glibc.c is built by gcc against glibc, not musl
GLIBC_CFLAGS = ["-static", "-pthread", "-O2", "-Wall"]


@dataclass
class BuiltPrograms:
    """Static test binaries in ``dir``; ``errors`` maps a name to why it did not build."""

    dir: Path
    errors: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        """The binary for ``name`` (e.g. "fork_cow"); fails the calling test if it did not build."""
        if name in self.errors:
            pytest.fail(f"userland/tests/{name}.c did not build:\n{self.errors[name]}", pytrace=False)
        return self.dir / name


def _needs_build(src: Path, out: Path, headers: list[Path]) -> bool:
    if not out.exists():
        return True
    built = out.stat().st_mtime
    return any(dep.stat().st_mtime > built for dep in [src, *headers])


def build_userland(src_dir: Path = USERLAND_TESTS, out_dir: Path = USERLAND_BUILD) -> BuiltPrograms:
    """Compile every ``src_dir/*.c`` that is out of date into ``out_dir``."""
    built = BuiltPrograms(out_dir)
    sources = sorted(src_dir.glob("*.c"))
    cc = shutil.which("musl-gcc")
    if cc is None:
        for src in sources:
            built.errors[src.stem] = "musl-gcc not found: run ./test.sh, or scripts/setup.sh, to install musl-tools"
        return built
    out_dir.mkdir(parents=True, exist_ok=True)
    headers = sorted(src_dir.glob("*.h"))
    for src in sources:
        out = out_dir / src.stem
        if not _needs_build(src, out, headers):
            continue
        glibc = src.stem.endswith(GLIBC_SUFFIX)
        compiler = [shutil.which("gcc") or "gcc", *GLIBC_CFLAGS] if glibc else [cc, *CFLAGS]
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        proc = subprocess.run(
            [*compiler, "-o", str(tmp), str(src)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            tmp.unlink(missing_ok=True)
            built.errors[src.stem] = proc.stdout + proc.stderr
            continue
        os.replace(tmp, out)  # atomic: a half-written binary is never run
    return built


@pytest.fixture(scope="session")
def userland_programs() -> BuiltPrograms:
    return build_userland()


@pytest.fixture(scope="session")
def userland_tools() -> BuiltPrograms:
    """``userland/tools/*.c`` (helpers such as fsops and sysfuzz) built into build/tools."""
    return build_userland(REPO / "userland" / "tools", REPO / "build" / "tools")
