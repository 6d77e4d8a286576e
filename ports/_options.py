"""The option table of a TCP port, and everything that reads it.

One table (`OPTIONS`) lists every option of the gen_tcp manual's ``option()``,
``connect_option()`` and ``listen_option()`` types plus the extra names `inet:setopts/2`
takes: its validator, its inet-backend default, which operations accept it, whether
`inet:getopts/2` can read it, and the Linux socket option it maps to. The functions
below are the only readers of that table:

* `parse_open_options` - the options of `gen_tcp:connect/3,4` and `gen_tcp:listen/2`
  (`inet:connect_options/2`, `inet:listen_options/2`, `inet:tcp_module/2`);
* `parse_setopts` + `apply_setopts` (or `setopts`) - `inet:setopts/2`;
* `getopts` - `inet:getopts/2`;
* `apply_sockopts` - push OS-level options onto a `socket.socket`;
* `add_active`, `set_watermark`, `accept_port_opts` - the driver's small rules.

Everything follows Erlang/OTP 25's ``inet`` backend (``inet_drv``), checked with
``erl``. Two of its habits matter everywhere:

* an option list is applied **last option first** (prim_inet builds the driver's
  buffer back to front), so ``setopts(S, [{active,3},{active,2}])`` adds both, while
  ``[{high_watermark,1000},{low_watermark,2000}]`` ends at 1000/1000;
* validation is atomic (a badly typed value rejects the whole list), application is
  not: the driver stops at the first option it refuses, keeping what it already set.

Sans-IO apart from synchronous ``setsockopt``/``getsockopt`` calls on a socket the
caller passes in: no asyncio, no actors runtime.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field
from typing import Any, Callable, Final, Literal, Union

from actors import Atom, Badarg, ErlangError

from ._address import parse_bind_address, translate_bind

__all__ = [
    "Option",
    "OPTIONS",
    "PORT_DEFAULTS",
    "OpenOptions",
    "SockOpt",
    "Change",
    "SetoptsResult",
    "ActiveResult",
    "parse_open_options",
    "parse_setopts",
    "apply_setopts",
    "setopts",
    "getopts",
    "apply_sockopts",
    "add_active",
    "set_watermark",
    "accept_port_opts",
    "default_port_opts",
    "ACTIVE_MIN",
    "ACTIVE_MAX",
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

_ERROR: Final = Atom("error")
_OK: Final = Atom("ok")
_EINVAL: Final = Atom("einval")

SockOpt = tuple[int, int, Union[int, bytes]]
"""``(level, optname, value)`` for `socket.setsockopt`; value an int or packed bytes."""

Change = tuple[str, Any]
"""A validated option: ``(canonical_name, normalised_value)``.

For raw options the value is ``(level, optname, bytes)``.
"""


class _Invalid(Exception):
    """A value the option's validator refuses (Erlang: prim_inet type check fails)."""


# ---------------------------------------------------------------------------
# Validators: each returns the normalised value or raises _Invalid.  They mirror
# prim_inet:type_value/3 (bool, int, uint, time, enum, binary).


def _bool(v: Any) -> bool:
    if v is True or v is False:
        return bool(v)
    raise _Invalid


def _int(v: Any) -> int:
    # Erlang's int is any integer, sent to the driver as 32 bits: wrap as C would.
    if type(v) is int:
        return ((v + 2**31) % 2**32) - 2**31
    raise _Invalid


def _uint(v: Any) -> int:
    # Sent as 32 bits and read back unsigned (erl: packet_size and header 2^40 read
    # back 0, 2^32+7 reads back 7).
    if type(v) is int and v >= 0:
        return v & 0xFFFFFFFF
    raise _Invalid


def _time(v: Any) -> Any:
    # Sent as a signed 32-bit int with infinity as -1, read back the same way (erl:
    # send_timeout 2^32-1 reads back infinity, 2^32-2 reads -2, 2^31 reads -2^31).
    if isinstance(v, str) and v == "infinity":
        return Atom("infinity")
    if type(v) is int and v >= 0:
        v = ((v + 2**31) % 2**32) - 2**31
        return Atom("infinity") if v == -1 else v
    raise _Invalid


