"""Opening OS sockets for connect and listen, shared by both backends.

From parsed open options (`ports._options.OpenOptions`) to a connected or listening
non-blocking socket: a duplicate of the descriptor ``{fd, F}`` names (OTP 25 never
closes a passed descriptor: not on close, not when connect fails), one made in a
``{netns, Path}`` namespace, or a new one; its OS options
applied before ``bind`` (``{ip, A}``, ``{port, P}``, ``{ifaddr, {local, Path}}``); then
``listen`` with the backlog, or (`open_connected`) the name lookup and a connect to each
address it gives, all within one deadline. Failures come back as ``("error", reason)``;
nothing here raises for a runtime failure.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import time
from collections.abc import Callable
from typing import Any, Final

from actors import Atom, Badarg, ErlangError
from actors.runtime import call_later

from ._address import ErrorTuple, IpTuple, Target, family_to_af, resolve_all, tuple_to_ip
from ._errors import reason_from_oserror
from ._netns import socket_in_netns
from ._options import OpenOptions, apply_sockopts

__all__ = ["open_connected", "listening_socket", "listen_backlog", "bind_address"]

_ERROR = Atom("error")
_TIMEOUT = (_ERROR, Atom("timeout"))
_EINVAL = (_ERROR, Atom("einval"))
_IN_PROGRESS: Final = frozenset({errno.EINPROGRESS, errno.EAGAIN, errno.EALREADY})


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


# -- connect: one deadline over the name lookup and every address --------------------------

resolver: Callable[[str, str], list[IpTuple] | ErrorTuple] = resolve_all
"""How `open_connected` looks a name up (blocking: it runs in an executor thread), as
`inet:getaddrs/2` does: every address in order, or ``("error", reason)``. Tests replace it."""

_STOPS_INET: Final = frozenset({"einval", "timeout"})
_STOPS_SOCKET: Final = frozenset({"einval", "timeout", "badarg", "closed"})


async def open_connected(
    loop: asyncio.AbstractEventLoop,
    parsed: OpenOptions,
    target: Target,
    port: int,
    timeout_ms: int | None,
) -> socket.socket | tuple[Atom, Any]:
    """``gen_tcp:connect/4`` below the argument checks, for both backends: a socket
    connected to `target` (a literal, a name or a local path) and `port`, or
    ``("error", reason)``.

    As OTP's gen_tcp, the timeout becomes one deadline (None: none): the name lookup
    and then each address the name has, in the resolver's order, are tried within it
    until one connects. The answer when none does is the last address's error; an
    ``einval`` or ``timeout`` ends the tries at once (the socket backend also stops at
    ``badarg`` and ``closed``). A lookup that does not answer before the deadline
    gives ``timeout``; a timeout of 0 waits for the lookup (so an unknown name is
    ``nxdomain``), then answers ``timeout``, as OTP does with its native resolver.

    The inet backend opens a new socket per address (inet_tcp:connect per address);
    the socket backend opens one and connects it to each address in turn, as
    gen_tcp_socket does (after a refusal many kernels answer ``econnaborted`` to the
    next connect on that socket; OTP 25 gives the same).

    A socket option the kernel refuses raises ``exit:badarg`` on the inet backend (as
    gen_tcp:connect turns the driver's ``einval`` into it), else ``("error", einval)``.
    A kill while the lookup or a connect is under way is safe on every loop: the
    lookup thread finishes on its own, and the socket is closed once the loop's
    connect has unwound.
    """
    deadline = None if timeout_ms is None else time.monotonic() + timeout_ms / 1000
    addrs = await _addresses(loop, target, port, None if timeout_ms == 0 else deadline)
    if not isinstance(addrs, list):
        return addrs
    if parsed.backend == "socket":
        return await _connect_one_socket(loop, parsed, target.family, addrs, deadline)
    result: tuple[Atom, Any] = _EINVAL
    for sockaddr in addrs:
        sock = _opened(parsed, target.family, True)
        if not isinstance(sock, socket.socket):
            result = sock
        else:
            reason = _bind(sock, parsed, target.family)
            if reason is None:
                reason = await _connect(loop, sock, sockaddr, deadline)
                if reason is None:
                    return sock
            sock.close()
            result = (_ERROR, reason)
        if result[1] in _STOPS_INET:
            break
    return result


async def _connect_one_socket(
    loop: asyncio.AbstractEventLoop, parsed: OpenOptions, family: str, addrs: list[Any], deadline: float | None
) -> socket.socket | tuple[Atom, Any]:
    sock = _opened(parsed, family, False)
    if not isinstance(sock, socket.socket):
        return sock
    reason = _bind(sock, parsed, family)
    if reason is not None:
        sock.close()
        return (_ERROR, reason)
    result: tuple[Atom, Any] = _EINVAL
    for sockaddr in addrs:
        reason = await _connect(loop, sock, sockaddr, deadline)
        if reason is None:
            return sock
        result = (_ERROR, reason)
        if reason in _STOPS_SOCKET:
            break
    sock.close()
    return result


def _bind(sock: socket.socket, parsed: OpenOptions, family: str) -> Atom | None:
    try:
        bind = bind_address(parsed, family)
        if bind is not None:
            sock.bind(bind)
    except OSError as e:
        return reason_from_oserror(e)
    return None


async def _addresses(
    loop: asyncio.AbstractEventLoop, target: Target, port: int, deadline: float | None
) -> list[Any] | tuple[Atom, Any]:
    """The socket addresses `target` names, in the resolver's order, or
    ``("error", reason)``: the resolver's, or ``timeout`` when the deadline came first."""
    if target.host is None:
        return [target.sockaddr(port)]
    # A kill or the deadline cancels only the future: the lookup thread ends on its own.
    fut = loop.run_in_executor(None, resolver, target.host, target.family)
    if not await _within(loop, fut, deadline):
        return _TIMEOUT
    found = fut.result()
    if not isinstance(found, list):
        return found
    return [Target(target.family, ip=ip).sockaddr(port) for ip in found]


async def _connect(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, sockaddr: Any, deadline: float | None
) -> Atom | None:
    """Connect the non-blocking `sock` before `deadline`: None, or why it failed
    (``timeout`` when the deadline passed).

    The socket's writability is watched here (what the loop's ``sock_connect`` does,
    without a task per connect); whatever ends the wait - the connect, the deadline, a
    kill - the watch is removed before this returns or raises, so the descriptor can be
    closed at once (a kill closes it here)."""
    if deadline is not None and deadline <= time.monotonic():
        return _TIMEOUT[1]
    try:
        err = sock.connect_ex(sockaddr)
    except OSError as e:  # e.g. a bad local path
        return reason_from_oserror(e)
    if err == 0:
        return None
    if err not in _IN_PROGRESS:
        return reason_from_oserror(OSError(err, os.strerror(err)))
    fut: asyncio.Future[Any] = loop.create_future()
    fd = sock.fileno()
    loop.add_writer(fd, _writable, fut)
    timer = None if deadline is None else call_later(loop, max(0.0, deadline - time.monotonic()), _writable, fut, False)
    try:
        connected = await fut
    except BaseException:
        _unwatch(loop, fd, timer)
        sock.close()  # a kill: the socket goes, after the loop stopped watching it
        raise
    _unwatch(loop, fd, timer)
    if not connected:
        return _TIMEOUT[1]
    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        return reason_from_oserror(OSError(err, os.strerror(err)))
    return None


def _unwatch(loop: asyncio.AbstractEventLoop, fd: int, timer: Any) -> None:
    loop.remove_writer(fd)
    if timer is not None:
        timer.cancel()


def _writable(fut: asyncio.Future[Any], connected: bool = True) -> None:
    if not fut.done():
        fut.set_result(connected)


async def _within(loop: asyncio.AbstractEventLoop, fut: asyncio.Future[Any], deadline: float | None) -> bool:
    """Await `fut` until `deadline` (`time.monotonic`; None: no limit): True when it
    finished (its exception raised), False when the deadline came first and cancelled
    it. The deadline never passes early (the runtime's `call_later`)."""
    if deadline is None:
        await fut
        return True
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = fut.cancel()

    timer = call_later(loop, max(0.0, deadline - time.monotonic()), expire)
    try:
        await fut
    except asyncio.CancelledError:
        if expired and fut.done():
            return False
        raise
    finally:
        timer.cancel()
    return True

def listening_socket(parsed: OpenOptions, family: str, port: int) -> socket.socket | tuple[Atom, Any]:
    """A socket bound to `port` (or the ``{ip, A}`` / ``{port, P}`` / local path; an
    ``{fd, F}`` socket only when those are given) and listening with the options'
    backlog (see `listen_backlog`), or ``("error", reason)``: ``einval`` for a
    ``local`` socket with no path to bind (erl: ``listen(0, [local])``)."""
    backlog = listen_backlog(parsed)
    sock = _opened(parsed, family, False)
    if not isinstance(sock, socket.socket):
        return sock
    try:
        bind = bind_address(parsed, family, port)
        if bind is None and parsed.fd is None:
            if family == "local":
                sock.close()
                return _EINVAL
            bind = ("::", 0, 0, 0) if family == "inet6" else ("0.0.0.0", 0)
        if bind is not None:
            sock.bind(bind)
        sock.listen(backlog)
    except OSError as e:
        sock.close()
        return (_ERROR, reason_from_oserror(e))
    return sock


_INT_MIN: Final = -(2**31)
_INT_MAX: Final = 2**31 - 1


def listen_backlog(parsed: OpenOptions) -> int:
    """The backlog ``listen(2)`` gets for ``{backlog, B}`` (any integer; erl, checked).

    inet backend: prim_inet sends the backlog to the driver in 16 bits, so every
    integer listens, taken modulo 65536 (``2**31`` and ``65536`` are 0, one pending
    connection; ``-1`` is 65535). Socket backend: the NIF takes a C int; a negative one
    reaches the kernel, which reads it as its maximum; one outside the int range crashes
    gen_tcp_socket's server: raises ``exit:{{case_clause, {invalid, {integer_range, B}}},
    {gen_statem, call, [undefined, {listen, B}, infinity]}}`` (OTP's stack trace and
    server pid left out).
    """
    b = parsed.backlog
    if parsed.backend != "socket":
        return b & 0xFFFF
    if not _INT_MIN <= b <= _INT_MAX:
        crash = (Atom("case_clause"), (Atom("invalid"), (Atom("integer_range"), b)))
        call = (Atom("gen_statem"), Atom("call"), [Atom("undefined"), (Atom("listen"), b), Atom("infinity")])
        raise ErlangError((crash, call), "exit")
    return b if b >= 0 else _INT_MAX
