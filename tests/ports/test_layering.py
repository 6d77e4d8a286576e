"""Packages use each other only through public modules: ``ports`` and ``gen_tcp`` never
import a private module (``_name``) of another package, and ``ports`` never imports
``gen_tcp`` (see also tests/actors/test_layering.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gen_tcp
import ports

PACKAGES = {"actors", "ports", "gen_tcp"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _private_imports_of_others(package: object) -> dict[str, list[str]]:
    root = Path(package.__file__).parent  # type: ignore[attr-defined]
    own = root.name
    found: dict[str, list[str]] = {}
    for f in sorted(root.rglob("*.py")):
        bad = sorted(
            m
            for m in _imports(f)
            if m.split(".")[0] in PACKAGES - {own} and any(part.startswith("_") for part in m.split(".")[1:])
        )
        if bad:
            found[f.name] = bad
    return found


@pytest.mark.parametrize("package", [ports, gen_tcp], ids=["ports", "gen_tcp"])
def test_no_private_imports_across_packages(package: object) -> None:
    """Every import of another package names only its public modules and names."""
    assert _private_imports_of_others(package) == {}


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    """The check itself finds ``from actors._node import Node`` (so it can fail)."""
    f = tmp_path / "m.py"
    f.write_text("from actors._node import Node\nimport ports._conn\nfrom actors import spawn\n")
    assert _imports(f) >= {"actors._node", "ports._conn", "actors"}
