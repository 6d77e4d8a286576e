"""The types of gen_tcp's and inet's signatures, as the term mapping writes Erlang's.

They document and type-check calls; the functions still check their arguments at run
time and answer bad ones as Erlang does (``badarg``, ``{error, einval}``), so a value
outside these types is an error term, never a crash.
"""

from __future__ import annotations

from typing import Any, Literal, Sequence, Union

from actors import Atom, Pid
from ports import Port, SocketHandle

__all__ = [
    "Socket",
    "Address",
    "Option",
    "Options",
    "Timeout",
    "IoData",
    "Result",
    "Ok",
    "Shutdown",
]

Socket = Union[Port, SocketHandle]
"""A socket: ``#Port<0.N>`` on the inet backend, ``{'$inet', gen_tcp_socket, _}`` on the
socket backend (``{inet_backend, socket}``)."""

Address = Union[str, Atom, tuple[int, ...], dict[str, Any]]
"""A host name, an IP tuple (4 or 8 integers), ``localhost``, or a sockaddr map."""

Option = Union[str, tuple[Any, ...]]
"""An option: an atom (``binary``, ``inet6``) or a tuple (``("active", "once")``)."""

Options = Sequence[Option]

Timeout = Union[int, str]
"""Milliseconds, or ``"infinity"``."""

IoData = Union[bytes, bytearray, memoryview, str, int, Sequence[Any]]
"""What ``send`` takes: bytes, a str of code points 0..255, ints 0..255, lists of these."""

Result = tuple[Atom, Any]
"""``("ok", Value)`` or ``("error", Reason)``."""

Ok = Union[Atom, tuple[Atom, Any]]
"""``ok`` or ``("error", Reason)``."""

Shutdown = Literal["read", "write", "read_write"]

Owner = Pid
