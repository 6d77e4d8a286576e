"""inet: options and information of gen_tcp sockets (``inet:setopts/2`` and friends).

Every function is a coroutine with Erlang's name, arguments and results. A socket that
is closed answers ``("error", "einval")``, as the inet backend does.
"""

from __future__ import annotations

import os
from typing import Any, Final

from actors._process import current
from actors._terms import Atom, ErlangError
from actors._terms import format_term as _format_term
from ports import Port, TcpListen, TcpSocket, ports_of
from ports._address import sockaddr_to_erlang
from ports._errors import format_error as _format_error
from ports._errors import reason_from_oserror
from ports._options import OPTIONS, apply_setopts, encode_sockopt, parse_setopts
from ports._options import getopts as _getopts
from ports._tcp_socket import SocketHandle
from ports._tcp import STAT_KEYS, E_EINVAL, E_ENOTCONN, ERROR, OK

from . import _socket_backend
from ._api import lookup

__all__ = [
    "setopts",
    "getopts",
    "port",
    "peername",
    "sockname",
    "getstat",
    "format_error",
    "i",
]

EBADF: Final = Atom("ebadf")
ONCE: Final = Atom("once")
_STRS: Final = (str, Atom)


def _function_clause() -> ErlangError:
    return ErlangError(Atom("function_clause"))


def _lookup(s: Any) -> TcpSocket | TcpListen | None:
    if s.__class__ is not Port:
        raise _function_clause()
    return lookup(s)


async def setopts(s: Any, options: Any) -> Any:
    """``inet:setopts/2``: ``"ok"`` or ``("error", reason)`` (``einval`` mostly).

    A badly typed option rejects the whole list (nothing applied). ``{active, N}`` adds
    N to the socket's count; reaching 0 makes the socket passive and sends
    ``{tcp_passive, S}``. Data buffered while passive is delivered at once when the
    socket turns active, and a close seen meanwhile is reported after it.
    """
    if s.__class__ is SocketHandle:
        return await _socket_backend.setopts(s, options)
    p = _lookup(s)
    if p.__class__ is TcpSocket and options.__class__ is list and len(options) == 1:
        # the hot path of every {active, once} loop: ("active", true | false | once)
        opt = options[0]
        if opt.__class__ is tuple and len(opt) == 2 and opt[0] == "active":
            value = opt[1]
            if value is True or value is False or (value.__class__ in _STRS and value == "once"):
                p.activate(ONCE if value is not True and value is not False else value)
                return OK
    changes = parse_setopts(options, isinstance(p, TcpListen))
    if p is None:
        return E_EINVAL
    if isinstance(changes, tuple):
        return changes
    sock = None if isinstance(p, TcpSocket) and p.fd_closed else p.sock
    opts = dict(p.opts)
    opts["active"] = p.active
    outcome = apply_setopts(opts, changes, sock)
    if isinstance(p, TcpListen):
        p.sockopts = [*p.sockopts, *_sockopt_changes(changes)]
    p.replace_opts(outcome.port_opts)
    if outcome.tcp_passive:
        p.passive_event()
    return outcome.result


def _sockopt_changes(changes: list[Any]) -> list[Any]:
    """The OS-level options of a setopts on a listen socket, for later accepts."""
    return [encode_sockopt(name, value) for name, value in reversed(changes) if OPTIONS[name].kind == "socket"]


async def getopts(s: Any, options: Any) -> Any:
    """``inet:getopts/2``: ``("ok", [(name, value), ...])`` in the order asked, or
    ``("error", "einval")`` if any name is unknown or unreadable (options the OS lacks,
    such as ``ipv6_v6only`` on IPv4, are left out)."""
    if s.__class__ is SocketHandle:
        return await _socket_backend.getopts(s, options)
    p = _lookup(s)
    if not isinstance(options, list):
        raise _function_clause()
    if p is None:
        return E_EINVAL
    sock = None
    if not (isinstance(p, TcpSocket) and p.fd_closed):
        sock = p.sock
    opts = dict(p.opts)
    opts["active"] = p.active
    return _getopts(options, opts, sock)


