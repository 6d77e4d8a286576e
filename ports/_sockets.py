"""What gen_tcp and inet ask of the ports, once for both backends.

Opening a socket (``connect``, ``listen``; ``accept`` is the listen port's), finding the
port behind a socket term, sending and closing, and reading a socket's addresses and
counters. The argument rules each backend applies after gen_tcp's own guards are here
too (OTP 25, checked with erl): inet raises ``exit:badarg`` for a bad address or port,
the socket backend answers ``{error, einval}`` and takes port numbers modulo 65536.
"""

from __future__ import annotations

import os
import socket
from typing import Any, Final

from actors.atoms import NORMAL
from actors.runtime import Atom, ErlangError, current, lookup

from ._address import (
    Target,
    parse_address,
    parse_port,
    parse_sockaddr,
    sockaddr_to_erlang,
    socket_backend_port_error,
)
from .atoms import (
    E_CLOSED,
    E_EINVAL,
    E_ENOTCONN,
    E_ENOTSUP,
    EBADF,
    ERROR,
    INVALID,
    OK,
    TCP_CLOSED,
)
from ._attach import attach
from ._backend import INET, SOCKET, SOCKET_DEFAULTS, Backend
from ._conn import TcpSocket
from ._state import DOWN, MUST_WAIT, REPORTED
from ._errors import reason_from_oserror
from ._listen import TcpListen
from ._open import listening_socket, open_connected
from ._options import OpenOptions, parse_open_options
from ._port import Port
from ._stats import STAT_KEYS

__all__ = [
    "backend_of",
    "socket_of",
    "connect",
    "listen",
    "send",
    "close",
    "forget_closed",
    "port",
    "peername",
    "sockname",
    "getstat",
]

INFINITY: Final = Atom("infinity")
_NODELAY: Final = (socket.IPPROTO_TCP, socket.TCP_NODELAY)


def backend_of(options: Any) -> Backend:
    """The backend an option list asks for: ``{inet_backend, socket}`` as the first
    option selects the socket backend (anywhere else it is a bad option)."""
    if (
        options.__class__ is list
        and options
        and type(options[0]) is tuple
        and len(options[0]) == 2
        and options[0][0] == "inet_backend"
        and options[0][1] == "socket"
    ):
        return SOCKET
    return INET


def socket_of(s: Any) -> TcpSocket | TcpListen | None:
    """The live port behind socket term `s` (a `Port` or a `SocketHandle`), or None when
    it is closed."""
    node = current().node
    e = s.actor if s.__class__ is Port else lookup(node, s)
    if e is not None and e.node is node and (e.__class__ is TcpSocket or e.__class__ is TcpListen):
        return e
    return None


# -- opening -----------------------------------------------------------------------------


def _socket_port_opts(parsed: OpenOptions, given: list[Any]) -> dict[str, Any]:
    """A socket-backend socket's options: the socket backend's defaults where the option
    list did not name the option, and ``{packet, raw}`` kept as ``raw``."""
    names = {o[0] if type(o) is tuple and o else o for o in given}
    opts = dict(parsed.port_opts)
    for name, value in SOCKET_DEFAULTS.items():
        if name not in names:
            opts[name] = value
    for o in reversed(given):
        if type(o) is tuple and len(o) == 2 and o[0] == "packet":
            if o[1] == "raw":
                opts["packet"] = SOCKET_DEFAULTS["packet"]
            break
    return opts


def _nodelay_refused(backend: Backend, family: str, parsed: OpenOptions) -> bool:
    """``nodelay`` on a ``local`` socket: the socket backend fails with enotsup."""
    return backend is SOCKET and family == "local" and any(o[:2] == _NODELAY for o in parsed.sockopts)


def _socket_target(address: Any, port: Any, parsed: OpenOptions) -> tuple[Target, int] | tuple[Atom, Any]:
    """The socket backend's address and port checks: ``{error, einval}`` for a port
    that is no integer and an address that is no address (``""``, ``{1,2,3}``, 42)."""
    if type(port) is not int and not (parsed.family == "local" and port == 0):
        return E_EINVAL
    if address == "" or isinstance(address, (int, float)):
        return E_EINVAL
    try:
        found = parse_address(address, parsed.family)
    except ErlangError:
        return E_EINVAL
    if not isinstance(found, Target):
        return found
    return (found, port & 0xFFFF)


