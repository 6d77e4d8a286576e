"""``python -m actors.epmd``: the port mapper through which nodes on other hosts find each
other, as ``epmd`` for Erlang (``-daemon``, ``-names``, ``-kill``, ``-port``, ``-address``;
the port defaults to ``$ACTORS_EPMD_PORT``, else 4368). See `actors._dist._mapper`."""

from __future__ import annotations

import sys

from ._dist._mapper import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
