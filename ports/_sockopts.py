"""OS socket options: encode them, push them onto a socket, read them back.

`encode_sockopt` turns a validated option into a ``(level, optname, value)`` triple,
`apply_sockopts` sets such triples on a `socket.socket` the way inet_drv does (which
kernel refusals count, SO_PRIORITY kept across IP_TOS), and `read_sockopt` reads one
back in Erlang's shape. Synchronous ``setsockopt``/``getsockopt`` calls only.
"""

from __future__ import annotations

import socket
import struct
from typing import Any, Final

from actors import Atom

from ._option_table import OPTIONS, SockOpt, check_bool

__all__ = ["apply_sockopts", "encode_sockopt", "read_sockopt"]

_EINVAL: Final = Atom("einval")


def _level_optname(name: str) -> tuple[int, int]:
    """The ``(level, optname)`` of a socket option of the table."""
    spec = OPTIONS[name].sockopt
    assert spec is not None
    return spec


_PRIORITY: Final = _level_optname("priority")  # (SOL_SOCKET, SO_PRIORITY)
_TOS: Final = _level_optname("tos")  # (IPPROTO_IP, IP_TOS)


def encode_sockopt(name: str, value: Any) -> SockOpt:
    """The ``(level, optname, value)`` triple that sets the validated option ``name``
    to ``value`` (from the table's validator): ``linger`` packed as C's
    ``struct linger``, ``bind_to_device`` as bytes, a raw option as given (marked so
    `apply_sockopts` ignores its refusal), anything else as an int."""
    if name == "raw":
        level, optname, data = value
        return (level, optname, _RawValue(data))
    spec = OPTIONS[name].sockopt
    assert spec is not None
    level, optname = spec
    if name == "linger":
        onoff, seconds = value
        return (level, optname, struct.pack("ii", int(onoff), seconds))
    if name == "bind_to_device":
        return (level, optname, bytes(value))
    return (level, optname, int(value))


class _RawValue(bytes):
    """The value of a ``{raw, Level, Opt, Bin}`` option: inet_drv ignores the kernel's
    refusal of a raw option even where it names a propagating (level, optname)."""

    __slots__ = ()


# inet_drv reports a kernel refusal only for these options, and always as einval
# (erl on Linux: ``{ttl,0}``, ``{tclass,8}`` on IPv4, ``{bind_to_device,<<"nosuch0">>}``,
# ``{tos,8}`` or ``{ttl,20}`` on a local socket, ``{ipv6_v6only,true}`` on IPv4 ->
# ``{error,einval}``); the refusals of the others are ignored (``{nodelay,true}``
# or ``{nopush,true}`` on a local socket, ``{raw,6,9999,_}`` -> ``ok``).
_PROPAGATE: Final = frozenset(
    _level_optname(name)
    for name in (
        "priority",
        "tos",
        "ttl",
        "recvtos",
        "recvttl",
        "tclass",
        "recvtclass",
        "ipv6_v6only",
        "bind_to_device",
    )
)


def _setsockopt_keeping_prio_tos(sock: socket.socket, level: int, optname: int, value: Any) -> None:
    """``setsockopt`` as inet_drv's ``setopt_prio_tos_trick``: Linux resets
    SO_PRIORITY when IP_TOS is set (tos 16 makes priority 6), so the driver saves
    priority and tos first and puts them back after any other option (only priority
    after tos; nothing after priority). erl: ``[{tos,16},{priority,3}]`` reads back
    ``{priority,3}`` whatever the order."""
    try:
        prio = sock.getsockopt(*_PRIORITY)
        tos = sock.getsockopt(*_TOS)
    except OSError:
        sock.setsockopt(level, optname, value)
        return
    sock.setsockopt(level, optname, value)
    if (level, optname) == _PRIORITY:
        return
    if (level, optname) != _TOS:
        try:
            sock.setsockopt(*_TOS, tos)
        except OSError:
            pass
    sock.setsockopt(*_PRIORITY, prio)


def apply_sockopts(sock: socket.socket, sockopts: list[SockOpt]) -> Atom | None:
    """Push ``(level, optname, value)`` triples onto ``sock``, in order, as inet_drv.

    Keeps SO_PRIORITY and IP_TOS independent (`_setsockopt_keeping_prio_tos`).
    A kernel refusal of a propagating option (tos, ttl, priority, tclass, recvtos,
    recvttl, recvtclass, ipv6_v6only, bind_to_device) stops there and returns
    ``einval``, whatever the errno, as inet_drv does; the refusals of the others
    (and of every raw option) are ignored. Returns None when nothing was refused.
    """
    for level, optname, value in sockopts:
        try:
            _setsockopt_keeping_prio_tos(sock, level, optname, value)
        except (OSError, OverflowError):
            if (level, optname) in _PROPAGATE and type(value) is not _RawValue:
                return _EINVAL
    return None


def read_sockopt(sock: socket.socket, name: str) -> Any:
    """Read one socket option from the kernel in Erlang's shape; raises OSError."""
    spec = OPTIONS[name].sockopt
    assert spec is not None
    level, optname = spec
    if name == "linger":
        onoff, seconds = struct.unpack("ii", sock.getsockopt(level, optname, 8))
        return (onoff != 0, seconds)
    if name == "bind_to_device":
        raw = sock.getsockopt(level, optname, 256)
        return raw.split(b"\0", 1)[0]
    value = sock.getsockopt(level, optname)
    if OPTIONS[name].check is check_bool:
        return value != 0
    return value
