"""The shape of the code: no import circle between files, imports at the top of a file.

The layers themselves (views on top, then operations, then access, then models) are
stated in `.importlinter` and checked by `make lint`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pan_platform"


def module_files() -> dict[str, Path]:
    files = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project's modules that `name` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target.startswith("pan_platform"):
                resolved = _resolve(target, modules)
                if resolved and resolved != name:
                    found.add(resolved)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_between_files():
    graph = import_graph()
    assert "pan_platform.search" in graph and graph["pan_platform.search"]  # the walk sees imports
    assert circles(graph) == []


def test_imports_sit_at_the_top_of_a_file():
    """An import inside a function hides a dependency; the only ones allowed are marked
    as deliberately lazy (a heavy library a child process loads on demand)."""
    hidden = []
    for path in module_files().values():
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        top_level = {id(node) for node in tree.body}
        for statement in tree.body:
            if isinstance(statement, (ast.If, ast.Try)):
                top_level |= {id(node) for node in ast.walk(statement)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top_level:
                context = " ".join(lines[max(node.lineno - 3, 0) : node.lineno])
                if "lazy" not in context:
                    hidden.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert hidden == []


def test_settings_are_read_in_config_py_only(tmp_path):
    """No module reads the environment; every setting a module reads is defined (with its
    default) by config.py, so each one can be set and none hides a default of its own."""
    from config import load_config

    defined = set(load_config(env={"PAN_INSTANCE_DIR": str(tmp_path)}))
    read, environment = set(), []
    for name, path in module_files().items():
        text = path.read_text()
        if "os.environ" in text or "getenv(" in text:
            environment.append(name)
        read |= set(re.findall(r"config(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", text))
    assert environment == []
    assert read and read - defined == set()
