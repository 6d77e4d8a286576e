"""Sending on the inet backend: straight to the kernel, or queued behind what is queued.

When nothing is queued a send writes to the kernel itself, so a failure is seen with its
errno; what the kernel does not take is queued in the transport, as inet_drv queues it,
with the port's ``high_watermark`` / ``low_watermark`` as the queue's limits: above the
high mark the port is busy and a sender waits until it drains below the low mark (or
``send_timeout`` passes). Once the connection cannot send, `send_closed` gives inet's
answers. The functions are the methods of `TransportIO` of the same names.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Final

import structlog

from .atoms import E_CLOSED, E_EINVAL, E_ENOTCONN, E_TIMEOUT, ECONNRESET, ERROR, OK
from ._iodata import NotIodata, iodata_to_bytes
from ._packet import encode_packet
from ._state import DOWN, MUST_WAIT, RAW_CODE, REPORTED, SEND_ANSWERED, SEND_BROKEN, SEND_OK, UP, WRITE_SHUT
from ._timeouts import expire, timeout_seconds

if TYPE_CHECKING:
    from ._io_transport import TransportIO

__all__ = ["on_drained", "send_now", "send", "send_closed"]

_log = structlog.get_logger("ports")

DRAIN_POLL: Final = 0.002


def on_drained(io: TransportIO) -> None:
    io.busy = False
    waiters = io.drain_waiters
    while waiters:
        w = waiters.popleft()
        if not w.done():
            w.set_result(None)


def _poll_drain(io: TransportIO) -> None:
    """While senders wait, watch the queue: uvloop reports a drain only when a
    whole write request is done, inet as soon as the queue is below the low mark."""
    if not io.drain_waiters:
        return
    t = io.transport
    if t is None or t.is_closing() or t.get_write_buffer_size() <= io.port.opts.d["low_watermark"]:
        on_drained(io)
    else:
        io.port.node.loop.call_later(DRAIN_POLL, _poll_drain, io)


def send_now(io: TransportIO, data: Any) -> Any:
    """`send` when it needs no wait (the common case): its result, or `MUST_WAIT`.

    Nothing queued and not busy: the data goes to the kernel here, the rest (if the
    kernel took only part) to the transport's queue.
    """
    t = io.transport
    port = io.port
    if (
        t is None
        or io.busy
        or port.cstate is not UP
        or port.sstate is not SEND_OK
        or t.is_closing()
        or port.opts.send_timeout != "infinity"
    ):
        return MUST_WAIT
    try:
        payload = iodata_to_bytes(data)
    except NotIodata:
        return _not_iodata(io, data)
    return _write(io, t, payload)


async def send(io: TransportIO, data: Any) -> Any:
    """``gen_tcp:send/2`` on this port: queue the data; wait while the port is busy."""
    try:
        payload = iodata_to_bytes(data)
    except NotIodata:
        return _not_iodata(io, data)
    port = io.port
    t = io.transport
    if t is not None and t.is_closing() and port.cstate is not DOWN:
        # the transport saw an error and will report it (connection_lost) on the
        # next turn of the loop: wait for it, to answer with the real reason
        if io.lost is None:
            io.lost = port.node.loop.create_future()
        await io.released()
    if port.cstate is not UP or t is None or port.sstate is not SEND_OK or t.is_closing():
        if t is not None and t.is_closing() and port.sstate is SEND_OK:
            port.sstate = SEND_BROKEN
        return send_closed(io)
    send_timeout = port.opts.send_timeout
    if io.busy:
        r = await _wait_drain(io, send_timeout)
        if r is not None:
            return r
        if not port.alive:
            return E_CLOSED
        if port.cstate is DOWN or port.sstate is not SEND_OK or t.is_closing():
            return send_closed(io)
    r = _write(io, t, payload)
    if r is OK and io.busy and send_timeout != "infinity":
        r = await _wait_drain(io, send_timeout)
        if r is None:
            return OK
    return r


def _not_iodata(io: TransportIO, data: Any) -> Any:
    _log.error("bad_value_on_output_port", port=repr(io.port.handle), data=repr(data)[:200])
    return E_EINVAL


def _write(io: TransportIO, t: asyncio.Transport, payload: bytes) -> Any:
    """Hand `payload` (framed) to the kernel, or queue it behind what is queued."""
    port = io.port
    packet = port.opts.d["packet"]
    frame = encode_packet(packet, payload) if port.opts.code != RAW_CODE else None
    if t.get_write_buffer_size() == 0:
        # Nothing queued: write at once ourselves, so that a failure is seen here
        # with its errno (the transport would only report it later).
        try:
            if frame is None:
                n = io.sock.send(payload)
            else:
                n = io.sock.sendmsg(frame)
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError as e:
            port.sstate = SEND_BROKEN
            if isinstance(e, ConnectionResetError) and port.error is None:
                port.error = ECONNRESET
            return send_closed(io)
        size = len(payload)
        total = size if frame is None else len(frame[0]) + size
        if n < total:
            # the rest is queued, as the inet driver queues it: a failure while
            # sending it is reported later (async), not by this send
            t.write(payload[n:] if frame is None else b"".join(frame)[n:])
            io.had_queue = True
    else:
        size = len(payload)
        if frame is None:
            t.write(payload)
        else:
            t.writelines(frame)
        io.had_queue = True
    port.stats.sent(size)
    return OK


def send_closed(io: TransportIO) -> Any:
    """What a send answers once the connection cannot send (inet's rules)."""
    port = io.port
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


async def _wait_drain(io: TransportIO, send_timeout: Any) -> Any:
    """Wait until the port is no longer busy; None, or the send's error result."""
    port = io.port
    loop = port.node.loop
    fut: asyncio.Future[Any] = loop.create_future()
    io.drain_waiters.append(fut)
    if len(io.drain_waiters) == 1:
        loop.call_later(DRAIN_POLL, _poll_drain, io)
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
        if io.transport is not None:
            io.transport.abort()
    return E_TIMEOUT
