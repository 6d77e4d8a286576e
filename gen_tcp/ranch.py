"""``gen_tcp.ranch``: Ranch 2's acceptor-pool listener, as a supervision tree of processes.

::

    ranch_sup (one_for_one)                  started with the node's first listener
    └── ranch_listener_sup (rest_for_one)    one per listener: ("ranch_listener_sup", ref)
        ├── ranch_conns_sup_sup              ("ranch_conns_sup", 1..num_conns_sups)
        │   └── ranch_conns_sup              the connections (never restarted)
        └── ranch_acceptors_sup              owns the listen socket
            └── ranch_acceptor               ("acceptor", sup, 1..num_acceptors)

A *protocol* is any object with ``start_link(ref, transport, opts)`` returning
``("ok", pid)`` of a process linked to the caller, which calls `handshake(ref)` to get
its socket. ``trans_opts`` is a dict with Ranch's keys (a list is taken as
``socket_opts``): ``socket_opts``, ``num_acceptors`` (10), ``num_conns_sups``
(``num_acceptors``), ``max_connections`` (1024, per connection supervisor as in Ranch
2; a soft limit: each acceptor of a connection supervisor may add one past it),
``handshake_timeout`` (5000), ``shutdown`` (5000, ``brutal_kill``, ``infinity``),
``connection_type`` (``worker`` | ``supervisor``).

Every function is a coroutine with Ranch's name and results. An unknown ref raises
``badarg`` (Ranch's missing ETS row).
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Final

from actors import ANY, Atom, Badarg, ErlangError, Pid, demonitor, exit, is_process_alive, receive, self, send, sleep, spawn_monitor
from actors import supervisor

from . import _ranch_conns_sup as conns_sup
from . import _ranch_proxy_header as proxy_header
from ._ranch_handshake import handshake, recv_proxy_header, remove_connection
from ._ranch_listener_sup import ACCEPTORS_SUP, CONNS_SUP_SUP, ListenerSup
from ._ranch_options import nonneg_int as _nonneg_int
from ._ranch_options import normalize as _normalize
from ._ranch_options import validate as _validate
from ._ranch_server import Listener, lookup, stop_top_sup_if_idle, table, top_sup
from ._ranch_tcp import RanchTcp, tcp

__all__ = [
    "RanchTcp", "tcp", "proxy_header",
    "start_listener", "stop_listener", "suspend_listener", "resume_listener", "get_status",
    "get_addr", "get_port", "get_connections", "get_max_connections", "set_max_connections",
    "get_transport_options", "set_transport_options", "get_protocol_options",
    "set_protocol_options", "info", "procs", "wait_for_connections", "remove_connection",
    "handshake", "recv_proxy_header", "child_spec",
]

_OK: Final = Atom("ok")
_ERROR: Final = Atom("error")
_UNDEF: Final = Atom("undefined")
_INF: Final = Atom("infinity")
_OPS: Final[dict[str, Callable[[int, int], bool]]] = {
    ">": operator.gt, ">=": operator.ge, "==": operator.eq, "=<": operator.le, "<": operator.lt,
}


# -- starting and stopping --------------------------------------------------------------


async def _start_listener_sup(
    ref: Any, transport: Any, trans_opts: dict[str, Any], protocol: Any, proto_opts: Any, embedded: bool = False
) -> Any:
    """``ranch_listener_sup:start_link``: (re)write the listener's entry from the start
    arguments, keep the port it first listened on, start its supervisor."""
    t = table()
    old = t.listeners.get(ref)
    entry = Listener(ref, transport, protocol, trans_opts, proto_opts, trans_opts.get("max_connections", 1024))
    entry.embedded = embedded
    if old is not None:
        entry.port = old.port
    t.listeners[ref] = entry
    return await supervisor.start_link(ListenerSup(ref), None)


def child_spec(ref: Any, transport: Any, trans_opts: Any, protocol: Any, proto_opts: Any) -> dict[str, Any]:
    """``ranch:child_spec/5``: a child spec that runs the listener under the caller's own
    supervisor (embedded) instead of ``ranch_sup``; its id is
    ``("ranch_embedded_sup", ref)``. The listener functions work on `ref` as usual.

    Deviation: the listener supervisor is the child itself (Ranch puts it under a
    ``ranch_embedded_sup`` with a ``ranch_server_proxy``); the entry of an embedded
    listener that ended is left out of `info()`."""
    return {
        "id": ("ranch_embedded_sup", ref),
        "start": (_start_embedded, (ref, transport, trans_opts, protocol, proto_opts)),
        "type": "supervisor",
    }


async def _start_embedded(ref: Any, transport: Any, trans_opts: Any, protocol: Any, proto_opts: Any) -> Any:
    opts = _normalize(trans_opts)
    if not callable(getattr(transport, "name", None)):
        return (_ERROR, ("bad_transport", transport))
    valid = _validate(opts)
    if valid != _OK:
        return valid
    return await _start_listener_sup(ref, transport, opts, protocol, proto_opts, True)


def _listen_error(r: Any) -> Any:
    """Ranch's start error: ``eaddrinuse``, ``eacces`` alone, others as they come."""
    try:
        reason = r[1][0][1][2]
        if r[1][0][0] == "shutdown" and reason[0] == "listen_error" and reason[2] in ("eaddrinuse", "eacces"):
            return (_ERROR, reason[2])
    except (TypeError, IndexError, KeyError):
        pass
    return r


