"""The two calls of every ``{active, once}`` loop, compiled (see ``mypyc_build.py``):
``gen_tcp.send`` and ``inet.setopts``, and the dispatch of every call on a socket term.

Each tries the ports layer's one-call hot path for a live inet socket of the calling
process's node (`ports.send_here`, `ports.setopts_here`) and otherwise asks the backend
module that checks the call's arguments.

Like Erlang's calls, they do their work when they are called: a send that the kernel
took (or that queued behind others without having to wait) and every setopts answer
with an `actors.runtime.Ready`, an awaitable whose answer is already there, so that the
``await`` costs nothing more; only a send that must wait (a busy port, or a socket of
another backend) answers with a coroutine, which does the rest when awaited. Plain
functions, unlike a compiled ``async def``, keep their docstrings for ``help()``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Final

import ports
from actors.runtime import Ready
from ports import MUST_WAIT
from ports.atoms import OK
from ports import send_here as _send_here
from ports import setopts_here as _setopts_here

from . import _inet_tcp, _socket_backend
from .types import IoData, Ok, Options, Socket

__all__ = ["backend_module", "send", "setopts"]

_OK: Final = OK
_READY_OK: Final[Awaitable[Ok]] = Ready(_OK)  # the answer of nearly every call: made once
_Ready: Final[Callable[[Any], Awaitable[Any]]] = Ready


def backend_module(s: Any) -> Any:
    """The module that checks the arguments of a call on socket term `s`."""
    return _socket_backend if type(s) is ports.SocketHandle else _inet_tcp


def send(s: Socket, packet: IoData) -> Awaitable[Ok]:
    """``gen_tcp:send/2``: ``"ok"`` or ``("error", reason)`` (``closed``, ``enotconn``,
    ``timeout`` with ``send_timeout``, ``einval`` for data that is not iodata).

    On a live inet socket the call itself sends, as Erlang's does: the data is handed
    to the socket when ``send`` is called, and awaiting the answer does not suspend. A
    busy port (the answer waits until its queue drains, or ``send_timeout``) and the
    socket backend answer with a coroutine that does the send when awaited."""
    r = _send_here(s, packet)  # the hot path: a live inet socket of this node
    if r is _OK:
        return _READY_OK
    if r is None or r is MUST_WAIT:
        return _send(s, packet, r)
    return _Ready(r)


async def _send(s: Socket, packet: IoData, r: Any) -> Ok:
    if r is None:
        return await backend_module(s).send(s, packet)  # type: ignore[no-any-return]
    p: Any = s.actor  # type: ignore[union-attr]
    return await p.send(packet)  # type: ignore[no-any-return]


def setopts(s: Socket, options: Options) -> Awaitable[Ok]:
    """``inet:setopts/2``: ``"ok"`` or ``("error", reason)`` (``einval`` mostly).

    A badly typed option rejects the whole list (nothing applied). ``{active, N}`` adds
    N to the socket's count; reaching 0 makes the socket passive and sends
    ``{tcp_passive, S}``. Data buffered while passive is delivered at once when the
    socket turns active, and a close seen meanwhile is reported after it. The options
    are applied when ``setopts`` is called, as Erlang's call does; awaiting gives the
    answer.
    """
    r = _setopts_here(s, options)  # the hot path of every {active, once} loop
    if r is None:
        r = backend_module(s).setopts(s, options)
    return _READY_OK if r is _OK else _Ready(r)
