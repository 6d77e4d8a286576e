"""``ranch_listener_sup`` and ``ranch_conns_sup_sup``: the top of one listener's tree.

The listener supervisor (``rest_for_one``, intensity 1 in 5 s) starts the connection
supervisors' supervisor, then the acceptors' supervisor: when the first restarts, the
acceptors (and the listen socket) restart after it. The connection supervisors'
supervisor (``one_for_one``, intensity ``1 + ceil(log2(num_conns_sups))``) starts
``num_conns_sups`` connection supervisors (default ``num_acceptors``) and fresh
accept/terminate counters.
"""

from __future__ import annotations

import math
from typing import Any

from actors import self as my_pid
from actors import supervisor

from . import _ranch_conns_sup
from ._ranch_acceptors_sup import AcceptorsSup
from ._ranch_server import lookup

__all__ = ["ListenerSup", "ConnsSupSup", "ACCEPTORS_SUP", "CONNS_SUP_SUP"]

ACCEPTORS_SUP = "ranch_acceptors_sup"
CONNS_SUP_SUP = "ranch_conns_sup_sup"


class ListenerSup:
    """The supervisor callbacks of one listener."""

    def __init__(self, ref: Any) -> None:
        self.ref = ref

    def __repr__(self) -> str:
        return "ranch_listener_sup"

    def init(self, _: Any) -> Any:
        entry = lookup(self.ref)
        entry.listener_sup = my_pid()
        children = [
            {
                "id": CONNS_SUP_SUP,
                "start": (supervisor.start_link, (ConnsSupSup(self.ref), None)),
                "type": "supervisor",
            },
            {
                "id": ACCEPTORS_SUP,
                "start": (supervisor.start_link, (AcceptorsSup(self.ref, entry.transport), None)),
                "type": "supervisor",
            },
        ]
        return ("ok", ({"strategy": "rest_for_one"}, children))


class ConnsSupSup:
    """The supervisor callbacks of one listener's connection supervisors."""

    def __init__(self, ref: Any) -> None:
        self.ref = ref

    def __repr__(self) -> str:
        return "ranch_conns_sup_sup"

    def init(self, _: Any) -> Any:
        entry = lookup(self.ref)
        opts = entry.trans_opts
        n = opts.get("num_conns_sups", opts.get("num_acceptors", 10))
        entry.conns_sups.clear()
        entry.counters = [0] * (2 * n)
        children = [
            {
                "id": ("ranch_conns_sup", i),
                "start": (_ranch_conns_sup.start_link, (self.ref, i, entry.transport, opts, entry.protocol)),
                "type": "supervisor",
            }
            for i in range(1, n + 1)
        ]
        return ("ok", ({"intensity": 1 + math.ceil(math.log2(n)), "period": 5}, children))
