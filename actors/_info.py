"""``erlang:process_info/1,2``: what a process looks like from outside."""

from __future__ import annotations

from typing import Any, Final

from ._process import Process, current
from ._terms import Atom, ErlangError, Pid
from .atoms import BADARG, PROCESS, UNDEFINED

__all__ = ["process_info"]

_INFO_ITEMS: Final = (
    "registered_name",
    "initial_call",
    "status",
    "message_queue_len",
    "messages",
    "links",
    "monitors",
    "monitored_by",
    "trap_exit",
    "dictionary",
)


def _status(proc: Process) -> Atom:
    try:
        running = current() is proc
    except ErlangError:
        running = False
    if running:
        return Atom("running")
    if proc.recv_wait or proc.awaiting is not None:
        return Atom("waiting")
    return Atom("runnable")


def _info_item(proc: Process, item: str) -> Any:
    if item == "registered_name":
        return proc.name if proc.name is not None else []
    if item == "initial_call":
        return proc.initial_call
    if item == "status":
        return _status(proc)
    if item == "message_queue_len":
        return proc.queue_len()
    if item == "messages":
        return proc.messages()
    if item == "links":
        return sorted(proc._links or (), key=repr)
    if item == "monitors":
        return [(PROCESS, t) for t in proc.monitor_targets()]
    if item == "monitored_by":
        return list((proc._monitored_by or {}).values())
    if item == "trap_exit":
        return proc.trap_exit
    if item == "dictionary":
        return list((proc._dictionary or {}).items())
    raise ErlangError(BADARG)


def process_info(pid: Any, item: Any = None) -> Any:
    """``erlang:process_info/1,2``.

    With no item: a list of ``(item, value)`` for registered_name (when registered),
    initial_call, status, message_queue_len, links, monitors, monitored_by, trap_exit
    and dictionary. With an item (or a list of items): ``(item, value)`` (or their list).
    ``undefined`` for a dead process; `badarg` for an unknown item.
    """
    if not isinstance(pid, Pid):
        raise ErlangError(BADARG)
    proc = current().node.table.get(pid)
    if not isinstance(proc, Process) or not proc.alive:
        return UNDEFINED
    if item is None:
        items = [i for i in _INFO_ITEMS if i != "messages" and (i != "registered_name" or proc.name)]
        return [(Atom(i), _info_item(proc, i)) for i in items]
    if isinstance(item, list):
        return [(Atom(i), _info_item(proc, i)) for i in item]
    if item == "registered_name" and proc.name is None:
        return []
    return (Atom(item), _info_item(proc, item))
