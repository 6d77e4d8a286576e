"""The atoms of socket messages and socket errors, made once (see also `actors.atoms`)."""

from __future__ import annotations

from typing import Final

from actors.atoms import ERROR, OK, TIMEOUT
from actors.runtime import Atom

__all__ = [
    "TCP", "HTTP", "TCP_CLOSED", "TCP_ERROR", "TCP_PASSIVE", "DATA", "ONCE", "RAW",
    "CLOSED", "ENOTCONN", "EINVAL", "EALREADY", "ENOMEM", "ECONNRESET", "EBADF", "ENOTSUP",
    "NOT_OWNER", "INVALID", "STATE",
    "E_CLOSED", "E_ENOTCONN", "E_EINVAL", "E_TIMEOUT", "E_EALREADY", "E_ENOTSUP", "E_BADARG",
    "OK", "ERROR", "TIMEOUT",
]

TCP: Final = Atom("tcp")
HTTP: Final = Atom("http")
TCP_CLOSED: Final = Atom("tcp_closed")
TCP_ERROR: Final = Atom("tcp_error")
TCP_PASSIVE: Final = Atom("tcp_passive")
DATA: Final = Atom("data")
ONCE: Final = Atom("once")
RAW: Final = Atom("raw")

CLOSED: Final = Atom("closed")
ENOTCONN: Final = Atom("enotconn")
EINVAL: Final = Atom("einval")
EALREADY: Final = Atom("ealready")
ENOMEM: Final = Atom("enomem")
ECONNRESET: Final = Atom("econnreset")
EBADF: Final = Atom("ebadf")
ENOTSUP: Final = Atom("enotsup")
NOT_OWNER: Final = Atom("not_owner")
INVALID: Final = Atom("invalid")
STATE: Final = Atom("state")

E_CLOSED: Final = (ERROR, CLOSED)
E_ENOTCONN: Final = (ERROR, ENOTCONN)
E_EINVAL: Final = (ERROR, EINVAL)
E_TIMEOUT: Final = (ERROR, TIMEOUT)
E_EALREADY: Final = (ERROR, EALREADY)
E_ENOTSUP: Final = (ERROR, ENOTSUP)
E_BADARG: Final = (ERROR, Atom("badarg"))
