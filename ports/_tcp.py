"""The TCP port on asyncio: connected and listening sockets as port actors (inet backend).

A connected socket is a `TcpSocket`: an explicit state machine driven by commands from
processes (`send`, `recv`, `setopts`, `controlling_process`, `close`, `shutdown`) and by
transport events (data, end of stream, error, writable). `_dispatch` is the one place
that decides where received data goes: to a waiting `recv`, into the buffer, or to the
owner as ``{tcp, S, Data}`` (counting down ``{active, once | N}``), and when the end of
the stream is reported. While nobody takes data the port stops reading from the socket
once it holds `read_limit` bytes, so a fast peer is held back by TCP itself.

Writes go through the transport's buffer with the port's ``high_watermark`` /
``low_watermark`` as its limits: above the high mark the port is busy and a sender waits
until it drains below the low mark (or ``send_timeout`` passes), as with the inet driver.

A listening socket is a `TcpListen`: it queues acceptors first come, first served, and
wakes them as connections arrive; closing it (or its owner dying) fails every waiting
acceptor with ``{error, closed}``.
"""

from __future__ import annotations

import asyncio
import collections
import os
import reprlib
import socket
import weakref
from typing import Any, Final

import structlog

from actors._node import Node
from actors._process import Process, current
from actors._terms import Atom, Pid

from ._errors import reason_from_oserror
from ._options import accept_port_opts, apply_sockopts
from ._iodata import NotIodata, iodata_to_bytes
from ._open import transport_for
from ._packet import PacketDecoder, PacketError, encode_packet, packet_type
from ._port import PortActor

__all__ = ["TcpSocket", "TcpListen", "ports_of", "READ_LIMIT_MIN"]

_log = structlog.get_logger("ports")

OK: Final = Atom("ok")
ERROR: Final = Atom("error")
TCP: Final = Atom("tcp")
HTTP: Final = Atom("http")
TCP_CLOSED: Final = Atom("tcp_closed")
TCP_ERROR: Final = Atom("tcp_error")
TCP_PASSIVE: Final = Atom("tcp_passive")
DATA: Final = Atom("data")
CLOSED: Final = Atom("closed")
ENOTCONN: Final = Atom("enotconn")
EINVAL: Final = Atom("einval")
EALREADY: Final = Atom("ealready")
ENOMEM: Final = Atom("enomem")
TIMEOUT_A: Final = Atom("timeout")
ECONNRESET: Final = Atom("econnreset")
NOT_OWNER: Final = Atom("not_owner")
BADARG: Final = Atom("badarg")

E_CLOSED: Final = (ERROR, CLOSED)
E_ENOTCONN: Final = (ERROR, ENOTCONN)
E_EINVAL: Final = (ERROR, EINVAL)
E_TIMEOUT: Final = (ERROR, TIMEOUT_A)

RAW_CODE: Final = packet_type(0)
HTTP_CODES: Final = frozenset(packet_type(t) for t in ("http", "httph", "http_bin", "httph_bin"))
RECV_MAX: Final = 64 * 1024 * 1024
STAT_KEYS: Final = (
    "recv_oct",
    "recv_cnt",
    "recv_max",
    "recv_avg",
    "recv_dvi",
    "send_oct",
    "send_cnt",
    "send_max",
    "send_avg",
    "send_pend",
)
"""``inet:getstat/1``'s keys, in the order OTP 25 really returns them (CONFORMANCE 162)."""
_NODELAY: Final = (socket.IPPROTO_TCP, socket.TCP_NODELAY)
_V6ONLY: Final = (socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)
DRAIN_POLL: Final = 0.002
MUST_WAIT: Final = object()
"""`TcpSocket.send_now`: this send may have to wait; call (await) `TcpSocket.send`."""
READ_LIMIT_MIN: Final = 65536
"""A port whose data nobody takes stops reading once it buffers this much (or `buffer`)."""


def _deadline_seconds(timeout: Any) -> float | None:
    """Milliseconds (or ``infinity``; a negative value waits forever as inet does)."""
    if timeout == "infinity" or timeout is None or timeout < 0:
        return None
    return float(timeout) / 1000.0


