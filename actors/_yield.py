"""The two bare yields a process's coroutine makes to the scheduler, kept interpreted.

``types.coroutine`` generators defined in a compiled module cannot be awaited from
interpreted code, and mypyc does not keep the decorator's flag: these stay here, in a
module that is never compiled, and compiled and interpreted code alike await them.
"""

from __future__ import annotations

import types
from typing import Any, Generator

from ._sched import SUSPEND

__all__ = ["step", "suspend"]


@types.coroutine
def step() -> Generator[None, None, None]:
    """Let the other runnable processes take a step: the scheduler puts the running
    process at the back of its run queue (as ``erlang:yield()``)."""
    yield None


@types.coroutine
def suspend() -> Generator[Any, None, None]:
    """Suspend the running process until something puts it back on the run queue."""
    yield SUSPEND
