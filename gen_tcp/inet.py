"""inet: options and information of gen_tcp sockets (``inet:setopts/2`` and friends).

Every function is a coroutine with Erlang's name, arguments and results. A socket that
is closed answers ``("error", "einval")``, as the inet backend does.
"""

from __future__ import annotations

from typing import Any, Sequence

import ports
from actors.runtime import current, format_term

from ._hot import backend_module, setopts
from .types import Ok, Options, Result, Socket


__all__ = [
    "setopts",
    "getopts",
    "port",
    "peername",
    "sockname",
    "getfd",
    "getstat",
    "format_error",
    "i",
]


def _ask(s: Any, fn: Any, *args: Any) -> Any:
    """``fn(port, *args)`` on the live port behind `s`, or the backend's answer for a
    closed socket (inet ``einval``, socket backend ``closed``)."""
    module = backend_module(s)
    p = module.port_of(s)
    return module.CLOSED_INFO if p is None else fn(p, *args)


async def getopts(s: Socket, options: Sequence[Any]) -> Result:
    """``inet:getopts/2``: ``("ok", [(name, value), ...])`` in the order asked, or
    ``("error", "einval")`` if any name is unknown or unreadable (options the OS lacks,
    such as ``ipv6_v6only`` on IPv4, are left out)."""
    return backend_module(s).getopts(s, options)


async def port(s: Socket) -> Result:
    """``inet:port/1``: ``("ok", port_number)`` or ``("error", "einval")``."""
    return _ask(s, ports.port)


async def peername(s: Socket) -> Result:
    """``inet:peername/1``: ``("ok", (address, port))``; ``enotconn`` for a listen
    socket or one whose connection is gone; ``einval`` when closed."""
    return _ask(s, ports.peername)


async def sockname(s: Socket) -> Result:
    """``inet:sockname/1``: ``("ok", (address, port))``; ``ebadf`` when the connection
    is gone but the port not yet closed; ``einval`` when closed."""
    return _ask(s, ports.sockname)


async def getfd(s: Socket) -> Result:
    """``inet:getfd/1``: ``("ok", fd)``, the OS file descriptor of the socket (to hand a
    listen socket to another node: ``gen_tcp.listen(0, [("fd", fd)])`` there)."""
    return _ask(s, ports.getfd)


async def getstat(s: Socket, options: Sequence[str] | None = None) -> Result:
    """``inet:getstat/1,2``: ``("ok", [(name, count), ...])`` with Erlang's real key list
    and order (recv_oct, recv_cnt, recv_max, recv_avg, recv_dvi, send_oct, send_cnt,
    send_max, send_avg, send_pend); an unknown name gives ``("error", "einval")``."""
    return _ask(s, ports.getstat, options)


def format_error(reason: Any) -> str:
    """``inet:format_error/1``: a readable text for an error reason."""
    return ports.format_error(reason)


def i() -> None:
    """``inet:i/0``: print a table of the node's sockets."""
    rows = [("Port", "Module", "Recv", "Sent", "Owner", "Local Address", "Foreign Address", "State")]
    for p in ports.ports_of(current().node):
        if not isinstance(p, (ports.TcpSocket, ports.TcpListen)):
            continue
        stats = dict(ports.getstat(p, ["recv_oct", "send_oct"])[1])
        local = ports.sockname(p)
        if isinstance(p, ports.TcpListen):
            state, foreign = "LISTEN", None
        else:
            state, foreign = ("CLOSED" if p.cstate == "down" else "CONNECTED"), ports.peername(p)
        module = "inet_tcp" if p.backend is ports.INET else "gen_tcp_socket"
        rows.append(
            (
                repr(p.handle),
                module,
                str(stats["recv_oct"]),
                str(stats["send_oct"]),
                repr(p.owner),
                _fmt_addr(local),
                _fmt_addr(foreign),
                state,
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for r in rows:
        print(" ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())


def _fmt_addr(result: Any) -> str:
    if result is None or result[0] != "ok":
        return "*:*"
    ip, portno = result[1]
    if isinstance(ip, tuple) and len(ip) == 4:
        return ".".join(map(str, ip)) + f":{portno}"
    if isinstance(ip, tuple):
        return ":".join(f"{x:x}" for x in ip) + f":{portno}"
    return format_term(ip)