async def start_listener(ref: Any, transport: Any, trans_opts: Any, protocol: Any, proto_opts: Any) -> Any:
    """``ranch:start_listener/5``: ``("ok", listener_sup_pid)``, ``("error",
    ("already_started", pid))``, ``("error", ("bad_transport", t))`` (no ``name``),
    ``("error", ("bad_option", key))``, ``("error", "eaddrinuse" | "eacces")``, or
    ``("error", reason)`` from the supervisor."""
    opts = _normalize(trans_opts)
    if not callable(getattr(transport, "name", None)):
        return (_ERROR, ("bad_transport", transport))
    valid = _validate(opts)
    if valid != _OK:
        return valid
    t = table()
    t.starting += 1
    try:
        sup = await top_sup()
        spec = {
            "id": ("ranch_listener_sup", ref),
            "start": (_start_listener_sup, (ref, transport, opts, protocol, proto_opts)),
            "type": "supervisor",
        }
        r = await supervisor.start_child(sup, spec)
        if r[0] != _OK:
            if not (r[1].__class__ is tuple and r[1][0] == "already_started"):
                t.listeners.pop(ref, None)
            r = _listen_error(r)
        return r
    finally:
        t.starting -= 1
        await stop_top_sup_if_idle()


async def stop_listener(ref: Any) -> Any:
    """``ranch:stop_listener/1``: stop the acceptors, then the connections (with
    ``shutdown``, as the ``shutdown`` option says), forget the listener: ``ok`` or
    ``("error", "not_found")``. Runs in a process of its own, so a caller that dies
    meanwhile does not leave the listener half stopped."""
    pid, mref = spawn_monitor(_stop, self(), ref)
    msg = await receive((pid, ANY), ("DOWN", mref, "process", pid, ANY))
    if msg[0] == "DOWN":
        exit(msg[4])
    demonitor(mref, ["flush"])
    return msg[1]


async def _stop(caller: Pid, ref: Any) -> None:
    t = table()
    entry = t.listeners.get(ref)
    sup = t.sup
    if sup is None:
        send(caller, (self(), (_ERROR, Atom("not_found"))))
        return
    child = ("ranch_listener_sup", ref)
    await supervisor.terminate_child(sup, child)
    t.listeners.pop(ref, None)
    result = await supervisor.delete_child(sup, child)
    if entry is not None:
        entry.transport.cleanup(entry.trans_opts)
    await stop_top_sup_if_idle()
    send(caller, (self(), result))