async def connect(backend: Backend, address: Any, port: Any, options: Any, timeout: Any) -> Any:
    """``gen_tcp:connect`` after gen_tcp's guards: ``("ok", socket)`` or ``("error",
    reason)``; raises as the backend raises for bad options, address, port or timeout.
    `address` may be a sockaddr map (then `port` is None)."""
    if isinstance(address, dict):
        target, dport = parse_sockaddr(address)
        parsed = parse_open_options(options, "connect")
    elif backend is INET:
        parsed = parse_open_options(options, "connect", address)
        dport = parse_port(port, "connect", parsed.family)
        found = parse_address(address, parsed.family)
        if not isinstance(found, Target):
            return found
        target = found
    else:
        parsed = parse_open_options(options, "connect", address)
        checked = _socket_target(address, port, parsed)
        if not isinstance(checked[0], Target):
            return checked
        target, dport = checked
    if not (timeout == "infinity" or (timeout.__class__ is int and timeout >= 0)):
        raise ErlangError(Atom("badarg"))
    family = target.family
    if _nodelay_refused(backend, family, parsed):
        return E_ENOTSUP
    me = current()
    sock = await open_connected(me.node.loop, parsed, target, dport, None if timeout == INFINITY else timeout)
    if not isinstance(sock, socket.socket):
        return sock
    opts = parsed.port_opts if backend is INET else _socket_port_opts(parsed, list(options)[1:])
    p = await attach(me.node, me.handle, sock, opts, family, backend, parsed.sockopts)
    if not isinstance(p, TcpSocket):
        return p
    if parsed.tcp_passive:
        p.passive_event()
    return (OK, p.handle)


def _string_ip(options: list[Any], port: int) -> Any:
    """gen_tcp_socket turns ``{ip, "a.b.c.d"}`` into an invalid sockaddr (erl:
    ``{error, {invalid, {sockaddr, #{addr => "127.0.0.1", ...}}}}``)."""
    family = Atom("inet6") if "inet6" in options else Atom("inet")
    for opt in options:
        if type(opt) is tuple and len(opt) == 2 and opt[0] in ("ip", "ifaddr") and isinstance(opt[1], str):
            if opt[1].__class__ is Atom:
                continue
            sockaddr = {"addr": opt[1], "family": family, "port": port}
            return (ERROR, (INVALID, (Atom("sockaddr"), sockaddr)))
    return None


def listen(backend: Backend, port: Any, options: Any) -> Any:
    """``gen_tcp:listen/2``: ``("ok", listen_socket)`` or ``("error", reason)``.

    inet raises ``exit:badarg`` for a bad port; the socket backend takes a port number
    modulo 65536 (70000 and -1 listen) and answers ``{error, einval}`` for a port that
    is no integer. Bad options raise ``exit:badarg`` on both."""
    if backend is SOCKET:
        given = options[1:]
        if type(port) is not int:
            parse_open_options(options, "listen")  # bad options still raise first
            return E_EINVAL
        lport = port & 0xFFFF
        bad_ip = _string_ip(given, lport)
        if bad_ip is not None:
            return bad_ip
        parsed = parse_open_options(options, "listen")
        bad_port = socket_backend_port_error(port, parsed.family, parsed.ip)
        if bad_port is not None:
            return bad_port
    else:
        parsed = parse_open_options(options, "listen")
        lport = parse_port(port, "listen", parsed.family)
    family = parsed.family
    if _nodelay_refused(backend, family, parsed):
        return E_ENOTSUP
    if parsed.error is not None:
        return (ERROR, parsed.error)
    sock = listening_socket(parsed, family, lport)
    if not isinstance(sock, socket.socket):
        return sock
    me = current()
    opts = parsed.port_opts if backend is INET else _socket_port_opts(parsed, options[1:])
    lp = TcpListen(me.node, me.handle, sock, opts, parsed.sockopts, family, backend)
    if parsed.tcp_passive:
        lp.passive_event()
    return (OK, lp.handle)


# -- sending and closing -----------------------------------------------------------------


async def send(p: TcpSocket, data: Any) -> Any:
    """``gen_tcp:send/2`` on a connected port: at once when no wait is needed."""
    r = p.send_now(data)
    if r is MUST_WAIT:
        r = await p.send(data)
    return r


