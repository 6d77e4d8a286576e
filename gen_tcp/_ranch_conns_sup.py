"""``ranch_conns_sup``: the supervisor of a listener's connection processes, with the
``max_connections`` back-pressure.

A special process (not an OTP supervisor, as Ranch's is not): it traps exits, starts a
protocol process for each socket an acceptor hands it (``protocol.start_link(ref,
transport, opts)``), gives it the socket and sends it ``("handshake", ref, transport,
socket, handshake_timeout)``, and answers the acceptor at once while it has fewer than
``max_connections`` connections; at the limit the acceptor is kept waiting (it stops
accepting) until a connection ends, is removed (`remove_connection`) or the limit is
raised. Connections are never restarted; one that crashes is reported and counted.

It answers ``supervisor.which_children`` (``[(protocol, pid, connection_type,
[protocol])]``) and ``count_children``; on its parent's exit it stops every connection
with ``shutdown`` (``kill`` after the ``shutdown`` ms; ``brutal_kill``: at once;
``infinity``: waits).
"""

from __future__ import annotations

from typing import Any, Final

import structlog

from actors import ANY, Atom, ErlangError, Pid, cancel_timer, demonitor, exit, gen_server, monitor, proc_lib, process_flag, receive, send
from actors import self as my_pid
from actors import send_after, unlink

from ._ranch_server import Listener, lookup

__all__ = ["start_link", "start_protocol", "active_connections"]

TAG: Final = Atom("ranch_conns_sup")
START: Final = Atom("start_protocol")
ACTIVE_Q: Final = Atom("active_connections")
_ACTIVE: Final = Atom("active")
_REMOVED: Final = Atom("removed")
_INF: Final = Atom("infinity")
_EXIT: Final = Atom("EXIT")
_KILL: Final = Atom("kill")
_SHUTDOWN: Final = Atom("shutdown")
_log = structlog.get_logger("gen_tcp.ranch")


def _more(n: int, limit: Any) -> bool:
    """``n < limit`` with Erlang's ordering (``infinity`` above every number)."""
    return limit == _INF or n < int(limit)


async def start_link(ref: Any, id: int, transport: Any, trans_opts: dict[str, Any], protocol: Any) -> Any:
    """``ranch_conns_sup:start_link``: ``("ok", pid)`` once it registered in the table."""
    return await proc_lib.start_link(_init, (my_pid(), ref, id, transport, trans_opts, protocol))


async def start_protocol(sup: Pid, mref: Any, socket: Any) -> None:
    """``ranch_conns_sup:start_protocol/3``, called by an acceptor that gave `sup` the
    socket: returns once the protocol process started and the connection count is
    below the limit; raises the supervisor's exit reason if it goes down meanwhile."""
    send(sup, (TAG, START, my_pid(), socket))
    msg = await receive(sup, ("DOWN", mref, "process", sup, ANY))
    if msg.__class__ is tuple:
        raise ErlangError(msg[4])  # Ranch: error(Reason)


async def active_connections(sup: Pid) -> int:
    """``ranch_conns_sup:active_connections/1``: the count of active connections (those
    not removed); exits with the supervisor's reason if it is gone, ``timeout`` after 5 s."""
    tag = monitor("process", sup)
    send(sup, (TAG, ACTIVE_Q, my_pid(), tag))
    msg = await receive((tag, ANY), ("DOWN", tag, ANY, ANY, ANY), timeout=5000)
    if msg.__class__ is tuple and msg[0] == tag:
        demonitor(tag, ["flush"])
        return int(msg[1])
    exit(msg[4] if msg.__class__ is tuple else Atom("timeout"))
    raise AssertionError("unreachable")


async def _init(parent: Pid, ref: Any, id: int, transport: Any, trans_opts: dict[str, Any], protocol: Any) -> None:
    process_flag("trap_exit", True)
    entry = lookup(ref)
    entry.conns_sups[id] = my_pid()
    state = _ConnsSup(parent, entry, id, transport, trans_opts, protocol)
    proc_lib.init_ack(("ok", my_pid()))
    await state.loop()


