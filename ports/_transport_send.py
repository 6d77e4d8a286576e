"""Sending on the inet backend: the driver queue in front of the transport.

When nothing is queued a send writes to the kernel itself, so a failure is seen with its
errno. What the kernel does not take goes to the port's own queue (`TransportIO.queue`),
as inet_drv queues it, and from there to the transport one slice at a time: the
transport is told to report (pause/resume) as soon as it holds anything and as soon as
it is empty, so every slice written is an event, on asyncio and uvloop alike (uvloop
reports a drain only when a whole write request is done), and no timer watches the
queue.

The port is busy once its queue (``send_pend``) is above ``high_watermark``, until it is
at or below ``low_watermark``, as inet_drv's. The send that makes it busy is answered
``ok`` at once. A send to a busy port queues its data too, but its answer waits until the
queue drains (``ok``) or its ``send_timeout`` passes (``{error, timeout}``; the data
stays queued, or with ``send_timeout_close`` the connection closes). Senders that come
meanwhile wait for their turn before their data is queued, first come first served, so
the next one's ``send_timeout`` starts only when it is first (erl: three senders, 1 s
timeout: ``ok`` at once, ``{error, timeout}`` after 1 s, ``{error, timeout}`` after 2 s;
with ``send_timeout_close`` the third gets ``{error, enotconn}`` after 1 s). Once the
connection cannot send, `send_closed` gives inet's answers. The functions are
`TransportIO`'s methods of the same names.
"""

from __future__ import annotations

import asyncio
import importlib
import reprlib
from typing import TYPE_CHECKING, Any, Final

import structlog

from actors.runtime import call_later

from ._delivery import close_connection
from ._iodata import NotIodata, iodata_to_bytes
from ._state import DOWN, MUST_WAIT, REPORTED, SEND_ANSWERED, SEND_BROKEN, SEND_OK, UP, WRITE_SHUT
from ._timeouts import expire, timeout_seconds
from .atoms import E_CLOSED, E_EINVAL, E_ENOTCONN, E_TIMEOUT, ECONNRESET, ERROR, OK

if TYPE_CHECKING:
    from ._io_transport import TransportIO

__all__ = ["send_now", "send", "send_closed", "pending", "pump", "flush_queue"]

_log = structlog.get_logger("ports")


def _sendfd() -> tuple[Any, Any]:
    """``ports._sendfd``'s send and sendv (the compiled build's C sends that keep the
    GIL), or None, None where it is not built (pure Python: ``socket.send``)."""
    try:
        module = importlib.import_module("ports._sendfd")
    except ImportError:
        return None, None
    return module.send, module.sendv


_SENDFD: Final = _sendfd()
_SEND_FD: Final = _SENDFD[0]  # Final: compiled, a C static (a module global is a dict lookup)
_SENDV_FD: Final = _SENDFD[1]

_OK: Final = OK  # compiled, a C static (an imported name is a dict lookup at each use)

SLICE: Final = 256 * 1024
"""The most the transport holds at a time; the rest waits in the port's queue."""


def pending(io: TransportIO) -> int:
    """``send_pend``: the bytes queued and not yet taken by the kernel."""
    t = io.transport
    return io.queued + (t.get_write_buffer_size() if t is not None and not t.is_closing() else 0)


def pump(io: TransportIO) -> None:
    """Move queued data into the transport while it is empty; then, if the port was busy
    and its queue fell to ``low_watermark``, let the first waiting sender go. Called when
    data is queued and whenever the transport drains (`TransportIO.on_drained`)."""
    t = io.transport
    if t is None or t.is_closing():
        return
    queue = io.queue
    while queue and not io.holding:
        chunk = queue.popleft()
        if len(chunk) > SLICE:
            queue.appendleft(chunk[SLICE:])
            chunk = chunk[:SLICE]
        io.queued -= len(chunk)
        io.holding = True  # until written: a failure now is a failure of queued data
        t.write(chunk)
        if t.get_write_buffer_size() == 0 and not t.is_closing():
            io.holding = False  # the kernel took it at once
    if not queue and io.eof_pending and not io.holding:
        io.eof_pending = False
        if t.can_write_eof():
            t.write_eof()
    if io.busy and pending(io) <= io.port.opts.d["low_watermark"]:
        io.busy = False
        drained(io)


def flush_queue(io: TransportIO) -> None:
    """Hand everything queued to the transport at once (the port closes: the transport
    sends it before it closes the socket)."""
    t = io.transport
    if t is not None and io.queue and not t.is_closing():
        t.writelines(io.queue)
    io.queue.clear()
    io.queued = 0


def _enqueue(io: TransportIO, data: bytes) -> None:
    io.queue.append(data)
    io.queued += len(data)
    pump(io)
    if pending(io) > io.port.opts.d["high_watermark"]:
        io.busy = True


def send_now(io: TransportIO, data: Any) -> Any:
    """`send` when it needs no wait (the common case): its result, or `MUST_WAIT`.

    Nothing queued and not busy: the data goes to the kernel here, the rest (if the
    kernel took only part) to the queue.
    """
    t = io.transport
    port = io.port
    if (
        t is None
        or io.busy
        or io.drain is not None
        or io.waiters
        or port.cstate is not UP
        or port.sstate is not SEND_OK
        or io.closing()
    ):
        return MUST_WAIT
    try:
        payload = iodata_to_bytes(data)
    except NotIodata:
        return _not_iodata(io, data)
    return _write(io, payload)


