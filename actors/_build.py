"""Which build runs: the hot modules compiled by mypyc, or pure Python.

``make build`` (``mypyc_build.py``) compiles the hot modules out of tree, into
``build/mypyc/lib``, and writes ``build/mypyc/manifest.json`` last: the compiled modules,
their extension files, the Python they were built for, and a hash of every source file of
``actors``, ``ports`` and ``gen_tcp``. `select` runs first thing in ``actors/__init__.py``:
when the manifest matches the sources on disk it puts a finder in front of
``sys.meta_path`` that loads the compiled modules; otherwise the package runs pure Python.
The ``.py`` files stay where they are, so an edited source can never hide behind a stale
``.so``: it changes the hash, and the package says so and runs pure Python.

``ACTORS_BUILD`` chooses: ``pure`` (pure Python, silently), ``compiled`` (the compiled
build or ImportError), unset or ``auto`` (compiled when fresh; pure Python with one warning
line when a build exists but cannot be used, and ``ACTORS_BUILD=pure`` set for the processes
this one starts, so the warning comes once per process tree; pure Python silently when
nothing was built).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Final, Sequence

__all__ = ["BuildWarning", "build", "compiled_files", "select", "source_hash"]

ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGES: Final = ("actors", "ports", "gen_tcp")
BUILD_DIR: Final = ROOT / "build" / "mypyc"
MANIFEST: Final = BUILD_DIR / "manifest.json"


class BuildWarning(RuntimeWarning):
    """The compiled build exists but cannot be used: pure Python runs instead."""


def python_tag() -> str:
    """The interpreter a compiled build must match (version and extension suffix)."""
    return f"{sys.version.split()[0]} {importlib.machinery.EXTENSION_SUFFIXES[0]}"


def source_hash(root: Path = ROOT) -> str:
    """A sha256 over the path and bytes of every ``.py`` and ``.c`` file of the three
    packages."""
    digest = hashlib.sha256()
    for package in PACKAGES:
        paths = [*(root / package).rglob("*.py"), *(root / package).rglob("*.c")]
        for path in sorted(paths):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


class _CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and their shared library) in the build directory."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, file)
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)


build: str = "pure Python"
"""Which build runs, in words (``python -m actors --version`` prints it)."""


def compiled_files(
    manifest: dict[str, Any], root: Path = ROOT
) -> tuple[dict[str, str] | None, str]:
    """The compiled modules' files (by module name) when usable, else None and why not."""
    if manifest.get("status") != "ok":
        return None, f"compiled build unavailable: {manifest.get('reason', 'unknown')}"
    if manifest.get("python") != python_tag():
        return None, f"compiled build is for Python {manifest.get('python')}"
    if manifest.get("source_hash") != source_hash(root):
        return None, "compiled build is stale (sources changed since; run make build)"
    build_dir = root / BUILD_DIR.relative_to(ROOT)
    files = {name: str(build_dir / rel) for name, rel in manifest["files"].items()}
    if not all(os.path.exists(f) for f in files.values()):
        return None, "compiled build is incomplete (run make build)"
    modules = [*manifest["modules"], *manifest.get("c_modules", [])]
    early = sorted(name for name in modules if name in sys.modules)
    if early:
        return None, f"{', '.join(early)} imported before the build was chosen"
    return files, ""


def select() -> str:
    """Choose the build once per interpreter (see the module docstring); returns it."""
    global build
    if any(isinstance(f, _CompiledFinder) for f in sys.meta_path):
        return build
    choice = os.environ.get("ACTORS_BUILD", "auto")
    if choice not in ("auto", "pure", "compiled"):
        raise ImportError(f"ACTORS_BUILD={choice!r}: expected auto, pure or compiled")
    why = "ACTORS_BUILD=pure"
    files = None
    manifest: dict[str, Any] = {}
    if choice != "pure":
        try:
            manifest = json.loads(MANIFEST.read_text())
        except FileNotFoundError:
            why = "no compiled build (run make build)"
        except (OSError, ValueError) as e:
            why = f"unreadable {MANIFEST}: {e}"
        else:
            files, why = compiled_files(manifest)
    if files is not None:
        sys.meta_path.insert(0, _CompiledFinder(files))
        c_modules = manifest.get("c_modules", [])
        build = f"compiled (mypyc: {', '.join(manifest['modules'])}" + (
            f"; C: {', '.join(c_modules)})" if c_modules else ")"
        )
        return build
    build = f"pure Python ({why})"
    if choice == "compiled":
        raise ImportError(f"ACTORS_BUILD=compiled but {why}")
    if choice == "auto" and MANIFEST.exists():
        # once per process tree: the processes this one starts run pure Python silently
        os.environ["ACTORS_BUILD"] = "pure"
        warnings.warn_explicit(f"running {build}", BuildWarning, "actors", 0)
    return build