def _binary(v: Any) -> bytes:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    raise _Invalid


def _enum(*names: str) -> Callable[[Any], Atom]:
    def check(v: Any) -> Atom:
        if isinstance(v, str) and v in names:
            return Atom(v)
        raise _Invalid

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
    raise _Invalid


_PACKETS: Final[dict[Any, Any]] = {
    0: 0,
    1: 1,
    2: 2,
    4: 4,
    "raw": 0,  # inet reads {packet,raw} back as {packet,0} (item 131)
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
        raise _Invalid
    try:
        return _PACKETS[v]
    except KeyError:
        raise _Invalid from None


def _linger(v: Any) -> tuple[bool, int]:
    if type(v) is tuple and len(v) == 2:
        return (_bool(v[0]), _int(v[1]))
    raise _Invalid


def _raw(v: Any) -> tuple[int, int, bytes]:
    if type(v) is tuple and len(v) == 3 and type(v[0]) is int and type(v[1]) is int:
        return (v[0], v[1], _binary(v[2]))
    raise _Invalid


def _netns(v: Any) -> bytes:
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
            note="listen refuses it (badarg); getopts on inet gives einval (item 10)",
        ),
        Option("buffer", "port", _int, 1460, _ALL, True, inherit=True),
        Option("deliver", "port", _enum("port", "term"), Atom("term"), _ALL, True, inherit=True),
        Option("exit_on_close", "port", _bool, True, _ALL, True, inherit=True),
        Option("send_timeout", "port", _time, Atom("infinity"), _ALL, True, inherit=True),
        Option("send_timeout_close", "port", _bool, False, _ALL, True, inherit=True),
        Option("show_econnreset", "port", _bool, False, _ALL, True, inherit=True),
        Option("delay_send", "port", _bool, False, _ALL, True, inherit=True),
        Option("high_watermark", "port", _int, 8192, _ALL, True, inherit=True),
        Option("low_watermark", "port", _int, 4096, _ALL, True, inherit=True),
        Option("high_msgq_watermark", "port", _int, 8192, _ALL, True, inherit=True),
        Option("low_msgq_watermark", "port", _int, 4096, _ALL, True, inherit=True),
        Option("debug", "port", _bool, False, _ALL, True, inherit=True),
        # -- socket options (kernel state) ---------------------------------------
        Option("nodelay", "socket", _bool, False, _ALL, True, (_TCP, socket.TCP_NODELAY)),
        Option("keepalive", "socket", _bool, False, _ALL, True, (_SOL, socket.SO_KEEPALIVE)),
        Option("reuseaddr", "socket", _bool, False, _ALL, True, (_SOL, socket.SO_REUSEADDR)),
        Option("linger", "socket", _linger, (False, 0), _ALL, True, (_SOL, socket.SO_LINGER)),
        Option("recbuf", "socket", _int, None, _ALL, True, (_SOL, socket.SO_RCVBUF)),
        Option("sndbuf", "socket", _int, None, _ALL, True, (_SOL, socket.SO_SNDBUF)),
        Option("priority", "socket", _int, 0, _ALL, True, (_SOL, _SO_PRIORITY)),
        Option("tos", "socket", _int, 0, _ALL, True, (_IP, socket.IP_TOS)),
        Option("ttl", "socket", _int, None, _ALL, True, (_IP, socket.IP_TTL)),
        Option("tclass", "socket", _int, 0, _ALL, True, (_IP6, _IPV6_TCLASS)),
        Option("recvtos", "socket", _bool, False, _ALL, True, (_IP, _IP_RECVTOS)),
        Option("recvttl", "socket", _bool, False, _ALL, True, (_IP, _IP_RECVTTL)),
        Option("recvtclass", "socket", _bool, False, _ALL, True, (_IP6, _IPV6_RECVTCLASS)),
        Option(
            "ipv6_v6only", "socket", _bool, None, _LS, True, (_IP6, socket.IPV6_V6ONLY),
            note="connect refuses it (badarg); left out of getopts on IPv4",
        ),
        Option(
            "bind_to_device", "socket", _binary, None, _ALL, True, (_SOL, _SO_BINDTODEVICE)
        ),
        Option(
            "dontroute", "socket", _bool, False, _S, True, (_SOL, socket.SO_DONTROUTE),
            note="manual lists it; OTP 25 connect/listen refuse it, setopts takes it",
        ),
        Option("broadcast", "socket", _bool, False, _S, True, (_SOL, socket.SO_BROADCAST)),
        Option("nopush", "socket", _bool, False, _S, True, (_TCP, _TCP_CORK)),
        Option("raw", "socket", _raw, None, _ALL, True, note="{raw,Level,Opt,Bin}"),
        # -- in the newer manual, refused by OTP 25 everywhere --------------------
        Option(
            "reuseport", "socket", _bool, False, _NONE, False, (_SOL, _SO_REUSEPORT),
            note="OTP 26+; OTP 25: badarg at open, einval in setopts/getopts",
        ),
        Option(
            "reuseport_lb", "socket", _bool, False, _NONE, False, (_SOL, _SO_REUSEPORT),
            note="OTP 26+ (SO_REUSEPORT on Linux); refused by OTP 25",
        ),
        Option(
            "exclusiveaddruse", "socket", _bool, False, _NONE, False,
            note="Windows only; refused by OTP 25 on Linux",
        ),
        # -- open-time options -----------------------------------------------------
        Option("ip", "open", _any, None, _CL, False),
        Option("ifaddr", "open", _any, None, _CL, False),
        Option("port", "open", _any, 0, _CL, False),
        Option("fd", "open", _any, None, _CL, False),
        Option("backlog", "open", _any, 5, _L, False),
        Option(
            "netns", "open", _netns, None, _ALL, True,
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
"""The port options of a fresh inet socket (CONFORMANCE items 9 and 40)."""

_BUFFER_SET: Final = "$buffer_set"  # private: buffer was given explicitly on this socket
_NETNS: Final = "$netns"  # private: the {netns, Path} of this socket (not inherited by accept)

_OPEN_NAMES: Final = {
    CONNECT: frozenset(n for n, o in OPTIONS.items() if CONNECT in o.ops),
    LISTEN: frozenset(n for n, o in OPTIONS.items() if LISTEN in o.ops),
}


def default_port_opts() -> dict[str, Any]:
    """A fresh copy of `PORT_DEFAULTS`."""
    return dict(PORT_DEFAULTS)


def accept_port_opts(listen_port_opts: dict[str, Any]) -> dict[str, Any]:
    """The port options of a socket accepted from a listen socket with these options.

    The accepted socket inherits every port option (items 25, 145, 152), the active
    count included; whether ``buffer`` was set explicitly is not inherited (erl: a
    listen socket with ``{buffer,100}``, then ``setopts(A, [{recbuf,20000}])`` on
    the accepted socket gives ``buffer 20000``).
    """
    return {k: v for k, v in listen_port_opts.items() if not k.startswith("$")}


# ---------------------------------------------------------------------------
# The driver's rules.


@dataclass(frozen=True)
class ActiveResult:
    """What `add_active` decided: the new ``active`` value, and whether the port
    must now send ``{tcp_passive, S}`` to its owner."""

    active: Any
    tcp_passive: bool


def add_active(current: Any, value: Any) -> ActiveResult | None:
    """Apply ``{active, value}`` to a port whose active mode is ``current``.

    Emulates inet_drv: ``true``/``false``/``once`` replace the mode (no message,
    item 75); an integer N is added to the count when the port is in ``{active,N}``
    mode, else it starts a count at N (items 70, 75). A count above 32767 is refused:
    None, meaning ``{error, einval}`` with the mode unchanged (item 73). A count of 0
    or below turns the port passive (``False``) and asks for ``tcp_passive``
    (items 71, 72).
    """
    if not (type(value) is int):
        return ActiveResult(value, False)
    base = current if type(current) is int else 0
    new = base + value
    if new > ACTIVE_MAX:
        return None
    if new <= 0:
        return ActiveResult(False, True)
    return ActiveResult(new, False)


def set_watermark(port_opts: dict[str, Any], name: str, value: int) -> bool:
    """Set one of the four watermarks in ``port_opts`` as inet_drv does (item 155).

    Port-queue marks: a negative value becomes 0; raising ``low_watermark`` above
    ``high_watermark`` raises high to it; lowering ``high_watermark`` below low
    lowers low to it. Message-queue marks clamp the same way but refuse 0 and -1
    (returns False: einval); any other negative (the 32-bit value wrapped, e.g. 2^31)
    is taken as the largest size and reads back 2147483647 (erl, checked). Returns
    True when set.
    """
    if name.endswith("msgq_watermark"):
        if value in (0, -1):
            return False
        if value < 0:
            value = 2**31 - 1
        high, low = "high_msgq_watermark", "low_msgq_watermark"
    else:
        value = max(value, 0)
        high, low = "high_watermark", "low_watermark"
    if name == high:
        if port_opts[low] > value:
            port_opts[low] = value
    elif port_opts[high] < value:
        port_opts[high] = value
    port_opts[name] = value
    return True


def _apply_port_change(port_opts: dict[str, Any], name: str, value: Any) -> Any:
    """Apply one validated port option in place. Returns None on success, the
    reason atom when the driver refuses it, or ``"tcp_passive"`` when the active
    count reached 0."""
    if name == "active":
        result = add_active(port_opts["active"], value)
        if result is None:
            return _EINVAL
        port_opts["active"] = result.active
        return Atom("tcp_passive") if result.tcp_passive else None
    if name.endswith("watermark"):
        return None if set_watermark(port_opts, name, value) else _EINVAL
    if name == "buffer":
        # inet_drv: at least 1 byte; the value is 32-bit.
        port_opts["buffer"] = max(value, 1)
        port_opts[_BUFFER_SET] = True
        return None
    if name == "line_delimiter":
        port_opts[name] = value & 0xFF
        return None
    port_opts[name] = value
    return None


def _recbuf_sets_buffer(port_opts: dict[str, Any], value: int) -> None:
    # inet_drv keeps buffer >= recbuf unless buffer was set explicitly on this
    # socket (item 154; erl: recbuf smaller than buffer leaves buffer alone, and a
    # recbuf set after an explicit buffer, in any call, leaves it alone too).
    if not port_opts.get(_BUFFER_SET) and value > port_opts["buffer"]:
        port_opts["buffer"] = value


# ---------------------------------------------------------------------------
# Socket options.


def encode_sockopt(name: str, value: Any) -> SockOpt:
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
    {
        (_SOL, _SO_PRIORITY),
        (_IP, socket.IP_TOS),
        (_IP, socket.IP_TTL),
        (_IP, _IP_RECVTOS),
        (_IP, _IP_RECVTTL),
        (_IP6, _IPV6_TCLASS),
        (_IP6, _IPV6_RECVTCLASS),
        (_IP6, socket.IPV6_V6ONLY),
        (_SOL, _SO_BINDTODEVICE),
    }
)


