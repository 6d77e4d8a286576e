"""``python -m actors``: the shell, a REPL whose thread is a process of a running node.

``python -m actors --version`` prints the version and which build runs (compiled or pure).
"""

from __future__ import annotations

import sys


def version() -> str:
    """One line: the package version, the build that runs, and the Python."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    from . import _build

    try:
        number = dist_version("erlports")
    except PackageNotFoundError:
        number = "(not installed)"
    return f"erlports {number}, {_build.build}, Python {sys.version.split()[0]}"


if __name__ == "__main__":
    if sys.argv[1:] == ["--version"]:
        print(version())
        sys.exit(0)
    from ._shell import main

    sys.exit(main(sys.argv[1:]))
