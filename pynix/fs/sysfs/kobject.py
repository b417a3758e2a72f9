"""The sysfs tree: kobjects, their attribute files and their links (Linux lib/kobject.c
kobject_add / kobject_del, fs/sysfs/file.c sysfs_create_file, fs/sysfs/symlink.c
sysfs_create_link, attribute groups' is_visible).

A ``KObject`` is one directory of /sys: its ``children`` (more kobjects), its ``attrs`` (files
whose text ``show()`` computes from the live kernel object when read and which ``store(data)``
changes, when the attribute has one) and its ``links`` (symlinks to other kobjects, whose text
is the relative path between the two, as sysfs writes it). A child with ``visible`` set is
listed only while ``visible()`` is true (the loop/ group of a bound loop device).

Calls, by the subsystem that owns the object (from its own module, at import or when the
object appears): ``kobj = kobject_add(parent, "name")``, ``kobj.add_file("dev", show)``,
``kobj.add_link("subsystem", other)``, and ``kobject_del(kobj)`` when it goes away.
``sysfs_root`` is the top of the tree, ``kobject_path(kobj)`` its path under /sys, and
``kobject_at("block/loop0")`` finds one by path (for tests and for the subsystems).

Owns: the one tree (shared by every sysfs mount, as Linux's kernfs root is).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pynix.arch.x86_64 import errno as E
from pynix.base.errors import KernelError

Show = Callable[[], bytes]
Store = Callable[[bytes], None]


@dataclass
class Attribute:
    """One attribute file (struct attribute + its sysfs_ops show/store)."""
    show: Show
    store: Store | None = None
    mode: int = 0o444


class KObject:
    """A directory of /sys (struct kobject)."""

    def __init__(self, name: bytes, parent: KObject | None,
                 visible: Callable[[], bool] | None = None) -> None:
        self.name = name
        self.parent = parent
        self.children: dict[bytes, KObject] = {}
        self.attrs: dict[bytes, Attribute] = {}
        self.links: dict[bytes, KObject] = {}
        self.visible = visible

    def add_file(self, name: str, show: Show, store: Store | None = None,
                 mode: int | None = None) -> None:
        """sysfs_create_file: 0644 when the attribute can be stored, else 0444."""
        self.attrs[name.encode()] = Attribute(show, store,
                                              mode if mode is not None else
                                              (0o644 if store is not None else 0o444))

    def add_link(self, name: str, target: KObject) -> None:
        """sysfs_create_link: ``name`` here points at ``target``."""
        self.links[name.encode()] = target

    def shown(self) -> bool:
        return self.visible is None or self.visible()

    def listing(self) -> list[tuple[bytes, KObject | Attribute]]:
        """What readdir shows, children first (kernfs lists them in name order; so do we)."""
        out: list[tuple[bytes, KObject | Attribute]] = []
        out += [(n, c) for n, c in self.children.items() if c.shown()]
        out += list(self.attrs.items())
        out += [(n, t) for n, t in self.links.items() if t.shown()]
        return sorted(out, key=lambda item: item[0])

    def find(self, name: bytes) -> KObject | Attribute | None:
        child = self.children.get(name)
        if child is not None:
            return child if child.shown() else None
        if name in self.attrs:
            return self.attrs[name]
        target = self.links.get(name)
        return target if target is not None and target.shown() else None

    def is_link(self, name: bytes) -> bool:
        return name in self.links


sysfs_root = KObject(b"", None)


def kobject_add(parent: KObject | None, name: str,
                visible: Callable[[], bool] | None = None) -> KObject:
    """kobject_add: a new directory ``name`` under ``parent`` (the root when None); an
    existing one of that name is returned as it is (the tree's fixed directories, such as
    /sys/block, are made by whichever subsystem asks first)."""
    parent = parent if parent is not None else sysfs_root
    key = name.encode()
    kobj = parent.children.get(key)
    if kobj is None:
        kobj = parent.children[key] = KObject(key, parent, visible)
    return kobj


def kobject_del(kobj: KObject) -> None:
    """kobject_del: take ``kobj`` out of the tree, and the links that point at it."""
    if kobj.parent is not None:
        kobj.parent.children.pop(kobj.name, None)

    def unlink(node: KObject) -> None:
        for name in [n for n, t in node.links.items() if t is kobj]:
            del node.links[name]
        for child in node.children.values():
            unlink(child)
    unlink(sysfs_root)


def kobject_path(kobj: KObject) -> list[bytes]:
    """The names from the root down to ``kobj``."""
    names: list[bytes] = []
    node: KObject | None = kobj
    while node is not None and node.parent is not None:
        names.append(node.name)
        node = node.parent
    return names[::-1]


def link_text(at: KObject, target: KObject) -> bytes:
    """The relative path sysfs gives a link in ``at`` to ``target`` (sysfs_get_target_path)."""
    here, there = kobject_path(at), kobject_path(target)
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    return b"/".join([b".."] * (len(here) - common) + there[common:]) or b"."


def kobject_at(path: str) -> KObject:
    """The kobject at ``path`` under /sys, following links (ENOENT if there is none)."""
    node = sysfs_root
    for comp in path.strip("/").split("/"):
        if not comp:
            continue
        found = node.find(comp.encode())
        if not isinstance(found, KObject):
            raise KernelError(E.ENOENT)
        node = found
    return node
