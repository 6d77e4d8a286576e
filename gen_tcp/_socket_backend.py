"""The socket backend's argument checks (OTP's ``gen_tcp_socket`` front functions).

`gen_tcp` and `gen_tcp.inet` send here every call on a ``{'$inet', gen_tcp_socket, _}``
socket. Each function checks its arguments as gen_tcp_socket does, finds the port and
asks it. Common rule: a socket that is closed answers ``{error, closed}`` to every call
(a second close too).
"""

from __future__ import annotations

from typing import Any

import ports
from actors.atoms import BADARG, FUNCTION_CLAUSE, INFINITY, OK
from actors.runtime import Atom, ErlangError, Pid, current

from ports.atoms import E_CLOSED, E_ENOTCONN

CLOSED_INFO = E_CLOSED
"""What inet's address and counter calls answer for a closed socket."""

__all__ = [
    "CLOSED_INFO",
    "accept",
    "send",
    "recv",
    "close",
    "shutdown",
    "controlling_process",
    "setopts",
    "getopts",
]


def port_of(s: Any) -> ports.TcpSocket | ports.TcpListen | None:
    """The live port behind a socket handle; None when closed. A non-handle raises
    ``function_clause`` as gen_tcp does for a term that is no socket."""
    if s.__class__ is not ports.SocketHandle:
        raise ErlangError(FUNCTION_CLAUSE)
    return ports.socket_of(s)


async def accept(ls: Any, timeout: Any) -> Any:
    """A bad timeout (``-1``, ``foo``) raises ``error:badarg``; a connected socket gives
    ``{error, {invalid, state}}``."""
    p = port_of(ls)
    if not (timeout == "infinity" or (timeout.__class__ is int and timeout >= 0)):
        raise ErlangError(BADARG)
    if p is None:
        return E_CLOSED
    if isinstance(p, ports.TcpSocket):
        return (Atom("error"), (Atom("invalid"), Atom("state")))
    return await p.accept(timeout)


async def send(s: Any, data: Any) -> Any:
    """Blocks until the kernel took the data; ``{error, closed}`` on a listen socket."""
    p = port_of(s)
    if p is None or isinstance(p, ports.TcpListen):
        return E_CLOSED
    return await ports.send(p, data)


async def recv(s: Any, length: Any, timeout: Any) -> Any:
    """A Length that is no integer crashes gen_tcp_socket's server: the caller gets an
    exit and the socket closes (the exit reason simplified); a negative Length is taken
    as 0 (erl: ``recv(C, -1, 100)`` -> ``{error, timeout}``)."""
    p = port_of(s)
    if not (timeout == "infinity" or timeout.__class__ is int):
        raise ErlangError(FUNCTION_CLAUSE)
    if p is None:
        return E_CLOSED
    if isinstance(p, ports.TcpListen):
        return E_ENOTCONN
    if length.__class__ is not int:
        p.close()
        reason = (Atom("gen_statem"), Atom("call"), [s[2][0], (Atom("recv"), length, timeout), INFINITY])
        raise ErlangError((Atom("badarith"), reason), "exit")
    return await p.recv(max(length, 0), timeout)


async def close(s: Any) -> Any:
    """``ok``; ``{error, closed}`` when already closed."""
    p = port_of(s)
    if p is None:
        return E_CLOSED
    await ports.close(p)
    return OK


def shutdown(s: Any, how: Any) -> Any:
    """At once; a bad How gives ``{error, enotconn}``."""
    p = port_of(s)
    if p is None:
        return E_CLOSED
    if isinstance(p, ports.TcpListen) or how not in ("read", "write", "read_write"):
        return E_ENOTCONN
    return p.shutdown(str(how))


def controlling_process(s: Any, pid: Any) -> Any:
    """A dead pid gives ``ok`` (and the socket closes)."""
    p = port_of(s)
    if pid.__class__ is not Pid:
        raise ErlangError(FUNCTION_CLAUSE)
    if p is None:
        return E_CLOSED
    return p.controlling_process(current().handle, pid)


# -- inet ----------------------------------------------------------------------------------


def setopts(s: Any, options: Any) -> Any:
    p = port_of(s)
    return E_CLOSED if p is None else ports.socket_setopts(p, options)


def getopts(s: Any, names: Any) -> Any:
    p = port_of(s)
    if p is None:
        if not isinstance(names, list):
            raise ErlangError(FUNCTION_CLAUSE)
        return E_CLOSED
    return ports.socket_getopts(p, names)