def _setsockopt_keeping_prio_tos(sock: socket.socket, level: int, optname: int, value: Any) -> None:
    """``setsockopt`` as inet_drv's ``setopt_prio_tos_trick``: Linux resets
    SO_PRIORITY when IP_TOS is set (tos 16 makes priority 6), so the driver saves
    priority and tos first and puts them back after any other option (only priority
    after tos; nothing after priority). erl: ``[{tos,16},{priority,3}]`` reads back
    ``{priority,3}`` whatever the order."""
    try:
        prio = sock.getsockopt(_SOL, _SO_PRIORITY)
        tos = sock.getsockopt(_IP, socket.IP_TOS)
    except OSError:
        sock.setsockopt(level, optname, value)
        return
    sock.setsockopt(level, optname, value)
    if (level, optname) == (_SOL, _SO_PRIORITY):
        return
    if (level, optname) != (_IP, socket.IP_TOS):
        try:
            sock.setsockopt(_IP, socket.IP_TOS, tos)
        except OSError:
            pass
    sock.setsockopt(_SOL, _SO_PRIORITY, prio)


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


def _read_sockopt(sock: socket.socket, name: str) -> Any:
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
    if OPTIONS[name].check is _bool:
        return value != 0
    return value


# ---------------------------------------------------------------------------
# Open options.


