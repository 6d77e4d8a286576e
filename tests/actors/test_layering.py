"""Imports point one way: ``actors`` never imports ``ports`` or ``gen_tcp``."""

from __future__ import annotations

import ast
from pathlib import Path

import actors

FORBIDDEN = {"ports", "gen_tcp"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_actors_never_imports_ports_or_gen_tcp() -> None:
    """Every module in actors/ (the shell excepted, which only *offers* gen_tcp at its
    prompt through a guarded import) is free of ports and gen_tcp imports."""
    root = Path(actors.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert files
    offenders = {}
    for f in files:
        if f.name == "_shell.py":
            continue
        bad = {m for m in imported_modules(f) if m.split(".")[0] in FORBIDDEN}
        if bad:
            offenders[f.name] = sorted(bad)
    assert offenders == {}


def test_the_shell_imports_gen_tcp_only_inside_a_guard() -> None:
    """The shell reaches gen_tcp only lazily, inside a function, guarded by ImportError,
    so importing actors (or its shell) never imports gen_tcp or ports."""
    path = Path(actors.__file__).parent / "_shell.py"
    if not path.exists():
        return
    tree = ast.parse(path.read_text())
    for node in tree.body:  # module level: no forbidden import
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            assert not any(m.split(".")[0] in FORBIDDEN for m in mods)
