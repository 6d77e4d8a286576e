"""Addresses for connect and listen: Erlang address terms in, socket-module values out.

What `gen_tcp` checks before it opens a socket lives here, with the exact exception or
error Erlang/OTP 25's ``inet`` backend gives for each bad input:

* `parse_address` reads a connect target (an IP tuple, a host string or atom,
  ``{local, Path}``) and says whether it is a literal address or a name to resolve;
* `parse_sockaddr` reads the ``#{family, addr, port}`` map of `gen_tcp:connect/2,3`;
* `parse_port` checks a port number for connect or listen;
* `parse_bind_address` checks the ``{ip, A}`` / ``{ifaddr, A}`` option values;
* `resolve` / `resolve_all` look a name up (blocking: run them in an executor);
* `ip_to_tuple`, `tuple_to_ip`, `sockaddr_to_erlang` convert between the two worlds.

No asyncio, no actors runtime: only the term types of `actors` (atoms and the exceptions).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any, Final, Literal, Union

from actors import Atom, Badarg, ErlangError

from ._errors import reason_from_oserror

__all__ = [
    "IpTuple",
    "Target",
    "ErrorTuple",
    "is_ipv4_tuple",
    "is_ipv6_tuple",
    "ip_to_tuple",
    "tuple_to_ip",
    "parse_ip_string",
    "parse_address",
    "parse_sockaddr",
    "parse_port",
    "parse_bind_address",
    "translate_bind",
    "resolve",
    "resolve_all",
    "socket_backend_port_error",
    "sockaddr_to_erlang",
    "family_to_af",
]

IpTuple = tuple[int, ...]
"""An Erlang ip_address(): 4 ints 0..255 or 8 ints 0..65535."""

ErrorTuple = tuple[Atom, Atom]
"""``("error", Reason)``."""

Family = Literal["inet", "inet6", "local"]

_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEFxX.")


def _error(reason: str) -> ErrorTuple:
    return (Atom("error"), Atom(reason))


def _exit_function_clause(module: str, function: str, arity: int) -> ErlangError:
    """``exit:{function_clause, {M, F, A}}``: the stacktrace cut to its top frame.

    Erlang's real reason carries the whole stacktrace; this emulation keeps only its
    top frame, the part that says which clause failed.
    """
    return ErlangError(
        (Atom("function_clause"), (Atom(module), Atom(function), arity)), "exit"
    )


def is_ipv4_tuple(value: Any) -> bool:
    """True for ``{A,B,C,D}`` with every element an integer 0..255."""
    return (
        type(value) is tuple
        and len(value) == 4
        and all(type(x) is int and 0 <= x <= 255 for x in value)
    )


def is_ipv6_tuple(value: Any) -> bool:
    """True for ``{A,...,H}`` (8 elements) with every element an integer 0..65535."""
    return (
        type(value) is tuple
        and len(value) == 8
        and all(type(x) is int and 0 <= x <= 65535 for x in value)
    )


def tuple_to_ip(ip: IpTuple) -> str:
    """``(127,0,0,1)`` -> ``"127.0.0.1"``; an 8-tuple -> its compressed IPv6 text."""
    if len(ip) == 4:
        return ".".join(str(x) for x in ip)
    packed = b"".join(x.to_bytes(2, "big") for x in ip)
    return socket.inet_ntop(socket.AF_INET6, packed)


def ip_to_tuple(text: str) -> IpTuple:
    """``"127.0.0.1"`` -> ``(127,0,0,1)``; ``"::1"`` -> ``(0,0,0,0,0,0,0,1)``.

    Takes the strict textual forms that the socket module prints (dotted quad, or any
    IPv6 text ``inet_pton`` accepts, with a ``%scope`` suffix dropped). Raises
    `ValueError` on anything else.
    """
    if ":" in text:
        packed = socket.inet_pton(socket.AF_INET6, text.split("%", 1)[0])
        return tuple(int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2))
    try:
        packed = socket.inet_pton(socket.AF_INET, text)
    except OSError as exc:
        raise ValueError(f"not an IP address: {text!r}") from exc
    return tuple(packed)


def parse_ip_string(text: str, family: str) -> IpTuple | None:
    """Parse an IP literal as `inet_parse:ipv4_address/1` / `ipv6_address/1` would.

    IPv4 (``family == "inet"``) takes the classic ``inet_aton`` forms Erlang also takes
    (``"127.1"``, ``"0x7f.0.0.1"``). IPv6 takes any ``inet_pton`` form, including an
    embedded IPv4 tail (``"::ffff:127.0.0.1"``). Returns None when ``text`` is not a
    literal of that family (the caller then treats it as a host name).
    Deviation: scoped IPv6 literals (``"fe80::1%eth0"``) are not literals here; OTP 25
    answers ``nxdomain`` for ``"::1%lo"`` and so does `resolve`.
    """
    if family == "inet":
        if not text or not set(text) <= _HEX_DIGITS or text.endswith("."):
            return None
        try:
            return tuple(socket.inet_aton(text))
        except OSError:
            return None
    if family == "inet6":
        if "%" in text:
            return None
        try:
            packed = socket.inet_pton(socket.AF_INET6, text)
        except (OSError, ValueError):
            return None
        return tuple(int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2))
    return None


@dataclass(frozen=True)
class Target:
    """A connect target after the checks `inet:getaddrs_tm/3` makes.

    ``family`` is the address family to use; exactly one of ``ip`` (a literal),
    ``host`` (a name still to resolve with `resolve_all`) and ``path`` (a local
    socket's file name, bytes) is set.
    """

    family: Family
    ip: IpTuple | None = None
    host: str | None = None
    path: bytes | None = None

    def sockaddr(self, port: int) -> Any:
        """The address argument of `socket.connect` for a literal target."""
        if self.family == "local":
            assert self.path is not None
            return self.path
        assert self.ip is not None
        if self.family == "inet6":
            return (tuple_to_ip(self.ip), port, 0, 0)
        return (tuple_to_ip(self.ip), port)


def _local_path(value: Any) -> bytes | None:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return os.fsencode(value)
    if isinstance(value, list) and all(type(c) is int and 0 <= c <= 255 for c in value):
        return bytes(value)
    return None


def _visible(text: str) -> bool:
    # inet_parse:visible_string/1: a non-empty string of characters 33..126.
    return bool(text) and all("!" <= ch <= "~" for ch in text)


def parse_address(address: Any, family: str | None = None) -> Target | ErrorTuple:
    """Check a `gen_tcp:connect/3,4` address as OTP 25's inet backend does.

    ``family`` is the family the options chose (``"inet"``, ``"inet6"``, ``"local"``)
    or None when they named none; then an IPv6 tuple implies ``inet6`` and
    ``{local, Path}`` implies ``local`` (erl: an IPv6 tuple alone connects over IPv6).

    Returns a `Target`, or ``("error", "eafnosupport")`` when a literal does not match
    the chosen family (``connect({127,0,0,1}, P, [inet6])``).
    Raises ``Badarg(kind="exit")`` for what is not an address at all: ``{1,2,3}``,
    ``42``, ``{300,0,0,1}``, ``""``, ``''``, a binary, a string with characters
    outside 33..126. A string or atom that is not a literal of the family is a host
    name: ``"::1"`` without ``inet6`` resolves to nxdomain, and so does ``"."``; the
    atoms ``any`` and ``loopback`` are host names too, as in OTP 25.
    """
    if type(address) is tuple and len(address) == 2 and address[0] == "local":
        path = _local_path(address[1])
        if path is None:
            raise Badarg(kind="exit")
        if family not in (None, "local"):
            return _error("eafnosupport")
        return Target("local", path=path)
    if family == "local":
        # local_tcp:getaddrs/2 only takes {local, Path}.
        raise _exit_function_clause("local_tcp", "getaddrs", 2)
    fam: Family = "inet6" if family == "inet6" else "inet"
    if type(address) is tuple:
        if is_ipv4_tuple(address):
            if fam == "inet6":
                return _error("eafnosupport")
            return Target("inet", ip=address)
        if is_ipv6_tuple(address):
            if family == "inet":
                return _error("eafnosupport")
            return Target("inet6", ip=address)
        raise Badarg(kind="exit")
    if isinstance(address, str):
        if not _visible(address):
            raise Badarg(kind="exit")
        ip = parse_ip_string(address, fam)
        if ip is not None:
            return Target(fam, ip=ip)
        return Target(fam, host=str(address))
    raise Badarg(kind="exit")


def parse_sockaddr(sockaddr: Any) -> tuple[Target, int]:
    """Check the map of `gen_tcp:connect/2,3`: ``{"family": F, "addr": A, "port": P}``.

    ``family`` must be ``"inet"`` or ``"inet6"`` (else ``error:function_clause`` from
    `gen_tcp:connect/3`); ``port`` defaults to 0; for inet6, ``flowinfo`` and
    ``scope_id`` are accepted and ignored. A bad ``addr`` or ``port`` raises
    ``exit:{function_clause, {inet_tcp | inet6_tcp, do_connect, 3}}`` as OTP 25 does
    (``addr => loopback`` included: OTP 25 does not translate it).
    Returns ``(Target, port)``.
    """
    if not isinstance(sockaddr, dict) or sockaddr.get("family") not in ("inet", "inet6"):
        raise ErlangError(Atom("function_clause"), "error")
    family: Family = "inet6" if sockaddr["family"] == "inet6" else "inet"
    module = "inet6_tcp" if family == "inet6" else "inet_tcp"
    addr = sockaddr.get("addr", (0, 0, 0, 0) if family == "inet" else (0,) * 8)
    port = sockaddr.get("port", 0)
    ok_addr = is_ipv6_tuple(addr) if family == "inet6" else is_ipv4_tuple(addr)
    if not ok_addr or type(port) is not int or not 0 <= port <= 65535:
        raise _exit_function_clause(module, "do_connect", 3)
    return Target(family, ip=addr), port


def _service_port(name: str) -> int | None:
    try:
        return socket.getservbyname(name, "tcp")
    except OSError:
        return None


def parse_port(port: Any, op: str, family: str = "inet") -> int:
    """Check the port argument of `gen_tcp:connect/3,4` (op ``"connect"``) or
    `gen_tcp:listen/2` (op ``"listen"``); return it as an int.

    An atom names a service (`inet:getservbyname/2`, e.g. ``http``). Failures, as OTP
    25's inet backend raises them:

    * listen: out of range (``70000``, ``-1``) or unknown service (``foo``) ->
      ``exit:badarg``; not an integer or atom -> ``error:function_clause``.
    * connect: out of range -> ``exit:{function_clause,{inet_tcp,do_connect,4}}``
      (``inet6_tcp`` for inet6); unknown service -> ``exit:badarg``; not an integer
      or atom -> ``exit:{function_clause,{inet_tcp,getserv,1}}``.
    * local family: only 0 is a port (``exit:{function_clause,{local_tcp,getserv,1}}``).
    """
    module = {"inet6": "inet6_tcp", "local": "local_tcp"}.get(family, "inet_tcp")
    if family == "local":
        if type(port) is int and port == 0:
            return 0
        if op == "connect":
            raise _exit_function_clause("local_tcp", "getserv", 1)
        raise ErlangError(Atom("function_clause"), "error")
    if type(port) is int:
        if 0 <= port <= 65535:
            return port
        if op == "connect":
            raise _exit_function_clause(module, "do_connect", 4)
        raise Badarg(kind="exit")
    if isinstance(port, str):
        number = _service_port(port)
        if number is None:
            raise Badarg(kind="exit")
        return number
    if op == "connect":
        raise _exit_function_clause(module, "getserv", 1)
    raise ErlangError(Atom("function_clause"), "error")


def parse_bind_address(value: Any) -> tuple[Family | None, Any] | None:
    """Check an ``{ip, A}`` / ``{ifaddr, A}`` option value (a bind address).

    Returns ``("inet", (a,b,c,d))``, ``("inet6", 8-tuple)``, ``("local", path_bytes)``
    for ``{local, Path}``, or ``(None, "any" | "loopback")`` for those atoms, whose
    address depends on the family (`inet:translate_ip/2`, see `translate_bind`).
    Returns None when the value is no bind address, strings included
    (``{ip,"127.0.0.1"}`` is ``exit:badarg`` on inet); the caller raises.
    """
    if is_ipv4_tuple(value):
        return ("inet", value)
    if is_ipv6_tuple(value):
        return ("inet6", value)
    if isinstance(value, str) and value in ("any", "loopback"):
        return (None, Atom(value))
    if type(value) is tuple and len(value) == 2 and value[0] == "local":
        path = _local_path(value[1])
        return ("local", path) if path is not None else None
    return None


def translate_bind(value: Any, family: str) -> Any:
    """`inet:translate_ip/2`: ``any``/``loopback`` -> the family's tuple; else unchanged."""
    if value == "any" and isinstance(value, str):
        return (0, 0, 0, 0) if family == "inet" else (0,) * 8
    if value == "loopback" and isinstance(value, str):
        return (127, 0, 0, 1) if family == "inet" else (0, 0, 0, 0, 0, 0, 0, 1)
    return value


def resolve_all(host: str, family: str) -> list[IpTuple] | ErrorTuple:
    """Look ``host`` up for ``family`` (``"inet"``/``"inet6"``), like
    `inet:getaddrs/2`: every address, in resolver order, without duplicates.

    Blocking (it calls `socket.getaddrinfo`): run it in an executor from async code.
    Unknown names, ``"."`` and names with an IPv6 scope give ``("error","nxdomain")``;
    other failures map through `reason_from_oserror`.
    Deviation: names are looked up with the system resolver (getaddrinfo), not
    Erlang's own inet_db; on a host whose /etc/hosts has no IPv6 localhost entry both
    answer nxdomain for ``("localhost", "inet6")``.
    """
    if "%" in host or host.strip(".") == "":
        return _error("nxdomain")
    af = socket.AF_INET6 if family == "inet6" else socket.AF_INET
    try:
        infos = socket.getaddrinfo(host, None, af, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return (Atom("error"), reason_from_oserror(exc))
    out: list[IpTuple] = []
    for info in infos:
        if info[0] != af:
            continue
        ip = ip_to_tuple(str(info[4][0]))
        if ip not in out:
            out.append(ip)
    if not out:
        return _error("nxdomain")
    return out


def resolve(host: str, family: str) -> str | ErrorTuple:
    """The first address `resolve_all` finds, as text (``"127.0.0.1"``), or its error."""
    found = resolve_all(host, family)
    if isinstance(found, list):
        return tuple_to_ip(found[0])
    return found


def socket_backend_port_error(port: int, family: str, ip: Any) -> Any:
    """None when gen_tcp_socket can bind port number `port` (any C int: the NIF then
    keeps its low 16 bits, so 70000 and -1 listen); else the error its bind gives (erl,
    checked: ``listen(1 bsl 32, [{inet_backend, socket}])`` ->
    ``{error, {invalid, {sockaddr, #{addr => any, family => inet, port => 4294967296}}}}``).
    `ip` is the ``{ip, A}`` bind address, None for ``any``."""
    if -(2**31) <= port < 2**31:
        return None
    sockaddr = {"addr": Atom("any") if ip is None else ip, "family": Atom(family), "port": port}
    return (Atom("error"), (Atom("invalid"), (Atom("sockaddr"), sockaddr)))


def family_to_af(family: str) -> int:
    """``"inet"`` -> ``AF_INET``, ``"inet6"`` -> ``AF_INET6``, ``"local"`` -> ``AF_UNIX``."""
    return {"inet": socket.AF_INET, "inet6": socket.AF_INET6, "local": socket.AF_UNIX}[
        family
    ]


LocalAddress = tuple[Atom, bytes]
InetAddress = tuple[IpTuple, int]


def sockaddr_to_erlang(family: int, sockaddr: Any) -> Union[InetAddress, LocalAddress]:
    """Turn a socket-module address into what `inet:sockname/1` / `peername/1` return.

    ``AF_INET``: ``((127,0,0,1), port)``; ``AF_INET6``: ``((0,...,1), port)`` (flow
    info and scope dropped, as Erlang's tuple form does); ``AF_UNIX``: the bare
    ``("local", b"/path")`` that Erlang returns for local sockets (no port), with
    ``b""`` for an unnamed socket.
    """
    if family == socket.AF_UNIX:
        if isinstance(sockaddr, str):
            return (Atom("local"), os.fsencode(sockaddr))
        return (Atom("local"), bytes(sockaddr or b""))
    return (ip_to_tuple(str(sockaddr[0])), int(sockaddr[1]))
