"""``inet:setopts/2`` and ``inet:getopts/2`` on live ports, for both backends.

The option table and the driver's rules are in `ports._options`; this module applies
them to a port: the options are computed whole and handed to the port, which replaces
its own (``set_options``). The socket backend answers a few things differently (what
OTP 25's ``gen_tcp_socket`` does, checked with erl):

- setopts applies options first to last, keeping those before a refused one (inet
  validates the whole list first and applies last to first);
- values gen_tcp_socket does not check (``{mode, foo}``) are answered ``ok`` (here not
  stored); a socket option the kernel refuses gives ``{error, {invalid, {socket_option,
  {Level, Name}, Value}}}``; ``nodelay`` on a ``local`` socket ``{error, enotsup}``;
- ``{active, N}`` going to ``false`` sends ``{tcp_passive, S}``; ``recbuf`` leaves
  ``buffer`` alone; ``{packet, raw}`` reads back as ``raw``;
- getopts reads ``line_delimiter``; leaves out the high/msgq watermarks, ``backlog`` and
  ``ip``; ``port``, ``binary``, ``list`` and unknown names fail the whole call
  (``einval``); both calls answer ``einval`` once the end of the stream was reported.
"""

from __future__ import annotations

import socket
from typing import Any, Final

from actors.runtime import Atom, Badarg, ErlangError, current

from .atoms import E_EINVAL, E_ENOTSUP, ERROR, INVALID, OK, ONCE, RAW
from ._conn import TcpSocket
from ._state import DOWN, REPORTED
from ._listen import TcpListen
from ._port import Port
from ._options import OPTIONS, SETOPTS, apply_setopts, encode_sockopt, parse_setopts
from ._options import getopts as _getopts

__all__ = ["setopts", "setopts_here", "getopts", "socket_setopts", "socket_getopts"]

_STRS: Final = (str, Atom)
_ONCE: Final = ONCE  # (compiled, a module's own Final is a C static: no dict lookup)
_OK: Final = OK
_ACTIVE_STR: Final[Any] = "active"  # Any: compared by identity first (literals are interned)
_ONCE_STR: Final[Any] = "once"
_LEFT_OUT: Final = frozenset({"high_watermark", "high_msgq_watermark", "low_msgq_watermark", "backlog", "ip"})
_UNREADABLE: Final = frozenset({"port", "binary", "list"})
_UNCHECKED: Final = frozenset(
    {"send_timeout", "header", "deliver", "mode", "packet_size", "send_timeout_close",
     "show_econnreset", "delay_send", "exit_on_close", "high_watermark", "low_watermark",
     "high_msgq_watermark", "low_msgq_watermark"}
)
"""setopts values gen_tcp_socket takes without checking: answered ``ok``."""
_LEVEL_NAMES: Final = {
    socket.SOL_SOCKET: Atom("socket"),
    socket.IPPROTO_TCP: Atom("tcp"),
    socket.IPPROTO_IP: Atom("ip"),
    socket.IPPROTO_IPV6: Atom("ipv6"),
}
_OPT_NAMES: Final = {"recbuf": "rcvbuf", "sndbuf": "sndbuf", "tclass": "tclass"}


def _os_socket(p: TcpSocket | TcpListen) -> socket.socket | None:
    """The port's OS socket, or None when its connection is gone."""
    if isinstance(p, TcpSocket):
        return None if p.cstate is DOWN else p.io.sock
    return p.sock


def _sockopts_of(changes: list[Any]) -> list[Any]:
    """The OS-level options among validated `changes`, for later accepts."""
    return [encode_sockopt(name, value) for name, value in changes if OPTIONS[name].kind == "socket"]


def setopts_here(s: Any, options: Any) -> Any:
    """``inet:setopts/2`` on the socket term `s` when it is a live inet port of the
    calling process's node (`setopts`' answer), else None: the backend module answers.
    One compiled call for the interpreted ``gen_tcp.inet.setopts``, whose every
    ``{active, once}`` loop goes through here."""
    if type(s) is Port:
        p = s.actor
        if p is not None and p.node is current().node:
            if type(p) is TcpSocket and type(options) is list and len(options) == 1:
                opt = options[0]  # ("active", once): `setopts`' hot path, one call less
                if type(opt) is tuple and len(opt) == 2:
                    name = opt[0]
                    value = opt[1]
                    if (name is _ACTIVE_STR or name == "active") and (
                        value is _ONCE_STR or (type(value) in _STRS and value == "once")
                    ):
                        p.activate(_ONCE)
                        return _OK
            return setopts(p, options)  # type: ignore[arg-type]
    return None


