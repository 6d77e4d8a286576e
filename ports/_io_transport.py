"""The inet backend's I/O: an asyncio transport under the port, with a send queue.

Reading is the transport's: its protocol forwards data and the end of the stream to the
port (`TcpSocket.on_data` / `on_eof`), and `want_read` pauses or resumes it. Writing is
in `ports._transport_send`: straight to the kernel when nothing is queued, else queued in
the transport as inet_drv queues it, with the port's watermarks as the queue's limits.
"""

from __future__ import annotations

import asyncio
import collections
import os
import socket
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Final

from actors.runtime import uninterruptible

from .atoms import E_ENOTCONN, ECONNRESET, ERROR, OK
from ._errors import reason_from_oserror
from ._options import apply_sockopts
from ._state import DOWN, SEND_BROKEN, SEND_OK, UP, WRITE_SHUT
from ._transport_send import flush_queue, pending, pump, release_all, send, send_now

if TYPE_CHECKING:
    from ._conn import TcpSocket

__all__ = ["TransportIO"]

_NODELAY: Final = (socket.IPPROTO_TCP, socket.TCP_NODELAY)


class _Protocol(asyncio.Protocol):
    """Forwards transport events to the port's I/O (asyncio's callback interface)."""

    __slots__ = ("io",)

    def __init__(self, io: TransportIO) -> None:
        self.io = io

    def data_received(self, data: bytes) -> None:
        self.io.port.on_data(data)

    def eof_received(self) -> bool:
        self.io.port.on_eof(None)
        return True  # keep the write side open: the port decides when to close

    def connection_lost(self, exc: Exception | None) -> None:
        self.io.on_lost(exc)

    def pause_writing(self) -> None:
        self.io.holding = True

    def resume_writing(self) -> None:
        self.io.holding = False
        pump(self.io)


def _closed() -> bool:
    return True  # no transport yet


