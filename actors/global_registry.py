"""``global``'s name registry, as a node-local stand-in: ``("global", name)`` names for
`gen_server` (start, call, cast, stop) and `actors.sys`, and a ``("via", module, name)``
module in its own right.

Deviation: the names live on this node only (OTP's ``global`` spans the connected
nodes); real global names come with distribution. As with ``global``, any term can be a
name, a process may hold several, and a name is freed when its process ends.
"""

from __future__ import annotations

import weakref
from typing import Any, Final

from ._api import send as _send
from ._process import Process, current
from ._terms import Atom, ErlangError, Pid
from .atoms import BADARG, OK, UNDEFINED

__all__ = ["register_name", "unregister_name", "whereis_name", "send", "registered_names"]

YES: Final = Atom("yes")
NO: Final = Atom("no")

_tables: weakref.WeakKeyDictionary[Any, dict[Any, Pid]] = weakref.WeakKeyDictionary()


def _table() -> dict[Any, Pid]:
    node = current().node
    t = _tables.get(node)
    if t is None:
        t = _tables[node] = {}
    return t


def register_name(name: Any, pid: Pid) -> Atom:
    """``global:register_name/2``: ``yes``, or ``no`` when `name` is taken."""
    if pid.__class__ is not Pid:
        raise ErlangError(BADARG)
    table = _table()
    if name in table:
        return NO
    proc = pid.proc
    if proc.__class__ is not Process or not proc.alive:
        return YES  # as global does for a process that is gone: it is unregistered at once
    table[name] = pid

    def release(_: Process) -> None:
        if table.get(name) == pid:
            del table[name]

    proc.add_exit_hook(release)
    return YES


def unregister_name(name: Any) -> Atom:
    """``global:unregister_name/1``: ``ok``, also for a name nobody has."""
    _table().pop(name, None)
    return OK


def whereis_name(name: Any) -> Any:
    """``global:whereis_name/1``: the pid, or ``undefined``."""
    return _table().get(name, UNDEFINED)


def send(name: Any, msg: Any) -> Pid:
    """``global:send/2``: send `msg` to the process named `name`; its pid. A name
    nobody has raises `ErlangError` of kind ``"exit"``: ``("badarg", (name, msg))``."""
    pid = _table().get(name)
    if pid is None:
        raise ErlangError((BADARG, (name, msg)), "exit")
    _send(pid, msg)
    return pid


def registered_names() -> list[Any]:
    """``global:registered_names/0``."""
    return list(_table())
