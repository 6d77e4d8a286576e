"""A connected TCP socket as a port actor: one state machine for both backends.

`TcpSocket` holds what a connection is (its owner, options, decoder, active count, the
pending recv) and its named state (`ports._state`), and reacts to two kinds of events:
commands from processes (recv, setopts, controlling_process, close, shutdown, and send
through its I/O) and I/O events (`on_data`, `on_eof`). Where data goes is decided in one
place, `ports._delivery.dispatch`. The I/O itself (an asyncio transport for inet,
readiness callbacks for the socket backend) is a strategy object (`ports._io_transport`,
`ports._io_ready`); what the backends answer differently is read from a
`ports._backend.Backend`.
"""


from __future__ import annotations

import asyncio
from typing import Any, cast

from actors.runtime import Atom, Node, Pid, Process, call_later, current, lookup, release_memory

from .atoms import (
    DATA,
    E_CLOSED,
    E_EALREADY,
    E_EINVAL,
    E_ENOTCONN,
    E_TIMEOUT,
    ENOMEM,
    ERROR,
    HTTP,
    OK,
    TCP,
    TCP_CLOSED,
    TCP_ERROR,
    TCP_PASSIVE,
)
from ._backend import RECV_MAX, Backend, SocketHandle
from ._delivery import dispatch, flow
from ._io_transport import TransportIO
from ._transport_send import send_now as _transport_send_now
from ._packet import PacketDecoder
from ._port import Port, PortActor
from ._state import DOWN, ENDED, OPEN, RAW_CODE, REPORTED, SEND_OK, SHUT, UP, Opts
from ._stats import Stats
from ._timeouts import expire, timeout_seconds

__all__ = ["TcpSocket", "send_here"]


