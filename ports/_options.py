"""`inet:setopts/2` and `inet:getopts/2` on a TCP port, and the front of the option
modules.

The option code is split by job:

* `ports._option_table` - the table (`OPTIONS`), its validators and `PORT_DEFAULTS`;
* `ports._port_rules` - the driver's small rules (`add_active`, `set_watermark`,
  `accept_port_opts`);
* `ports._sockopts` - OS socket options (`encode_sockopt`, `apply_sockopts`);
* `ports._open_options` - `parse_open_options`, the options of `gen_tcp:connect/3,4`
  and `gen_tcp:listen/2`;
* this module - `parse_setopts` + `apply_setopts` (or `setopts`) for
  `inet:setopts/2`, and `getopts` for `inet:getopts/2`. It re-exports the names other
  modules use, so ``from ports._options import ...`` stays the one way in.

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
from dataclasses import dataclass
from typing import Any, Final

from actors import Atom, ErlangError

from ._open_options import OpenOptions, parse_open_options
from ._option_table import (
    ACTIVE_MAX,
    ACTIVE_MIN,
    NETNS_KEY,
    OPTIONS,
    PORT_DEFAULTS,
    SETOPTS,
    Change,
    Invalid,
    Option,
    SockOpt,
    default_port_opts,
)
from ._port_rules import (
    ActiveResult,
    accept_port_opts,
    add_active,
    apply_port_change,
    recbuf_sets_buffer,
    set_watermark,
)
from ._sockopts import apply_sockopts, encode_sockopt, read_sockopt

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
    "SETOPTS",
    "encode_sockopt",
]

_ERROR: Final = Atom("error")
_OK: Final = Atom("ok")
_EINVAL: Final = Atom("einval")


# ---------------------------------------------------------------------------
# setopts


def parse_setopts(opts: Any, is_listen: bool = False) -> list[Change] | tuple[Atom, Atom]:
    """Validate the option list of `inet:setopts/2` as prim_inet does.

    Returns the validated changes **in the order the driver applies them** (the
    list's last option first), or ``("error", "einval")`` when any option is
    unknown, refused by setopts (``backlog``, ``ip``, ``port``, ``inet6``...) or
    badly typed; then nothing at all is applied (erl: ``[{nodelay,true},{active,maybe}]``
    gives einval and nodelay stays false). Values the type check lets through are
    accepted even when odd (``{linger,{true,-1}}``, ``{recbuf,-1}``, ``{buffer,-1}``,
    ``{high_watermark,-1}``); ``{active,N}`` needs N in -32768..32767.
    Raises ``ErlangError(("bad_generator", opts))`` when ``opts`` is not a list, as
    Erlang does for a non-list or an improper list (Python has no improper lists).
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
        except Invalid:
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
    socket (erl: ``{recbuf,4096}`` reads back ``{buffer,4096}``). With ``sock`` None,
    socket options fail with einval.
    """
    new = dict(port_opts)
    passive = False
    for name, value in changes:
        spec = OPTIONS[name]
        if name == "netns":
            new[NETNS_KEY] = value  # inet_drv stores it; the socket stays where it is
            continue
        if spec.kind == "port":
            outcome = apply_port_change(new, name, value)
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
            recbuf_sets_buffer(new, value)
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
    (the kernel doubles buffer sizes: ``{recbuf,4096}`` reads back 8192). An option
    the OS does not have for this socket is left out (``ipv6_v6only`` or ``tclass`` on
    IPv4, ``nodelay`` on a local socket, a raw option that getsockopt refuses), as are
    socket options when ``sock`` is None.
    Returns ``("error", "einval")`` when any name is unknown or unreadable on inet
    (``line_delimiter`` even once set, ``backlog``, ``ip``, ``port``, ``binary``,
    ``list``; one bad name fails the whole call) or a raw size is not a non-negative
    int or a binary.
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
            path = port_opts.get(NETNS_KEY)
            if path is not None:
                out.append((Atom(item), path.decode("latin-1")))  # a string, as erl
            continue
        if sock is None:
            continue
        try:
            value = read_sockopt(sock, item)
        except OSError:
            continue
        out.append((Atom(item), value))
    return (_OK, out)