async def suspend_listener(ref: Any) -> Any:
    """``ranch:suspend_listener/1``: stop the acceptors and close the listen socket; the
    connections stay. ``ok`` (also when already suspended)."""
    if await get_status(ref) == "suspended":
        return _OK
    entry = lookup(ref)
    entry.addr = (_UNDEF, _UNDEF)
    return await supervisor.terminate_child(entry.listener_sup, ACCEPTORS_SUP)


async def resume_listener(ref: Any) -> Any:
    """``ranch:resume_listener/1``: listen again (on the same port unless the transport
    options were changed to another) and restart the acceptors: ``ok``, or
    ``("error", reason)`` (``eaddrinuse``...)."""
    if await get_status(ref) == "running":
        return _OK
    r = await supervisor.restart_child(lookup(ref).listener_sup, ACCEPTORS_SUP)
    if r.__class__ is tuple and r[0] == _OK:
        return _OK
    if r.__class__ is tuple and r[0] == _ERROR and r[1].__class__ is tuple and r[1][0] == "listen_error":
        if r[1][2] in ("eaddrinuse", "eacces"):
            return (_ERROR, r[1][2])
    return r


# -- reading and changing a listener ----------------------------------------------------


async def _child(sup: Any, id: Any) -> Any:
    for cid, pid, _, _ in await supervisor.which_children(sup):
        if cid == id:
            return pid
    return _UNDEF


async def get_status(ref: Any) -> Atom:
    """``ranch:get_status/1``: ``running`` or ``suspended``."""
    pid = await _child(lookup(ref).listener_sup, ACCEPTORS_SUP)
    return Atom("suspended") if pid == _UNDEF else Atom("running")


def get_addr(ref: Any) -> Any:
    """``ranch:get_addr/1``: ``(ip, port)``, ``("local", path)``, or ``("undefined",
    "undefined")`` while suspended."""
    return lookup(ref).addr


def get_port(ref: Any) -> Any:
    """``ranch:get_port/1``: the port, ``undefined`` while suspended or for a local
    socket."""
    addr = get_addr(ref)
    return _UNDEF if addr[0] == "local" else addr[1]


async def get_connections(ref: Any, kind: Any) -> int:
    """``ranch:get_connections/2``: ``active`` connections (those counted against the
    limit) or ``all`` (removed ones too)."""
    sups = list(lookup(ref).conns_sups.values())
    if kind == "active":
        return sum([await conns_sup.active_connections(s) for s in sups])
    if kind == "all":
        return sum([dict(await supervisor.count_children(s))["active"] for s in sups])
    raise Badarg()


def get_max_connections(ref: Any) -> Any:
    """``ranch:get_max_connections/1``: the limit per connection supervisor."""
    return lookup(ref).max_conns


def set_max_connections(ref: Any, max_conns: Any) -> Atom:
    """``ranch:set_max_connections/2``: takes effect at once (waiting acceptors go on
    accepting when it grows); ``ok``."""
    if not (max_conns == _INF or _nonneg_int(max_conns)):
        raise Badarg()
    entry = lookup(ref)
    entry.max_conns = max_conns
    for s in entry.conns_sups.values():
        send(s, ("set_max_conns", max_conns))
    return _OK


def get_transport_options(ref: Any) -> dict[str, Any]:
    """``ranch:get_transport_options/1``."""
    return lookup(ref).trans_opts


def set_transport_options(ref: Any, trans_opts: Any) -> Any:
    """``ranch:set_transport_options/2``: ``ok`` or ``("error", ("bad_option", key))``.
    ``max_connections``, ``handshake_timeout`` and ``shutdown`` apply at once; the
    others (``socket_opts``...) when the acceptors restart (`resume_listener`)."""
    opts = _normalize(trans_opts)
    valid = _validate(opts)
    if valid != _OK:
        return valid
    entry = lookup(ref)
    entry.trans_opts = opts
    entry.max_conns = opts.get("max_connections", 1024)
    for s in entry.conns_sups.values():
        send(s, ("set_transport_options", opts))
    return _OK