class _Protocol(asyncio.Protocol):
    """Forwards transport events to the port (asyncio's callback interface)."""

    __slots__ = ("port",)

    def __init__(self, port: TcpSocket) -> None:
        self.port = port

    def data_received(self, data: bytes) -> None:
        self.port._on_data(data)

    def eof_received(self) -> bool:
        self.port._on_eof(None)
        return True  # keep the write side open: the port decides when to close

    def connection_lost(self, exc: Exception | None) -> None:
        self.port._on_lost(exc)

    def pause_writing(self) -> None:
        self.port.busy = True

    def resume_writing(self) -> None:
        self.port._on_drained()


_ports_hooked: weakref.WeakSet[Node] = weakref.WeakSet()


def _hook_node(node: Node) -> None:
    """Make the node close every port it still has when it shuts down (once per node)."""
    if node in _ports_hooked:
        return
    _ports_hooked.add(node)

    def close_all() -> None:
        for e in list(node.table.values()):
            if isinstance(e, PortActor):
                e.close()

    node.shutdown_hooks.append(close_all)


def ports_of(node: Node) -> list[PortActor]:
    """Every open port of `node`."""
    return [e for e in node.table.values() if isinstance(e, PortActor)]


class _Stats:
    __slots__ = ("recv_oct", "recv_cnt", "recv_max", "send_oct", "send_cnt", "send_max")

    def __init__(self) -> None:
        self.recv_oct = self.recv_cnt = self.recv_max = 0
        self.send_oct = self.send_cnt = self.send_max = 0


