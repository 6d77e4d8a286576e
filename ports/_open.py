"""Opening OS sockets for connect and listen, shared by both backends.

From parsed open options (`ports._options.OpenOptions`) to a connected or listening
non-blocking socket: a duplicate of the descriptor ``{fd, F}`` names (OTP 25 never
closes a passed descriptor: not on close, not when connect fails), one made in a
``{netns, Path}`` namespace, or a new one; its OS options
applied before ``bind`` (``{ip, A}``, ``{port, P}``, ``{ifaddr, {local, Path}}``); then
``connect`` with the caller's timeout, or ``listen`` with the backlog. Failures come
back as ``("error", reason)``; nothing here raises for a runtime failure.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

from actors import Atom, Badarg

from ._address import Target, family_to_af, resolve, tuple_to_ip
from ._errors import reason_from_oserror
from ._netns import socket_in_netns
from ._options import OpenOptions, apply_sockopts

__all__ = ["resolve_target", "connected_socket", "listening_socket"]

_ERROR = Atom("error")
_TIMEOUT = (_ERROR, Atom("timeout"))


def _new_socket(parsed: OpenOptions, family: str) -> socket.socket:
    if parsed.fd is not None:
        return socket.socket(fileno=os.dup(parsed.fd))
    if parsed.netns is not None:
        return socket_in_netns(parsed.netns, family_to_af(family))
    return socket.socket(family_to_af(family), socket.SOCK_STREAM)


def bind_address(parsed: OpenOptions, family: str, port: int = 0) -> Any:
    """The address to bind, or None to let the OS choose (connect without ip/port)."""
    ip = parsed.ip
    if family == "local":
        return ip[1] if isinstance(ip, tuple) else ip
    p = port or parsed.port or 0
    if ip is None and not p:
        return None
    text = tuple_to_ip(ip) if ip is not None else ("::" if family == "inet6" else "0.0.0.0")
    return (text, p, 0, 0) if family == "inet6" else (text, p)


async def resolve_target(loop: asyncio.AbstractEventLoop, target: Target, port: int) -> Any:
    """The socket address to connect to (a name is looked up in an executor thread),
    or ``("error", reason)`` (``nxdomain``)."""
    if target.host is None:
        return target.sockaddr(port)
    resolved = await loop.run_in_executor(None, resolve, target.host, target.family)
    if isinstance(resolved, tuple):
        return resolved
    return (resolved, port, 0, 0) if target.family == "inet6" else (resolved, port)


def _opened(parsed: OpenOptions, family: str, refusal_raises: bool) -> socket.socket | tuple[Atom, Any]:
    try:
        sock = _new_socket(parsed, family)
    except OSError as e:
        return (_ERROR, reason_from_oserror(e))
    try:
        sock.setblocking(False)
        err = apply_sockopts(sock, parsed.sockopts)
    except OSError as e:
        sock.close()
        return (_ERROR, reason_from_oserror(e))
    if err is not None:
        sock.close()
        if refusal_raises:
            # gen_tcp:connect turns the driver's {error, einval} into exit:badarg
            raise Badarg(kind="exit")
        return (_ERROR, err)
    return sock


async def connected_socket(
    loop: asyncio.AbstractEventLoop,
    parsed: OpenOptions,
    family: str,
    sockaddr: Any,
    seconds: float | None,
    refusal_raises: bool = True,
) -> socket.socket | tuple[Atom, Any]:
    """A socket connected to `sockaddr` within `seconds` (None: no limit), or
    ``("error", reason)``: ``timeout`` when the time passed, else the OS reason (an
    ``{fd, F}`` socket connected already: ``eisconn``). An option the kernel refuses
    raises ``exit:badarg`` when `refusal_raises` (the inet backend's connect)."""
    sock = _opened(parsed, family, refusal_raises)
    if not isinstance(sock, socket.socket):
        return sock
    try:
        bind = bind_address(parsed, family)
        if bind is not None:
            sock.bind(bind)
        if seconds is None:
            await loop.sock_connect(sock, sockaddr)
        else:
            await asyncio.wait_for(loop.sock_connect(sock, sockaddr), seconds)
    except TimeoutError:
        sock.close()
        return _TIMEOUT
    except OSError as e:
        sock.close()
        return (_ERROR, reason_from_oserror(e))
    except BaseException:
        sock.close()
        raise
    return sock


def listening_socket(parsed: OpenOptions, family: str, port: int) -> socket.socket | tuple[Atom, Any]:
    """A socket bound to `port` (or the ``{ip, A}`` / ``{port, P}`` / local path; an
    ``{fd, F}`` socket only when those are given) and listening with the options'
    backlog, or ``("error", reason)``."""
    sock = _opened(parsed, family, False)
    if not isinstance(sock, socket.socket):
        return sock
    try:
        bind = bind_address(parsed, family, port)
        if bind is None and parsed.fd is None:
            bind = ("::", 0, 0, 0) if family == "inet6" else ("0.0.0.0", 0)
        if bind is not None:
            sock.bind(bind)
        sock.listen(max(parsed.backlog, 0))
    except OSError as e:
        sock.close()
        return (_ERROR, reason_from_oserror(e))
    return sock
