"""Node names as Erlang writes them: ``"a@host"``; a short name takes the local host."""

from __future__ import annotations

import socket

from .._terms import Atom, ErlangError

__all__ = ["full_name", "short_host"]


def short_host() -> str:
    """The host part of ``-sname`` names: the host name up to its first dot."""
    return socket.gethostname().split(".")[0]


def _long_host() -> str:
    host = socket.getfqdn()
    if "." not in host:  # erl -name needs a dotted host; fall back to loopback's address
        host = "127.0.0.1"
    return host


def full_name(name: str, longnames: bool = False) -> str:
    """``"a"`` -> ``"a@host"`` (the short host, or the fully qualified one with
    `longnames`); a name that has its host is kept. An empty or malformed name raises
    ``badarg``."""
    if not isinstance(name, str) or not name or name.count("@") > 1:
        raise ErlangError(Atom("badarg"))
    alive, _, host = name.partition("@")
    if not alive or (("@" in name) and not host):
        raise ErlangError(Atom("badarg"))
    if not host:
        host = _long_host() if longnames else short_host()
    for ch in alive:
        if not (ch.isalnum() or ch in "_-"):
            raise ErlangError(Atom("badarg"))
    return f"{alive}@{host}"