class _ConnsSup:
    """The state and loop of one connection supervisor."""

    def __init__(self, parent: Pid, entry: Listener, id: int, transport: Any, opts: dict[str, Any], protocol: Any):
        self.parent, self.entry, self.ref, self.id = parent, entry, entry.ref, id
        self.transport, self.protocol = transport, protocol
        self.conn_type = Atom(opts.get("connection_type", "worker"))
        self.shutdown = opts.get("shutdown", 5000)
        self.handshake_timeout = opts.get("handshake_timeout", 5000)
        self.max_conns = entry.max_conns
        self.cur = 0  # active connections (not removed)
        self.children: dict[Pid, Atom] = {}  # pid -> active | removed
        self.sleepers: list[Pid] = []  # acceptors waiting for a free place

    async def loop(self) -> None:
        while True:
            msg = await receive()
            if msg.__class__ is not tuple or not msg:
                self._unexpected(msg)
                continue
            tag = msg[0]
            if tag == TAG and len(msg) == 4 and msg[1] == START:
                await self._start_protocol(msg[2], msg[3])
            elif tag == _EXIT and len(msg) == 3:
                if msg[1] == self.parent:
                    await self._terminate(msg[2])
                self._child_exit(msg[1], msg[2])
            elif tag == TAG and len(msg) == 4 and msg[1] == ACTIVE_Q:
                send(msg[2], (msg[3], self.cur))
            elif tag == "remove_connection" and len(msg) == 3:
                self._remove(msg[2])
            elif tag == "set_max_conns" and len(msg) == 2:
                self._set_max(msg[1])
            elif tag == "set_transport_options" and len(msg) == 2:
                opts = msg[1]
                self.handshake_timeout = opts.get("handshake_timeout", 5000)
                self.shutdown = opts.get("shutdown", 5000)
                self._set_max(opts.get("max_connections", 1024))
            elif tag == "set_protocol_options" and len(msg) == 2:
                pass  # read from the table at each start, as Ranch keeps them in its state
            elif tag == "$gen_call" and len(msg) == 3:
                self._call(msg[1], msg[2])
            else:
                self._unexpected(msg)

    async def _start_protocol(self, to: Pid, socket: Any) -> None:
        try:
            r = await gen_server.apply(self.protocol.start_link, self.ref, self.transport, self.entry.proto_opts)
        except Exception as e:  # noqa: BLE001 - Ranch catches every class here
            r = ("crashed", e)
        if r.__class__ is tuple and len(r) == 2 and r[0] == "ok" and r[1].__class__ is Pid:
            sup_pid = proto_pid = r[1]
        elif r.__class__ is tuple and len(r) == 3 and r[0] == "ok" and self.conn_type == "supervisor":
            sup_pid, proto_pid = r[1], r[2]
        else:
            send(to, my_pid())
            _log.error("ranch_connection_start_failed", ref=repr(self.ref), protocol=repr(self.protocol), ret=repr(r))
            await self.transport.close(socket)
            return
        self.entry.counters[2 * self.id - 2] += 1
        if await self.transport.controlling_process(socket, proto_pid) != "ok":
            await self.transport.close(socket)
            exit(sup_pid, _KILL)  # the supervised pid; a protocol pid under it goes with it
            send(to, my_pid())
            return
        send(proto_pid, ("handshake", self.ref, self.transport, socket, self.handshake_timeout))
        self.children[sup_pid] = _ACTIVE
        self.cur += 1
        if _more(self.cur, self.max_conns):
            send(to, my_pid())
        else:
            self.sleepers.append(to)

    def _wake_one(self) -> None:
        if self.sleepers:
            send(self.sleepers.pop(0), my_pid())

    def _child_exit(self, pid: Any, reason: Any) -> None:
        kind = self.children.pop(pid, None)
        if kind is None:
            return
        self.entry.counters[2 * self.id - 1] += 1
        if not gen_server.is_normal(reason):
            _log.error("ranch_connection_exited", ref=repr(self.ref), pid=repr(pid), reason=repr(reason))
        if kind is _ACTIVE:
            self.cur -= 1
            if _more(self.cur, self.max_conns):
                self._wake_one()

    def _remove(self, pid: Any) -> None:
        if self.children.get(pid) is _ACTIVE:
            self.children[pid] = _REMOVED
            self.cur -= 1
            if _more(self.cur, self.max_conns):
                self._wake_one()

    def _set_max(self, limit: Any) -> None:
        old, self.max_conns = self.max_conns, limit
        if old != _INF and (limit == _INF or limit > old):
            sleepers, self.sleepers = self.sleepers, []
            for to in sleepers:
                send(to, my_pid())

    def _call(self, from_: Any, req: Any) -> None:
        if req == ("which_children",):
            proto = self.protocol
            answer: Any = [(proto, pid, self.conn_type, [proto]) for pid in self.children]
        elif req == ("count_children",):
            n = len(self.children)
            sups, workers = (n, 0) if self.conn_type == "supervisor" else (0, n)
            answer = [("specs", 1), ("active", n), ("supervisors", sups), ("workers", workers)]
        else:
            answer = ("error", TAG)
        gen_server.reply(from_, answer)

    def _unexpected(self, msg: Any) -> None:
        _log.error("ranch_conns_sup_unexpected_message", ref=repr(self.ref), msg=repr(msg))

    async def _terminate(self, reason: Any) -> None:
        """Stop every connection as the ``shutdown`` option says, count them, exit."""
        pids = list(self.children)
        n = len(pids)
        if self.shutdown == "brutal_kill":
            for p in pids:
                unlink(p)
                exit(p, _KILL)
        else:
            refs = {}
            for p in pids:
                refs[monitor("process", p)] = p
                unlink(p)
                exit(p, _SHUTDOWN)
            timer = None if self.shutdown == _INF else send_after(self.shutdown, my_pid(), _KILL)
            while refs:
                msg = await receive(("DOWN", ANY, "process", ANY, ANY), _KILL)
                if msg == _KILL:
                    for p in refs.values():
                        exit(p, _KILL)
                    break
                refs.pop(msg[1], None)
            if timer is not None:
                cancel_timer(timer)
        self.entry.counters[2 * self.id - 1] += n
        exit(reason)