async def send(io: TransportIO, data: Any) -> Any:
    """``gen_tcp:send/2`` on this port (see the module docstring): queue the data and
    answer ``ok``; a send to a busy port queues its data too, but its answer waits until
    the queue drains to ``low_watermark`` or ``send_timeout`` passes; the senders that
    come meanwhile wait for their turn before their data is queued."""
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
    if io.drain is not None or io.waiters:
        r = await _wait_turn(io)
        if r is not None:
            return r
    if not port.alive:
        return E_CLOSED
    if port.cstate is not UP or t is None or port.sstate is not SEND_OK or t.is_closing():
        if t is not None and t.is_closing() and port.sstate is SEND_OK:
            port.sstate = SEND_BROKEN
        _wake_next(io)
        return send_closed(io)
    was_busy = io.busy
    r = _write(io, payload)
    if r is OK and was_busy:
        r = await _wait_drain(io)
    _wake_next(io)
    return r


def _not_iodata(io: TransportIO, data: Any) -> Any:
    _log.error("bad_value_on_output_port", port=repr(io.port.handle), data=reprlib.repr(data))
    return E_EINVAL


def _write(io: TransportIO, payload: bytes) -> Any:
    """Hand `payload` (framed) to the kernel, or queue it behind what is queued."""
    port = io.port
    # only {packet, 1 | 2 | 4} puts a header in front (`encode_packet`'s, inline: the
    # length in that many big-endian bytes, silently truncated as inet_drv does); every
    # other type sends as is
    size = len(payload)
    hs = port.opts.header_size
    frame = None if not hs else [(size & ((1 << (8 * hs)) - 1)).to_bytes(hs, "big"), payload]
    if not io.queued and not io.holding:
        # Nothing queued: write at once ourselves, so that a failure is seen here
        # with its errno (the transport would only report it later).
        try:
            if _SEND_FD is None:
                sock = io.sock
                n = sock.send(payload) if frame is None else sock.sendmsg(frame)
            elif frame is None:
                n = _SEND_FD(io.fd, payload)
            else:
                n = _SENDV_FD(io.fd, frame)
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError as e:
            port.sstate = SEND_BROKEN
            if isinstance(e, ConnectionResetError) and port.error is None:
                port.error = ECONNRESET
            return send_closed(io)
        total = size if frame is None else len(frame[0]) + size
        if n < total:
            # the rest is queued, as the inet driver queues it: a failure while
            # sending it is reported later (async), not by this send
            _enqueue(io, payload[n:] if frame is None else b"".join(frame)[n:])
    else:
        _enqueue(io, payload if frame is None else b"".join(frame))
    port.stats.sent(size + port.opts.header_size)
    return _OK


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
    shown = port.error == ECONNRESET and port.opts.show_econnreset
    if port.sstate is SEND_ANSWERED or (port.rstate is REPORTED and (port.async_failed or shown)):
        # erl: once a recv reported the failure, a send answers enotconn - unless it
        # was a plain end of stream (peer closed, or a reset not shown): then closed
        return E_ENOTCONN
    port.sstate = SEND_ANSWERED
    if port.cstate is not DOWN:
        close_connection(port)
    return (ERROR, ECONNRESET) if shown else E_CLOSED


# -- senders waiting in turn ---------------------------------------------------------------


def _wake_next(io: TransportIO) -> None:
    """The sender whose turn it was is done: the next waiting one goes on."""
    if io.drain is not None:
        return
    waiters = io.waiters
    while waiters:
        fut = waiters.popleft()
        if not fut.done():
            fut.set_result(None)
            return


def drained(io: TransportIO) -> None:
    """The queue fell to ``low_watermark``: the sender waiting for that is answered."""
    d = io.drain
    if d is not None and not d[0].done():
        d[0].set_result(None)


def release_all(io: TransportIO) -> None:
    """The connection is gone: every waiting sender goes on (to answer as closed)."""
    d = io.drain
    if d is not None and not d[0].done():
        d[0].set_result(None)
    waiters = io.waiters
    while waiters:
        fut = waiters.popleft()
        if not fut.done():
            fut.set_result(None)


async def _wait_turn(io: TransportIO) -> Any:
    """Wait until the senders ahead of this one are done: None, or ``{error,
    enotconn}`` when a timed-out sender of a ``send_timeout_close`` socket closed it."""
    fut: asyncio.Future[Any] = io.port.node.loop.create_future()
    io.waiters.append(fut)
    try:
        return await fut
    finally:
        if not fut.done():
            try:
                io.waiters.remove(fut)
            except ValueError:
                pass


async def _wait_drain(io: TransportIO) -> Any:
    """This sender's data is queued on a busy port: wait until the queue drains (None)
    or ``send_timeout`` passes (``{error, timeout}``; the data stays queued, unless
    ``send_timeout_close`` closes the connection and fails the senders behind)."""
    port = io.port
    loop = port.node.loop
    fut: asyncio.Future[Any] = loop.create_future()
    seconds = timeout_seconds(port.opts.send_timeout)
    handle = call_later(loop, seconds, expire, fut) if seconds is not None else None
    io.drain = (fut, handle)
    try:
        r = await fut
    finally:
        io.drain = None
        if handle is not None:
            handle.cancel()
    if r is None:
        if not port.alive:
            return E_CLOSED
        if port.cstate is DOWN:
            return send_closed(io)
        return OK
    if port.opts.d.get("send_timeout_close", False) and port.cstate is not DOWN:
        port.sstate = SEND_ANSWERED
        port.rstate = REPORTED
        port.cstate = DOWN
        if io.transport is not None:
            io.transport.abort()
        waiters, io.waiters = io.waiters, type(io.waiters)()
        for f in waiters:
            if not f.done():
                f.set_result(E_ENOTCONN)
    return E_TIMEOUT
