#!/usr/bin/env python3
"""scripts/layers.py - measure pynix's import structure.

Prints, for the modules under pynix/:
- imports that go up the layers (LAYERS below: the DESIGN's layer diagram, lowest first);
- the import cycles between modules (strongly connected components of the graph of
  ``import pynix...`` edges, counting imports inside functions as well as module-level ones),
  largest first;
- every function-level import of a pynix module, with whether it carries a comment saying why
  (``# start-up time``: a heavy module imported only when used);
- modules over a line limit.

Usage: scripts/layers.py [--limit 450] [--quiet]   (exit status 0; it measures, it does not judge)
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The layers, lowest first. A module may import its own layer and the ones below it. A
# module belongs to the longest prefix listed.
LAYERS: list[tuple[str, ...]] = [
    ("pynix.arch", "pynix.machine"),                  # ABI facts; the hardware model
    ("pynix.base",),                                  # errors, time, wait queues, run queue, irqs
    ("pynix.mm",),                                    # frames, mm_struct, VMAs, faults, uaccess
    ("pynix.kernel.task", "pynix.kernel.cred", "pynix.kernel.commoncap", "pynix.kernel.pid",
     "pynix.kernel.pgrp", "pynix.kernel.sigqueue", "pynix.kernel.cputime", "pynix.kernel.printk",
     "pynix.kernel.ns_common", "pynix.kernel.version"),
                                                      # what every subsystem sees of a task
    ("pynix.fs", "pynix.ipc", "pynix.net", "pynix.drivers", "pynix.loader", "pynix.security",
     "pynix.kernel.kthread"),                         # subsystems (and the kernel threads they ask for)
    ("pynix.kernel",),                                # process lifecycle: fork, exec, exit, signals
    ("pynix.syscalls",),                              # the table and thin handlers
    ("pynix.init", "pynix.cli", "pynix.rootfs", "pynix.api", "pynix.views", "pynix"),
]


def layer_of(module: str) -> int:
    best, rank = "", len(LAYERS) - 1
    for i, prefixes in enumerate(LAYERS):
        for pre in prefixes:
            if (module == pre or module.startswith(pre + ".")) and len(pre) > len(best):
                best, rank = pre, i
    return rank
PKG = ROOT / "pynix"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(target: str, modules: set[str]) -> str | None:
    """The pynix module an import names (``pynix.a.b.c`` may be a name in ``pynix.a.b``)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def imports(path: Path, modules: set[str]) -> list[tuple[str, int, bool, str]]:
    """(imported module, line, inside a function, the source line) for each pynix import."""
    src = path.read_text()
    lines = src.splitlines()
    tree = ast.parse(src)
    me = module_name(path)
    out: list[tuple[str, int, bool, str]] = []

    def visit(node: ast.AST, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for a in child.names:
                    m = resolve(a.name, modules)
                    if m and m != me:
                        out.append((m, child.lineno, in_func, lines[child.lineno - 1]))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = me.split(".")
                    if not path.name == "__init__.py":
                        base = base[:-1]
                    base = base[:len(base) - child.level + 1]
                    mod = ".".join(base + ([child.module] if child.module else []))
                else:
                    mod = child.module or ""
                targets = [f"{mod}.{a.name}" for a in child.names] or [mod]
                for t in targets:
                    m = resolve(t, modules)
                    if m and m != me:
                        out.append((m, child.lineno, in_func, lines[child.lineno - 1]))
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                continue                                  # typing-only imports are not edges
            visit(child, nested)

    visit(tree, False)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(sorted(comp))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=450, help="line limit per module")
    ap.add_argument("--quiet", action="store_true", help="only the summary")
    args = ap.parse_args()
    files = sorted(PKG.rglob("*.py"))
    modules = {module_name(p) for p in files}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    local: list[tuple[str, int, str, bool]] = []
    upward: list[str] = []
    for p in files:
        me = module_name(p)
        for m, line, in_func, text in imports(p, modules):
            if m == "pynix" or me.startswith(m + ".") and m.count(".") < me.count("."):
                # importing a package's own __init__ from inside it is not an edge
                if (PKG / Path(*m.split(".")[1:]) / "__init__.py").stat().st_size == 0:
                    continue
            graph[me].add(m)
            if layer_of(m) > layer_of(me):
                upward.append(f"{me}:{line} -> {m}{' (in a function)' if in_func else ''}")
            if in_func:
                why = "start-up time" in text or "start-up time" in _prev_line(p, line)
                local.append((me, line, text.strip(), why))
    comps = sorted((c for c in sccs(graph) if len(c) > 1), key=len, reverse=True)
    big = [(len(p.read_text().splitlines()), module_name(p)) for p in files]
    big = sorted((b for b in big if b[0] > args.limit), reverse=True)
    if not args.quiet:
        for u in upward:
            print(f"upward import {u}")
        for c in comps:
            print(f"cycle of {len(c)}: {' '.join(c)}")
        for me, line, text, why in local:
            print(f"local import {me}:{line}: {text}{'' if why else '   (no reason given)'}")
        for n, m in big:
            print(f"over {args.limit} lines: {m} ({n})")
    print(f"upward imports: {len(upward)}; largest cycle: {max((len(c) for c in comps), default=1)} modules; "
          f"cycles: {len(comps)}; function-level imports: {len(local)} "
          f"({sum(1 for x in local if not x[3])} without a reason); "
          f"modules over {args.limit} lines: {len(big)}; "
          f"largest module: {max(n for n, _ in [(len(p.read_text().splitlines()), p) for p in files])} lines")
    return 0


def _prev_line(p: Path, line: int) -> str:
    lines = p.read_text().splitlines()
    return lines[line - 2] if line >= 2 else ""


if __name__ == "__main__":
    sys.exit(main())
