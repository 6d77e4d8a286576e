"""gen_tcp: Erlang's TCP API. Each function checks its arguments and asks the port.

Programmer errors raise as Erlang raises them (`ErlangError` with ``badarg`` or
``function_clause``); runtime failures come back as ``("error", reason)``.
"""

from __future__ import annotations

import socket
from typing import Any, Final

from actors._process import current
from actors._terms import Atom, ErlangError, Pid
from ports import Port, TcpListen, TcpSocket
from ports._address import (
    Target,
    parse_address,
    parse_port,
    parse_sockaddr,
)
from ports._errors import reason_from_oserror
from ports._open import listening_socket, open_connected
from ports._options import parse_open_options
from ports._tcp_socket import SocketHandle
from ports._tcp import MUST_WAIT, E_CLOSED, E_EINVAL, E_ENOTCONN, ERROR, OK

from . import _socket_backend

__all__ = [
    "connect",
    "listen",
    "accept",
    "send",
    "recv",
    "close",
    "shutdown",
    "controlling_process",
]

INFINITY: Final = Atom("infinity")


def _function_clause() -> ErlangError:
    return ErlangError(Atom("function_clause"))


def _is_timeout(t: Any) -> bool:
    return t == "infinity" or (t.__class__ is int)


def lookup(s: Any) -> TcpSocket | TcpListen | None:
    """The live port actor behind socket handle `s` (None when it is closed)."""
    node = current().node
    e = s.actor if s.__class__ is Port else node.table.get(s)
    if e is not None and e.node is node and isinstance(e, (TcpSocket, TcpListen)):
        return e
    return None


def _check_socket(s: Any) -> None:
    if s.__class__ is not Port:
        raise _function_clause()


_NO_TIMEOUT: Final = Atom("infinity")


async def connect(address: Any, port: Any = None, options: Any = (), timeout: Any = _NO_TIMEOUT) -> Any:
    """``gen_tcp:connect/3,4``, and ``connect/2,3`` with a sockaddr map as first argument.

    Returns ``("ok", socket)`` or ``("error", reason)``: ``econnrefused``, ``nxdomain``,
    ``timeout`` (the given time passed; 0 always times out, as in Erlang),
    ``eafnosupport``, or another POSIX reason. Bad options, address or port raise as
    OTP 25's inet backend raises (``exit:badarg`` mostly; see `ports._address`).
    """
    if _socket_backend.selected(port if isinstance(address, dict) else options):
        return await _socket_backend.connect(address, port, options, timeout)
    if isinstance(address, dict):
        target, dport = parse_sockaddr(address)
        options, timeout = (port if port is not None else []), (
            options if options != () else INFINITY
        )
        parsed = parse_open_options(options, "connect")
    else:
        if timeout is _NO_TIMEOUT and not isinstance(address, (tuple, str)):
            # gen_tcp:connect/3 has a clause per address kind; /4 raises exit:badarg
            raise _function_clause()
        parsed = parse_open_options(options, "connect", address)
        dport = parse_port(port, "connect", parsed.family)
        found = parse_address(address, parsed.family)
        if not isinstance(found, Target):
            return found
        target = found
    if not _is_timeout(timeout) or (timeout.__class__ is int and timeout < 0):
        raise ErlangError(Atom("badarg"))
    loop = current().node.loop
    family = target.family
    sock = await open_connected(loop, parsed, target, dport, None if timeout == INFINITY else timeout)
    if not isinstance(sock, socket.socket):
        return sock
    me = current()
    p = TcpSocket(me.node, me.handle, sock, parsed.port_opts, family)
    try:
        await p.attach(loop, parsed.sockopts)
    except OSError as e:
        p.close()
        return (ERROR, reason_from_oserror(e))
    except BaseException:
        p.close()
        raise
    if parsed.tcp_passive:
        p.passive_event()
    return (OK, p.handle)


async def listen(port: Any, options: Any) -> Any:
    """``gen_tcp:listen/2``: ``("ok", listen_socket)`` or ``("error", reason)``.

    Port 0 lets the OS pick (read it with ``inet.port``). A bad port or option raises
    ``badarg`` (an ``exit`` in Erlang); a non-list option argument ``function_clause``.
    ``{active, N}`` with N <= 0 makes the socket passive and sends ``tcp_passive``.
    """
    if _socket_backend.selected(options):
        return await _socket_backend.listen(port, options)
    parsed = parse_open_options(options, "listen")
    family = parsed.family
    lport = parse_port(port, "listen", family)
    if parsed.error is not None:
        return (ERROR, parsed.error)
    sock = listening_socket(parsed, family, lport)
    if not isinstance(sock, socket.socket):
        return sock
    me = current()
    lp = TcpListen(me.node, me.handle, sock, parsed.port_opts, parsed.sockopts, family)
    if parsed.tcp_passive:
        lp.passive_event()
    return (OK, lp.handle)


