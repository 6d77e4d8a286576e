"""The options of `gen_tcp:connect/3,4` and `gen_tcp:listen/2`, sorted out.

`parse_open_options` does what `inet:connect_options/2`, `inet:listen_options/2` and
`inet:tcp_module/2` do on OTP 25's inet backend: it picks the backend and the address
family, checks the bind address and port, validates every option against the table and
returns an `OpenOptions`: the socket options to set before binding and the port's
initial options. Pure apart from reading the table; no sockets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from actors import Atom, Badarg, ErlangError

from ._address import parse_bind_address, translate_bind
from ._option_table import (
    ACTIVE_MAX,
    ACTIVE_MIN,
    CONNECT,
    LISTEN,
    NETNS_KEY,
    OPTIONS,
    Change,
    Invalid,
    SockOpt,
    check_netns,
    default_port_opts,
)
from ._port_rules import apply_port_change, recbuf_sets_buffer
from ._sockopts import encode_sockopt

__all__ = ["OpenOptions", "parse_open_options"]

_OPEN_NAMES: Final = {
    CONNECT: frozenset(n for n, o in OPTIONS.items() if CONNECT in o.ops),
    LISTEN: frozenset(n for n, o in OPTIONS.items() if LISTEN in o.ops),
}


@dataclass
class OpenOptions:
    """The options of `gen_tcp:connect/3,4` or `gen_tcp:listen/2`, sorted out.

    ``sockopts`` are to be applied (with `apply_sockopts`) to the new socket before
    it is bound, in this order; ``port_opts`` are the port's initial options. When
    ``tcp_passive`` is set the options left the port passive with ``{active, N<=0}``
    and the port must send ``{tcp_passive, S}`` as soon as it exists (erl: listen with
    ``{active,0}`` sends ``tcp_passive`` at once).
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
      ``exit:{function_clause,{inet,mod,6}}`` (connect);
    * ``ErlangError("function_clause", "error")`` for ``{inet_backend, X}`` with X
      neither ``inet`` nor ``socket``;
    * ``Badarg(kind="exit")`` for an unknown option, a bad value, an option the
      operation does not take (``{backlog,5}`` in connect), ``{inet_backend,_}``
      anywhere but first, a bind address that does not fit the family or a string
      ip (``{ip,"127.0.0.1"}``);
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
                out.netns = check_netns(value)
            except Invalid:
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
        except Invalid:
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
            outcome = apply_port_change(port_opts, name, value)
            if outcome == "tcp_passive":
                out.tcp_passive = True
            elif outcome is not None and out.error is None:
                out.error = outcome
        else:
            if name == "recbuf":
                recbuf_sets_buffer(port_opts, value)
            if name == "bind_to_device":
                out.bind_to_device = value
            out.sockopts.append(encode_sockopt(name, value))
    if out.error is not None and op == CONNECT:
        raise _badarg()
    if out.netns is not None:
        port_opts[NETNS_KEY] = out.netns
    out.port_opts = port_opts
    return out

