"""The runtime interface for packages built on processes: ports, supervisors, distribution.

`actors` (the package) is the Erlang API a user calls from inside a process. This module
is what a *library* on top of the runtime needs beyond that: the node and its table of
entities, the `Entity` base a port extends, links between entities, exit hooks (a
monitor for code that is not a process), timers that never fire early (`call_later`,
for every timeout), and a way to make its handles match in a receive pattern. Nothing outside `actors` imports its private modules; everything it
needs is here, so the internals can change without breaking `ports`.

Everything here runs on the node's loop thread.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from ._etf import register_handle
from ._match import PLAIN
from ._memory import BIG_BUFFER
from ._memory import release_soon as _release_soon
from ._node import Node
from ._process import Entity, Process, current, current_or_none
from ._sched import Ready
from ._sched import uninterruptible as _uninterruptible
from ._terms import Atom, Badarg, ErlangError, Handle, Pid, Ref, format_term, node_index
from ._timer import Timer

__all__ = [
    "Atom",
    "Badarg",
    "Entity",
    "ErlangError",
    "Handle",
    "Node",
    "Pid",
    "Process",
    "Ready",
    "Ref",
    "Timer",
    "add_entity",
    "call_later",
    "cancel_on_exit",
    "current",
    "current_or_none",
    "entities",
    "format_term",
    "link",
    "lookup",
    "match_by_equality",
    "new_pid",
    "node_index",
    "on_exit",
    "on_shutdown",
    "process_of",
    "register_handle",
    "remove_entity",
    "release_memory",
    "uninterruptible",
    "unlink",
]


def match_by_equality(cls: type) -> None:
    """Make instances of `cls` (a handle class) match receive patterns by ``==``, inline."""
    PLAIN.add(cls)


def new_pid(node: Node) -> Pid:
    """A fresh pid of `node` that names no process (an identifier inside a handle)."""
    return node.new_pid()


def add_entity(node: Node, entity: Entity) -> None:
    """Enter `entity` in the node's table under its handle (it can be linked, signalled,
    looked up); `remove_entity` takes it out."""
    node.table[entity.handle] = entity


def remove_entity(node: Node, entity: Entity) -> None:
    if node.table.get(entity.handle) is entity:
        del node.table[entity.handle]


def lookup(node: Node, handle: Any) -> Entity | None:
    """The live entity `handle` names on `node` (a process or a port), or None."""
    try:
        return node.table.get(handle)
    except TypeError:  # not hashable: names nothing
        return None


def process_of(node: Node, pid: Pid) -> Process | None:
    """The live process `pid` names on `node`, or None (no table lookup: a pid knows its
    live process)."""
    proc = pid.proc
    if proc is None or proc.node is not node:
        return None
    return proc  # type: ignore[no-any-return]


def entities(node: Node) -> list[Entity]:
    """Every live entity of `node`."""
    return list(node.table.values())


def link(a: Entity, b: Entity) -> None:
    """Link two entities (both sides), as ``erlang:link/1`` does."""
    a.links.add(b.handle)
    b.links.add(a.handle)


def unlink(a: Entity, b: Entity) -> None:
    """Remove the link between `a` and `b` (both sides); no link is not an error."""
    a.links.discard(b.handle)
    b.links.discard(a.handle)


def on_exit(proc: Process, callback: Callable[[Process], None]) -> None:
    """Call ``callback(proc)`` once when `proc` ends (after its links and monitors were
    signalled): a monitor for code that is not a process, such as a port watching its
    owner. A hook that raises is logged and does not stop the others."""
    proc.add_exit_hook(callback)


def cancel_on_exit(proc: Process, callback: Callable[[Process], None]) -> None:
    """Remove a hook set with `on_exit`; a hook that is not set is not an error."""
    proc.remove_exit_hook(callback)


def on_shutdown(node: Node, hook: Callable[[Node], None]) -> None:
    """Run ``hook(node)`` when `node` shuts down, after its processes were killed (a
    hook added twice runs once)."""
    node.add_shutdown_hook(hook)


def uninterruptible(proc: Process | None = None) -> _uninterruptible:
    """``with uninterruptible():`` inside a process, a kill (an exit signal, node
    shutdown) does not cancel what the block awaits: the awaited call runs to its end,
    then the kill is raised (`asyncio.CancelledError`) as the block is left. For calls
    that must not be cancelled half way, such as a loop's socket setup (uvloop crashes
    when ``connect_accepted_socket`` is cancelled). `proc` is the calling process when
    the caller already has it."""
    return _uninterruptible(proc if proc is not None else current())

def call_later(loop: asyncio.AbstractEventLoop, seconds: float, callback: Callable[..., Any], *args: Any) -> Timer:
    """Run ``callback(*args)`` on `loop` once `seconds` have really passed, never before
    (uvloop's own timers can fire up to a millisecond early); returns a `Timer` whose
    ``cancel()`` stops it. Every timeout a library sets (recv, accept, connect,
    send_timeout) should use it: in Erlang no timeout ends before the time asked."""
    return Timer(loop, seconds, callback, args)


def release_memory(node: Node, nbytes: int) -> None:
    """`nbytes` were just dropped on `node` (a buffer, a queue): when that is a lot,
    give the freed memory back to the operating system soon (debounced)."""
    if nbytes >= BIG_BUFFER:
        _release_soon(node)
