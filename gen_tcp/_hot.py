"""The two calls of every ``{active, once}`` loop, compiled (see ``mypyc_build.py``):
``gen_tcp.send`` and ``inet.setopts``, and the dispatch of every call on a socket term.

Each tries the ports layer's one-call hot path for a live inet socket of the calling
process's node (`ports.send_here`, `ports.setopts_here`) and otherwise asks the backend
module that checks the call's arguments. Each is a plain function returning the
coroutine of a compiled ``async def``: as cheap to await as the ``async def`` itself (a
compiled coroutine costs about half an interpreted one to make and await), and, unlike a
compiled ``async def``, it keeps its docstring for ``help()``.
"""

from __future__ import annotations

from typing import Any, Coroutine

import ports
from ports import MUST_WAIT
from ports import send_here as _send_here
from ports import setopts_here as _setopts_here

from . import _inet_tcp, _socket_backend
from .types import IoData, Ok, Options, Socket

__all__ = ["backend_module", "send", "setopts"]


def backend_module(s: Any) -> Any:
    """The module that checks the arguments of a call on socket term `s`."""
    return _socket_backend if type(s) is ports.SocketHandle else _inet_tcp


def send(s: Socket, packet: IoData) -> Coroutine[Any, Any, Ok]:
    """``gen_tcp:send/2``: ``"ok"`` or ``("error", reason)`` (``closed``, ``enotconn``,
    ``timeout`` with ``send_timeout``, ``einval`` for data that is not iodata)."""
    return _send(s, packet)


async def _send(s: Socket, packet: IoData) -> Ok:
    r = _send_here(s, packet)  # the hot path: a live inet socket of this node
    if r is None:
        return await backend_module(s).send(s, packet)  # type: ignore[no-any-return]
    if r is MUST_WAIT:
        p: Any = s.actor  # type: ignore[union-attr]
        r = await p.send(packet)
    return r  # type: ignore[no-any-return]


def setopts(s: Socket, options: Options) -> Coroutine[Any, Any, Ok]:
    """``inet:setopts/2``: ``"ok"`` or ``("error", reason)`` (``einval`` mostly).

    A badly typed option rejects the whole list (nothing applied). ``{active, N}`` adds
    N to the socket's count; reaching 0 makes the socket passive and sends
    ``{tcp_passive, S}``. Data buffered while passive is delivered at once when the
    socket turns active, and a close seen meanwhile is reported after it.
    """
    return _setopts(s, options)


async def _setopts(s: Socket, options: Options) -> Ok:
    r = _setopts_here(s, options)  # the hot path of every {active, once} loop
    return r if r is not None else backend_module(s).setopts(s, options)  # type: ignore[no-any-return]
