"""gen_tcp and inet for ``{inet_backend, socket}`` sockets (OTP's ``gen_tcp_socket``).

`gen_tcp` and `gen_tcp.inet` send here a connect or listen whose first option is
``{inet_backend, socket}``, and every call on a `ports.SocketHandle`. Each function
checks its arguments as gen_tcp_socket does and asks the socket port
(`ports._tcp_socket`); where the results differ from the inet backend the docstring
names the CONFORMANCE item. Common rule: a socket that is closed answers
``{error, closed}`` to every call (items 101-105).
"""

from __future__ import annotations

import socket
from typing import Any, Final

from actors._process import current
from actors._terms import Atom, ErlangError, Pid
from ports._address import (
    Target,
    parse_address,
    parse_sockaddr,
    sockaddr_to_erlang,
    socket_backend_port_error,
)
from ports._errors import reason_from_oserror
from ports._open import listening_socket, open_connected
from ports._options import parse_open_options
from ports._tcp import STAT_KEYS, E_CLOSED, E_EINVAL, E_ENOTCONN, ERROR, OK
from ports._tcp_socket import (
    E_ENOTSUP,
    INVALID,
    STATE,
    SocketHandle,
    SocketTcpListen,
    SocketTcpSocket,
    nodelay_refused,
    socket_port_opts,
)

__all__ = [
    "selected",
    "connect",
    "listen",
    "accept",
    "send",
    "recv",
    "close",
    "shutdown",
    "controlling_process",
    "setopts",
    "getopts",
    "port",
    "peername",
    "sockname",
    "getstat",
]

INFINITY: Final = Atom("infinity")
BADARG: Final = Atom("badarg")


def selected(options: Any) -> bool:
    """Whether an option list asks for this backend (``{inet_backend, socket}`` first)."""
    return (
        isinstance(options, list)
        and bool(options)
        and type(options[0]) is tuple
        and len(options[0]) == 2
        and options[0][0] == "inet_backend"
        and options[0][1] == "socket"
    )


def _function_clause() -> ErlangError:
    return ErlangError(Atom("function_clause"))


def _lookup(s: Any) -> SocketTcpSocket | SocketTcpListen | None:
    """The live port behind a socket handle; None when closed. A non-handle raises
    ``function_clause`` as gen_tcp does for a term that is no socket."""
    if s.__class__ is not SocketHandle:
        raise _function_clause()
    e = current().node.table.get(s)
    if isinstance(e, (SocketTcpSocket, SocketTcpListen)):
        return e
    return None


def _string_ip(options: list[Any], port: int) -> Any:
    """gen_tcp_socket turns ``{ip, "a.b.c.d"}`` into an invalid sockaddr (item 7)."""
    family = Atom("inet6") if "inet6" in options else Atom("inet")
    for opt in options:
        if type(opt) is tuple and len(opt) == 2 and opt[0] in ("ip", "ifaddr") and isinstance(opt[1], str):
            if opt[1].__class__ is Atom:
                continue
            sockaddr = {"addr": opt[1], "family": family, "port": port}
            return (ERROR, (INVALID, (Atom("sockaddr"), sockaddr)))
    return None


async def listen(port: Any, options: list[Any]) -> Any:
    """``gen_tcp:listen/2`` on this backend: a port number is taken modulo 65536 (70000
    and -1 listen, item 5), a non-integer gives ``{error, einval}``, a string ip an
    invalid sockaddr (item 7), ``nodelay`` with a ``local`` address ``{error, enotsup}``.
    Bad options raise ``exit:badarg`` as on inet (item 6)."""
    given = options[1:]
    if type(port) is not int:
        parse_open_options(options, "listen")  # bad options still raise first
        return E_EINVAL
    lport = port & 0xFFFF
    bad_ip = _string_ip(given, lport)
    if bad_ip is not None:
        return bad_ip
    parsed = parse_open_options(options, "listen")
    family = parsed.family
    bad_port = socket_backend_port_error(port, family, parsed.ip)
    if bad_port is not None:
        return bad_port
    if nodelay_refused(family, parsed.sockopts):
        return E_ENOTSUP
    if parsed.error is not None:
        return (ERROR, parsed.error)
    sock = listening_socket(parsed, family, lport)
    if not isinstance(sock, socket.socket):
        return sock
    me = current()
    opts = socket_port_opts(parsed.port_opts, given)
    lp = SocketTcpListen(me.node, me.handle, sock, opts, parsed.sockopts, family)
    if parsed.tcp_passive:
        lp.passive_event()
    return (OK, lp.handle)


