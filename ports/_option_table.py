"""The option table of a TCP port: every option's validator, default and scope.

One table (`OPTIONS`) lists every option of the gen_tcp manual's ``option()``,
``connect_option()`` and ``listen_option()`` types plus the extra names `inet:setopts/2`
takes: its validator (prim_inet's type check), its inet-backend default, which
operations accept it, whether `inet:getopts/2` can read it, and the Linux socket option
it maps to. `PORT_DEFAULTS` holds the port options of a fresh socket.

Data and pure checks only: nothing here touches a socket.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any, Callable, Final, Literal, Union

from actors import Atom

__all__ = [
    "ACCEPT",
    "ACTIVE_MAX",
    "ACTIVE_MIN",
    "BUFFER_SET_KEY",
    "CONNECT",
    "Change",
    "Invalid",
    "LISTEN",
    "NETNS_KEY",
    "OPTIONS",
    "Option",
    "PORT_DEFAULTS",
    "SETOPTS",
    "SockOpt",
    "check_bool",
    "check_netns",
    "default_port_opts",
]

ACTIVE_MIN: Final = -32768
ACTIVE_MAX: Final = 32767

# Linux constants the socket module may lack on older Pythons.
_SO_BINDTODEVICE: Final = getattr(socket, "SO_BINDTODEVICE", 25)
_SO_PRIORITY: Final = getattr(socket, "SO_PRIORITY", 12)
_SO_REUSEPORT: Final = getattr(socket, "SO_REUSEPORT", 15)
_IP_RECVTOS: Final = getattr(socket, "IP_RECVTOS", 13)
_IP_RECVTTL: Final = getattr(socket, "IP_RECVTTL", 12)
_IPV6_TCLASS: Final = getattr(socket, "IPV6_TCLASS", 67)
_IPV6_RECVTCLASS: Final = getattr(socket, "IPV6_RECVTCLASS", 66)
_TCP_CORK: Final = getattr(socket, "TCP_CORK", 3)

SockOpt = tuple[int, int, Union[int, bytes]]
"""``(level, optname, value)`` for `socket.setsockopt`; value an int or packed bytes."""

Change = tuple[str, Any]
"""A validated option: ``(canonical_name, normalised_value)``.

For raw options the value is ``(level, optname, bytes)``.
"""


class Invalid(Exception):
    """A value the option's validator refuses (Erlang: prim_inet type check fails)."""


# ---------------------------------------------------------------------------
# Validators: each returns the normalised value or raises Invalid.  They mirror
# prim_inet:type_value/3 (bool, int, uint, time, enum, binary).


def check_bool(v: Any) -> bool:
    if v is True or v is False:
        return bool(v)
    raise Invalid


def _int(v: Any) -> int:
    # Erlang's int is any integer, sent to the driver as 32 bits: wrap as C would.
    if type(v) is int:
        return ((v + 2**31) % 2**32) - 2**31
    raise Invalid


def _uint(v: Any) -> int:
    # Sent as 32 bits and read back unsigned (erl: packet_size and header 2^40 read
    # back 0, 2^32+7 reads back 7).
    if type(v) is int and v >= 0:
        return v & 0xFFFFFFFF
    raise Invalid


def _time(v: Any) -> Any:
    # Sent as a signed 32-bit int with infinity as -1, read back the same way (erl:
    # send_timeout 2^32-1 reads back infinity, 2^32-2 reads -2, 2^31 reads -2^31).
    if isinstance(v, str) and v == "infinity":
        return Atom("infinity")
    if type(v) is int and v >= 0:
        v = ((v + 2**31) % 2**32) - 2**31
        return Atom("infinity") if v == -1 else v
    raise Invalid


def _binary(v: Any) -> bytes:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    raise Invalid


def _enum(*names: str) -> Callable[[Any], Atom]:
    def check(v: Any) -> Atom:
        if isinstance(v, str) and v in names:
            return Atom(v)
        raise Invalid

    return check


def _active(v: Any) -> Any:
    if v is True or v is False:
        return bool(v)
    if isinstance(v, str) and v == "once":
        return Atom("once")
    if type(v) is int and ACTIVE_MIN <= v <= ACTIVE_MAX:
        return v
    # Deviation: OTP 25 also takes {active, multi} (an internal enum name) and then
    # reads back garbage; it is refused here.
    raise Invalid


_PACKETS: Final[dict[Any, Any]] = {
    0: 0,
    1: 1,
    2: 2,
    4: 4,
    "raw": 0,  # inet reads {packet,raw} back as {packet,0}
    "sunrm": Atom("sunrm"),
    "asn1": Atom("asn1"),
    "cdr": Atom("cdr"),
    "fcgi": Atom("fcgi"),
    "line": Atom("line"),
    "tpkt": Atom("tpkt"),
    "http": Atom("http"),
    "httph": Atom("httph"),
    "http_bin": Atom("http_bin"),
    "httph_bin": Atom("httph_bin"),
    "ssl": Atom("ssl"),
    "ssl_tls": Atom("ssl"),  # same driver value; reads back as ssl
}


