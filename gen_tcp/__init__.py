"""Erlang's gen_tcp API on port actors: ``gen_tcp.connect``, ``listen``, ``accept``, ...

Every function is a coroutine with Erlang's name, arguments and results; ``gen_tcp.inet``
holds ``inet:setopts/2`` and friends.
"""

from __future__ import annotations

from . import inet
from ._api import accept, close, connect, controlling_process, listen, recv, send, shutdown
from ._docs import document

document(connect=connect, listen=listen, setopts=inet.setopts)
from . import ranch  # noqa: E402 - the listener, on the API above

__all__ = [
    "accept",
    "close",
    "connect",
    "controlling_process",
    "inet",
    "listen",
    "ranch",
    "recv",
    "send",
    "shutdown",
]
