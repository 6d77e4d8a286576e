"""``ranch_tcp``: the TCP transport of the listener, Ranch's transport functions over
`gen_tcp` and `gen_tcp.inet`.

A transport is any object with these attributes (a subclass can replace some, as tests
do with a fake). `RanchTcp.listen` forces ``binary``, ``{active, false}`` and
``{reuseaddr, true}``, drops the options Ranch forbids on a listen socket (``active``,
``header``, ``mode``, ``packet``, ``packet_size``, ``line_delimiter``, ``reuseaddr``) and
adds Ranch's defaults: ``{backlog, 1024}``, ``{nodelay, true}``, ``{send_timeout,
30000}``, ``{send_timeout_close, true}``.
"""

from __future__ import annotations

import time
from typing import Any, Final

import structlog

import gen_tcp
from actors import Atom
from gen_tcp import inet

from . import _ranch_proxy_header as proxy_header

__all__ = ["RanchTcp", "tcp"]

_log = structlog.get_logger("gen_tcp.ranch")
_DISALLOWED: Final = frozenset({"active", "header", "mode", "packet", "packet_size", "line_delimiter", "reuseaddr"})
_DEFAULTS: Final = (("backlog", 1024), ("nodelay", True), ("send_timeout", 30000), ("send_timeout_close", True))
_INFINITY: Final = Atom("infinity")
_OK: Final = Atom("ok")
_ERROR: Final = Atom("error")
_MESSAGES: Final = (Atom("tcp"), Atom("tcp_closed"), Atom("tcp_error"), Atom("tcp_passive"))


def _key(opt: Any) -> Any:
    return opt[0] if opt.__class__ is tuple and opt else opt


def prepare_socket_opts(socket_opts: Any) -> list[Any]:
    """The listen options Ranch gives ``gen_tcp:listen``: an ``inet_backend`` first
    stays first; forbidden options are dropped (with a warning, as Ranch logs them)."""
    opts = list(socket_opts)
    head = [opts.pop(0)] if opts and _key(opts[0]) == "inet_backend" else []
    kept = []
    for o in opts:
        if _key(o) in _DISALLOWED or o in ("binary", "list"):
            _log.warning("ranch_listen_option_dropped", option=repr(o))
        else:
            kept.append(o)
    have = {_key(o) for o in kept}
    kept += [d for d in _DEFAULTS if d[0] not in have]
    return head + kept + ["binary", ("active", False), ("reuseaddr", True)]


def _remaining(deadline: float | None) -> Any:
    if deadline is None:
        return _INFINITY
    return max(0, round((deadline - time.monotonic()) * 1000))


class RanchTcp:
    """The ``ranch_tcp`` transport; `tcp` is its instance.

    ``accept``, ``recv``, ``send``, ``setopts``, ``getopts``, ``getstat``,
    ``controlling_process``, ``peername``, ``sockname``, ``shutdown`` and ``close`` are
    the `gen_tcp` / `gen_tcp.inet` functions themselves (no extra call per request).
    """

    def __repr__(self) -> str:
        return "ranch_tcp"

    def name(self) -> Atom:
        """``name/0``: ``tcp``."""
        return Atom("tcp")

    def secure(self) -> bool:
        """``secure/0``: ``False``."""
        return False

    def messages(self) -> tuple[Atom, Atom, Atom, Atom]:
        """``messages/0``: the tags of active-mode messages:
        ``("tcp", "tcp_closed", "tcp_error", "tcp_passive")``."""
        return _MESSAGES

    async def listen(self, trans_opts: dict[str, Any]) -> Any:
        """``listen/1``: ``("ok", listen_socket)`` or ``("error", reason)``; the port is in
        ``socket_opts`` (``("port", N)``, 0 or none: any)."""
        return await gen_tcp.listen(0, prepare_socket_opts(trans_opts.get("socket_opts", [])))

    accept = staticmethod(gen_tcp.accept)

    async def handshake(self, socket: Any, *args: Any) -> Any:
        """``handshake/2,3`` (``(socket, [opts,] timeout)``): nothing to do on TCP:
        ``("ok", socket)``."""
        return (_OK, socket)

    async def connect(self, address: Any, port: Any, opts: Any = (), timeout: Any = _INFINITY) -> Any:
        """``connect/3,4``: as ``gen_tcp.connect`` with ``binary``, ``{active, false}``,
        ``{packet, raw}`` forced."""
        forced = [o for o in opts if _key(o) not in ("active", "packet", "mode") and o not in ("binary", "list")]
        return await gen_tcp.connect(address, port, [*forced, "binary", ("active", False), ("packet", "raw")], timeout)

    recv = staticmethod(gen_tcp.recv)

    async def recv_proxy_header(self, socket: Any, timeout: Any) -> Any:
        """``recv_proxy_header/2``: read one PROXY header (v1 or v2) within `timeout` ms
        and nothing after it: ``("ok", proxy_info)``, ``("error", reason)`` from recv,
        or ``("error", "protocol_error", text)`` with Ranch's texts.

        Deviation: Ranch reads what is there and puts back what follows the header with
        ``gen_tcp:unrecv``; this reads the header's bytes exactly (its length is known
        from its first bytes), so the data after it stays in the socket."""
        deadline = None if timeout == _INFINITY else time.monotonic() + timeout / 1000
        r = await gen_tcp.recv(socket, 6, timeout)
        if r[0] != _OK:
            return r
        data = r[1]
        if data == b"PROXY ":
            while not data.endswith(b"\r\n") and len(data) < proxy_header.V1_MAX:
                r = await gen_tcp.recv(socket, 1, _remaining(deadline))
                if r[0] != _OK:
                    return r
                data += r[1]
        elif data == proxy_header.V2_SIGNATURE[:6]:
            r = await gen_tcp.recv(socket, 10, _remaining(deadline))
            if r[0] != _OK:
                return r
            data += r[1]
            size = proxy_header.needed(data)
            if size is not None and size > 16:
                r = await gen_tcp.recv(socket, size - 16, _remaining(deadline))
                if r[0] != _OK:
                    return r
                data += r[1]
        parsed = proxy_header.parse(data)
        if parsed[0] == _OK:
            return (_OK, parsed[1])
        return (_ERROR, Atom("protocol_error"), parsed[1])

    send = staticmethod(gen_tcp.send)

    setopts = staticmethod(inet.setopts)

    getopts = staticmethod(inet.getopts)

    getstat = staticmethod(inet.getstat)

    controlling_process = staticmethod(gen_tcp.controlling_process)

    peername = staticmethod(inet.peername)

    sockname = staticmethod(inet.sockname)

    shutdown = staticmethod(gen_tcp.shutdown)

    close = staticmethod(gen_tcp.close)

    def cleanup(self, trans_opts: Any) -> Atom:
        """``cleanup/1``: ``ok`` (nothing to clean for TCP)."""
        return _OK

    def format_error(self, reason: Any) -> str:
        """``format_error/1``: ``inet:format_error``."""
        return inet.format_error(reason)


tcp: Final = RanchTcp()
