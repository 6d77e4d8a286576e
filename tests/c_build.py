"""Loading one C module of the compiled build (``C_MODULES`` in ``mypyc_build.py``) from
the build's files, whichever build the test run uses: ``make test`` builds it before
both runs, so the pure run tests the C modules too."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from types import ModuleType

import pytest

from actors import _build


def load_c_module(name: str) -> ModuleType:
    """The compiled build's C module `name` (``ports._sendfd``...), loaded from its file."""
    manifest = json.loads(_build.MANIFEST.read_text())
    if manifest.get("status") != "ok":
        pytest.fail(f"no compiled build: {manifest.get('reason')}")  # make test builds it first
    path = str(_build.BUILD_DIR / manifest["files"][name])
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module