async def accept(listen_socket: Any, timeout: Any = INFINITY) -> Any:
    """``gen_tcp:accept/1,2``: ``("ok", socket)``, ``("error", "timeout")``,
    ``("error", "closed")`` when the listen socket is (or gets) closed, ``einval`` on a
    socket that is not listening. The caller becomes the new socket's owner."""
    if listen_socket.__class__ is SocketHandle:
        return await _socket_backend.accept(listen_socket, timeout)
    _check_socket(listen_socket)
    if not _is_timeout(timeout):
        raise _function_clause()
    p = lookup(listen_socket)
    if p is None:
        return E_CLOSED
    if not isinstance(p, TcpListen):
        return E_EINVAL
    return await p.accept(timeout)


async def send(s: Any, packet: Any) -> Any:
    """``gen_tcp:send/2``: ``"ok"`` or ``("error", reason)`` (``closed``, ``enotconn``,
    ``timeout`` with ``send_timeout``, ``einval`` for data that is not iodata)."""
    if s.__class__ is SocketHandle:
        return await _socket_backend.send(s, packet)
    _check_socket(s)
    p = lookup(s)
    if p is None:
        return E_CLOSED
    if isinstance(p, TcpListen):
        return E_ENOTCONN
    r = p.send_now(packet)
    if r is MUST_WAIT:
        r = await p.send(packet)
    return r


async def recv(s: Any, length: Any, timeout: Any = INFINITY) -> Any:
    """``gen_tcp:recv/2,3``: ``("ok", data)`` or ``("error", reason)``.

    Length 0 returns what is available (at most ``buffer`` bytes in raw mode); N > 0
    exactly N bytes (raw mode only, else ``einval``). Errors: ``closed``, ``timeout``,
    ``einval`` (an active socket), ``enotconn`` (a listen socket, or after the close
    was reported), ``ealready`` (another recv is pending), ``enomem`` (N > 64 MiB).
    """
    if s.__class__ is SocketHandle:
        return await _socket_backend.recv(s, length, timeout)
    _check_socket(s)
    if length.__class__ is not int or length < 0 or not _is_timeout(timeout):
        raise _function_clause()
    p = lookup(s)
    if p is None:
        return E_CLOSED
    if isinstance(p, TcpListen):
        return E_ENOTCONN
    return await p.recv(length, timeout)


async def close(s: Any) -> Any:
    """``gen_tcp:close/1``: always ``ok`` (also for a socket already closed; the socket
    backend answers ``{error, closed}`` then)."""
    if s.__class__ is SocketHandle:
        return await _socket_backend.close(s)
    _check_socket(s)
    p = lookup(s)
    if p is not None:
        p.close(signal_links=p.owner != current().handle)
        if isinstance(p, TcpSocket):
            await p.closed()
    return OK


async def shutdown(s: Any, how: Any) -> Any:
    """``gen_tcp:shutdown/2`` with How ``read``, ``write`` or ``read_write``."""
    if s.__class__ is SocketHandle:
        return await _socket_backend.shutdown(s, how)
    _check_socket(s)
    if how not in ("read", "write", "read_write") or not isinstance(how, str):
        raise _function_clause()
    p = lookup(s)
    if p is None:
        return E_CLOSED
    if isinstance(p, TcpListen):
        return E_ENOTCONN
    return p.shutdown(str(how))


async def controlling_process(s: Any, pid: Any) -> Any:
    """``gen_tcp:controlling_process/2``: ``"ok"``, ``("error", "not_owner")``,
    ``("error", "closed")``, ``("error", "badarg")`` for a dead pid.

    In active mode the caller's queued ``{tcp, S, _}`` / ``{tcp_closed, S}`` messages
    move to the new owner, in order.
    """
    if s.__class__ is SocketHandle:
        return await _socket_backend.controlling_process(s, pid)
    _check_socket(s)
    if pid.__class__ is not Pid:
        raise _function_clause()
    p = lookup(s)
    if p is None:
        return E_CLOSED
    return p.controlling_process(current().handle, pid)
