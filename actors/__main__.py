"""``python -m actors``: the shell, a REPL whose thread is a process of a running node."""

from __future__ import annotations

import sys

from ._shell import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
