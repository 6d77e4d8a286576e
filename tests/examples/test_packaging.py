"""The distribution's metadata: classifiers, licence file, and console scripts whose
targets exist (the examples ship as the package ``erlports_examples``)."""

from __future__ import annotations

import importlib
import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_metadata_names_typing_asyncio_licence_and_urls() -> None:
    project = PROJECT["project"]
    assert {"Typing :: Typed", "Framework :: AsyncIO"} <= set(project["classifiers"])
    assert project["license"] == "Apache-2.0" and project["authors"] and project["urls"]
    text = (ROOT / project["license-files"][0]).read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_console_scripts_point_at_functions_that_exist() -> None:
    """Each script's ``module:function`` resolves (through the package-dir mapping)."""
    dirs = PROJECT["tool"]["setuptools"]["package-dir"]
    for target in PROJECT["project"]["scripts"].values():
        module, _, fn = target.partition(":")
        package, _, rest = module.partition(".")
        if package not in dirs:
            assert callable(getattr(importlib.import_module(module), fn)), target
            continue
        path = ROOT / dirs[package] / (rest.replace(".", "/") + ".py")
        spec = importlib.util.spec_from_file_location(f"_script_{fn}", path)
        assert spec is not None and spec.loader is not None, target
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        assert callable(getattr(mod, fn)), target
