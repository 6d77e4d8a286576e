"""``proc_lib``: synchronous process start (``start_link`` + ``init_ack``), as OTP has it.

A process started with `start`, `start_link` or `start_monitor` runs ``fn(*args)``; its
starter waits until it calls `init_ack(value)` and returns `value`. A process that ends
before acknowledging gives ``("error", Reason)``; one that does not acknowledge within
`timeout` is killed and gives ``("error", "timeout")`` (any ``EXIT`` message it caused
is flushed, as in Erlang).

Deviation from OTP 25: the starter watches the new process with a monitor as well as the
link (as OTP 26 does), so a process that ends with ``normal`` before acknowledging gives
``("error", "normal")`` instead of leaving its starter waiting.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ._api import demonitor, exit, monitor, receive, self, send, spawn, spawn_link, spawn_monitor, unlink
from ._match import ANY, TIMEOUT
from ._process import current
from ._terms import Atom, Pid, Ref
from .atoms import DOWN, ERROR, EXIT, INFINITY, KILL, OK, PROCESS, TIMEOUT as TIMEOUT_ATOM

__all__ = ["start", "start_link", "start_monitor", "init_ack", "spawn", "spawn_link", "start_spawned"]

ACK = Atom("ack")
_ANCESTORS = "$ancestors"


def _set_ancestors(pid: Pid) -> None:
    me = current()
    child = me.node.table.get(pid)
    if child is not None:
        parents = me.dictionary.get(_ANCESTORS, [])
        child.dictionary[_ANCESTORS] = [me.handle, *parents]  # type: ignore[attr-defined]


def parent() -> Pid | None:
    """The process that started the caller through this module (its first ancestor)."""
    anc = current().dictionary.get(_ANCESTORS)
    return anc[0] if anc else None


def init_ack(*args: Any) -> Atom:
    """``proc_lib:init_ack/1,2``: ``init_ack(value)`` tells the starter that
    initialisation is done and what its ``start*`` call returns; ``init_ack(parent,
    value)`` names the starter. Returns ``ok``."""
    if len(args) == 1:
        to, value = parent(), args[0]
    else:
        to, value = args
    if to is not None:
        send(to, (ACK, self(), value))
    return OK


async def start(fn: Callable[..., Awaitable[Any]], args: Any = (), timeout: Any = INFINITY) -> Any:
    """``proc_lib:start/3,4``: spawn ``fn(*args)`` (no link) and wait for its `init_ack`."""
    pid, ref = spawn_monitor(fn, *args)
    _set_ancestors(pid)
    return await _sync(pid, ref, timeout, False)


async def start_link(fn: Callable[..., Awaitable[Any]], args: Any = (), timeout: Any = INFINITY) -> Any:
    """``proc_lib:start_link/3,4``: spawn ``fn(*args)`` linked to the caller and wait for
    its `init_ack`; returns what it acknowledged, ``("error", Reason)`` if it ended first
    (a caller that does not trap exits is taken down by the link anyway when Reason is
    not ``normal``), or ``("error", "timeout")``."""
    pid = spawn_link(fn, *args)
    _set_ancestors(pid)
    ref = monitor(PROCESS, pid)
    return await _sync(pid, ref, timeout, True)


async def start_monitor(fn: Callable[..., Awaitable[Any]], args: Any = (), timeout: Any = INFINITY) -> tuple[Any, Ref]:
    """``proc_lib:start_monitor/3,4``: as `start`, and monitor the process: returns
    ``(value, ref)``; the monitor stays when the start succeeds."""
    pid, ref = spawn_monitor(fn, *args)
    _set_ancestors(pid)
    ret = await _sync(pid, ref, timeout, False, keep=True)
    if ret.__class__ is tuple and len(ret) >= 1 and ret[0] == ERROR:
        demonitor(ref, ["flush"])
    return ret, ref


async def _sync(pid: Pid, ref: Ref, timeout: Any, linked: bool, keep: bool = False) -> Any:
    msg = await receive((ACK, pid, ANY), (DOWN, ref, PROCESS, ANY, ANY), timeout=timeout)
    if msg is TIMEOUT:
        if linked:
            unlink(pid)
        exit(pid, KILL)
        await receive((DOWN, ref, PROCESS, ANY, ANY))
        if linked and current().trap_exit:
            _flush_exit(pid)
        return (ERROR, TIMEOUT_ATOM)
    if msg[0] == ACK:
        if not keep:
            demonitor(ref, ["flush"])
        return msg[2]
    if linked and current().trap_exit:
        _flush_exit(pid)
    return (ERROR, msg[4])


def _flush_exit(pid: Pid) -> None:
    current().extract(lambda m: m.__class__ is tuple and len(m) == 3 and m[0] == EXIT and m[1] == pid)


def start_spawned(fn: Callable[..., Awaitable[Any]], *args: Any) -> tuple[Atom, Pid]:
    """Start function for a supervised process that needs no initialisation handshake:
    ``spawn_link(fn, *args)`` and ``("ok", pid)`` at once. The supervisor child spec
    ``{"id": ..., "start": (proc_lib.start_spawned, (fn, *args))}`` (or
    `actors.supervisor.worker`) makes any ``async def`` a supervised child."""
    return (OK, spawn_link(fn, *args))


# proc_lib:spawn/spawn_link: a process of this runtime already reports its crash.
spawn = spawn
spawn_link = spawn_link
