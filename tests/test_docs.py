"""README.md's system call list is what scripts/gen_syscall_doc.py makes of the syscall table
now, so a change to pynix/syscalls/table.py that is not regenerated into the README fails here."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def load_generator() -> ModuleType:
    path = REPO / "scripts" / "gen_syscall_doc.py"
    spec = importlib.util.spec_from_file_location("gen_syscall_doc", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_syscall_list_is_generated_from_the_table() -> None:
    gen = load_generator()
    text = (REPO / "README.md").read_text()
    assert gen.BEGIN in text and gen.END in text, "README.md lost its syscall list markers"
    start, end = text.index(gen.BEGIN), text.index(gen.END) + len(gen.END)
    assert text[start:end] == gen.render(), \
        "README.md's syscall list is stale: run .venv/bin/python scripts/gen_syscall_doc.py"