def _packet(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise Invalid
    try:
        return _PACKETS[v]
    except KeyError:
        raise Invalid from None


def _linger(v: Any) -> tuple[bool, int]:
    if type(v) is tuple and len(v) == 2:
        return (check_bool(v[0]), _int(v[1]))
    raise Invalid


def _raw(v: Any) -> tuple[int, int, bytes]:
    if type(v) is tuple and len(v) == 3 and type(v[0]) is int and type(v[1]) is int:
        return (v[0], v[1], _binary(v[2]))
    raise Invalid


def check_netns(v: Any) -> bytes:
    # A file name: a string or a binary. An atom is refused (erl: {netns,foo} is
    # badarg at open, einval in setopts); Atom is a str subclass, hence `type`.
    if type(v) is str:
        return v.encode()
    return _binary(v)


def _any(v: Any) -> Any:
    return v


# ---------------------------------------------------------------------------
# The table.

CONNECT: Final = "connect"
LISTEN: Final = "listen"
SETOPTS: Final = "setopts"
ACCEPT: Final = "accept"

_ALL: Final = frozenset({CONNECT, LISTEN, SETOPTS})
_C: Final = frozenset({CONNECT})
_L: Final = frozenset({LISTEN})
_CL: Final = frozenset({CONNECT, LISTEN})
_S: Final = frozenset({SETOPTS})
_CS: Final = frozenset({CONNECT, SETOPTS})
_LS: Final = frozenset({LISTEN, SETOPTS})
_NONE: Final[frozenset[str]] = frozenset()

Kind = Literal["port", "socket", "open"]


@dataclass(frozen=True)
class Option:
    """One row of the option table.

    ``kind``: ``"port"`` options live in the port (``port_opts``), ``"socket"``
    options in the kernel (set with setsockopt, read with getsockopt), ``"open"``
    options only shape how the socket is opened (bind address, backlog, fd...).
    ``ops``: where Erlang/OTP 25 accepts the option (``connect``, ``listen``,
    ``setopts``); an accepted socket inherits every port option of its listen
    socket (``inherit``) and the kernel copies the socket options.
    ``readable``: whether `inet:getopts/2` returns it on inet (else einval).
    ``default``: the inet backend's value on a fresh socket; None when the kernel
    holds it. ``sockopt``: ``(level, optname)`` on Linux.
    """

    name: str
    kind: Kind
    check: Callable[[Any], Any]
    default: Any
    ops: frozenset[str]
    readable: bool
    sockopt: tuple[int, int] | None = None
    inherit: bool = False
    note: str = ""


_SOL = socket.SOL_SOCKET
_TCP = socket.IPPROTO_TCP
_IP = socket.IPPROTO_IP
_IP6 = socket.IPPROTO_IPV6

OPTIONS: Final[dict[str, Option]] = {
    o.name: o
    for o in (
        # -- port options (inet_drv state) --------------------------------------
        Option("active", "port", _active, True, _ALL, True, inherit=True),
        Option("mode", "port", _enum("list", "binary"), Atom("list"), _ALL, True, inherit=True),
        Option("packet", "port", _packet, 0, _ALL, True, inherit=True),
        Option("packet_size", "port", _uint, 0, _ALL, True, inherit=True),
        Option("header", "port", _uint, 0, _ALL, True, inherit=True),
        Option(
            "line_delimiter", "port", _int, 10, _CS, False, inherit=True,
            note="listen refuses it (badarg); getopts on inet gives einval, even once set",
        ),
        Option("buffer", "port", _int, 1460, _ALL, True, inherit=True),
        Option("deliver", "port", _enum("port", "term"), Atom("term"), _ALL, True, inherit=True),
        Option("exit_on_close", "port", check_bool, True, _ALL, True, inherit=True),
        Option("send_timeout", "port", _time, Atom("infinity"), _ALL, True, inherit=True),
        Option("send_timeout_close", "port", check_bool, False, _ALL, True, inherit=True),
        Option("show_econnreset", "port", check_bool, False, _ALL, True, inherit=True),
        Option("delay_send", "port", check_bool, False, _ALL, True, inherit=True),
        Option("high_watermark", "port", _int, 8192, _ALL, True, inherit=True),
        Option("low_watermark", "port", _int, 4096, _ALL, True, inherit=True),
        Option("high_msgq_watermark", "port", _int, 8192, _ALL, True, inherit=True),
        Option("low_msgq_watermark", "port", _int, 4096, _ALL, True, inherit=True),
        Option("debug", "port", check_bool, False, _ALL, True, inherit=True),
        # -- socket options (kernel state) ---------------------------------------
        Option("nodelay", "socket", check_bool, False, _ALL, True, (_TCP, socket.TCP_NODELAY)),
        Option("keepalive", "socket", check_bool, False, _ALL, True, (_SOL, socket.SO_KEEPALIVE)),
        Option("reuseaddr", "socket", check_bool, False, _ALL, True, (_SOL, socket.SO_REUSEADDR)),
        Option("linger", "socket", _linger, (False, 0), _ALL, True, (_SOL, socket.SO_LINGER)),
        Option("recbuf", "socket", _int, None, _ALL, True, (_SOL, socket.SO_RCVBUF)),
        Option("sndbuf", "socket", _int, None, _ALL, True, (_SOL, socket.SO_SNDBUF)),
        Option("priority", "socket", _int, 0, _ALL, True, (_SOL, _SO_PRIORITY)),
        Option("tos", "socket", _int, 0, _ALL, True, (_IP, socket.IP_TOS)),
        Option("ttl", "socket", _int, None, _ALL, True, (_IP, socket.IP_TTL)),
        Option("tclass", "socket", _int, 0, _ALL, True, (_IP6, _IPV6_TCLASS)),
        Option("recvtos", "socket", check_bool, False, _ALL, True, (_IP, _IP_RECVTOS)),
        Option("recvttl", "socket", check_bool, False, _ALL, True, (_IP, _IP_RECVTTL)),
        Option("recvtclass", "socket", check_bool, False, _ALL, True, (_IP6, _IPV6_RECVTCLASS)),
        Option(
            "ipv6_v6only", "socket", check_bool, None, _LS, True, (_IP6, socket.IPV6_V6ONLY),
            note="connect refuses it (badarg); left out of getopts on IPv4",
        ),
        Option(
            "bind_to_device", "socket", _binary, None, _ALL, True, (_SOL, _SO_BINDTODEVICE)
        ),
        Option(
            "dontroute", "socket", check_bool, False, _S, True, (_SOL, socket.SO_DONTROUTE),
            note="manual lists it; OTP 25 connect/listen refuse it, setopts takes it",
        ),
        Option("broadcast", "socket", check_bool, False, _S, True, (_SOL, socket.SO_BROADCAST)),
        Option("nopush", "socket", check_bool, False, _S, True, (_TCP, _TCP_CORK)),
        Option("raw", "socket", _raw, None, _ALL, True, note="{raw,Level,Opt,Bin}"),
        # -- in the newer manual, refused by OTP 25 everywhere --------------------
        Option(
            "reuseport", "socket", check_bool, False, _NONE, False, (_SOL, _SO_REUSEPORT),
            note="OTP 26+; OTP 25: badarg at open, einval in setopts/getopts",
        ),
        Option(
            "reuseport_lb", "socket", check_bool, False, _NONE, False, (_SOL, _SO_REUSEPORT),
            note="OTP 26+ (SO_REUSEPORT on Linux); refused by OTP 25",
        ),
        Option(
            "exclusiveaddruse", "socket", check_bool, False, _NONE, False,
            note="Windows only; refused by OTP 25 on Linux",
        ),
        # -- open-time options -----------------------------------------------------
        Option("ip", "open", _any, None, _CL, False),
        Option("ifaddr", "open", _any, None, _CL, False),
        Option("port", "open", _any, 0, _CL, False),
        Option("fd", "open", _any, None, _CL, False),
        Option("backlog", "open", _any, 5, _L, False),
        Option(
            "netns", "open", check_netns, None, _ALL, True,
            note="getopts: the path (a string) the socket was opened with, else left "
            "out; setopts only stores a new path (erl), the socket does not move",
        ),
        Option("tcp_module", "open", _any, None, _CL, False),
        Option("inet_backend", "open", _any, Atom("inet"), _CL, False, note="first only"),
    )
}
"""Every option, by canonical name."""

PORT_DEFAULTS: Final[dict[str, Any]] = {
    name: opt.default for name, opt in OPTIONS.items() if opt.kind == "port"
}
"""The port options of a fresh inet socket, listening or connected, as `inet:getopts/2`
reads them (erl: active true, packet 0, mode list, buffer 1460, high_watermark 8192,
low_watermark 4096...)."""

# Keys of a port's options dict that are no options ("$" keys; an accepted socket
# inherits none of them):
BUFFER_SET_KEY: Final = "$buffer_set"  # buffer was given explicitly on this socket
NETNS_KEY: Final = "$netns"  # the {netns, Path} this socket was opened with


def default_port_opts() -> dict[str, Any]:
    """A fresh copy of `PORT_DEFAULTS`."""
    return dict(PORT_DEFAULTS)

