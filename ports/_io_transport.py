"""The inet backend's I/O: an asyncio transport under the port, with a send queue.

Reading is the transport's: its protocol forwards data and the end of the stream to the
port (`TcpSocket.on_data` / `on_eof`), and `want_read` pauses or resumes it. Writing
goes straight to the kernel when nothing is queued (so a failure is seen with its
errno); what the kernel does not take is queued in the transport, as inet_drv queues it,
with the port's ``high_watermark`` / ``low_watermark`` as the queue's limits: above the
high mark the port is busy and a sender waits until it drains below the low mark (or
``send_timeout`` passes).
"""

from __future__ import annotations

import asyncio
import collections
import os
import socket
from typing import TYPE_CHECKING, Any, Final

import structlog

from actors.runtime import uninterruptible

from .atoms import E_CLOSED, E_EINVAL, E_ENOTCONN, E_TIMEOUT, ECONNRESET, ERROR, OK
from ._errors import reason_from_oserror
from ._iodata import NotIodata, iodata_to_bytes
from ._options import apply_sockopts
from ._packet import encode_packet
from ._timeouts import expire, timeout_seconds

from ._state import DOWN, MUST_WAIT, RAW_CODE, REPORTED, SEND_ANSWERED, SEND_BROKEN, SEND_OK, UP, WRITE_SHUT

if TYPE_CHECKING:
    from ._conn import TcpSocket

__all__ = ["TransportIO"]

_log = structlog.get_logger("ports")

DRAIN_POLL: Final = 0.002
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
        self.io.busy = True

    def resume_writing(self) -> None:
        self.io.on_drained()