@dataclass
class OpenOptions:
    """The options of `gen_tcp:connect/3,4` or `gen_tcp:listen/2`, sorted out.

    ``sockopts`` are to be applied (with `apply_sockopts`) to the new socket before
    it is bound, in this order; ``port_opts`` are the port's initial options. When
    ``tcp_passive`` is set the options left the port passive with ``{active, N<=0}``
    and the port must send ``{tcp_passive, S}`` as soon as it exists (item 84).
    ``ip`` is the bind address as a tuple (``any``/``loopback`` already translated
    for the family) or ``{local, Path}`` as ``("local", bytes)``, or None.
    ``error`` is set when the inet driver would refuse the options after opening
    (a message-queue watermark below 1): listen returns ``("error", error)``,
    connect raises ``exit:badarg`` (gen_tcp turns any einval of connect into it).
    """

    op: str
    backend: str = "inet"
    family: str = "inet"
    explicit_family: bool = False
    ip: Any = None
    port: int = 0
    fd: int | None = None
    backlog: int = 5
    netns: bytes | None = None
    bind_to_device: bytes | None = None
    tcp_module: str | None = None
    sockopts: list[SockOpt] = field(default_factory=list)
    port_opts: dict[str, Any] = field(default_factory=default_port_opts)
    tcp_passive: bool = False
    error: Atom | None = None