async def connect(address: Any, port: Any = None, options: Any = (), timeout: Any = INFINITY) -> Any:
    """``gen_tcp:connect/3,4`` (and ``/2,3`` with a sockaddr map) on this backend.

    Differences from inet (items 32, 36): a port number is taken modulo 65536 (70000 and
    -1 are refused by the OS: ``econnrefused``), a non-integer port and an address that
    is no address (``""``, ``{1,2,3}``, ``42``) give ``{error, einval}``; ``nodelay``
    with a ``local`` address gives ``{error, enotsup}``.
    """
    if isinstance(address, dict):
        options, timeout = (port if port is not None else []), (options if options != () else INFINITY)
        target, dport = parse_sockaddr(address)
        parsed = parse_open_options(options, "connect")
    else:
        parsed = parse_open_options(options, "connect", address)
        if type(port) is not int and not (parsed.family == "local" and port == 0):
            return E_EINVAL
        dport = port & 0xFFFF
        if address == "" or isinstance(address, (int, float)):
            return E_EINVAL
        try:
            found = parse_address(address, parsed.family)
        except ErlangError:
            return E_EINVAL
        if not isinstance(found, Target):
            return found
        target = found
    if not (timeout == "infinity" or (timeout.__class__ is int and timeout >= 0)):
        raise ErlangError(BADARG)
    family = target.family
    if nodelay_refused(family, parsed.sockopts):
        return E_ENOTSUP
    loop = current().node.loop
    sock = await open_connected(loop, parsed, target, dport, None if timeout == INFINITY else timeout)
    if not isinstance(sock, socket.socket):
        return sock
    me = current()
    opts = socket_port_opts(parsed.port_opts, list(options)[1:])
    p = SocketTcpSocket(me.node, me.handle, sock, opts, family)
    await p.attach(loop, parsed.sockopts)
    if parsed.tcp_passive:
        p.passive_event()
    return (OK, p.handle)


async def accept(listen_socket: Any, timeout: Any) -> Any:
    """``gen_tcp:accept/1,2``: a bad timeout (``-1``, ``foo``) raises ``error:badarg``
    (item 27); a connected socket gives ``{error, {invalid, state}}`` (item 26);
    ``accept(L, 0)`` is ``{error, timeout}`` even with a connection pending (item 15)."""
    p = _lookup(listen_socket)
    if not (timeout == "infinity" or (timeout.__class__ is int and timeout >= 0)):
        raise ErlangError(BADARG)
    if p is None:
        return E_CLOSED
    if isinstance(p, SocketTcpSocket):
        return (ERROR, (INVALID, STATE))
    return await p.accept(timeout)


async def send(s: Any, packet: Any) -> Any:
    """``gen_tcp:send/2``: blocks until the kernel took the data (see the port);
    ``{error, closed}`` on a listen socket (item 138)."""
    p = _lookup(s)
    if p is None or isinstance(p, SocketTcpListen):
        return E_CLOSED
    return await p.send(packet)


async def recv(s: Any, length: Any, timeout: Any) -> Any:
    """``gen_tcp:recv/2,3``. A Length that is no integer crashes gen_tcp_socket's
    server: the caller gets an exit and the socket closes (item 60; reason simplified)."""
    p = _lookup(s)
    if not (timeout == "infinity" or timeout.__class__ is int):
        raise _function_clause()
    if p is None:
        return E_CLOSED
    if isinstance(p, SocketTcpListen):
        return E_ENOTCONN
    if length.__class__ is not int:
        p.close()
        reason = (Atom("gen_statem"), Atom("call"), [s[2][0], (Atom("recv"), length, timeout), INFINITY])
        raise ErlangError((Atom("badarith"), reason), "exit")
    # erl: recv(C, -1, 100) -> {error, timeout}; a negative Length is taken as 0
    return await p.recv(max(length, 0), timeout)


