"""The inet backend's argument checks (OTP's ``gen_tcp`` clauses for a port, and
``inet``'s): each function checks, finds the port, and asks it."""

from __future__ import annotations

from typing import Any

import ports
from actors.atoms import FUNCTION_CLAUSE, OK
from actors.runtime import ErlangError, Pid, current

from ports.atoms import E_CLOSED, E_EINVAL, E_ENOTCONN

CLOSED_INFO = E_EINVAL
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
    """The live port behind `s`; None when closed; ``function_clause`` for a term that is
    no inet socket."""
    if s.__class__ is not ports.Port:
        raise ErlangError(FUNCTION_CLAUSE)
    return ports.socket_of(s)


def _is_timeout(t: Any) -> bool:
    return t == "infinity" or t.__class__ is int


async def accept(ls: Any, timeout: Any) -> Any:
    p = port_of(ls)
    if not _is_timeout(timeout):
        raise ErlangError(FUNCTION_CLAUSE)
    if p is None:
        return E_CLOSED
    if not isinstance(p, ports.TcpListen):
        return E_EINVAL
    return await p.accept(timeout)


async def send(s: Any, data: Any) -> Any:
    p = port_of(s)
    if p is None:
        return E_CLOSED
    if isinstance(p, ports.TcpListen):
        return E_ENOTCONN
    return await ports.send(p, data)


async def recv(s: Any, length: Any, timeout: Any) -> Any:
    p = port_of(s)
    if length.__class__ is not int or length < 0 or not _is_timeout(timeout):
        raise ErlangError(FUNCTION_CLAUSE)
    if p is None:
        return E_CLOSED
    if isinstance(p, ports.TcpListen):
        return E_ENOTCONN
    return await p.recv(length, timeout)


async def close(s: Any) -> Any:
    p = port_of(s)
    if p is not None:
        await ports.close(p)
    else:
        ports.forget_closed(s)
    return OK


def shutdown(s: Any, how: Any) -> Any:
    p = port_of(s)
    if how not in ("read", "write", "read_write") or not isinstance(how, str):
        raise ErlangError(FUNCTION_CLAUSE)
    if p is None:
        return E_CLOSED
    if isinstance(p, ports.TcpListen):
        return E_ENOTCONN
    return p.shutdown(str(how))


def controlling_process(s: Any, pid: Any) -> Any:
    p = port_of(s)
    if pid.__class__ is not Pid:
        raise ErlangError(FUNCTION_CLAUSE)
    if p is None:
        return E_CLOSED
    return p.controlling_process(current().handle, pid)


# -- inet: a closed socket answers einval ---------------------------------------------------


def setopts(s: Any, options: Any) -> Any:
    return ports.setopts(port_of(s), options)


def getopts(s: Any, names: Any) -> Any:
    p = port_of(s)
    if not isinstance(names, list):
        raise ErlangError(FUNCTION_CLAUSE)
    if p is None:
        return E_EINVAL
    return ports.getopts(p, names)