async def port(s: Any) -> Any:
    """``inet:port/1``: ``("ok", port_number)`` or ``("error", "einval")``."""
    if s.__class__ is SocketHandle:
        return await _socket_backend.port(s)
    p = _lookup(s)
    if p is None:
        return E_EINVAL
    if isinstance(p, TcpSocket) and p.fd_closed:
        return (ERROR, EBADF)
    try:
        name = p.sock.getsockname()
    except OSError as e:
        return (ERROR, reason_from_oserror(e))
    if isinstance(name, tuple):
        return (OK, name[1])
    # a local socket: Erlang answers with its path (<<>> when unbound)
    return (OK, os.fsencode(name) if isinstance(name, str) else bytes(name or b""))


async def peername(s: Any) -> Any:
    """``inet:peername/1``: ``("ok", (address, port))``; ``enotconn`` for a listen
    socket or one whose connection is gone; ``einval`` when closed."""
    if s.__class__ is SocketHandle:
        return await _socket_backend.peername(s)
    p = _lookup(s)
    if p is None:
        return E_EINVAL
    if isinstance(p, TcpListen) or p.fd_closed:
        return E_ENOTCONN
    try:
        return (OK, sockaddr_to_erlang(p.sock.family, p.sock.getpeername()))
    except OSError as e:
        return (ERROR, reason_from_oserror(e))


async def sockname(s: Any) -> Any:
    """``inet:sockname/1``: ``("ok", (address, port))``; ``ebadf`` when the connection
    is gone but the port not yet closed; ``einval`` when closed."""
    if s.__class__ is SocketHandle:
        return await _socket_backend.sockname(s)
    p = _lookup(s)
    if p is None:
        return E_EINVAL
    if isinstance(p, TcpSocket) and p.fd_closed:
        return (ERROR, EBADF)
    try:
        return (OK, sockaddr_to_erlang(p.sock.family, p.sock.getsockname()))
    except OSError as e:
        return (ERROR, reason_from_oserror(e))


async def getstat(s: Any, options: Any = None) -> Any:
    """``inet:getstat/1,2``: ``("ok", [(name, count), ...])`` with Erlang's real key list
    and order (recv_oct, recv_cnt, recv_max, recv_avg, recv_dvi, send_oct, send_cnt,
    send_max, send_avg, send_pend); an unknown name gives ``("error", "einval")``."""
    if s.__class__ is SocketHandle:
        return await _socket_backend.getstat(s, options)
    p = _lookup(s)
    if p is None:
        return E_EINVAL
    names = list(STAT_KEYS) if options is None else options
    if not isinstance(names, list):
        raise _function_clause()
    stats = p.getstat() if isinstance(p, TcpSocket) else dict.fromkeys(STAT_KEYS, 0)
    out = []
    for n in names:
        if not isinstance(n, str) or n not in stats:
            return E_EINVAL
        out.append((Atom(n), stats[n]))
    return (OK, out)


def format_error(reason: Any) -> str:
    """``inet:format_error/1``: a readable text for an error reason."""
    return _format_error(reason)


def i() -> None:
    """``inet:i/0``: print a table of the node's sockets."""
    node = current().node
    rows = [("Port", "Module", "Recv", "Sent", "Owner", "Local Address", "Foreign Address", "State")]
    for p in ports_of(node):
        if not isinstance(p, (TcpSocket, TcpListen)):
            continue
        recv = sent = 0
        state = "LISTEN" if isinstance(p, TcpListen) else "CONNECTED"
        local = foreign = "*:*"
        try:
            local = _fmt_addr(sockaddr_to_erlang(p.sock.family, p.sock.getsockname()))
            if isinstance(p, TcpSocket):
                foreign = _fmt_addr(sockaddr_to_erlang(p.sock.family, p.sock.getpeername()))
        except OSError:
            pass
        if isinstance(p, TcpSocket):
            st = p.getstat()
            recv, sent = st["recv_oct"], st["send_oct"]
            if p.fd_closed:
                state = "CLOSED"
        rows.append((repr(p.handle), "inet_tcp", str(recv), str(sent), repr(p.owner), local, foreign, state))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for r in rows:
        print(" ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())


def _fmt_addr(addr: Any) -> str:
    ip, portno = addr
    if isinstance(ip, tuple) and len(ip) == 4:
        return ".".join(map(str, ip)) + f":{portno}"
    if isinstance(ip, tuple):
        return ":".join(f"{x:x}" for x in ip) + f":{portno}"
    return _format_term(ip)