def get_protocol_options(ref: Any) -> Any:
    """``ranch:get_protocol_options/1``."""
    return lookup(ref).proto_opts


def set_protocol_options(ref: Any, opts: Any) -> Atom:
    """``ranch:set_protocol_options/2``: new connections get `opts`; ``ok``."""
    lookup(ref).proto_opts = opts
    return _OK


async def info(ref: Any = None) -> dict[Any, Any]:
    """``ranch:info/0,1``: for one listener a dict with Ranch's keys: ``pid``,
    ``status``, ``ip``, ``port``, ``max_connections``, ``active_connections``,
    ``all_connections``, ``transport``, ``transport_options``, ``protocol``,
    ``protocol_options``, ``metrics`` (``{("conns_sup", n, "accept" | "terminate"):
    count}``); without a ref, ``{ref: info}`` for every listener."""
    if ref is None:
        live = [(r, e) for r, e in table().listeners.items() if not e.embedded or _alive(e.listener_sup)]
        return {r: await _info(r, e) for r, e in live}
    return await _info(ref, lookup(ref))


def _alive(pid: Pid | None) -> bool:
    return pid is not None and is_process_alive(pid)


async def _info(ref: Any, e: Listener) -> dict[str, Any]:
    addr = e.addr
    ip, port = (addr, _UNDEF) if addr[0] == "local" else addr
    c = e.counters
    metrics = {}
    for n in range(1, len(c) // 2 + 1):
        metrics[(Atom("conns_sup"), n, Atom("accept"))] = c[2 * n - 2]
        metrics[(Atom("conns_sup"), n, Atom("terminate"))] = c[2 * n - 1]
    return {
        "pid": e.listener_sup, "status": await get_status(ref), "ip": ip, "port": port,
        "max_connections": e.max_conns,
        "active_connections": await get_connections(ref, "active"),
        "all_connections": await get_connections(ref, "all"),
        "transport": e.transport, "transport_options": e.trans_opts,
        "protocol": e.protocol, "protocol_options": e.proto_opts, "metrics": metrics,
    }


async def procs(ref: Any, kind: Any) -> list[Pid]:
    """``ranch:procs/2``: the pids of the ``acceptors`` or the ``connections``."""
    lsup = lookup(ref).listener_sup
    if kind == "acceptors":
        sup = await _child(lsup, ACCEPTORS_SUP)
        if sup.__class__ is not Pid:
            return []
        return [p for _, p, _, _ in await supervisor.which_children(sup) if p.__class__ is Pid]
    if kind == "connections":
        supsup = await _child(lsup, CONNS_SUP_SUP)
        out: list[Pid] = []
        for _, s, _, _ in await supervisor.which_children(supsup):
            if s.__class__ is Pid:
                out += [p for _, p, _, _ in await supervisor.which_children(s)]
        return out
    raise Badarg()


async def wait_for_connections(ref: Any, op: str, n: int, interval: int = 1000) -> Atom:
    """``ranch:wait_for_connections/3,4``: return ``ok`` once the count of all
    connections compares to `n` as `op` says (``">"``, ``">="``, ``"=="``, ``"=<"``,
    ``"<"``), checking every `interval` ms. A bad op, count or interval (or ``"<"``
    with 0) raises ``badarg``."""
    fn = _OPS.get(op)
    if fn is None or (op == "<" and n == 0) or not _nonneg_int(n) or not _nonneg_int(interval):
        raise Badarg()
    while True:
        try:
            cur = await get_connections(ref, "all")
        except (Badarg, ErlangError):
            cur = 0
        if fn(cur, n):
            return _OK
        await sleep(interval)