class TcpSocket(PortActor):
    """A connected TCP socket (see the module docstring). Made by `ports._sockets`."""

    __slots__ = (
        "backend",
        "io",
        "family",
        "opts",
        "active",
        "decoder",
        "waiter",
        "rstate",
        "cstate",
        "sstate",
        "async_failed",
        "error",
        "stats",
        "send_now",
        "send",
        "reading",
    )

    def __init__(
        self, node: Node, owner: Pid, io: Any, opts: dict[str, Any], family: str, backend: Backend
    ) -> None:
        self.backend = backend
        handle = SocketHandle._make(node) if backend.monitors_owner else None
        super().__init__(node, owner, handle, backend.monitors_owner)
        self.io = io
        self.family = family
        self.opts = o = Opts(opts)
        self.active: Any = opts.get("active", True)
        self.decoder = PacketDecoder(*o.framing(backend.lines_cut_at_buffer))
        self.waiter: tuple[asyncio.Future[Any], int] | None = None
        self.rstate = OPEN
        self.cstate = UP
        self.sstate = SEND_OK
        self.async_failed = False
        self.error: Atom | None = None
        self.stats = Stats()
        self.reading: bool | None = None  # what the I/O was last told: read or not
        io.bind(self)
        # gen_tcp.send: ``send_now(data)`` answers at once or `MUST_WAIT`, then ``await
        # send(data)``; the I/O strategy's own methods, bound once
        self.send_now = io.send_now
        self.send = io.send

    @property
    def sock(self) -> Any:
        """The OS socket (`socket.socket`) under the port."""
        return self.io.sock

    # -- I/O events --------------------------------------------------------------------

    def on_data(self, data: bytes) -> None:
        """Bytes arrived from the peer."""
        self.stats.recv_oct += len(data)
        self.decoder.feed(data)
        dispatch(self)

    def on_eof(self, error: Atom | None = None) -> None:
        """The stream ended (the peer closed; with `error`, the connection broke)."""
        if self.rstate is OPEN or self.rstate is SHUT:
            self.rstate = ENDED
            if error is not None:
                self.error = error
            if self.alive:
                dispatch(self)

    def drop_input(self) -> None:
        """Forget what was received and not yet delivered (the connection failed)."""
        self.decoder = PacketDecoder(*self.opts.framing(self.backend.lines_cut_at_buffer))

    # -- delivery: the one place -------------------------------------------------------

    def _dispatch(self) -> None:
        """`dispatch` for the I/O strategies (a compiled function does not bind as a
        method, so this module calls `dispatch` itself)."""
        dispatch(self)

    # -- commands ----------------------------------------------------------------------

    async def recv(self, length: int, timeout: Any) -> Any:
        """``gen_tcp:recv/3`` on this port (arguments already checked by gen_tcp)."""
        if self.backend.recv_length_checked:
            # inet sends Length to the driver as a 32-bit integer: it wraps, and a
            # negative one means 0 (erl: recv(S, 1 bsl 32 + 2) -> 2 bytes; recv(S,
            # 1 bsl 31) -> what is there; recv(S, 1 bsl 26 + 1) -> {error, enomem})
            length &= 0xFFFFFFFF
            if length >= 0x80000000:
                length = 0
            if self.active is not False:
                return E_EINVAL
            if length and self.opts.code != RAW_CODE:
                return E_EINVAL
            if length > RECV_MAX:
                return (ERROR, ENOMEM)
            if self.waiter is not None:
                return E_EALREADY
            if self.rstate is REPORTED:
                if self.opts.exit_on_close or self.cstate is DOWN:
                    return E_ENOTCONN
                return E_CLOSED
            if self.cstate is DOWN and self.rstate is OPEN:
                self.rstate = REPORTED
                return E_CLOSED
        else:
            # socket backend: {error, closed} repeats after the end; Length is ignored
            # in packet modes and has no limit
            if self.rstate is REPORTED or self.rstate is SHUT:
                return E_CLOSED
            if self.active is not False:
                return E_EINVAL
            if self.waiter is not None:
                return E_EALREADY
            if self.opts.code != RAW_CODE:
                length = 0
        return await self._wait_recv(length, timeout)

    async def _wait_recv(self, length: int, timeout: Any) -> Any:
        """Become the pending recv of `length` bytes: served at once if the data is
        there, else when it comes, the stream ends, or `timeout` passes."""
        loop = self.node.loop
        fut: asyncio.Future[Any] = loop.create_future()
        # typed as the attribute is, so that mypy does not narrow it to a tuple here: the
        # reads below come after dispatch and the await, and mypyc trusts the narrowing
        self.waiter = cast("tuple[asyncio.Future[Any], int] | None", (fut, length))
        dispatch(self)
        if fut.done():
            return fut.result()
        seconds = timeout_seconds(timeout)
        if seconds == 0:
            self.waiter = None
            flow(self)
            return E_TIMEOUT
        handle = call_later(loop, seconds, expire, fut) if seconds is not None else None
        try:
            return await fut
        finally:
            if handle is not None:
                handle.cancel()
            if self.waiter is not None and self.waiter[0] is fut:
                self.waiter = None
                flow(self)

    def passive_event(self) -> None:
        """``{active, N}`` reached 0 through setopts: tell the owner ``tcp_passive``."""
        owner = self.owner_process()
        if owner is not None:
            owner.deliver((TCP_PASSIVE, self.handle))

    def activate(self, value: Any) -> None:
        """``setopts([{active, true | false | once}])``: the mode only, at once."""
        self.active = value
        if (
            value is not False
            and self.reading is True
            and self.rstate is OPEN
            and self.waiter is None
            and not self.decoder.pending()
        ):
            return  # nothing buffered to deliver, no end to report, reading as it should
        dispatch(self)  # (delivers what is buffered, reports an end, then `flow`)

    def options(self) -> dict[str, Any]:
        """Every port option, ``active`` included (what getopts reads)."""
        d = dict(self.opts.d)
        d["active"] = self.active
        return d

    def set_options(self, opts: dict[str, Any]) -> None:
        """Take the whole option set a setopts computed; reframe and redeliver."""
        old = self.opts
        new = self.opts = Opts(opts)
        self.active = opts.get("active", False)
        cut = self.backend.lines_cut_at_buffer
        if old.framing(cut) != new.framing(cut):
            self.decoder.set_packet(*new.framing(cut))
        self.io.options_changed(old.d, new.d)
        dispatch(self)

    def controlling_process(self, caller: Pid, new_owner: Pid) -> Any:
        """``gen_tcp:controlling_process/2`` (arguments checked; the caller is `caller`).

        The caller's queued messages of this socket move to the new owner, in order.
        inet: a dead new owner is ``{error, badarg}``, and a ``tcp_closed`` among the
        moved messages leaves the owner as it was. Socket backend: a dead new owner is
        accepted and then closes the socket (its monitor fires)."""
        answer, target = self.handover(caller, new_owner, self.backend.dead_owner_accepted)
        if answer is not None:
            return answer
        alive = target is not None
        me = lookup(self.node, caller)
        moved_closed = False
        if isinstance(me, Process):
            moved = me.extract(_socket_messages(self.handle, self.backend.handover_moves_all))
            if target is not None:
                for m in moved:
                    if m[0] == TCP_CLOSED:
                        moved_closed = True
                    target.deliver(m)
        if moved_closed and not self.backend.handover_moves_all:
            return OK  # "socket already closed": Erlang leaves the owner as it was
        self.connect_owner(new_owner)
        if not alive:
            self.close()
        return OK

    def shutdown(self, how: str) -> Any:
        """``gen_tcp:shutdown/2`` (How checked): done by the I/O strategy."""
        return self.io.shutdown(how)

    def _close_resources(self) -> None:
        pending = self.decoder.pending()
        if pending > 65536:
            release_memory(self.node, pending)
        self.cstate = DOWN
        w = self.waiter
        self.waiter = None
        if w is not None and not w[0].done():
            w[0].set_result(E_CLOSED)
        self.io.close_port(abort=self.error is not None)

    async def closed(self) -> None:
        """Wait until the OS socket of a port that was just closed is released."""
        await self.io.released()

    def getstat(self) -> dict[str, int]:
        """``inet:getstat/1``'s counters."""
        stats: dict[str, int] = self.io.getstat(self.stats)
        return stats


def _socket_messages(h: Any, with_errors: bool) -> Any:
    """A predicate for the socket messages of handle `h` that controlling_process moves
    (the socket backend moves ``tcp_error`` and ``tcp_passive`` too)."""

    def pred(m: Any) -> bool:
        if type(m) is not tuple:
            return False
        n = len(m)
        if n == 3:
            return bool(m[1] == h and (m[0] == TCP or m[0] == HTTP or (with_errors and m[0] == TCP_ERROR)))
        if n == 2:
            return bool(
                (m[1] == h and (m[0] == TCP_CLOSED or (with_errors and m[0] == TCP_PASSIVE)))
                or (m[0] == h and type(m[1]) is tuple and len(m[1]) == 2 and m[1][0] == DATA)
            )
        return False

    return pred


def send_here(s: Any, data: Any) -> Any:
    """``gen_tcp:send/2`` on the socket term `s` when it is a live inet socket of the
    calling process's node: the answer, or `MUST_WAIT` (then ``await s.actor.send(data)``);
    None for any other socket term (the backend module answers). One compiled call for
    the interpreted ``gen_tcp.send``."""
    if type(s) is Port:
        p = s.actor
        if type(p) is TcpSocket and p.node is current().node:
            io = p.io
            if type(io) is TransportIO:
                return _transport_send_now(io, data)  # a direct call, compiled
            return p.send_now(data)
    return None

