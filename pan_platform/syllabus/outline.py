"""What one viewer sees of a curriculum or module: the syllabus tree.

Every item in the tree is readable by the viewer (access: can()); children they may not
read are left out, with everything under them. Files are reached only through
`downloadable_files()`, so a change in how a material holds its files touches one function.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from pan_platform.access import can, user_principals
from pan_platform.catalogue.models import Item

SYLLABUS_KINDS = ("curriculum", "module")


@dataclass
class MaterialFiles:
    allowed: list  # file versions the viewer may download
    withheld: int = 0  # files the viewer may not download (given on request)


@dataclass
class Node:
    item: Item
    text: dict  # Item.localized(language)
    files: MaterialFiles
    children: list[Node] = field(default_factory=list)

    def walk(self) -> list[Node]:
        """This node and every node under it, depth first, in page order."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    @property
    def hours(self) -> float | None:
        """The item's own duration, else the sum of its children's (None when none is known)."""
        if self.item.duration_hours:
            return self.item.duration_hours
        known = [child.hours for child in self.children if child.hours]
        return sum(known) if known else None


def downloadable_files(user, item: Item) -> MaterialFiles:
    """The files of `item` that `user` may download, and how many are withheld from them."""
    files = item.current_files
    if can(user, "download", item):
        return MaterialFiles(files)
    return MaterialFiles([], len(files))


def syllabus_languages(item: Item) -> list[str]:
    """The languages a syllabus can be printed in: the item's original and translations."""
    return item.languages or [item.language]


def build_outline(user, item: Item, language: str) -> Node:
    """The tree of `item` as `user` may read it (the caller has checked `item` itself)."""
    return _node(user, item, language, {item.id})


def _node(user, item: Item, language: str, seen: set[int]) -> Node:
    node = Node(item, item.localized(language), downloadable_files(user, item))
    for child in item.children:
        if child.id in seen or not can(user, "read", child):  # a cycle must not hang a build
            continue
        seen.add(child.id)
        node.children.append(_node(user, child, language, seen))
    return node


def labels_key(user) -> str:
    """Who a package may be served to: the reader labels (and the administrators' bypass)."""
    labels = sorted(user_principals(user)) + (["<administrator>"] if can(user, "administer") else [])
    return hashlib.sha256("\n".join(labels).encode()).hexdigest()


def fingerprint(outline: Node, language: str) -> str:
    """Everything a package of `outline` holds: changes when an item, its text, its rights
    or its files change."""
    parts = [
        [
            node.item.id,
            node.item.updated_at.isoformat() if node.item.updated_at else "",
            node.text,
            node.item.licence,
            [(f.id, f.sha256) for f in node.files.allowed],
            node.files.withheld,
            [child.item.id for child in node.children],
        ]
        for node in outline.walk()
    ]
    data = json.dumps([language, parts], sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()
