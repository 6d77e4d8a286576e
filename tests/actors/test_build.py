"""The build selection: compiled modules only when their manifest matches the sources."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from actors import _build

ROOT = Path(_build.__file__).resolve().parent.parent
SO = tuple(importlib.machinery.EXTENSION_SUFFIXES)


def copy_tree(dest: Path) -> Path:
    """The three packages, copied under `dest` (no build directory yet)."""
    for package in _build.PACKAGES:
        shutil.copytree(
            ROOT / package, dest / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return dest


def manifest(root: Path, **changes: Any) -> dict[str, Any]:
    """A manifest as mypyc_build.py writes it, fresh for `root`, with `changes` applied."""
    files = {"actors._absent": "lib/actors/_absent" + SO[0]}  # a name nothing imports
    for rel in files.values():
        (root / "build/mypyc" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "build/mypyc" / rel).write_bytes(b"")
    fields: dict[str, Any] = {
        "status": "ok",
        "python": _build.python_tag(),
        "source_hash": _build.source_hash(root),
        "modules": ["actors._absent"],
        "files": files,
    }
    fields.update(changes)
    return fields


def run_python(root: Path, code: str, build: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root), "ACTORS_BUILD": build}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )


def test_the_build_asked_for_is_the_one_that_runs() -> None:
    """Under ACTORS_BUILD=compiled every compiled module is an extension; under pure, none."""
    import actors._match

    choice = os.environ.get("ACTORS_BUILD", "auto")
    compiled = actors._match.__file__.endswith(SO)
    assert compiled == _build.build.startswith("compiled")
    if choice == "compiled":
        assert compiled
    elif choice == "pure":
        assert not compiled and _build.build.startswith("pure Python (")


def test_source_hash_changes_with_any_source(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    before = _build.source_hash(root)
    assert _build.source_hash(root) == before
    with open(root / "gen_tcp/_docs.py", "a") as f:
        f.write("\n")
    assert _build.source_hash(root) != before


def test_a_fresh_manifest_gives_the_compiled_files(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    files, why = _build.compiled_files(manifest(root), root)
    assert files == {"actors._absent": str(root / "build/mypyc/lib/actors/_absent") + SO[0]}
    assert why == ""


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"source_hash": "0" * 64}, "compiled build is stale"),
        ({"python": "2.7.18 .so"}, "compiled build is for Python 2.7.18"),
        ({"status": "unavailable", "reason": "no C compiler (gcc)"}, "no C compiler (gcc)"),
        ({"files": {"actors._absent": "lib/gone.so"}}, "compiled build is incomplete"),
        ({"modules": ["json"]}, "json imported before the build was chosen"),
    ],
)
def test_an_unusable_manifest_gives_pure_python_and_why(
    tmp_path: Path, changes: dict[str, Any], why: str
) -> None:
    root = copy_tree(tmp_path)
    files, reason = _build.compiled_files(manifest(root, **changes), root)
    assert files is None
    assert why in reason


def test_an_edited_source_runs_pure_python_with_one_warning_line(tmp_path: Path) -> None:
    """A build that no longer matches the sources is never loaded (auto: warn; compiled: fail)."""
    root = copy_tree(tmp_path)
    (root / "build/mypyc").mkdir(parents=True)
    (root / "build/mypyc/manifest.json").write_text(json.dumps(manifest(root)))
    with open(root / "actors/_match.py", "a") as f:
        f.write("\n")
    code = "import actors._match, actors._build as b; print(b.build); print(actors._match.__file__)"
    auto = run_python(root, code, "auto")
    assert auto.returncode == 0, auto.stderr
    build, file = auto.stdout.splitlines()
    assert build.startswith("pure Python (compiled build is stale")
    assert file == str(root / "actors/_match.py")
    assert auto.stderr.splitlines() == [f"actors:0: BuildWarning: running {build}"]
    child = "import os, subprocess, sys; subprocess.run([sys.executable, '-c', 'import actors'])"
    tree = run_python(root, f"import actors; {child}", "auto")
    assert tree.stderr.count("BuildWarning") == 1, tree.stderr
    required = run_python(root, code, "compiled")
    assert required.returncode == 1
    assert "ImportError: ACTORS_BUILD=compiled but compiled build is stale" in required.stderr


def test_nothing_built_runs_pure_python_silently(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    done = run_python(root, "import actors._build as b; print(b.build)", "auto")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "pure Python (no compiled build (run make build))\n"


def test_an_unknown_build_choice_is_refused(tmp_path: Path) -> None:
    done = run_python(copy_tree(tmp_path), "import actors", "fast")
    assert "ImportError: ACTORS_BUILD='fast': expected auto, pure or compiled" in done.stderr


def test_version_names_the_build() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "actors", "--version"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("erlports ")
    assert out.endswith(f", Python {sys.version.split()[0]}\n")
    kind = "compiled (mypyc: " if _build.build.startswith("compiled") else "pure Python ("
    assert f", {kind}" in out


def test_compiled_functions_keep_their_docstrings_and_signatures() -> None:
    """``help()`` reads the same on both builds: a function, method or class of a compiled
    module keeps its source docstring (mypyc alone gives it only its signature) and its
    signature."""
    import ast
    import importlib
    import inspect

    import actors
    import gen_tcp  # noqa: F401 - documents its functions
    from gen_tcp._docs import COMPILED, OPTION_DOCS

    root = Path(actors.__file__).parent.parent
    for module, qualname in [
        ("actors._api", "spawn"), ("actors._api", "send"), ("actors._api", "spawn_monitor"),
        ("actors._spawn", "spawn_plain"), ("actors._sched", "Scheduler.start"),
        ("ports._port", "PortActor.handover"), ("actors._terms", "Pid"), ("ports._port", "Port"),
        ("actors._api", "sleep"), ("gen_tcp._hot", "send"), ("gen_tcp._hot", "setopts"),
    ]:
        fn: Any = importlib.import_module(module)
        for part in qualname.split("."):
            fn = getattr(fn, part)
        tree: Any = ast.parse((root / (module.replace(".", "/") + ".py")).read_text())
        owner, _, name = qualname.rpartition(".")
        if owner:
            tree = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner)
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        node = next(n for n in tree.body if isinstance(n, kinds) and n.name == name)
        expected = ast.get_docstring(node, clean=False)
        if f"{module}.{qualname}" in COMPILED:  # gen_tcp._docs.document's options list
            expected = expected.rstrip() + "\n" + OPTION_DOCS[COMPILED[f"{module}.{qualname}"]]
        assert inspect.getdoc(fn) == inspect.cleandoc(expected), qualname
        assert list(inspect.signature(fn).parameters), qualname
