"""``ranch_acceptors_sup``: the supervisor that owns the listen socket and the acceptors.

Its ``init`` listens (the socket is its port: it closes when this supervisor ends, which
is how `suspend_listener` stops listening) and starts ``num_acceptors`` acceptors
(``brutal_kill``, permanent, intensity ``1 + ceil(log2(num_acceptors))`` in 5 s, as
Ranch). When the socket options give no port (or 0), a restart listens on the port
first chosen, so `resume_listener` and restarts keep the address. A listen error exits
with ``("listen_error", ref, reason)``.
"""

from __future__ import annotations

import math
from typing import Any

import structlog

from actors import Atom, exit
from actors import self as my_pid

from . import _ranch_acceptor
from ._ranch_server import lookup

__all__ = ["AcceptorsSup"]

_log = structlog.get_logger("gen_tcp.ranch")
_HIDDEN = frozenset({"cert", "key", "cacerts", "password", "certs_keys"})


def _with_port(trans_opts: dict[str, Any], port: int | None) -> dict[str, Any]:
    opts = list(trans_opts.get("socket_opts", []))
    given = [o for o in opts if o.__class__ is tuple and o and o[0] == "port"]
    if port is None or (given and given[-1][1] != 0):
        return trans_opts
    opts = [o for o in opts if not (o.__class__ is tuple and o and o[0] == "port")]
    return {**trans_opts, "socket_opts": [*opts, ("port", port)]}


def hide_socket_opts(opts: Any) -> list[Any]:
    """The socket options with secrets (``cert``, ``key``, ``password``...) hidden."""
    return [(o[0], Atom("...")) if o.__class__ is tuple and o and o[0] in _HIDDEN else o for o in opts]


class AcceptorsSup:
    """The supervisor callbacks of one listener's acceptors."""

    def __init__(self, ref: Any, transport: Any) -> None:
        self.ref, self.transport = ref, transport

    def __repr__(self) -> str:
        return "ranch_acceptors_sup"

    async def init(self, _: Any) -> Any:
        entry = lookup(self.ref)
        trans_opts = _with_port(entry.trans_opts, entry.port)
        n = trans_opts.get("num_acceptors", 10)
        r = await self.transport.listen(trans_opts)
        if r[0] != "ok":
            shown = {**trans_opts, "socket_opts": hide_socket_opts(trans_opts.get("socket_opts", []))}
            _log.error("ranch_listen_failed", ref=repr(self.ref), trans_opts=repr(shown), reason=repr(r[1]))
            exit(("listen_error", self.ref, r[1]))
        lsocket = r[1]
        ok, addr = await self.transport.sockname(lsocket)
        entry.addr = addr
        if entry.port is None and addr[0] != "local":
            entry.port = addr[1]
        me = my_pid()
        children = [
            {
                "id": ("acceptor", me, i),
                "start": (_ranch_acceptor.start_link, (self.ref, i, lsocket, self.transport)),
                "shutdown": "brutal_kill",
            }
            for i in range(1, n + 1)
        ]
        return ("ok", ({"intensity": 1 + math.ceil(math.log2(n)), "period": 5}, children))
