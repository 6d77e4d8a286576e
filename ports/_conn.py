"""A connected TCP socket as a port actor: one state machine for both backends.

`TcpSocket` holds what a connection is (its owner, options, decoder, active count, the
pending recv) and its state, and reacts to two kinds of events: commands from processes
(recv, setopts, controlling_process, close, shutdown, and send through its I/O) and
I/O events (`on_data`, `on_eof`). The I/O itself (an asyncio transport for inet,
readiness callbacks for the socket backend) is a strategy object (`ports._io`); what
the backends answer differently is read from a `ports._backend.Backend`.

The state, as named states (OTP's ``gen_tcp_socket`` names them alike):

- read side (`rstate`): `OPEN` (data may come), `ENDED` (the stream ended - the peer
  closed or the connection broke - and packets still buffered go first, then the end is
  reported once), `REPORTED` (the end was reported, to a recv as ``{error, closed}`` or
  to the owner as ``{tcp_closed, S}``), `SHUT` (``shutdown(read)`` on the socket backend:
  recv answers ``{error, closed}``);
- connection (`cstate`): `UP`, `WRITE_SHUT` (``shutdown(write)``), `DOWN` (the OS socket
  is gone while the port stays: a reported end with ``exit_on_close``, a failed send, a
  framing error while passive, ``send_timeout_close``);
- send side (`sstate`): `SEND_OK`, `SEND_BROKEN` (a write failed), `SEND_ANSWERED` (a
  send was told the connection is gone; later ones get ``enotconn``), with
  `async_failed` recording that the failure was found while queued data was being
  written in the background (inet answers that differently).

`_dispatch` is the one function that decides delivery: to a waiting recv, to the owner
as ``{tcp, S, Data}`` (ending an ``{active, once}``, counting down ``{active, N}`` to
``{tcp_passive, S}``), or kept in the buffer; then whether the end is reported, then
whether to keep reading (a port whose data nobody takes stops reading once it holds
`read_limit` bytes, so TCP holds the peer back).
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from actors.runtime import Atom, Node, Pid, Process, lookup

from ._atoms import (
    CLOSED,
    DATA,
    E_CLOSED,
    E_EALREADY,
    E_EINVAL,
    E_ENOTCONN,
    E_TIMEOUT,
    ENOMEM,
    ERROR,
    HTTP,
    NOT_OWNER,
    OK,
    TCP,
    TCP_CLOSED,
    TCP_ERROR,
    TCP_PASSIVE,
    E_BADARG,
)
from ._backend import RECV_MAX, Backend, SocketHandle
from ._packet import PacketDecoder, PacketError, packet_type
from ._port import PortActor
from ._stats import Stats
from ._timeouts import expire, timeout_seconds

__all__ = [
    "TcpSocket",
    "Opts",
    "OPEN",
    "ENDED",
    "REPORTED",
    "SHUT",
    "UP",
    "WRITE_SHUT",
    "DOWN",
    "SEND_OK",
    "SEND_BROKEN",
    "SEND_ANSWERED",
    "READ_LIMIT_MIN",
    "MUST_WAIT",
    "RAW_CODE",
]

OPEN: Final[str] = "open"
ENDED: Final[str] = "ended"
REPORTED: Final[str] = "reported"
SHUT: Final[str] = "shut"
UP: Final[str] = "up"
WRITE_SHUT: Final[str] = "write_shut"
DOWN: Final[str] = "down"
SEND_OK: Final[str] = "send_ok"
SEND_BROKEN: Final[str] = "send_broken"
SEND_ANSWERED: Final[str] = "send_answered"

RAW_CODE: Final = packet_type(0)
HTTP_CODES: Final = frozenset(packet_type(t) for t in ("http", "httph", "http_bin", "httph_bin"))
MUST_WAIT: Final = object()
"""An I/O's ``send_now``: this send may have to wait; call (await) its ``send``."""
READ_LIMIT_MIN: Final = 65536
"""A port whose data nobody takes stops reading once it buffers this much (or `buffer`)."""


