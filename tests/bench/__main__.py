"""``python -m tests.bench`` (``make bench``): run every ``bench_*.py`` module's ``main()``.

The modules run one after another in one OS process, in name order, so their figures
print side by side, after a line that says which build runs (``ACTORS_BUILD=pure make
bench`` measures pure Python).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time

import tests.bench as package


def main(argv: list[str]) -> int:
    """Run the benchmark modules named in `argv` (every one when empty)."""
    names = sorted(
        m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("bench_")
    )
    wanted = [a if a.startswith("bench_") else f"bench_{a}" for a in argv]
    if wanted:
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            print(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(names)}")
            return 2
        names = [n for n in names if n in wanted]
    from actors import _build

    # which build the figures are of: ``ACTORS_BUILD=pure make bench`` gives pure Python's
    print(f"build: {_build.build.split(' (')[0]} (ACTORS_BUILD={os.environ.get('ACTORS_BUILD', 'auto')})\n")
    for name in names:
        module = importlib.import_module(f"{package.__name__}.{name}")
        print(f"== {name} ==")
        t0 = time.perf_counter()
        module.main()
        print(f"({name}: {time.perf_counter() - t0:.1f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