_FAMILY_MODULES: Final = {"inet": "inet_tcp", "inet6": "inet6_tcp", "local": "local_tcp"}
_MODULE_FAMILIES: Final = {v: k for k, v in _FAMILY_MODULES.items()}


def _badarg() -> Badarg:
    return Badarg(kind="exit")


def _not_a_list(opts: Any, op: str) -> ErlangError:
    if op == CONNECT:
        # The connect path runs inet:mod/6 inside a catch and exits with its reason.
        return ErlangError(
            (Atom("function_clause"), (Atom("inet"), Atom("mod"), 6)), "exit"
        )
    return ErlangError(Atom("function_clause"), "error")


def _select_module(opts: list[Any]) -> tuple[str | None, str | None, list[Any]]:
    """`inet:tcp_module/2`: the first ``{tcp_module, M}`` or family atom decides the
    module; family atoms and tcp_module options are removed from the list.
    Returns ``(explicit_family, tcp_module, rest)``."""
    chosen: str | None = None
    module: str | None = None
    rest: list[Any] = []
    for opt in opts:
        if type(opt) is tuple and len(opt) == 2 and opt[0] == "tcp_module":
            if chosen is None and module is None:
                module = str(opt[1])
                chosen = _MODULE_FAMILIES.get(module)
                if chosen is None:
                    chosen = "?"
            continue
        if isinstance(opt, str) and opt in _FAMILY_MODULES:
            if chosen is None:
                chosen = str(opt)
            continue
        rest.append(opt)
    return (chosen, module, rest)


def _implied_family(address: Any) -> str:
    """The family an address implies when no option names one (`inet:mod/6`)."""
    if type(address) is tuple and len(address) == 2 and address[0] == "local":
        return "local"
    if type(address) is tuple and len(address) == 8:
        return "inet6"
    if isinstance(address, dict) and address.get("family") == "inet6":
        return "inet6"
    return "inet"