class TcpSocket(PortActor):
    """A connected TCP socket as a port actor (the ``inet`` backend's behaviour)."""

    __slots__ = (
        "transport",
        "sock",
        "opts",
        "decoder",
        "active",
        "binary",
        "header",
        "deliver_port",
        "buffer",
        "code",
        "tag",
        "read_limit",
        "recv_waiter",
        "eof",
        "error",
        "close_reported",
        "fd_closed",
        "send_failed",
        "send_reported",
        "write_shut",
        "paused",
        "busy",
        "drain_waiters",
        "stats",
        "family",
        "exit_on_close",
        "show_econnreset",
        "lost",
        "had_queue",
        "async_failed",
        "send_timeout",
    )

    def __init__(self, node: Node, owner: Pid, sock: socket.socket, opts: dict[str, Any], family: str) -> None:
        super().__init__(node, owner, "tcp_inet")
        _hook_node(node)
        self.transport: asyncio.Transport | None = None
        self.sock = sock
        self.opts = opts
        self.family = family
        self.decoder = PacketDecoder(
            opts.get("packet", 0),
            opts.get("packet_size", 0),
            opts.get("line_delimiter", 10),
            opts.get("buffer", 1460),
        )
        self.recv_waiter: tuple[asyncio.Future[Any], int] | None = None
        self.eof = False
        self.error: Atom | None = None
        self.close_reported = False
        self.fd_closed = False
        self.send_failed = False
        self.send_reported = False
        self.write_shut = False
        self.paused = False
        self.busy = False
        self.drain_waiters: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.stats = _Stats()
        self.active: Any = opts.get("active", True)
        self.lost: asyncio.Future[None] | None = None
        self.had_queue = False
        self.async_failed = False
        self._cache_opts()

    def _cache_opts(self) -> None:
        o = self.opts
        self.binary = o.get("mode", "list") == "binary"
        self.header = o.get("header", 0)
        self.deliver_port = o.get("deliver", "term") == "port"
        self.buffer = max(1, o.get("buffer", 1460))
        self.code = packet_type(o.get("packet", 0))
        self.tag = HTTP if self.code in HTTP_CODES else TCP
        self.read_limit = max(self.buffer, READ_LIMIT_MIN)
        self.exit_on_close = o.get("exit_on_close", True)
        self.show_econnreset = o.get("show_econnreset", False)
        self.send_timeout = o.get("send_timeout", "infinity")

    async def attach(self, loop: asyncio.AbstractEventLoop, sockopts: list[Any]) -> None:
        """Wrap the connected OS socket in a transport (called once, by the opener).

        asyncio and uvloop turn ``TCP_NODELAY`` on for every transport; Erlang's default
        is ``{nodelay, false}``, so the port's own options are applied again after.
        """
        transport = await transport_for(loop, lambda: _Protocol(self), self.sock)
        if not self.alive:  # closed while attaching
            transport.abort()
            return
        self.transport = transport
        if self.family != "local":
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
            apply_sockopts(self.sock, [o for o in sockopts if o[:2] == _NODELAY])
        self._apply_watermarks()
        self._dispatch()

    def _apply_watermarks(self) -> None:
        t = self.transport
        if t is not None:
            high = max(0, self.opts.get("high_watermark", 8192))
            low = min(high, max(0, self.opts.get("low_watermark", 4096)))
            t.set_write_buffer_limits(high=high, low=low)

    # -- transport events ----------------------------------------------------------------

    def _on_data(self, data: bytes) -> None:
        st = self.stats
        st.recv_oct += len(data)
        self.decoder.feed(data)
        self._dispatch()

    def _on_eof(self, error: Atom | None) -> None:
        if not self.eof:
            self.eof = True
            if error is not None:
                self.error = error
            if self.alive:
                self._dispatch()

    def _on_lost(self, exc: Exception | None) -> None:
        lost = self.lost
        if lost is not None and not lost.done():
            lost.set_result(None)
        if not self.alive:
            return
        self.fd_closed = True
        if exc is not None and self.had_queue:
            self.async_failed = True
        reason = ECONNRESET if isinstance(exc, ConnectionResetError) else None
        self.send_failed = True
        self._on_eof(reason)
        self._on_drained()

    def _poll_drain(self) -> None:
        """While senders wait, watch the queue: uvloop reports a drain only when a
        whole write request is done, inet as soon as the queue is below the low mark."""
        if not self.drain_waiters:
            return
        t = self.transport
        if t is None or t.is_closing() or t.get_write_buffer_size() <= self.opts["low_watermark"]:
            self._on_drained()
        else:
            self.node.loop.call_later(DRAIN_POLL, self._poll_drain)

    def _on_drained(self) -> None:
        self.busy = False
        waiters = self.drain_waiters
        while waiters:
            w = waiters.popleft()
            if not w.done():
                w.set_result(None)

    # -- delivery: the one place ---------------------------------------------------------

    def _convert(self, pkt: Any) -> Any:
        if pkt.__class__ is not bytes:
            return pkt  # an HTTP term
        if self.binary:
            h = self.header
            if h:
                if len(pkt) < h:
                    return list(pkt)
                return [*pkt[:h], pkt[h:]]
            return pkt
        return pkt.decode("latin-1")

    def _next(self, length: int) -> Any:
        if self.code == RAW_CODE:
            return self.decoder.next_raw(length, self.buffer)
        return self.decoder.next()

    def _dispatch(self) -> None:
        """Decide where buffered data goes, and report the end of the stream once."""
        if not self.alive:
            return
        while True:
            w = self.recv_waiter
            if w is not None:
                fut, length = w
                if fut.done():
                    self.recv_waiter = None
                    continue
                try:
                    pkt = self._next(length)
                except PacketError as e:
                    self.recv_waiter = None
                    fut.set_result((ERROR, Atom(e.reason)))
                    self._teardown_passive()
                    return
                if pkt is None:
                    break
                self.recv_waiter = None
                self._count(pkt)
                fut.set_result((OK, self._convert(pkt)))
                continue
            active = self.active
            if active is False:
                break
            try:
                if self.code == RAW_CODE:
                    pkt = self.decoder.next_raw(0, self.buffer)
                else:
                    pkt = self.decoder.next()
            except PacketError as e:
                self._active_error(Atom(e.reason))
                return
            if pkt is None:
                break
            self._count(pkt)
            owner = self.owner_process()
            if self.deliver_port:
                msg: Any = (self.handle, (DATA, self._convert(pkt)))
            else:
                msg = (self.tag, self.handle, self._convert(pkt))
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
        if self.eof and not self.close_reported:
            self._report_end()
        if self.alive:
            self._flow()

    def _count(self, pkt: Any) -> None:
        st = self.stats
        st.recv_cnt += 1
        n = len(pkt) if pkt.__class__ is bytes else 0
        if n > st.recv_max:
            st.recv_max = n

    def _report_end(self) -> None:
        """The stream ended and no whole packet is left: tell a waiter or the owner."""
        w = self.recv_waiter
        err = self.error if self.error is not None and self.show_econnreset else None
        if w is not None:
            self.recv_waiter = None
            self.close_reported = True
            w[0].set_result((ERROR, err or CLOSED))
            if self.exit_on_close:
                self._close_fd()
            return
        if self.active is False:
            return  # reported when someone asks (recv) or the socket turns active again
        self.close_reported = True
        owner = self.owner_process()
        if owner is not None:
            if err is not None:
                owner.deliver((TCP_ERROR, self.handle, err))
            owner.deliver((TCP_CLOSED, self.handle))
        if self.exit_on_close:
            self.close()

    def _teardown_passive(self) -> None:
        """A framing error while passive: the connection goes, the port stays (inet)."""
        self.close_reported = True
        self.send_reported = True
        self._close_fd()

    def _active_error(self, reason: Atom) -> None:
        owner = self.owner_process()
        if owner is not None:
            owner.deliver((TCP_ERROR, self.handle, reason))
            owner.deliver((TCP_CLOSED, self.handle))
        self.close_reported = True
        self.close()

    def _flow(self) -> None:
        t = self.transport
        if t is None or self.fd_closed:
            return
        if self.recv_waiter is not None or self.active is not False:
            if self.paused:
                self.paused = False
                t.resume_reading()
        elif not self.paused and self.decoder.pending() >= self.read_limit:
            self.paused = True
            t.pause_reading()

    def _close_fd(self) -> None:
        """Close the OS socket but keep the port (inet after a passive close)."""
        self.fd_closed = True
        t = self.transport
        if t is not None:
            t.abort() if self.error is not None else t.close()
        else:
            self.sock.close()

    # -- commands ------------------------------------------------------------------------

    async def recv(self, length: int, timeout: Any) -> Any:
        """``gen_tcp:recv/3`` on this port (arguments already checked)."""
        if self.active is not False:
            return E_EINVAL
        if length and self.code != RAW_CODE:
            return E_EINVAL
        if length > RECV_MAX:
            return (ERROR, ENOMEM)
        if self.recv_waiter is not None:
            return (ERROR, EALREADY)
        if self.close_reported:
            if self.exit_on_close or self.fd_closed:
                return E_ENOTCONN
            return E_CLOSED
        if self.fd_closed and not self.eof:
            self.close_reported = True
            return E_CLOSED
        return await self._wait_recv(length, timeout)

    async def _wait_recv(self, length: int, timeout: Any) -> Any:
        """Become the pending recv of `length` bytes: served at once if the data is
        there, else when it comes, the stream ends, or `timeout` passes."""
        loop = self.node.loop
        fut: asyncio.Future[Any] = loop.create_future()
        self.recv_waiter = (fut, length)
        self._dispatch()
        if fut.done():
            return fut.result()
        seconds = _deadline_seconds(timeout)
        if seconds == 0:
            self.recv_waiter = None
            self._flow()
            return E_TIMEOUT
        handle = loop.call_later(seconds, _expire, fut) if seconds is not None else None
        me = current()
        me.waiting = True
        try:
            return await fut
        finally:
            me.waiting = False
            if handle is not None:
                handle.cancel()
            if self.recv_waiter is not None and self.recv_waiter[0] is fut:
                self.recv_waiter = None
                self._flow()

    def send_now(self, data: Any) -> Any:
        """`send` when it needs no wait (the common case): its result, or `MUST_WAIT`.

        Nothing queued and not busy: the data goes to the kernel here, the rest (if the
        kernel took only part) to the transport's queue.
        """
        t = self.transport
        if (
            t is None
            or self.busy
            or self.fd_closed
            or self.write_shut
            or self.send_failed
            or t.is_closing()
            or self.send_timeout != "infinity"
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
        t = self.transport
        if t is not None and t.is_closing() and not self.fd_closed:
            # the transport saw an error and will report it (connection_lost) on the
            # next turn of the loop: wait for it, to answer with the real reason
            if self.lost is None:
                self.lost = self.node.loop.create_future()
            await self.closed()
        if self.fd_closed or self.write_shut or t is None or self.send_failed or t.is_closing():
            self.send_failed = self.send_failed or (t is not None and t.is_closing())
            return self._send_closed()
        send_timeout = self.send_timeout
        if self.busy:
            r = await self._wait_drain(send_timeout)
            if r is not None:
                return r
            if not self.alive:
                return E_CLOSED
            if self.fd_closed or self.send_failed or t.is_closing():
                return self._send_closed()
        r = self._write(t, payload)
        if r is OK and self.busy and send_timeout != "infinity":
            r = await self._wait_drain(send_timeout)
            if r is None:
                return OK
        return r

    def _not_iodata(self, data: Any) -> Any:
        _log.error("bad_value_on_output_port", port=repr(self.handle), data=reprlib.repr(data))
        return E_EINVAL

    def _write(self, t: asyncio.Transport, payload: bytes) -> Any:
        """Hand `payload` (framed) to the kernel, or queue it behind what is queued."""
        frame = encode_packet(self.opts["packet"], payload) if self.code != RAW_CODE else None
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
                self.send_failed = True
                if isinstance(e, ConnectionResetError) and self.error is None:
                    self.error = ECONNRESET
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
        st = self.stats
        st.send_oct += size
        st.send_cnt += 1
        if size > st.send_max:
            st.send_max = size
        return OK

    def _send_closed(self) -> Any:
        if self.write_shut and not self.fd_closed:
            return E_CLOSED
        if not self.exit_on_close:
            # inet: a failure found while sending queued data in the background closes
            # the connection (then enotconn); one found by a send itself repeats closed
            if self.async_failed:
                if self.send_reported:
                    return E_ENOTCONN
                self.send_reported = True
            return E_CLOSED
        if self.send_reported:
            return E_ENOTCONN
        self.send_reported = True
        if not self.fd_closed:
            self._close_fd()
        if self.error == ECONNRESET and self.show_econnreset:
            return (ERROR, ECONNRESET)
        return E_CLOSED

    async def _wait_drain(self, send_timeout: Any) -> Any:
        """Wait until the port is no longer busy; None, or the send's error result."""
        loop = self.node.loop
        fut: asyncio.Future[Any] = loop.create_future()
        self.drain_waiters.append(fut)
        if len(self.drain_waiters) == 1:
            loop.call_later(DRAIN_POLL, self._poll_drain)
        seconds = _deadline_seconds(send_timeout)
        handle = loop.call_later(seconds, _expire, fut) if seconds is not None else None
        me = current()
        me.waiting = True
        try:
            r = await fut
        finally:
            me.waiting = False
            if handle is not None:
                handle.cancel()
        if r is None:
            return None
        # send_timeout passed: the data stays queued (inet); maybe close the socket
        if self.opts.get("send_timeout_close", False):
            self.send_reported = True
            self.close_reported = True
            self._close_fd_abort()
        return E_TIMEOUT

    def _close_fd_abort(self) -> None:
        self.fd_closed = True
        if self.transport is not None:
            self.transport.abort()

    def passive_event(self) -> None:
        """``{active, N}`` reached 0 through setopts: tell the owner ``tcp_passive``."""
        owner = self.owner_process()
        if owner is not None:
            owner.deliver((TCP_PASSIVE, self.handle))

    def activate(self, value: Any) -> None:
        """``setopts([{active, true | false | once}])``: the mode only, at once."""
        self.active = value
        self.opts["active"] = value
        if self.eof or self.decoder.pending():
            self._dispatch()
        elif self.paused:
            self._flow()

    def replace_opts(self, opts: dict[str, Any]) -> None:
        """Take the port options `inet.setopts` computed; reframe and redeliver."""
        old = self.opts
        self.opts = opts
        self.active = opts.get("active", False)
        self._cache_opts()
        if any(old.get(k) != opts.get(k) for k in ("packet", "packet_size", "line_delimiter", "buffer")):
            self.decoder.set_packet(
                opts.get("packet", 0),
                opts.get("packet_size", 0),
                opts.get("line_delimiter", 10),
                opts.get("buffer", 1460),
            )
        if old.get("high_watermark") != opts.get("high_watermark") or old.get(
            "low_watermark"
        ) != opts.get("low_watermark"):
            self._apply_watermarks()
        self._dispatch()

    def controlling_process(self, caller: Pid, new_owner: Pid) -> Any:
        """``gen_tcp:controlling_process/2`` (arguments checked; the caller is `caller`)."""
        if self.owner != caller:
            return (ERROR, NOT_OWNER)
        if new_owner == caller:
            return OK
        target = self.node.table.get(new_owner)
        if not isinstance(target, Process) or not target.alive:
            return (ERROR, BADARG)
        me = self.node.table.get(caller)
        moved_closed = False
        if isinstance(me, Process):
            h = self.handle

            def ours(m: Any) -> bool:
                if m.__class__ is not tuple:
                    return False
                n = len(m)
                if n == 3:
                    return bool(m[1] == h and (m[0] == TCP or m[0] == HTTP))
                if n == 2:
                    return bool(
                        (m[0] == TCP_CLOSED and m[1] == h)
                        or (m[0] == h and m[1].__class__ is tuple and len(m[1]) == 2 and m[1][0] == DATA)
                    )
                return False

            moved = me.extract(ours)
            for m in moved:
                if m[0] == TCP_CLOSED:
                    moved_closed = True
                target.deliver(m)
        if moved_closed:
            return OK  # "socket already closed": Erlang leaves the owner as it was
        self.connect_owner(new_owner)
        return OK

    def shutdown(self, how: str) -> Any:
        """``gen_tcp:shutdown/2``: ``write`` waits for queued data (write_eof)."""
        t = self.transport
        if self.fd_closed or t is None:
            return E_ENOTCONN
        try:
            if how in ("write", "read_write"):
                if not self.write_shut:
                    self.write_shut = True
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

    def _close_resources(self) -> None:
        self.fd_closed = True
        w = self.recv_waiter
        self.recv_waiter = None
        if w is not None and not w[0].done():
            w[0].set_result(E_CLOSED)
        while self.drain_waiters:
            d = self.drain_waiters.popleft()
            if not d.done():
                d.set_result(None)
        t = self.transport
        if t is not None:
            if not t.is_closing() and t.get_write_buffer_size() == 0:
                # the descriptor goes when the transport calls connection_lost: `closed`
                # lets gen_tcp.close wait for that, as Erlang's close frees it at once
                self.lost = self.node.loop.create_future()
            if self.error is not None:
                t.abort()
            else:
                t.close()
        else:
            self.sock.close()

    async def closed(self) -> None:
        """Wait until the OS socket of a port that was just closed is released."""
        lost = self.lost
        if lost is not None and not lost.done():
            await lost

    # -- information ---------------------------------------------------------------------

    def getstat(self) -> dict[str, int]:
        st = self.stats
        t = self.transport
        return {
            "recv_oct": st.recv_oct,
            "recv_cnt": st.recv_cnt,
            "recv_max": st.recv_max,
            "recv_avg": st.recv_oct // st.recv_cnt if st.recv_cnt else 0,
            "recv_dvi": 0,
            "send_oct": st.send_oct,
            "send_cnt": st.send_cnt,
            "send_max": st.send_max,
            "send_avg": st.send_oct // st.send_cnt if st.send_cnt else 0,
            "send_pend": t.get_write_buffer_size() if t is not None and not t.is_closing() else 0,
        }


def _expire(fut: asyncio.Future[Any]) -> None:
    if not fut.done():
        fut.set_result(E_TIMEOUT)


class TcpListen(PortActor):
    """A listening TCP socket as a port actor: acceptors served first come, first served."""

    __slots__ = ("sock", "opts", "sockopts", "active", "acceptors", "reading", "family")

    def __init__(
        self,
        node: Node,
        owner: Pid,
        sock: socket.socket,
        opts: dict[str, Any],
        sockopts: list[Any],
        family: str,
    ) -> None:
        super().__init__(node, owner, "tcp_inet")
        _hook_node(node)
        self.sock = sock
        self.opts = opts
        self.sockopts = sockopts
        self.family = family
        self.active: Any = opts.get("active", True)
        self.acceptors: collections.deque[tuple[asyncio.Future[Any], Pid]] = collections.deque()
        self.reading = False

    def passive_event(self) -> None:
        owner = self.owner_process()
        if owner is not None:
            owner.deliver((TCP_PASSIVE, self.handle))

    def replace_opts(self, opts: dict[str, Any]) -> None:
        self.opts = opts
        self.active = opts.get("active", False)

    def controlling_process(self, caller: Pid, new_owner: Pid) -> Any:
        if self.owner != caller:
            return (ERROR, NOT_OWNER)
        if new_owner == caller:
            return OK
        target = self.node.table.get(new_owner)
        if not isinstance(target, Process) or not target.alive:
            return (ERROR, BADARG)
        self.connect_owner(new_owner)
        return OK

    async def accept(self, timeout: Any) -> Any:
        """``gen_tcp:accept/2``: ``(ok, socket)``, ``(error, timeout)``, ``(error, closed)``."""
        me = current()
        if not self.acceptors:
            got = self._try_accept()
            if got is not None:
                return await self._adopt(me, got)
        seconds = _deadline_seconds(timeout)
        if seconds == 0:
            return E_TIMEOUT
        loop = self.node.loop
        fut: asyncio.Future[Any] = loop.create_future()
        entry = (fut, me.handle)
        self.acceptors.append(entry)
        self._want_reading()
        handle = loop.call_later(seconds, _expire, fut) if seconds is not None else None
        me.waiting = True
        try:
            got = await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                r = fut.result()
                if isinstance(r, socket.socket):
                    r.close()
            raise
        finally:
            me.waiting = False
            if handle is not None:
                handle.cancel()
            try:
                self.acceptors.remove(entry)
            except ValueError:
                pass
            self._want_reading()
        if isinstance(got, socket.socket):
            return await self._adopt(me, got)
        return got

    def _try_accept(self) -> socket.socket | tuple[Atom, Atom] | None:
        try:
            conn, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as e:
            return (ERROR, reason_from_oserror(e))
        conn.setblocking(False)
        return conn

    def _want_reading(self) -> None:
        want = bool(self.acceptors) and self.alive
        if want and not self.reading:
            self.node.loop.add_reader(self.sock.fileno(), self._on_readable)
            self.reading = True
        elif not want and self.reading:
            self.node.loop.remove_reader(self.sock.fileno())
            self.reading = False

    def _on_readable(self) -> None:
        while self.acceptors:
            fut, pid = self.acceptors[0]
            if fut.done():
                self.acceptors.popleft()
                continue
            got = self._try_accept()
            if got is None:
                return
            self.acceptors.popleft()
            fut.set_result(got)
            if not isinstance(got, socket.socket):
                # e.g. emfile: stop watching until an acceptor asks again
                break
        self._want_reading()

    async def _adopt(self, me: Process, got: Any) -> Any:
        if not isinstance(got, socket.socket):
            return got
        # The kernel copies most of the listen socket's options to the accepted one,
        # but not all (priority: Linux derives it from tos again), so they are set
        # again, as the listen socket had them; IPV6_V6ONLY cannot change any more.
        inherited = [o for o in self.sockopts if o[:2] != _V6ONLY]
        if inherited:
            try:
                apply_sockopts(got, inherited)
            except OSError:
                pass  # as inet_drv, an option the accepted socket refuses is not an error
        port = TcpSocket(self.node, me.handle, got, accept_port_opts(self.opts), self.family)
        try:
            await port.attach(self.node.loop, self.sockopts)
        except OSError as e:
            port.close()
            return (ERROR, reason_from_oserror(e))
        # a peer that closed at once is reported by messages after this returns
        return (OK, port.handle)

    def _close_resources(self) -> None:
        if self.reading:
            self.node.loop.remove_reader(self.sock.fileno())
            self.reading = False
        self.sock.close()
        while self.acceptors:
            fut, _ = self.acceptors.popleft()
            if not fut.done():
                fut.set_result(E_CLOSED)