def setopts(p: TcpSocket | TcpListen | None, options: Any) -> Any:
    """``inet:setopts/2`` on an inet port: ``ok`` or ``{error, Reason}``; a closed port
    (None) answers ``einval`` once the options passed the type check.

    A badly typed option rejects the whole list (nothing applied). ``{active, N}`` adds
    N to the socket's count; reaching 0 makes the socket passive and sends
    ``{tcp_passive, S}``. Data buffered while passive is delivered at once when the
    socket turns active, and a close seen meanwhile is reported after it.
    """
    if type(p) is TcpSocket and type(options) is list and len(options) == 1:
        # the hot path of every {active, once} loop: ("active", true | false | once)
        opt = options[0]
        if type(opt) is tuple and len(opt) == 2 and opt[0] == "active":
            value = opt[1]
            if value is True or value is False or (type(value) in _STRS and value == "once"):
                p.activate(_ONCE if value is not True and value is not False else value)
                return _OK
    changes = parse_setopts(options, isinstance(p, TcpListen))
    if p is None:
        return E_EINVAL
    if isinstance(changes, tuple):
        return changes
    outcome = apply_setopts(p.options(), changes, _os_socket(p))
    if isinstance(p, TcpListen):
        p.set_options(outcome.port_opts, _sockopts_of(list(reversed(changes))))
    else:
        p.set_options(outcome.port_opts)
    if outcome.tcp_passive:
        p.passive_event()
    return outcome.result


def getopts(p: TcpSocket | TcpListen, names: Any) -> Any:
    """``inet:getopts/2`` on an inet port: ``{ok, [{Name, Value}]}`` in the order asked,
    or ``{error, einval}`` if any name is unknown or unreadable."""
    return _getopts(names, p.options(), _os_socket(p))


def socket_getopts(p: TcpSocket | TcpListen, names: Any) -> Any:
    """``inet:getopts/2`` on a socket-backend port (see the module docstring)."""
    if not isinstance(names, list):
        raise ErlangError(Atom("function_clause"))
    if isinstance(p, TcpSocket) and p.rstate is REPORTED:
        return E_EINVAL
    for item in names:
        if isinstance(item, str) and (item in _UNREADABLE or (item not in OPTIONS)):
            return E_EINVAL
        if type(item) is not tuple and not isinstance(item, str):
            return E_EINVAL
    merged = p.options()
    sock = p.io.sock if isinstance(p, TcpSocket) else p.sock
    out: list[Any] = []
    for item in names:
        if isinstance(item, str):
            if item in _LEFT_OUT:
                continue
            if item == "line_delimiter":
                out.append((Atom(item), merged.get(item, 10)))
                continue
            if item == "nodelay" and p.family == "local":
                continue
        # Any, not tuple[Atom, Any]: mypyc compares two values typed Atom (a str subclass
        # it does not compile) by identity
        r: Any = _getopts([item], merged, sock)
        if r[0] != OK:
            return r
        out.extend(r[1])
    return (OK, out)


def _invalid_sockopt(name: str, value: Any) -> Any:
    spec = OPTIONS[name].sockopt
    level = _LEVEL_NAMES.get(spec[0], Atom("socket")) if spec is not None else Atom("socket")
    return (ERROR, (INVALID, (Atom("socket_option"), (level, Atom(_OPT_NAMES.get(name, name))), value)))


def socket_setopts(p: TcpSocket | TcpListen, options: Any) -> Any:
    """``inet:setopts/2`` on a socket-backend port: options first to last, stopping at
    the first refused one and keeping those before it (see the module docstring)."""
    if not isinstance(options, list):
        raise ErlangError((Atom("bad_generator"), options))
    is_conn = isinstance(p, TcpSocket)
    if is_conn and p.rstate is REPORTED:  # type: ignore[union-attr]
        return E_EINVAL
    opts = p.options()
    old_active = opts["active"]
    passive = False
    result: Any = OK
    sock = _os_socket(p)
    sockopts: list[Any] = []
    for opt in options:
        if not (isinstance(opt, tuple) or (isinstance(opt, str) and opt in ("binary", "list"))):
            raise Badarg(kind="exit")
        parsed = parse_setopts([opt])
        name = str(opt[0]) if isinstance(opt, tuple) and opt and isinstance(opt[0], str) else ""
        if isinstance(parsed, tuple):
            spec = OPTIONS.get(name)
            if spec is not None and SETOPTS in spec.ops:
                if spec.kind == "socket" and len(opt) == 2:
                    result = _invalid_sockopt(name, opt[1])
                    break
                if name in _UNCHECKED:
                    continue
            result = parsed
            break
        change = parsed[0]
        cname, value = change
        if cname == "buffer" and value < 0:
            result = (ERROR, (INVALID, (Atom("socket_option"), (Atom("otp"), Atom("rcvbuf")), value)))
            break
        if cname == "linger" and value[1] < 0:
            result = _invalid_sockopt("linger", {"linger": value[1], "onoff": value[0]})
            break
        if cname == "nodelay" and p.family == "local":
            result = E_ENOTSUP
            break
        buffer = opts.get("buffer")
        outcome = apply_setopts(opts, [change], sock)
        new = outcome.port_opts
        if cname == "recbuf":
            new["buffer"] = buffer  # the socket backend's buffer does not follow recbuf
        if cname == "packet":
            new["packet"] = RAW if opt[1] == "raw" else new["packet"]
        if outcome.tcp_passive:
            passive = True
        opts = new
        if outcome.result != OK:
            result = outcome.result
            break
        sockopts.extend(_sockopts_of([change]))
    new_active = opts.get("active", False)
    if type(old_active) is int and new_active is False:
        passive = True  # gen_tcp_socket: {active, N} -> false sends tcp_passive
    if isinstance(p, TcpListen):
        p.set_options(opts, sockopts)
    else:
        p.set_options(opts)
    if passive:
        p.passive_event()
    return result