def parse_open_options(opts: Any, op: str, target: Any = None) -> OpenOptions:
    """Sort out the options of `gen_tcp:connect/3,4` (``op="connect"``) or
    `gen_tcp:listen/2` (``op="listen"``) as OTP 25's inet backend does.

    ``target`` is the connect address (it implies a family, as in
    `inet:tcp_module/2`); leave it None for listen.

    Raises:

    * ``ErlangError("function_clause", "error")`` for a non-list (listen) or
      ``exit:{function_clause,{inet,mod,6}}`` (connect) (items 6, 35);
    * ``ErlangError("function_clause", "error")`` for ``{inet_backend, X}`` with X
      neither ``inet`` nor ``socket``;
    * ``Badarg(kind="exit")`` for an unknown option, a bad value, an option the
      operation does not take (``{backlog,5}`` in connect), ``{inet_backend,_}``
      anywhere but first, a bind address that does not fit the family or a string
      ip (items 2, 6, 7, 35);
    * ``ErlangError("function_clause", "error")`` for a non-integer backlog (listen).

    Deviation: ``{fd, X}`` must be a non-negative integer (OTP 25 ignores bad ones);
    ``{tcp_module, M}`` takes only inet_tcp, inet6_tcp and local_tcp (others would
    fail with undef at first use in Erlang; here badarg).
    """
    if not isinstance(opts, list):
        raise _not_a_list(opts, op)
    out = OpenOptions(op=op)
    rest = list(opts)
    if rest and type(rest[0]) is tuple and len(rest[0]) == 2 and rest[0][0] == "inet_backend":
        backend = rest[0][1]
        if not (isinstance(backend, str) and backend in ("inet", "socket")):
            raise ErlangError(Atom("function_clause"), "error")
        out.backend = str(backend)
        rest = rest[1:]

    explicit, module, rest = _select_module(rest)
    if explicit == "?":
        raise _badarg()
    out.tcp_module = module

    allowed = _OPEN_NAMES[op]
    ifaddr: Any = None
    ifaddr_map: dict[str, Any] | None = None
    port: Any = 0
    # (name, value) in the order inet keeps them: duplicates keep the last value at
    # the last position (lists:keydelete + prepend), raw options all kept.
    kept: list[Change] = []
    implied_from: Any = target

    def keep(name: str, value: Any) -> None:
        if name != "raw":
            for i, (n, _) in enumerate(kept):
                if n == name:
                    del kept[i]
                    break
        kept.append((name, value))

    for opt in rest:
        if isinstance(opt, str) and opt in ("binary", "list"):
            keep("mode", Atom(opt))
            continue
        if type(opt) is tuple and len(opt) == 4 and opt[0] == "raw":
            opt = ("raw", (opt[1], opt[2], opt[3]))
        if not (type(opt) is tuple and len(opt) == 2 and isinstance(opt[0], str)):
            raise _badarg()
        name, value = str(opt[0]), opt[1]
        if name == "ifaddr":
            implied_from = value
            if isinstance(value, dict):
                ifaddr_map = dict(value)
                ifaddr = None
            else:
                ifaddr, ifaddr_map = value, None
            continue
        if name == "ip":
            implied_from = value
            if ifaddr_map is not None:
                ifaddr_map["addr"] = value
            else:
                ifaddr = value
            continue
        if name == "port":
            if ifaddr_map is not None:
                ifaddr_map["port"] = value
            else:
                port = value
            continue
        if name == "fd":
            if type(value) is not int or value < 0:
                raise _badarg()
            out.fd = value
            continue
        if name == "backlog" and op == LISTEN:
            if type(value) is not int:
                # prim_inet:listen/2 has no clause for it.
                raise ErlangError(Atom("function_clause"), "error")
            out.backlog = value
            continue
        if name == "netns":
            try:
                out.netns = _netns(value)
            except _Invalid:
                raise _badarg() from None
            continue
        if name == "active" and type(value) is int and ACTIVE_MIN <= value <= ACTIVE_MAX:
            keep("active", value)
            continue
        spec = OPTIONS.get(name)
        if spec is None or name not in allowed or spec.kind == "open":
            raise _badarg()
        try:
            normalised = spec.check(value)
        except _Invalid:
            raise _badarg() from None
        keep(name, normalised)

    # The family: an explicit atom or tcp_module, else implied by the last
    # ip/ifaddr option or by the connect target.
    family = explicit or _implied_family(implied_from)
    out.family = family
    out.explicit_family = explicit is not None

    # inet_tcp / inet6_tcp / local_tcp check the bind address and port.
    if ifaddr_map is not None and op == CONNECT:
        # OTP 25: a sockaddr map as the bind address of connect ends in exit:badarg.
        raise _badarg()
    if ifaddr_map is not None:
        fam_ok = ifaddr_map.get("family") == family
        addr = translate_bind(ifaddr_map.get("addr", "any"), family)
        port = ifaddr_map.get("port", 0)
        ifaddr = addr if fam_ok else object()
    if type(port) is not int or not 0 <= port <= 65535:
        raise _badarg()
    out.port = port
    if ifaddr is not None:
        parsed = parse_bind_address(ifaddr)
        if parsed is None:
            raise _badarg()
        bind_family, bind_value = parsed
        if bind_family is None:
            bind_value = translate_bind(bind_value, family)
            bind_family = "inet6" if family == "inet6" else "inet"
        if bind_family != family:
            raise _badarg()
        out.ip = (Atom("local"), bind_value) if bind_family == "local" else bind_value

    # Apply the kept options last first, as the driver does.
    port_opts = default_port_opts()
    for name, value in reversed(kept):
        spec = OPTIONS[name]
        if spec.kind == "port":
            outcome = _apply_port_change(port_opts, name, value)
            if outcome == "tcp_passive":
                out.tcp_passive = True
            elif outcome is not None and out.error is None:
                out.error = outcome
        else:
            if name == "recbuf":
                _recbuf_sets_buffer(port_opts, value)
            if name == "bind_to_device":
                out.bind_to_device = value
            out.sockopts.append(encode_sockopt(name, value))
    if out.error is not None and op == CONNECT:
        raise _badarg()
    if out.netns is not None:
        port_opts[_NETNS] = out.netns
    out.port_opts = port_opts
    return out