async def close(s: Any) -> Any:
    """``gen_tcp:close/1``: ``ok``; ``{error, closed}`` when already closed (item 103)."""
    p = _lookup(s)
    if p is None:
        return E_CLOSED
    p.close()
    return OK


async def shutdown(s: Any, how: Any) -> Any:
    """``gen_tcp:shutdown/2``, at once; a bad How gives ``{error, enotconn}`` (item 116)."""
    p = _lookup(s)
    if p is None:
        return E_CLOSED
    if isinstance(p, SocketTcpListen) or how not in ("read", "write", "read_write"):
        return E_ENOTCONN
    return p.shutdown(str(how))


async def controlling_process(s: Any, pid: Any) -> Any:
    """``gen_tcp:controlling_process/2``: a dead pid gives ``ok`` (item 92)."""
    p = _lookup(s)
    if pid.__class__ is not Pid:
        raise _function_clause()
    if p is None:
        return E_CLOSED
    return p.controlling_process(current().handle, pid)


# -- inet ----------------------------------------------------------------------------------


async def setopts(s: Any, options: Any) -> Any:
    """``inet:setopts/2`` (see `ports._tcp_socket._setopts`)."""
    p = _lookup(s)
    if p is None:
        return E_CLOSED
    return p.setopts(options)


async def getopts(s: Any, options: Any) -> Any:
    """``inet:getopts/2``: ``{error, closed}`` when closed; ``einval`` after the end of
    the stream was reported (items 52, 53, 79)."""
    p = _lookup(s)
    if p is None:
        if not isinstance(options, list):
            raise _function_clause()
        return E_CLOSED
    return p.getopts(options)


async def port(s: Any) -> Any:
    """``inet:port/1``; still ``{ok, P}`` after the peer closed (item 79)."""
    p = _lookup(s)
    if p is None:
        return E_CLOSED
    try:
        name = p.sock.getsockname()
    except OSError as e:
        return (ERROR, reason_from_oserror(e))
    return (OK, name[1] if isinstance(name, tuple) else 0)


async def peername(s: Any) -> Any:
    """``inet:peername/1``: ``enotconn`` for a listen socket or once the end of the stream
    was seen (items 52, 79)."""
    p = _lookup(s)
    if p is None:
        return E_CLOSED
    if isinstance(p, SocketTcpListen) or p.close_reported or p.read_done:
        return E_ENOTCONN
    try:
        return (OK, sockaddr_to_erlang(p.sock.family, p.sock.getpeername()))
    except OSError as e:
        return (ERROR, reason_from_oserror(e))


async def sockname(s: Any) -> Any:
    """``inet:sockname/1``; still answers after the peer closed (item 52)."""
    p = _lookup(s)
    if p is None:
        return E_CLOSED
    try:
        return (OK, sockaddr_to_erlang(p.sock.family, p.sock.getsockname()))
    except OSError as e:
        return (ERROR, reason_from_oserror(e))


async def getstat(s: Any, options: Any = None) -> Any:
    """``inet:getstat/1,2``. An unknown name crashes gen_tcp_socket's server in OTP: here
    the caller gets ``exit:{error, closed}`` and the socket closes (item 164)."""
    p = _lookup(s)
    if p is None:
        return E_CLOSED
    names = list(STAT_KEYS) if options is None else options
    if not isinstance(names, list):
        raise _function_clause()
    stats = p.getstat() if isinstance(p, SocketTcpSocket) else dict.fromkeys(STAT_KEYS, 0)
    out = []
    for n in names:
        if not isinstance(n, str) or n not in stats:
            p.close()
            raise ErlangError(E_CLOSED, "exit")
        out.append((Atom(n), stats[n]))
    return (OK, out)


