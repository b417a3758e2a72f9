#!/usr/bin/env python3
"""Write README.md's system call list from the syscall table (pynix/syscalls/table.py).

    .venv/bin/python scripts/gen_syscall_doc.py           # rewrite the marked section
    .venv/bin/python scripts/gen_syscall_doc.py --check   # exit 1 if README.md is stale

The section lies between the BEGIN and END marker comments in README.md; everything outside
them is left as it is. The list says, per call and by name, what ``pynix syscalls --all`` says
in number order: partial calls with what is missing, full ones (with their remarks), absent
ones (ENOSYS), and which of those Linux lacks too. tests/test_docs.py fails when the README
differs from what this writes.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN = ("<!-- BEGIN syscall list: generated from pynix/syscalls/table.py by "
         "scripts/gen_syscall_doc.py; do not edit by hand -->")
END = "<!-- END syscall list -->"
WIDTH = 100

sys.path.insert(0, str(ROOT))
from pynix.arch.x86_64.syscall_nr import NOT_IN_LINUX  # noqa: E402
from pynix.syscalls.support import ABSENT, FULL, PARTIAL  # noqa: E402
from pynix.syscalls.table import compat_rows  # noqa: E402


def _names(names: list[str]) -> str:
    """A comma-separated list of code spans, wrapped to WIDTH."""
    return textwrap.fill(", ".join(names) + ".", WIDTH, break_long_words=False,
                         break_on_hyphens=False)


def _md(note: str) -> str:
    """A note as Markdown text: a lone ``*`` (F_OFD_*) must not start emphasis."""
    return note.replace("*", "\\*")


def render() -> str:
    """The section between the markers (markers included)."""
    rows = sorted(compat_rows(), key=lambda r: r[1].lstrip("_"))        # by name, to look up
    part = [r for r in rows if r[2] == PARTIAL]
    full = [r for r in rows if r[2] == FULL]
    absent = [r for r in rows if r[2] == ABSENT and r[1] not in NOT_IN_LINUX]
    nowhere = [r for r in rows if r[2] == ABSENT and r[1] in NOT_IN_LINUX]
    out = [BEGIN, "", textwrap.fill(
        f"Of the {len(rows)} x86-64 system calls, pynix has {len(full)} as Linux 6.1 does and "
        f"{len(part)} in part; {len(absent) + len(nowhere)} return ENOSYS ({len(nowhere)} of "
        "them on Linux too). `pynix syscalls --all` prints the same list.", WIDTH), "",
        "Partially supported:", "", "| nr | call | what is missing or different |",
        "|---:|------|------|"]
    out += [f"| {nr} | `{name}` | {_md(note)} |" for nr, name, _, note in part]
    out += ["", "Fully supported:", "",
            _names([f"`{name}`" + (f" ({_md(note)})" if note else "") for _, name, _, note in full]),
            "", "Not implemented (ENOSYS):", "", _names([f"`{r[1]}`" for r in absent]), "",
            "ENOSYS on Linux too (no entry point in syscall_64.tbl):", "",
            _names([f"`{r[1]}`" for r in nowhere]), "", END]
    return "\n".join(out)


def update(text: str) -> str:
    """``text`` (README.md) with its marked section replaced by ``render()``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{README.name}: the marker comments are missing:\n{BEGIN}\n{END}")
    return text[:start] + render() + text[end + len(END):]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only check that README.md is current")
    a = p.parse_args()
    text = README.read_text()
    new = update(text)
    if a.check:
        if new != text:
            print(f"{README.name} is stale: run .venv/bin/python scripts/gen_syscall_doc.py",
                  file=sys.stderr)
            return 1
        return 0
    if new != text:
        README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