async def close(p: TcpSocket | TcpListen) -> None:
    """``gen_tcp:close/1``: close the port; a port closed by a process other than its
    owner signals its links (``{'EXIT', Port, normal}`` to a trapping owner). inet then
    drops a ``{tcp_closed, S}`` already in the caller's mailbox (``inet:tcp_close/1``
    does: erl, an active socket whose peer closed, then ``gen_tcp:close(S)``, leaves no
    ``tcp_closed`` to receive). Returns once the descriptor is released, as Erlang's
    close frees it at once."""
    me = current()
    p.close(reason=NORMAL if p.owner != me.handle and not p.monitors_owner else None)
    if p.backend is INET:
        me.extract(_closed_of(p.handle))
    if isinstance(p, TcpSocket):
        await p.closed()


def forget_closed(s: Any) -> None:
    """Drop a ``{tcp_closed, S}`` from the caller's mailbox (inet's close does, also for
    a socket that was closed already)."""
    current().extract(_closed_of(s))


def _closed_of(s: Any) -> Any:
    return lambda m: m.__class__ is tuple and len(m) == 2 and m[0] == TCP_CLOSED and m[1] == s


# -- addresses and counters --------------------------------------------------------------


def _bound_socket(p: TcpSocket | TcpListen) -> Any:
    """The port's OS socket, or ``{error, ebadf}`` on inet once its connection is gone."""
    if isinstance(p, TcpSocket):
        if p.cstate is DOWN and p.backend is INET:
            return (ERROR, EBADF)
        return p.io.sock
    return p.sock


def port(p: TcpSocket | TcpListen) -> Any:
    """``inet:port/1``: ``{ok, Port}``; a ``local`` socket answers with its path on inet
    (``<<>>`` when unbound) and 0 on the socket backend; ``ebadf`` on inet once the
    connection is gone."""
    sock = _bound_socket(p)
    if sock.__class__ is tuple:
        return sock
    try:
        name = sock.getsockname()
    except OSError as e:
        return (ERROR, reason_from_oserror(e))
    if isinstance(name, tuple):
        return (OK, name[1])
    if p.backend is SOCKET:
        return (OK, 0)
    return (OK, os.fsencode(name) if isinstance(name, str) else bytes(name or b""))


def getfd(p: TcpSocket | TcpListen) -> Any:
    """``inet:getfd/1``: ``{ok, Fd}``, the OS file descriptor of the port's socket (it
    stays the port's: a process that takes it over dups it, as ``{fd, Fd}`` does)."""
    sock = _bound_socket(p)
    if sock.__class__ is tuple:
        return sock
    return (OK, sock.fileno())


def peername(p: TcpSocket | TcpListen) -> Any:
    """``inet:peername/1``: ``{ok, {Address, Port}}``; ``enotconn`` for a listen socket or
    one whose connection is gone (socket backend: once the end of the stream was seen)."""
    if isinstance(p, TcpListen) or p.cstate is DOWN:
        return E_ENOTCONN
    if p.backend is SOCKET and (p.rstate is REPORTED or p.io.read_done):
        return E_ENOTCONN
    sock = p.io.sock
    try:
        return (OK, sockaddr_to_erlang(sock.family, sock.getpeername()))
    except OSError as e:
        return (ERROR, reason_from_oserror(e))


def sockname(p: TcpSocket | TcpListen) -> Any:
    """``inet:sockname/1``: ``{ok, {Address, Port}}``; ``ebadf`` on inet when the
    connection is gone but the port not yet closed."""
    sock = _bound_socket(p)
    if sock.__class__ is tuple:
        return sock
    try:
        return (OK, sockaddr_to_erlang(sock.family, sock.getsockname()))
    except OSError as e:
        return (ERROR, reason_from_oserror(e))


def getstat(p: TcpSocket | TcpListen, names: Any) -> Any:
    """``inet:getstat/1,2``: ``{ok, [{Name, Count}]}`` with OTP's key list and order.

    An unknown name is ``{error, einval}`` on inet; it crashes gen_tcp_socket's server
    in OTP, so here the caller gets ``exit:{error, closed}`` and the socket closes."""
    if names is None:
        names = list(STAT_KEYS)
    if not isinstance(names, list):
        raise ErlangError(Atom("function_clause"))
    stats = p.getstat() if isinstance(p, TcpSocket) else dict.fromkeys(STAT_KEYS, 0)
    out = []
    for n in names:
        if not isinstance(n, str) or n not in stats:
            if p.backend is SOCKET:
                p.close()
                raise ErlangError(E_CLOSED, "exit")
            return E_EINVAL
        out.append((Atom(n), stats[n]))
    return (OK, out)