class TransportIO:
    """The inet backend's I/O strategy for one `TcpSocket` (see the module docstring)."""

    __slots__ = ("port", "sock", "transport", "paused", "busy", "drain_waiters", "lost", "had_queue", "starting")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.transport: asyncio.Transport | None = None
        self.paused = False
        self.busy = False
        self.drain_waiters: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.lost: asyncio.Future[None] | None = None
        self.had_queue = False
        self.starting = False  # the loop is setting the transport up: leave the socket

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
            with uninterruptible():
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
        if port.family != "local":
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
            apply_sockopts(self.sock, [o for o in sockopts if o[:2] == _NODELAY])
        self._apply_watermarks(port.opts.d)
        port._dispatch()

    def _apply_watermarks(self, opts: dict[str, Any]) -> None:
        t = self.transport
        if t is not None:
            high = max(0, opts.get("high_watermark", 8192))
            low = min(high, max(0, opts.get("low_watermark", 4096)))
            t.set_write_buffer_limits(high=high, low=low)

    def options_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old.get("high_watermark") != new.get("high_watermark") or old.get("low_watermark") != new.get(
            "low_watermark"
        ):
            self._apply_watermarks(new)

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
            return
        port.cstate = DOWN
        if exc is not None and self.had_queue:
            port.async_failed = True
        if port.sstate is SEND_OK:
            port.sstate = SEND_BROKEN
        port.on_eof(ECONNRESET if isinstance(exc, ConnectionResetError) else None)
        self.on_drained()

    # -- writing -------------------------------------------------------------------------

    def on_drained(self) -> None:
        self.busy = False
        waiters = self.drain_waiters
        while waiters:
            w = waiters.popleft()
            if not w.done():
                w.set_result(None)

    def _poll_drain(self) -> None:
        """While senders wait, watch the queue: uvloop reports a drain only when a
        whole write request is done, inet as soon as the queue is below the low mark."""
        if not self.drain_waiters:
            return
        t = self.transport
        if t is None or t.is_closing() or t.get_write_buffer_size() <= self.port.opts.d["low_watermark"]:
            self.on_drained()
        else:
            self.port.node.loop.call_later(DRAIN_POLL, self._poll_drain)

    def send_now(self, data: Any) -> Any:
        """`send` when it needs no wait (the common case): its result, or `MUST_WAIT`.

        Nothing queued and not busy: the data goes to the kernel here, the rest (if the
        kernel took only part) to the transport's queue.
        """
        t = self.transport
        port = self.port
        if (
            t is None
            or self.busy
            or port.cstate is not UP
            or port.sstate is not SEND_OK
            or t.is_closing()
            or port.opts.send_timeout != "infinity"
        ):
            return MUST_WAIT
        try:
            payload = iodata_to_bytes(data)
        except NotIodata:
            return self._not_iodata(data)
        return self._write(t, payload)

    async def send(self, data: Any) -> Any:
        """``gen_tcp:send/2`` on this port: queue the data; wait while the port is busy."""
        try:
            payload = iodata_to_bytes(data)
        except NotIodata:
            return self._not_iodata(data)
        port = self.port
        t = self.transport
        if t is not None and t.is_closing() and port.cstate is not DOWN:
            # the transport saw an error and will report it (connection_lost) on the
            # next turn of the loop: wait for it, to answer with the real reason
            if self.lost is None:
                self.lost = port.node.loop.create_future()
            await self.released()
        if port.cstate is not UP or t is None or port.sstate is not SEND_OK or t.is_closing():
            if t is not None and t.is_closing() and port.sstate is SEND_OK:
                port.sstate = SEND_BROKEN
            return self._send_closed()
        send_timeout = port.opts.send_timeout
        if self.busy:
            r = await self._wait_drain(send_timeout)
            if r is not None:
                return r
            if not port.alive:
                return E_CLOSED
            if port.cstate is DOWN or port.sstate is not SEND_OK or t.is_closing():
                return self._send_closed()
        r = self._write(t, payload)
        if r is OK and self.busy and send_timeout != "infinity":
            r = await self._wait_drain(send_timeout)
            if r is None:
                return OK
        return r

    def _not_iodata(self, data: Any) -> Any:
        _log.error("bad_value_on_output_port", port=repr(self.port.handle), data=repr(data)[:200])
        return E_EINVAL

    def _write(self, t: asyncio.Transport, payload: bytes) -> Any:
        """Hand `payload` (framed) to the kernel, or queue it behind what is queued."""
        port = self.port
        packet = port.opts.d["packet"]
        frame = encode_packet(packet, payload) if port.opts.code != RAW_CODE else None
        if t.get_write_buffer_size() == 0:
            # Nothing queued: write at once ourselves, so that a failure is seen here
            # with its errno (the transport would only report it later).
            try:
                if frame is None:
                    n = self.sock.send(payload)
                else:
                    n = self.sock.sendmsg(frame)
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError as e:
                port.sstate = SEND_BROKEN
                if isinstance(e, ConnectionResetError) and port.error is None:
                    port.error = ECONNRESET
                return self._send_closed()
            size = len(payload)
            total = size if frame is None else len(frame[0]) + size
            if n < total:
                # the rest is queued, as the inet driver queues it: a failure while
                # sending it is reported later (async), not by this send
                t.write(payload[n:] if frame is None else b"".join(frame)[n:])
                self.had_queue = True
        else:
            size = len(payload)
            if frame is None:
                t.write(payload)
            else:
                t.writelines(frame)
            self.had_queue = True
        port.stats.sent(size)
        return OK

    def _send_closed(self) -> Any:
        """What a send answers once the connection cannot send (inet's rules)."""
        port = self.port
        if port.cstate is WRITE_SHUT:
            return E_CLOSED
        if not port.opts.exit_on_close:
            # a failure found while sending queued data in the background closes the
            # connection (then enotconn); one found by a send itself repeats closed
            if port.async_failed:
                if port.sstate is SEND_ANSWERED:
                    return E_ENOTCONN
                port.sstate = SEND_ANSWERED
            return E_CLOSED
        if port.sstate is SEND_ANSWERED:
            return E_ENOTCONN
        port.sstate = SEND_ANSWERED
        if port.cstate is not DOWN:
            port._close_connection()
        if port.error == ECONNRESET and port.opts.show_econnreset:
            return (ERROR, ECONNRESET)
        return E_CLOSED

    async def _wait_drain(self, send_timeout: Any) -> Any:
        """Wait until the port is no longer busy; None, or the send's error result."""
        port = self.port
        loop = port.node.loop
        fut: asyncio.Future[Any] = loop.create_future()
        self.drain_waiters.append(fut)
        if len(self.drain_waiters) == 1:
            loop.call_later(DRAIN_POLL, self._poll_drain)
        seconds = timeout_seconds(send_timeout)
        handle = loop.call_later(seconds, expire, fut) if seconds is not None else None
        try:
            r = await fut
        finally:
            if handle is not None:
                handle.cancel()
        if r is None:
            return None
        # send_timeout passed: the data stays queued (inet); maybe close the socket
        if port.opts.d.get("send_timeout_close", False):
            port.sstate = SEND_ANSWERED
            port.rstate = REPORTED
            port.cstate = DOWN
            if self.transport is not None:
                self.transport.abort()
        return E_TIMEOUT

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
                    if t.can_write_eof():
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
        """Close the connection (the port stays)."""
        t = self.transport
        if t is not None:
            t.abort() if abort else t.close()
        elif not self.starting:
            self.sock.close()

    def close_port(self, abort: bool) -> None:
        """The port closes: release waiting senders and the connection."""
        while self.drain_waiters:
            d = self.drain_waiters.popleft()
            if not d.done():
                d.set_result(None)
        t = self.transport
        if t is not None:
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
        t = self.transport
        return stats.view(t.get_write_buffer_size() if t is not None and not t.is_closing() else 0)  # type: ignore[no-any-return]
