"""The node's end of the Unix socket to its gateway: records out, records in.

Plain non-blocking socket I/O on the node's loop (``add_reader``/``add_writer``) rather
than an asyncio transport, so that the socket can be closed even when the loop is gone
(`Transport.close_now` at interpreter exit). Records written during one loop iteration
leave in one ``send``: a burst of frames costs one system call, and the gateway then
reads them as one batch.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator

from . import _wire

READ_SIZE = 1 << 20

Records = Iterator[tuple[int, bytes, bytes]]


class GatewayLink:
    """A connected Unix socket to the gateway, driven by `loop`."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        on_records: Callable[[Records], None],
        on_lost: Callable[[], None],
    ) -> None:
        self._loop = loop
        self._sock = sock
        self._fd = sock.fileno()
        self._on_records = on_records
        self._on_lost = on_lost
        self._reader = _wire.Reader()
        self._out: list[bytes] = []
        self._unsent = b""
        self._scheduled = False
        self.closed = False
        sock.setblocking(False)
        loop.add_reader(self._fd, self._readable)

    def write(self, record: bytes) -> None:
        """Queue `record`; everything queued leaves together once the loop comes round."""
        if self.closed:
            return
        self._out.append(record)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        if self.closed or not self._out:
            return
        data = b"".join(self._out)
        self._out.clear()
        if self._unsent:
            self._unsent += data
            return
        self._send(data)

    def _send(self, data: bytes) -> None:
        try:
            sent = self._sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._lost()
            return
        if sent < len(data):
            if not self._unsent:
                self._loop.add_writer(self._fd, self._writable)
            self._unsent = data[sent:]
        elif self._unsent:
            self._unsent = b""
            self._loop.remove_writer(self._fd)

    def _writable(self) -> None:
        data, self._unsent = self._unsent, b""
        self._loop.remove_writer(self._fd)
        self._send(data)

    def _readable(self) -> None:
        try:
            data = self._sock.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._lost()
            return
        self._on_records(self._reader.feed(data))

    def _lost(self) -> None:
        if not self.closed:
            self.close()
            self._on_lost()

    def close(self) -> None:
        """Close the socket (also when the loop is closed already)."""
        if self.closed:
            return
        self.closed = True
        if not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
            if self._unsent:
                self._loop.remove_writer(self._fd)
        self._sock.close()
