"""A node's name registry: ``erlang:register/2``, ``unregister/1``, ``whereis/1``.

The registry maps a name to the pid of a live process; the process also knows its own
name (Erlang allows one name per process), so that when it ends the node releases the
name (`release`). The Erlang API (`actors._api`) checks the arguments and raises
``badarg``; the methods here only keep the two sides in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._terms import Atom

if TYPE_CHECKING:
    from ._process import Process

__all__ = ["Registry"]


class Registry(dict[str, Any]):
    """name -> pid, for every registered process of a node (a dict, so a send to a
    name is one lookup)."""

    __slots__ = ()

    def add(self, name: str, proc: Process) -> None:
        """Register `proc` (alive, not yet named) under `name` (not taken)."""
        proc.name = Atom(name)
        self[proc.name] = proc.handle

    def remove(self, name: str, proc: Process | None) -> None:
        """Unregister `name` (taken); `proc` is the process it named, if alive."""
        del self[name]
        if proc is not None:
            proc.name = None

    def release(self, proc: Process) -> None:
        """`proc` ended: its name, if it had one, is free again (the process keeps it,
        for its crash report)."""
        if proc.name is not None:
            self.pop(proc.name, None)