class Opts:
    """A port's options (every one but ``active``), with what the hot paths read from
    them worked out once. Replaced whole by setopts, never edited in place."""

    __slots__ = (
        "d",
        "binary",
        "header",
        "deliver_port",
        "buffer",
        "code",
        "tag",
        "read_limit",
        "exit_on_close",
        "show_econnreset",
        "send_timeout",
    )

    def __init__(self, d: dict[str, Any]) -> None:
        d = dict(d)
        d.pop("active", None)
        self.d = d
        self.binary = d.get("mode", "list") == "binary"
        self.header = d.get("header", 0)
        self.deliver_port = d.get("deliver", "term") == "port"
        self.buffer = max(1, d.get("buffer", 1460))
        self.code = packet_type(d.get("packet", 0))
        self.tag = HTTP if self.code in HTTP_CODES else TCP
        self.read_limit = max(self.buffer, READ_LIMIT_MIN)
        self.exit_on_close = d.get("exit_on_close", True)
        self.show_econnreset = d.get("show_econnreset", False)
        self.send_timeout = d.get("send_timeout", "infinity")

    def framing(self, cut_lines: bool) -> tuple[Any, int, int, int]:
        """The decoder's settings: packet type, size limit, line delimiter, line cut."""
        d = self.d
        cut = d.get("buffer", 1460) if cut_lines else 0
        return (d.get("packet", 0), d.get("packet_size", 0), d.get("line_delimiter", 10), cut)


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
        io.bind(self)

    @property
    def sock(self) -> Any:
        """The OS socket (`socket.socket`) under the port."""
        return self.io.sock

    # -- I/O events --------------------------------------------------------------------

    def on_data(self, data: bytes) -> None:
        """Bytes arrived from the peer."""
        self.stats.recv_oct += len(data)
        self.decoder.feed(data)
        self._dispatch()

    def on_eof(self, error: Atom | None = None) -> None:
        """The stream ended (the peer closed; with `error`, the connection broke)."""
        if self.rstate is OPEN or self.rstate is SHUT:
            self.rstate = ENDED
            if error is not None:
                self.error = error
            if self.alive:
                self._dispatch()

    # -- delivery: the one place -------------------------------------------------------

    def _convert(self, pkt: Any) -> Any:
        if pkt.__class__ is not bytes:
            return pkt  # an HTTP term
        o = self.opts
        if o.binary:
            h = o.header
            if h:
                if len(pkt) < h:
                    return list(pkt)
                return [*pkt[:h], pkt[h:]]
            return pkt
        return pkt.decode("latin-1")

    def _next(self, length: int) -> Any:
        o = self.opts
        if o.code == RAW_CODE:
            return self.decoder.next_raw(length, o.buffer)
        return self.decoder.next()

    def _dispatch(self) -> None:
        """Decide where buffered data goes, and report the end of the stream once."""
        if not self.alive:
            return
        while True:
            w = self.waiter
            if w is not None:
                fut, length = w
                if fut.done():
                    self.waiter = None
                    continue
                try:
                    pkt = self._next(length)
                except PacketError as e:
                    self.waiter = None
                    fut.set_result((ERROR, Atom(e.reason)))
                    self._framing_error_passive()
                    return
                if pkt is None:
                    break
                self.waiter = None
                self._count(pkt)
                fut.set_result((OK, self._convert(pkt)))
                continue
            active = self.active
            if active is False:
                break
            try:
                pkt = self._next(0)
            except PacketError as e:
                self._framing_error_active(Atom(e.reason))
                return
            if pkt is None:
                break
            self._count(pkt)
            owner = self.owner_process()
            if self.opts.deliver_port:
                msg: Any = (self.handle, (DATA, self._convert(pkt)))
            else:
                msg = (self.opts.tag, self.handle, self._convert(pkt))
            if active is not True:
                if active == "once":
                    self.active = False
                elif active <= 1:
                    self.active = False
                    if owner is not None:
                        owner.deliver(msg)
                        owner.deliver((TCP_PASSIVE, self.handle))
                    continue
                else:
                    self.active = active - 1
            if owner is not None:
                owner.deliver(msg)
        if self.rstate is ENDED:
            self._report_end()
        if self.alive:
            self._flow()

    def _count(self, pkt: Any) -> None:
        st = self.stats
        st.recv_cnt += 1
        n = len(pkt) if pkt.__class__ is bytes else 0
        if n > st.recv_max:
            st.recv_max = n

    def _closes_at_end(self) -> bool:
        return self.backend.end_closes and self.opts.exit_on_close

    def _report_end(self) -> None:
        """The stream ended and no whole packet is left: tell a waiter or the owner."""
        err = self.error if self.error is not None and self.opts.show_econnreset else None
        w = self.waiter
        if w is not None:
            self.waiter = None
            self.rstate = REPORTED
            w[0].set_result((ERROR, err or CLOSED))
            if self._closes_at_end():
                self._close_connection()
            return
        if self.active is False:
            return  # reported when someone asks (recv) or the socket turns active again
        self.rstate = REPORTED
        owner = self.owner_process()
        if owner is not None:
            if err is not None:
                owner.deliver((TCP_ERROR, self.handle, err))
            owner.deliver((TCP_CLOSED, self.handle))
        if self._closes_at_end():
            self.close()

    def _framing_error_passive(self) -> None:
        """A recv found a packet that breaks the framing: inet drops the connection and
        keeps the port; the socket backend keeps both (the next recv fails again)."""
        if self.backend.framing_error_closes:
            self.rstate = REPORTED
            self.sstate = SEND_ANSWERED
            self._close_connection()

    def _framing_error_active(self, reason: Atom) -> None:
        """Delivery found a packet that breaks the framing: ``{tcp_error, S, R}``; inet
        then closes (``tcp_closed``), the socket backend turns passive."""
        owner = self.owner_process()
        if not self.backend.framing_error_closes:
            self.active = False
            if owner is not None:
                owner.deliver((TCP_ERROR, self.handle, reason))
            return
        if owner is not None:
            owner.deliver((TCP_ERROR, self.handle, reason))
            owner.deliver((TCP_CLOSED, self.handle))
        self.rstate = REPORTED
        self.close()

    def _flow(self) -> None:
        """Read while someone takes the data or the buffer has room."""
        if self.cstate is DOWN:
            return
        self.io.want_read(
            self.waiter is not None
            or self.active is not False
            or self.decoder.pending() < self.opts.read_limit
        )

    def _close_connection(self) -> None:
        """Close the OS socket but keep the port (its calls answer as Erlang's do then)."""
        if self.cstate is not DOWN:
            self.cstate = DOWN
            self.io.close(abort=self.error is not None)

    # -- commands ----------------------------------------------------------------------

    async def recv(self, length: int, timeout: Any) -> Any:
        """``gen_tcp:recv/3`` on this port (arguments already checked by gen_tcp)."""
        if self.backend.recv_length_checked:
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
        self.waiter = (fut, length)
        self._dispatch()
        if fut.done():
            return fut.result()
        seconds = timeout_seconds(timeout)
        if seconds == 0:
            self.waiter = None
            self._flow()
            return E_TIMEOUT
        handle = loop.call_later(seconds, expire, fut) if seconds is not None else None
        try:
            return await fut
        finally:
            if handle is not None:
                handle.cancel()
            if self.waiter is not None and self.waiter[0] is fut:
                self.waiter = None
                self._flow()

    def passive_event(self) -> None:
        """``{active, N}`` reached 0 through setopts: tell the owner ``tcp_passive``."""
        owner = self.owner_process()
        if owner is not None:
            owner.deliver((TCP_PASSIVE, self.handle))

    def activate(self, value: Any) -> None:
        """``setopts([{active, true | false | once}])``: the mode only, at once."""
        self.active = value
        if self.rstate is not OPEN or self.decoder.pending():
            self._dispatch()
        else:
            self._flow()

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
        self._dispatch()

    def controlling_process(self, caller: Pid, new_owner: Pid) -> Any:
        """``gen_tcp:controlling_process/2`` (arguments checked; the caller is `caller`).

        The caller's queued messages of this socket move to the new owner, in order.
        inet: a dead new owner is ``{error, badarg}``, and a ``tcp_closed`` among the
        moved messages leaves the owner as it was. Socket backend: a dead new owner is
        accepted and then closes the socket (its monitor fires)."""
        if self.owner != caller:
            return (ERROR, NOT_OWNER)
        if new_owner == caller:
            return OK
        target = lookup(self.node, new_owner)
        alive = isinstance(target, Process) and target.alive
        monitors = self.backend.monitors_owner
        if not alive and not monitors:
            return E_BADARG
        me = lookup(self.node, caller)
        moved_closed = False
        if isinstance(me, Process):
            moved = me.extract(_socket_messages(self.handle, monitors))
            if isinstance(target, Process):
                for m in moved:
                    if m[0] == TCP_CLOSED:
                        moved_closed = True
                    target.deliver(m)
        if moved_closed and not monitors:
            return OK  # "socket already closed": Erlang leaves the owner as it was
        self.connect_owner(new_owner)
        if not alive:
            self.close()
        return OK

    def shutdown(self, how: str) -> Any:
        """``gen_tcp:shutdown/2`` (How checked): done by the I/O strategy."""
        return self.io.shutdown(how)

    def _close_resources(self) -> None:
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
        if m.__class__ is not tuple:
            return False
        n = len(m)
        if n == 3:
            return bool(m[1] == h and (m[0] == TCP or m[0] == HTTP or (with_errors and m[0] == TCP_ERROR)))
        if n == 2:
            return bool(
                (m[1] == h and (m[0] == TCP_CLOSED or (with_errors and m[0] == TCP_PASSIVE)))
                or (m[0] == h and m[1].__class__ is tuple and len(m[1]) == 2 and m[1][0] == DATA)
            )
        return False

    return pred

