"""`suspend`, the awaitable a `receive` waits on: ``yield SUSPEND`` to the scheduler.

A module of its own so that it always runs interpreted: mypyc compiles a generator into
an object ``await`` does not accept, even under ``@types.coroutine``, and `actors._sched`
(which re-exports both names) may be compiled.
"""

from __future__ import annotations

import types
from typing import Any, Final, Generator

__all__ = ["SUSPEND", "suspend"]


class _Suspend:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<suspend>"


SUSPEND: Final = _Suspend()


@types.coroutine
def suspend() -> Generator[Any, None, None]:
    """Suspend the running process until something puts it back on the run queue."""
    yield SUSPEND