class TransportIO:
    """The inet backend's I/O strategy for one `TcpSocket` (see the module docstring)."""

    __slots__ = (
        "port",
        "sock",
        "transport",
        "paused",
        "queue",
        "queued",
        "holding",
        "busy",
        "eof_pending",
        "drain",
        "waiters",
        "lost",
        "starting",
        "fd",
        "closing",
    )
    __deletable__ = ("port",)  # for mypyc: on_lost deletes it

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.transport: asyncio.Transport | None = None
        self.paused = False  # reading paused
        self.queue: collections.deque[bytes] = collections.deque()  # the driver queue
        self.queued = 0  # bytes in `queue`
        self.holding = False  # the transport holds data it has not written yet
        self.busy = False  # queue above high_watermark, not yet back to low_watermark
        self.eof_pending = False  # shutdown(write) after the queue is sent
        self.drain: tuple[asyncio.Future[Any], Any] | None = None  # the busy sender's wait
        self.waiters: collections.deque[asyncio.Future[Any]] = collections.deque()  # behind it
        self.lost: asyncio.Future[None] | None = None
        self.starting = False  # the loop is setting the transport up: leave the socket
        # the transport's descriptor and its is_closing, for the send path (bound once:
        # a write checks closing() first, and the descriptor is the transport's until then)
        self.fd = -1
        self.closing: Callable[[], bool] = _closed

    def bind(self, port: TcpSocket) -> None:
        self.port = port

    async def start(self, sockopts: list[Any]) -> None:
        """Wrap the connected OS socket in a transport (once, by the opener).

        The loop's socket setup runs to its end even if the calling process is killed
        meanwhile (cancelling it half way crashes uvloop): the kill waits, and the
        transport is aborted by the port's close as the kill goes on. asyncio and uvloop
        turn ``TCP_NODELAY`` on for every transport; Erlang's default is ``{nodelay,
        false}``, so the port's own options are applied again after.
        """
        port = self.port
        loop = port.node.loop
        self.starting = True
        try:
            with uninterruptible(port.owner_proc):
                self.transport, _ = await loop.connect_accepted_socket(lambda: _Protocol(self), self.sock)
        finally:
            self.starting = False
            if not port.alive:  # closed while the loop set it up
                if self.transport is not None:
                    self.transport.abort()
                else:
                    self.sock.close()
        if not port.alive:
            return
        self.fd = self.sock.fileno()
        self.closing = self.transport.is_closing
        if port.family != "local":
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
            apply_sockopts(self.sock, [o for o in sockopts if o[:2] == _NODELAY])
        # the transport reports as soon as it holds anything and when it is empty again:
        # the port's own queue feeds it (ports._transport_send)
        self.transport.set_write_buffer_limits(high=0, low=0)
        # the transport reads from the start: whatever the port wanted before it existed
        # (a passive or once socket may not want to read) is told again now
        port.reading = None
        port._dispatch()

    def options_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """New watermarks take effect at once: the port may stop or start being busy."""
        if self.transport is None:
            return
        pend = pending(self)
        if self.busy and pend <= new["low_watermark"]:
            pump(self)
        elif not self.busy and pend > new["high_watermark"]:
            self.busy = True

    # -- reading -------------------------------------------------------------------------

    def want_read(self, want: bool) -> None:
        t = self.transport
        if t is None:
            return
        if want:
            if self.paused:
                self.paused = False
                t.resume_reading()
        elif not self.paused:
            self.paused = True
            t.pause_reading()

    def on_lost(self, exc: Exception | None) -> None:
        """The transport closed: the descriptor is released; a connection that broke
        while the port lives ends the stream (``econnreset`` for a reset)."""
        lost = self.lost
        if lost is not None and not lost.done():
            lost.set_result(None)
        port = self.port
        if not port.alive:
            # the last event of a closed port: drop the way back to it, so that the
            # port and its I/O are freed by reference counting, not by the cyclic GC
            del self.port
            return
        port.cstate = DOWN
        if exc is not None and (self.queued or self.holding):
            # a failure while queued data was being sent: inet closes the socket at
            # once, and what was received but not yet read is lost with it
            port.async_failed = True
            port.drop_input()
        self.queue.clear()
        self.queued = 0
        self.holding = False
        if port.sstate is SEND_OK:
            port.sstate = SEND_BROKEN
        port.on_eof(ECONNRESET if isinstance(exc, ConnectionResetError) else None)
        release_all(self)

    # -- writing: ports._transport_send ---------------------------------------------------

    # the port binds these once (a compiled function does not bind as a method)
    @property
    def send_now(self) -> Callable[[Any], Any]:
        return partial(send_now, self)

    @property
    def send(self) -> Callable[[Any], Coroutine[Any, Any, Any]]:
        return partial(send, self)

    # -- closing -------------------------------------------------------------------------

    def shutdown(self, how: str) -> Any:
        """``gen_tcp:shutdown/2``: ``write`` sends the end after the queued data."""
        port = self.port
        t = self.transport
        if port.cstate is DOWN or t is None:
            return E_ENOTCONN
        try:
            if how in ("write", "read_write"):
                if port.cstate is UP:
                    port.cstate = WRITE_SHUT
                    if self.queue:
                        self.eof_pending = True  # after the queue (pump sends it)
                    elif t.can_write_eof():
                        t.write_eof()
            if how in ("read", "read_write"):
                s = socket.socket(fileno=os.dup(self.sock.fileno()))
                try:
                    s.shutdown(socket.SHUT_RD)
                finally:
                    s.close()
        except OSError as e:
            return (ERROR, reason_from_oserror(e))
        return OK

    def close(self, abort: bool) -> None:
        """Close the connection (the port stays); queued data is still sent unless
        `abort`."""
        t = self.transport
        release_all(self)
        if t is not None:
            if abort:
                t.abort()
            else:
                flush_queue(self)
                t.close()
        elif not self.starting:
            self.sock.close()

    def close_port(self, abort: bool) -> None:
        """The port closes: release waiting senders and the connection (queued data is
        still sent, then the socket closes)."""
        if self.drain is not None or self.waiters:
            release_all(self)
        t = self.transport
        if t is not None:
            if not abort and self.queue:
                flush_queue(self)
            if not t.is_closing() and t.get_write_buffer_size() == 0:
                # the descriptor goes when the transport calls connection_lost: `lost`
                # lets gen_tcp.close wait for that, as Erlang's close frees it at once
                self.lost = self.port.node.loop.create_future()
            if abort:
                t.abort()
            else:
                t.close()
        elif not self.starting:
            self.sock.close()

    async def released(self) -> None:
        """Wait until the descriptor of a closed connection is released."""
        lost = self.lost
        if lost is not None and not lost.done():
            await lost

    def getstat(self, stats: Any) -> dict[str, int]:
        view: dict[str, int] = stats.view(pending(self))
        return view