# ---------------------------------------------------------------------------
# setopts


def parse_setopts(opts: Any, is_listen: bool = False) -> list[Change] | tuple[Atom, Atom]:
    """Validate the option list of `inet:setopts/2` as prim_inet does.

    Returns the validated changes **in the order the driver applies them** (the
    list's last option first), or ``("error", "einval")`` when any option is
    unknown, refused by setopts (``backlog``, ``ip``, ``port``, ``inet6``...) or
    badly typed; then nothing at all is applied (item 157). Values the type check
    lets through are accepted even when odd (``{linger,{true,-1}}``, ``{recbuf,-1}``,
    ``{buffer,-1}``, ``{high_watermark,-1}``, item 156); ``{active,N}`` needs N in
    -32768..32767.
    Raises ``ErlangError(("bad_generator", opts))`` when ``opts`` is not a list
    (item 156; Python has no improper lists).
    ``is_listen`` does not change validation on inet; it is accepted for symmetry.
    """
    if not isinstance(opts, list):
        raise ErlangError((Atom("bad_generator"), opts), "error")
    del is_listen
    changes: list[Change] = []
    einval = (_ERROR, _EINVAL)
    for opt in opts:
        if isinstance(opt, str) and opt in ("binary", "list"):
            changes.append(("mode", Atom(opt)))
            continue
        if type(opt) is tuple and len(opt) == 4 and opt[0] == "raw":
            opt = ("raw", (opt[1], opt[2], opt[3]))
        if not (type(opt) is tuple and len(opt) == 2 and isinstance(opt[0], str)):
            return einval
        name, value = str(opt[0]), opt[1]
        spec = OPTIONS.get(name)
        if spec is None or SETOPTS not in spec.ops:
            return einval
        try:
            changes.append((name, spec.check(value)))
        except _Invalid:
            return einval
    changes.reverse()
    return changes


@dataclass
class SetoptsResult:
    """The outcome of `apply_setopts`: ``result`` is ``"ok"`` or
    ``("error", Reason)``; ``port_opts`` the port's options afterwards (a new dict;
    on error it still holds the changes applied before the failing one, as inet
    keeps them); ``tcp_passive`` says the port must send ``{tcp_passive, S}``."""

    result: Any
    port_opts: dict[str, Any]
    tcp_passive: bool = False


