"""The socket backend's I/O: readiness callbacks on the descriptor, and no send queue.

OTP's socket backend has no driver queue: a send writes straight to the kernel and, while
the kernel buffer is full, waits until everything is written or ``send_timeout`` passed
(``{error, {timeout, RestData}}``, or ``{error, timeout}`` and a closed socket with
``send_timeout_close``). Senders are served in turn. There is no asyncio transport: the
port watches its descriptor with ``add_reader`` / ``add_writer`` itself.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import TYPE_CHECKING, Any, Final

from actors.runtime import Badarg, ErlangError, call_later

from .atoms import CLOSED, DATA, E_CLOSED, E_TIMEOUT, ECONNRESET, ERROR, INVALID, OK, TIMEOUT
from ._state import DOWN, ENDED, MUST_WAIT, OPEN, RAW_CODE, SHUT, UP, WRITE_SHUT
from ._errors import reason_from_oserror
from ._iodata import NotIodata, iodata_to_bytes
from ._packet import encode_packet
from ._timeouts import expire, timeout_seconds

if TYPE_CHECKING:
    from ._conn import TcpSocket

__all__ = ["ReadyIO", "socket_iodata"]

READ_SIZE: Final = 65536


def socket_iodata(data: Any) -> bytes:
    """The bytes to send, raising as gen_tcp_socket raises for what is not iodata:
    ``badarg`` for a non-list (erl: ``gen_tcp:send(S, foo)`` -> error:badarg),
    ``{invalid, {data, List}}`` for a bad list."""
    try:
        return iodata_to_bytes(data)
    except NotIodata:
        if isinstance(data, list):
            raise ErlangError((INVALID, (DATA, data))) from None
        raise Badarg() from None


class ReadyIO:
    """The socket backend's I/O strategy for one `TcpSocket` (see the module docstring)."""

    __slots__ = ("port", "sock", "reading", "read_done", "write_waiter", "writing", "send_lock", "send_error")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reading = False
        self.read_done = False
        self.writing = False
        self.write_waiter: asyncio.Future[Any] | None = None
        self.send_lock = asyncio.Lock()
        self.send_error: Any = None

    def bind(self, port: TcpSocket) -> None:
        self.port = port

    async def start(self, sockopts: list[Any]) -> None:
        """Start watching the descriptor (its options were applied by the opener)."""
        del sockopts
        self.port._dispatch()

    def options_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """No transport, no watermarks to apply."""

    # -- reading -------------------------------------------------------------------------

    def want_read(self, want: bool) -> None:
        if self.read_done or not self.port.alive:
            want = False
        if want and not self.reading:
            self.port.node.loop.add_reader(self.sock.fileno(), self._on_readable)
            self.reading = True
        elif not want and self.reading:
            self._stop_reading()

    def _stop_reading(self) -> None:
        if self.reading:
            self.reading = False
            self.port.node.loop.remove_reader(self.sock.fileno())

    def _on_readable(self) -> None:
        # Read until the kernel has nothing more: uvloop's poll may not report again
        # an end of stream that arrived together with the last data.
        port = self.port
        for _ in range(16):
            try:
                data = self.sock.recv(READ_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self.read_done = True
                self._stop_reading()
                port.on_eof(ECONNRESET if isinstance(e, ConnectionResetError) else reason_from_oserror(e))
                return
            if not data:
                self.read_done = True
                self._stop_reading()
                port.on_eof(None)
                return
            port.on_data(data)
            if not self.reading or port.cstate is DOWN:
                return

    # -- writing -------------------------------------------------------------------------

    def send_now(self, data: Any) -> Any:
        """Never at once: a send on this backend always goes through `send` (it blocks)."""
        return MUST_WAIT

    async def send(self, data: Any) -> Any:
        """``gen_tcp:send/2`` without a queue: ``ok`` once the kernel took every byte;
        ``{error, {timeout, RestData}}`` when ``send_timeout`` passed first (RestData the
        bytes not sent, a binary); with ``send_timeout_close`` ``{error, timeout}`` and
        the socket closes. ``{error, closed}`` after shutdown(write) or a close; a broken
        connection gives ``closed`` (``econnreset`` with ``show_econnreset``) every time.
        Raises for data that is not iodata."""
        payload = socket_iodata(data)
        port = self.port
        if port.cstate is not UP:  # shut for writing, or gone
            return E_CLOSED
        if self.send_error is not None:
            return self.send_error
        o = port.opts
        frame = payload if o.code == RAW_CODE else b"".join(encode_packet(o.d["packet"], payload))
        seconds = timeout_seconds(o.send_timeout)
        deadline = None if seconds is None else time.monotonic() + seconds
        async with self.send_lock:
            return await self._send_all(frame, len(frame), deadline)

    async def _send_all(self, frame: bytes, size: int, deadline: float | None) -> Any:
        port = self.port
        view = memoryview(frame)
        sent = 0
        total = len(frame)
        while sent < total:
            if not port.alive or port.cstate is not UP:
                return E_CLOSED
            try:
                sent += self.sock.send(view[sent:])
                continue
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                return self._send_failed(e)
            r = await self._writable(deadline)
            if r is TIMEOUT:
                if port.opts.d.get("send_timeout_close", False):
                    port.close()
                    return E_TIMEOUT
                return (ERROR, (TIMEOUT, bytes(view[sent:])))
            if r is not None:
                return r
        port.stats.sent(size)
        return OK

    def _send_failed(self, e: OSError) -> Any:
        port = self.port
        if isinstance(e, (ConnectionResetError, BrokenPipeError)):
            reset = isinstance(e, ConnectionResetError) or port.error == ECONNRESET
            reason = ECONNRESET if reset and port.opts.show_econnreset else CLOSED
        else:
            reason = reason_from_oserror(e)
        self.send_error = (ERROR, reason)
        return self.send_error

    async def _writable(self, deadline: float | None) -> Any:
        """Wait until the socket can take more: None, ``timeout``, or an error result."""
        loop = self.port.node.loop
        fut: asyncio.Future[Any] = loop.create_future()
        self.write_waiter = fut
        fd = self.sock.fileno()
        loop.add_writer(fd, expire, fut, None)
        self.writing = True
        handle = None
        if deadline is not None:
            handle = call_later(loop, max(0.0, deadline - time.monotonic()), expire, fut, TIMEOUT)
        try:
            return await fut
        finally:
            if handle is not None:
                handle.cancel()
            self.write_waiter = None
            if self.writing:
                self.writing = False
                loop.remove_writer(fd)

    # -- closing -------------------------------------------------------------------------

    def shutdown(self, how: str) -> Any:
        """``gen_tcp:shutdown/2``, at once on the kernel socket (no queue to wait for);
        ``read`` makes recv answer ``{error, closed}``."""
        port = self.port
        if port.cstate is DOWN:
            return E_CLOSED
        mode = {"write": socket.SHUT_WR, "read": socket.SHUT_RD}.get(how, socket.SHUT_RDWR)
        try:
            self.sock.shutdown(mode)
        except OSError as e:
            return (ERROR, reason_from_oserror(e))
        if how != "read":
            port.cstate = WRITE_SHUT
            w = self.write_waiter
            if w is not None and not w.done():
                w.set_result(E_CLOSED)
        if how != "write" and (port.rstate is OPEN or port.rstate is ENDED):
            port.rstate = SHUT
        return OK

    def close(self, abort: bool) -> None:
        """Close the connection (the port stays)."""
        self._stop_reading()
        self.sock.close()

    def close_port(self, abort: bool) -> None:
        """The port closes: fail a waiting sender, stop watching, close the socket."""
        ww = self.write_waiter
        if ww is not None and not ww.done():
            ww.set_result(E_CLOSED)
        if self.writing:
            self.writing = False
            self.port.node.loop.remove_writer(self.sock.fileno())
        self._stop_reading()
        self.sock.close()

    async def released(self) -> None:
        """The descriptor is released at once on this backend."""

    def getstat(self, stats: Any) -> dict[str, int]:
        # erl: sends of 8 and 2 bytes read back send_max 5: gen_tcp_socket reports the
        # average as the maximum; it has no queue, so nothing is pending
        view: dict[str, int] = stats.view(0)
        view["send_max"] = view["send_avg"]
        return view
