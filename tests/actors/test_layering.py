"""Imports point one way: ``actors`` never imports ``ports`` or ``gen_tcp``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
    """Every module in actors/ is free of ports and gen_tcp imports (the shell gets
    gen_tcp through the ``actors.shell`` entry points, see gen_tcp/_shell.py)."""
    root = Path(actors.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert files
    offenders = {}
    for f in files:
        bad = {m for m in imported_modules(f) if m.split(".")[0] in FORBIDDEN}
        if bad:
            offenders[f.name] = sorted(bad)
    assert offenders == {}


def test_ports_never_imports_gen_tcp() -> None:
    """ports/ sits below gen_tcp: none of its modules imports gen_tcp."""
    import ports

    root = Path(ports.__file__).parent
    offenders = {
        f.name: sorted(m for m in imported_modules(f) if m.split(".")[0] == "gen_tcp")
        for f in sorted(root.rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


PACKAGES = {"actors", "ports", "gen_tcp"}


def _imports_with_names(path: Path) -> set[str]:
    """Every module imported by `path`, and ``module.name`` for each name imported."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def private_imports_of_others(package: str) -> dict[str, list[str]]:
    """Each module of `package` that imports a private module or name (``_x``) of
    another of the three packages, with those imports."""
    root = Path(__import__(package).__file__).parent  # type: ignore[arg-type]
    found: dict[str, list[str]] = {}
    for f in sorted(root.rglob("*.py")):
        bad = sorted(
            m
            for m in _imports_with_names(f)
            if m.split(".")[0] in PACKAGES - {package} and any(p.startswith("_") for p in m.split(".")[1:])
        )
        if bad:
            found[f"{package}/{f.relative_to(root)}"] = bad
    return found


@pytest.mark.parametrize("package", ["ports", "gen_tcp"])
def test_packages_use_only_public_interfaces_of_the_others(package: str) -> None:
    """ports/ and gen_tcp/ reach the packages below them through their public modules
    (``actors``, ``actors.runtime``, ``actors.atoms``, ``ports``, ``ports.atoms``), never
    a private one such as ``actors._process``, so the internals can change freely."""
    assert private_imports_of_others(package) == {}


def test_the_private_import_check_sees_one(tmp_path: Path) -> None:
    """The check finds ``from actors._node import Node`` and ``import ports._conn``."""
    f = tmp_path / "m.py"
    f.write_text("from actors._node import Node\nimport ports._conn\nfrom actors import spawn\n")
    assert _imports_with_names(f) >= {"actors._node", "actors._node.Node", "ports._conn", "actors.spawn"}
