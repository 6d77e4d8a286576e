"""gen_tcp: Erlang's TCP API. Each function dispatches on the socket term, as OTP's
``gen_tcp`` does: a port goes to the inet backend's checks (`gen_tcp._inet_tcp`), a
``{'$inet', gen_tcp_socket, _}`` tuple to the socket backend's (`gen_tcp._socket_backend`);
``connect`` and ``listen`` choose by their ``{inet_backend, B}`` option.

Programmer errors raise as Erlang raises them (`ErlangError` with ``badarg`` or
``function_clause``); runtime failures come back as ``("error", reason)``.
"""

from __future__ import annotations

from typing import Any, Final, overload

import ports
from actors.atoms import FUNCTION_CLAUSE, INFINITY, OK
from actors.runtime import ErlangError, current

from ._hot import backend_module, send
from .types import Address, IoData, Ok, Options, Result, Shutdown, Socket, Timeout
from actors.runtime import Pid

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

_NO_TIMEOUT: Final = ports.Backend  # a sentinel: connect/3 was called (no timeout)


@overload
async def connect(address: dict[str, Any], port: Options = ..., options: Timeout = ...) -> Result: ...
@overload
async def connect(address: Address, port: int, options: Options = ..., timeout: Timeout = ...) -> Result: ...
async def connect(address: Any, port: Any = None, options: Any = (), timeout: Any = _NO_TIMEOUT) -> Result:
    """``gen_tcp:connect/3,4``, and ``connect/2,3`` with a sockaddr map as first argument.

    Returns ``("ok", socket)`` or ``("error", reason)``: ``econnrefused``, ``nxdomain``,
    ``timeout`` (the given time passed; 0 always times out, as in Erlang),
    ``eafnosupport``, or another POSIX reason. Bad options, address or port raise as
    OTP 25's inet backend raises (``exit:badarg`` mostly); the socket backend answers
    ``{error, einval}`` for a bad address or port.
    """
    if isinstance(address, dict):
        options, timeout = (port if port is not None else []), (options if options != () else INFINITY)
        port = None
    backend = ports.backend_of(options)
    if timeout is _NO_TIMEOUT:
        if backend is ports.INET and not isinstance(address, (tuple, str)):
            # gen_tcp:connect/3 has a clause per address kind; /4 raises exit:badarg
            raise ErlangError(FUNCTION_CLAUSE)
        timeout = INFINITY
    return await ports.connect(backend, address, port, options, timeout)


async def listen(port: int, options: Options) -> Result:
    """``gen_tcp:listen/2``: ``("ok", listen_socket)`` or ``("error", reason)``.

    Port 0 lets the OS pick (read it with ``inet.port``). A bad port or option raises
    ``badarg`` (an ``exit`` in Erlang); a non-list option argument ``function_clause``.
    ``{active, N}`` with N <= 0 makes the socket passive and sends ``tcp_passive``.
    """
    return ports.listen(ports.backend_of(options), port, options)


async def accept(listen_socket: Socket, timeout: Timeout = INFINITY) -> Result:
    """``gen_tcp:accept/1,2``: ``("ok", socket)``, ``("error", "timeout")``,
    ``("error", "closed")`` when the listen socket is (or gets) closed, ``einval`` on a
    socket that is not listening. The caller becomes the new socket's owner."""
    if listen_socket.__class__ is ports.Port:  # the hot path: a live inet listen socket
        p = listen_socket.actor
        if p.__class__ is ports.TcpListen and p.node is current().node and (
            timeout.__class__ is int or timeout == "infinity"
        ):
            return await p.accept(timeout)
    return await backend_module(listen_socket).accept(listen_socket, timeout)


async def recv(s: Socket, length: int, timeout: Timeout = INFINITY) -> Result:
    """``gen_tcp:recv/2,3``: ``("ok", data)`` or ``("error", reason)``.

    Length 0 returns what is available (at most ``buffer`` bytes in raw mode); N > 0
    exactly N bytes (raw mode only, else ``einval``). Errors: ``closed``, ``timeout``,
    ``einval`` (an active socket), ``enotconn`` (a listen socket, or after the close
    was reported), ``ealready`` (another recv is pending), ``enomem`` (N > 64 MiB).
    """
    if s.__class__ is ports.Port and length.__class__ is int and length >= 0:  # the hot path
        p = s.actor
        if p.__class__ is ports.TcpSocket and p.node is current().node and (
            timeout.__class__ is int or timeout == "infinity"
        ):
            return await p.recv(length, timeout)
    return await backend_module(s).recv(s, length, timeout)


async def close(s: Socket) -> Ok:
    """``gen_tcp:close/1``: always ``ok`` (also for a socket already closed; the socket
    backend answers ``{error, closed}`` then)."""
    if s.__class__ is ports.Port:  # a live inet socket of this node
        p = s.actor
        if p is not None and p.node is current().node:
            await ports.close(p)  # type: ignore[arg-type]
            return OK
    return await backend_module(s).close(s)


async def shutdown(s: Socket, how: Shutdown) -> Ok:
    """``gen_tcp:shutdown/2`` with How ``read``, ``write`` or ``read_write``."""
    return backend_module(s).shutdown(s, how)


async def controlling_process(s: Socket, pid: Pid) -> Ok:
    """``gen_tcp:controlling_process/2``: ``"ok"``, ``("error", "not_owner")``,
    ``("error", "closed")``, ``("error", "badarg")`` for a dead pid.

    In active mode the caller's queued ``{tcp, S, _}`` / ``{tcp_closed, S}`` messages
    move to the new owner, in order.
    """
    return backend_module(s).controlling_process(s, pid)
