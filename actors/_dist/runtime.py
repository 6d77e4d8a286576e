"""The distribution runtime: sending, links, monitors and exit signals across nodes.

`Dist` is a node's end of the cluster (``node.dist``). It turns the API's operations on
remote pids into frames for the transport, and frames from other nodes into the same
operations on local processes, by Erlang's rules:

- a message to a remote pid or ``(name, node)`` is one ``SEND`` / ``REG_SEND`` frame;
  frames between two nodes keep their order, so messages between two processes do;
- a link is recorded on both sides (``LINK``/``UNLINK``); a process that ends sends
  ``EXIT`` to its remote links, ``MONITOR_P_EXIT`` to its remote watchers, and
  ``DEMONITOR_P`` for the monitors it held on remote processes;
- a lost node (`nodedown`) ends every link to its processes with ``noconnection``, fires
  every monitor on them with ``noconnection``, and sends ``("nodedown", node)`` to the
  processes that called ``monitor_node``.

Only terms cross: a frame is one ``term_to_binary`` tuple, so a message outside the term
mapping raises ``badarg`` at the sender. Everything here runs on the node's loop thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import structlog

from .._etf import binary_to_term, term_to_binary
from .._process import Process
from .._report import safe_repr
from .._signals import Signals
from .._terms import Atom, Badarg, ErlangError, Pid, Ref, format_term
from ..atoms import DOWN, EXIT, NOPROC, PROCESS
from . import spawn as _spawn

if TYPE_CHECKING:
    from .._node import Node

__all__ = ["Dist", "NOCONNECTION", "reason_term", "transport_factory"]

log = structlog.get_logger("actors.dist")

NOCONNECTION = Atom("noconnection")
NODEDOWN = Atom("nodedown")

# Operations, numbered as Erlang's distribution protocol numbers its control messages.
LINK, SEND, EXIT_OP, UNLINK, REG_SEND, EXIT2 = 1, 2, 3, 4, 6, 8
MONITOR_P, DEMONITOR_P, MONITOR_P_EXIT = 19, 20, 21
SPAWN_REQUEST, SPAWN_REPLY = 29, 31


def _default_transport() -> tuple[Any, Callable[[str | None], str]]:
    from .transport import Transport, read_cookie

    return Transport, read_cookie


transport_factory: Callable[[], tuple[Any, Callable[[str | None], str]]] = _default_transport
"""The transport class (`actors._dist.transport.Transport`) and its cookie reader."""


def reason_term(reason: Any) -> Any:
    """An exit reason as a term that can cross nodes: an `ErlangError` is its reason, a
    Python exception ``{ExceptionName, Message}`` (a process crash keeps the exception
    object as its local reason, which has no external form); anything else outside the
    term mapping is printed."""
    if isinstance(reason, ErlangError):
        reason = reason.reason
    elif isinstance(reason, BaseException):
        reason = (Atom(type(reason).__name__), safe_repr(reason))
    try:
        term_to_binary(reason)
    except Badarg:
        return format_term(reason)
    return reason


class Dist:
    """A distributed node's end of the cluster: the runtime half over a transport."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.name = node.name
        self.transport: Any = None
        self.cookie = ""
        self.stopped = False
        self.node_monitors: dict[str, list[Pid]] = {}  # monitor_node subscribers
        self.spawns = _spawn.Spawns(self)

    @classmethod
    async def start(cls, node: Node, cookie: str | None, address: str | None) -> Dist:
        """Start the node's transport (its gateway in the cluster) and return the end."""
        transport_cls, read_cookie = transport_factory()
        dist = cls(node)
        dist.cookie = read_cookie(cookie)
        dist.transport = await transport_cls.start(node.name, dist.cookie, dist, address=address)
        node.add_shutdown_hook(lambda _node: dist.stop())
        return dist

    def stop(self) -> None:
        """Leave the cluster now (the node is stopping): no more frames either way."""
        if self.stopped:
            return
        self.stopped = True
        try:
            self.transport.close_now()
        except Exception as e:  # noqa: BLE001 - stopping must go on
            log.error("dist_stop_failed", node=self.name, reason=safe_repr(e))

    # -- out ---------------------------------------------------------------------------

    def out(self, node: str, term: tuple[Any, ...]) -> bool:
        """Send one frame to `node`; False when the node cannot be reached. A term
        outside the mapping raises badarg."""
        payload = term_to_binary(term)
        if self.stopped:
            return False
        return bool(self.transport.send(node, payload))

    def send(self, to: Pid, msg: Any) -> None:
        self.out(to.node, (SEND, to, msg))

    def reg_send(self, sender: Pid, name: str, node: str, msg: Any) -> None:
        self.out(node, (REG_SEND, sender, Atom(name), msg))

    def link(self, me: Process, other: Pid) -> None:
        """`me` links to a remote pid (already recorded in `me`'s links)."""
        if not self.out(other.node, (LINK, me.handle, other)):
            me.links.discard(other)
            me.exit_signal(other, NOCONNECTION, True)

    def unlink(self, me: Pid, other: Pid) -> None:
        self.out(other.node, (UNLINK, me, other))

    def exit2(self, sender: Pid, to: Pid, reason: Any) -> None:
        self.out(to.node, (EXIT2, sender, to, reason))

    def monitor(self, me: Process, target: Any, ref: Ref) -> None:
        """`me` monitors a remote pid or ``(name, node)`` (already recorded in `me`)."""
        node = target.node if target.__class__ is Pid else target[1]
        what = target if target.__class__ is Pid else Atom(target[0])
        if not self.out(node, (MONITOR_P, me.handle, what, ref)):
            self._monitor_fired(me, ref, target, NOCONNECTION)

    def demonitor(self, me: Pid, target: Any, ref: Ref) -> None:
        node = target.node if target.__class__ is Pid else target[1]
        what = target if target.__class__ is Pid else Atom(target[0])
        self.out(node, (DEMONITOR_P, me, what, ref))

    def ended(self, pid: Pid, reason: Any, links: list[Pid], held: list[tuple[Ref, Any]],
              watchers: list[tuple[Ref, Pid]]) -> None:
        """A local process ended: tell its remote links, watchers and monitored."""
        if self.stopped:
            return
        term = reason_term(reason)
        for other in links:
            self.out(other.node, (EXIT_OP, pid, other, term))
        for ref, target in held:
            self.demonitor(pid, target, ref)
        for ref, watcher in watchers:
            self.out(watcher.node, (MONITOR_P_EXIT, pid, watcher, ref, term))

    # -- in ----------------------------------------------------------------------------

    def frame(self, node: str, payload: bytes) -> None:
        """A frame from `node` (the transport's handler)."""
        try:
            term = binary_to_term(payload)
            handler = _HANDLERS.get(term[0]) if term.__class__ is tuple and term else None
            if handler is None:
                raise Badarg()
            handler(self, node, *term[1:])
        except Exception as e:  # noqa: BLE001 - a bad frame must not take the node down
            log.error("dist_bad_frame", node=self.name, peer=node, reason=safe_repr(e))

    def _local(self, target: Any) -> Any:
        """The live local entity a frame addresses: a pid or a registered name."""
        if target.__class__ is Pid:
            return self.node.table.get(target)
        h = self.node.names.get(target)
        return self.node.table.get(h) if h is not None else None

    def _in_send(self, node: str, to: Pid, msg: Any) -> None:
        e = self.node.table.get(to)
        if isinstance(e, Process):
            e.deliver(msg)

    def _in_reg_send(self, node: str, sender: Pid, name: Any, msg: Any) -> None:
        e = self._local(name)
        if isinstance(e, Process):
            e.deliver(msg)

    def _in_link(self, node: str, sender: Pid, to: Pid) -> None:
        e = self.node.table.get(to)
        if e is not None and e.alive:
            e.links.add(sender)
        else:
            self.out(node, (EXIT_OP, to, sender, NOPROC))

    def _in_unlink(self, node: str, sender: Pid, to: Pid) -> None:
        e = self.node.table.get(to)
        if e is not None:
            e.links.discard(sender)

    def _in_exit(self, node: str, sender: Pid, to: Pid, reason: Any) -> None:
        e = self.node.table.get(to)
        if e is not None and sender in e.links:
            e.links.discard(sender)
            e.exit_signal(sender, reason, True)

    def _in_exit2(self, node: str, sender: Pid, to: Pid, reason: Any) -> None:
        e = self.node.table.get(to)
        if e is not None:
            e.exit_signal(sender, reason, False)

    def _in_monitor(self, node: str, watcher: Pid, target: Any, ref: Ref) -> None:
        e = self._local(target)
        if isinstance(e, Signals) and e.alive:
            e.monitored_by[ref] = watcher
        else:
            self.out(node, (MONITOR_P_EXIT, target, watcher, ref, NOPROC))

    def _in_demonitor(self, node: str, watcher: Pid, target: Any, ref: Ref) -> None:
        e = self._local(target)
        if isinstance(e, Signals) and e._monitored_by:
            e._monitored_by.pop(ref, None)

    def _in_monitor_exit(self, node: str, target: Any, watcher: Pid, ref: Ref, reason: Any) -> None:
        wp = self.node.table.get(watcher)
        if isinstance(wp, Signals) and wp._monitors and ref in wp._monitors:
            held = wp._monitors.pop(ref)
            self._monitor_fired(wp, ref, held, reason)

    def _monitor_fired(self, wp: Signals, ref: Ref, target: Any, reason: Any) -> None:
        if wp._monitors:
            wp._monitors.pop(ref, None)
        obj = target
        names = wp._monitor_names
        if names:
            obj = names.pop(ref, target)
        wp.deliver((DOWN, ref, PROCESS, obj, reason))

    # -- nodes -------------------------------------------------------------------------

    def nodeup(self, node: str) -> None:
        log.debug("dist_nodeup", node=self.name, peer=node)

    def nodedown(self, node: str, reason: str) -> None:
        """The connection to `node` is gone: links to its processes end with
        ``noconnection``, monitors on them fire with ``noconnection``, monitors they held
        here are dropped, ``monitor_node`` subscribers get ``("nodedown", node)``."""
        log.info("dist_nodedown", node=self.name, peer=node, reason=reason)
        broken: list[tuple[Signals, Pid]] = []
        fired: list[tuple[Signals, Ref, Any]] = []
        for e in list(self.node.table.values()):
            links = e._links if isinstance(e, Signals) else getattr(e, "links", None)
            if links:
                for h in list(links):
                    if h.__class__ is Pid and h.node == node:
                        links.discard(h)
                        broken.append((e, h))  # type: ignore[arg-type]
            if isinstance(e, Signals):
                if e._monitors:
                    for ref, target in list(e._monitors.items()):
                        if _node_of(target) == node:
                            fired.append((e, ref, target))
                if e._monitored_by:
                    for ref, watcher in list(e._monitored_by.items()):
                        if watcher.node == node:
                            del e._monitored_by[ref]
        for e, h in broken:
            e.exit_signal(h, NOCONNECTION, True)
        for wp, ref, target in fired:
            self._monitor_fired(wp, ref, target, NOCONNECTION)
        self.spawns.nodedown(node)
        for pid in self.node_monitors.pop(node, []):
            p = self.node.table.get(pid)
            if isinstance(p, Process):
                p.deliver((NODEDOWN, Atom(node)))

    def monitor_node(self, me: Process, node: str, flag: bool) -> None:
        subs = self.node_monitors.setdefault(node, [])
        if flag:
            subs.append(me.handle)
        elif me.handle in subs:
            subs.remove(me.handle)
        if not subs:
            del self.node_monitors[node]

    def nodes(self) -> list[Atom]:
        if self.stopped:
            return []
        return [Atom(n) for n in self.transport.nodes()]


def _node_of(target: Any) -> Any:
    return target.node if target.__class__ is Pid else target[1] if target.__class__ is tuple else None


_HANDLERS: dict[int, Callable[..., None]] = {
    SEND: Dist._in_send,
    REG_SEND: Dist._in_reg_send,
    LINK: Dist._in_link,
    UNLINK: Dist._in_unlink,
    EXIT_OP: Dist._in_exit,
    EXIT2: Dist._in_exit2,
    MONITOR_P: Dist._in_monitor,
    DEMONITOR_P: Dist._in_demonitor,
    MONITOR_P_EXIT: Dist._in_monitor_exit,
    SPAWN_REQUEST: lambda d, node, *a: d.spawns.request(node, *a),
    SPAWN_REPLY: lambda d, node, *a: d.spawns.reply(node, *a),
}