def apply_setopts(
    port_opts: dict[str, Any], changes: list[Change], sock: socket.socket | None
) -> SetoptsResult:
    """Apply changes from `parse_setopts` to the port's options and to ``sock``.

    One by one in the given (driver) order, stopping at the first failure: an
    active count over 32767 or a message-queue watermark below 1 gives einval, a
    kernel refusal gives its reason (``{ttl,1000}`` -> einval). Setting ``recbuf``
    also raises ``buffer`` to the value unless ``buffer`` was set explicitly on this
    socket (item 154). With ``sock`` None, socket options fail with einval.
    """
    new = dict(port_opts)
    passive = False
    for name, value in changes:
        spec = OPTIONS[name]
        if name == "netns":
            new[_NETNS] = value  # inet_drv stores it; the socket stays where it is
            continue
        if spec.kind == "port":
            outcome = _apply_port_change(new, name, value)
            if outcome == "tcp_passive":
                passive = True
                continue
            if outcome is not None:
                return SetoptsResult((_ERROR, outcome), new, passive)
            continue
        if sock is None:
            return SetoptsResult((_ERROR, _EINVAL), new, passive)
        failure = apply_sockopts(sock, [encode_sockopt(name, value)])
        if failure is not None:
            return SetoptsResult((_ERROR, failure), new, passive)
        if name == "recbuf":
            _recbuf_sets_buffer(new, value)
    return SetoptsResult(_OK, new, passive)


def setopts(
    port_opts: dict[str, Any], opts: Any, sock: socket.socket | None, is_listen: bool = False
) -> SetoptsResult:
    """`inet:setopts/2` in one call: `parse_setopts` then `apply_setopts`."""
    changes = parse_setopts(opts, is_listen)
    if isinstance(changes, tuple):
        return SetoptsResult(changes, dict(port_opts))
    return apply_setopts(port_opts, changes, sock)


# ---------------------------------------------------------------------------
# getopts


def getopts(
    names: Any, port_opts: dict[str, Any], sock: socket.socket | None
) -> tuple[Atom, Any]:
    """Emulate `inet:getopts/2` on an inet socket.

    Returns ``("ok", [(name, value), ...])`` in the requested order (repeats
    repeated), with Erlang's shapes: ``("linger", (True, 5))``, ``("mode",
    binary)``, ``("raw", 6, 1, b"\\x01\\x00\\x00\\x00")`` for ``("raw", 6, 1, 4)``.
    ``recbuf``/``sndbuf`` and the other socket options come from the kernel
    (doubled buffer sizes, item 154). An option the OS does not have for this socket
    is left out (``ipv6_v6only`` or ``tclass`` on IPv4, ``nodelay`` on a local
    socket, a raw option that getsockopt refuses; item 11), as are socket options
    when ``sock`` is None.
    Returns ``("error", "einval")`` when any name is unknown or unreadable on inet
    (``line_delimiter``, ``backlog``, ``ip``, ``port``, ``binary``, ``list``; items
    10, 11, 13, 165) or a raw size is not a non-negative int or a binary.
    Raises ``ErlangError("function_clause")`` when ``names`` is not a list.
    """
    if not isinstance(names, list):
        raise ErlangError(Atom("function_clause"), "error")
    einval = (_ERROR, _EINVAL)
    # Validate everything first: one bad name fails the whole call.
    for item in names:
        if type(item) is tuple:
            if not (
                len(item) == 4
                and item[0] == "raw"
                and type(item[1]) is int
                and type(item[2]) is int
                and (
                    (type(item[3]) is int and item[3] >= 0)
                    or isinstance(item[3], (bytes, bytearray))
                )
            ):
                return einval
            continue
        if not isinstance(item, str):
            return einval
        spec = OPTIONS.get(item)
        if spec is None or not spec.readable or item == "raw":
            return einval
    out: list[Any] = []
    for item in names:
        if type(item) is tuple:
            if sock is None:
                continue
            _, level, optname, size_or_bin = item
            size = size_or_bin if type(size_or_bin) is int else len(size_or_bin)
            try:
                data = sock.getsockopt(level, optname, size) if size else b""
            except (OSError, OverflowError):
                continue
            out.append((Atom("raw"), level, optname, bytes(data)))
            continue
        spec = OPTIONS[item]
        if spec.kind == "port":
            out.append((Atom(item), port_opts.get(item, spec.default)))
            continue
        if item == "netns":
            path = port_opts.get(_NETNS)
            if path is not None:
                out.append((Atom(item), path.decode("latin-1")))  # a string, as erl
            continue
        if sock is None:
            continue
        try:
            value = _read_sockopt(sock, item)
        except OSError:
            continue
        out.append((Atom(item), value))
    return (_OK, out)
