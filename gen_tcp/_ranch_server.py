"""The listener table of a node (Ranch's ``ranch_server`` ETS table) and its top
supervisor (``ranch_sup``).

One `Listener` record per listener ref: its start arguments, options, address, the
listener supervisor and connection supervisors that registered themselves, and the
accept/terminate counters of each connection supervisor (Ranch's ``counters``). Every
process of a node runs on the node's thread, so the processes of the tree read and
write their record directly, as Ranch's processes use a public ETS table.

``ranch_sup`` (a ``one_for_one`` supervisor, intensity 1 in 5 s, registered, as Ranch's) is started
by the first `start_listener` of a node and stops when the last listener is stopped, so
a node without listeners has no process of the listener's.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from actors import ANY, Atom, Badarg, Node, Pid, gen_server, is_process_alive, monitor, receive, supervisor
from actors.runtime import current

__all__ = ["Listener", "NodeTable", "table", "lookup", "top_sup", "stop_top_sup_if_idle", "TOP"]

TOP = Atom("ranch_sup")


@dataclass
class Listener:
    """One listener's entry (``ranch_server``'s rows for one ref)."""

    ref: Any
    transport: Any
    protocol: Any
    trans_opts: dict[str, Any]
    proto_opts: Any
    max_conns: Any
    listener_sup: Pid | None = None
    addr: tuple[Any, Any] = ("undefined", "undefined")
    port: int | None = None  # the port first listened on: a resume takes it again
    conns_sups: dict[int, Pid] = field(default_factory=dict)
    counters: list[int] = field(default_factory=list)  # [accept_1, terminate_1, accept_2, ...]
    embedded: bool = False  # started through child_spec, under the user's supervisor

    def conns_sup_for(self, acceptor_id: int) -> Pid:
        """The connection supervisor of acceptor `acceptor_id` (Ranch: round robin)."""
        n = len(self.counters) // 2
        return self.conns_sups[(acceptor_id - 1) % n + 1]


class NodeTable:
    """The listeners of one node and its ``ranch_sup``."""

    def __init__(self) -> None:
        self.listeners: dict[Any, Listener] = {}
        self.sup: Pid | None = None
        self.starting = 0  # start_listener calls under way (ranch_sup must stay)


class _TopSup:
    """``ranch_sup``: the supervisor of every listener supervisor of a node."""

    def __repr__(self) -> str:
        return "ranch_sup"

    def init(self, _: Any) -> Any:
        return ("ok", ({"strategy": "one_for_one", "intensity": 1, "period": 5}, []))


_tables: weakref.WeakKeyDictionary[Node, NodeTable] = weakref.WeakKeyDictionary()


def table() -> NodeTable:
    """The calling process's node's table."""
    node = current().node
    t = _tables.get(node)
    if t is None:
        t = _tables[node] = NodeTable()
    return t


def lookup(ref: Any) -> Listener:
    """The entry of listener `ref`; raises ``badarg`` as a missing ETS row does."""
    entry = table().listeners.get(ref)
    if entry is None:
        raise Badarg()
    return entry


async def top_sup() -> Pid:
    """The node's ``ranch_sup`` (registered under that name), started when there is
    none (or it died)."""
    t = table()
    while t.sup is None or not is_process_alive(t.sup):
        t.listeners.clear()  # a dead ranch_sup took its listeners with it
        r = await supervisor.start(_TopSup(), None, TOP)
        if r[0] == "ok":
            t.sup = r[1]
        elif r[1][0] == "already_started":  # the previous one is still stopping
            ref = monitor("process", r[1][1])
            await receive(("DOWN", ref, ANY, ANY, ANY))
    return t.sup


async def stop_top_sup_if_idle() -> None:
    """Stop ``ranch_sup`` once no listener is left or starting."""
    t = table()
    sup = t.sup
    if sup is not None and t.starting == 0 and all(e.embedded for e in t.listeners.values()):
        t.sup = None
        if is_process_alive(sup):
            await gen_server.stop(sup, "shutdown")
