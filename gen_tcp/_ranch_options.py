"""The listener's transport options, checked as Ranch's ``validate_transport_opts``:
a list is taken as ``socket_opts``; an unknown key or a bad value gives
``("error", ("bad_option", key))``."""

from __future__ import annotations

from typing import Any, Callable, Final

from actors import Atom

__all__ = ["normalize", "validate", "nonneg_int"]

_OK: Final = Atom("ok")
_ERROR: Final = Atom("error")
_INF: Final = Atom("infinity")


def normalize(trans_opts: Any) -> dict[str, Any]:
    """``ranch:normalize_opts``: a dict as it is, anything else as ``socket_opts``."""
    return dict(trans_opts) if isinstance(trans_opts, dict) else {"socket_opts": list(trans_opts)}


def nonneg_int(v: Any) -> bool:
    return v.__class__ is int and v >= 0


_VALID: Final[dict[str, Callable[[Any], bool]]] = {
    "connection_type": lambda v: v in ("worker", "supervisor"),
    "handshake_timeout": lambda v: v == _INF or nonneg_int(v),
    "max_connections": lambda v: v == _INF or nonneg_int(v),
    "num_acceptors": lambda v: v.__class__ is int and v > 0,
    "num_conns_sups": lambda v: v.__class__ is int and v > 0,
    "shutdown": lambda v: v in ("brutal_kill", "infinity") or nonneg_int(v),
    "socket_opts": lambda v: isinstance(v, (list, tuple)),
    "logger": lambda v: True,
}


def validate(opts: dict[str, Any]) -> Any:
    """``ok`` or ``("error", ("bad_option", key))`` for the first bad key."""
    for key, value in opts.items():
        check = _VALID.get(key)
        if check is None or not check(value):
            return (_ERROR, ("bad_option", key))
    return _OK
