"""The listener functions a connection process calls: `handshake`,
`recv_proxy_header`, `remove_connection` (Ranch's, in ``ranch.erl``)."""

from __future__ import annotations

from typing import Any, Final

from actors import ANY, Atom, exit, receive, self, send

from ._ranch_server import lookup

__all__ = ["handshake", "recv_proxy_header", "remove_connection"]

_OK: Final = Atom("ok")
_UNDEF: Final = Atom("undefined")


def remove_connection(ref: Any) -> Atom:
    """``ranch:remove_connection/1``: the calling connection no longer counts against
    ``max_connections`` (it stays supervised); ``ok``."""
    me = self()
    for s in lookup(ref).conns_sups.values():
        send(s, ("remove_connection", ref, me))
    return _OK


async def handshake(ref: Any, opts: Any = None) -> Any:
    """``ranch:handshake/1,2``: wait for the socket the connection supervisor gives,
    run the transport's handshake within ``handshake_timeout``: ``("ok", socket)``.
    When the handshake fails the socket is closed and the process exits with
    ``("shutdown", (reason, peer))``."""
    msg = await receive(("handshake", ref, ANY, ANY, ANY))
    _, _, transport, sock, timeout = msg
    peer = await _peer(transport, sock, _UNDEF)
    args = (sock, timeout) if opts is None else (sock, opts, timeout)
    r = await transport.handshake(*args)
    if r.__class__ is tuple and len(r) == 2 and r[0] == _OK:
        return r
    if r.__class__ is tuple and len(r) == 3 and r[0] == _OK:
        send(self(), ("handshake_continue", ref, transport, r[1], timeout))
        return ("continue", r[2])
    peer = await _peer(transport, sock, peer)
    await transport.close(sock)
    exit(("shutdown", (r[1], peer)))
    raise AssertionError("unreachable")


async def _peer(transport: Any, sock: Any, default: Any) -> Any:
    r = await transport.peername(sock)
    return r[1] if r[0] == _OK else default


async def recv_proxy_header(ref: Any, timeout: Any) -> Any:
    """``ranch:recv_proxy_header/2``, called before `handshake`: read a PROXY protocol
    header (v1 or v2): ``("ok", proxy_info)``, ``("error", reason)``, or ``("error",
    "protocol_error", text)``. The handshake message stays for `handshake`."""
    msg = await receive(("handshake", ref, ANY, ANY, ANY))
    send(self(), msg)
    return await msg[2].recv_proxy_header(msg[3], timeout)

