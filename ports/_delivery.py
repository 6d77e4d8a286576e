"""Delivery: the one function that decides where a connection's data goes.

`dispatch` serves, in order: a waiting recv (one packet, or the bytes it asked for), then
the owner as ``{tcp, S, Data}`` (``{http, S, Term}``, or ``{S, {data, Data}}`` with
``{deliver, port}``) while the socket is active - ending an ``{active, once}``, counting
an ``{active, N}`` down to ``{tcp_passive, S}`` - and keeps the rest buffered. Then it
reports the end of the stream once, when it ended and no whole packet is left; then it
decides whether to keep reading (a port whose data nobody takes stops reading once it
holds ``read_limit`` bytes, so TCP holds the peer back).

The functions take the connection and touch only its state, its decoder, its owner's
mailbox and its I/O strategy, so tests drive them with a fake I/O and no socket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actors.runtime import Atom

from .atoms import CLOSED, DATA, ERROR, OK, TCP_CLOSED, TCP_ERROR, TCP_PASSIVE
from ._packet import PacketError
from ._state import DOWN, ENDED, RAW_CODE, REPORTED, SEND_ANSWERED

if TYPE_CHECKING:
    from ._conn import TcpSocket

__all__ = ["dispatch", "flow", "close_connection"]


def convert(c: TcpSocket, pkt: Any) -> Any:
    if type(pkt) is not bytes:
        return pkt  # an HTTP term
    o = c.opts
    if o.binary:
        h = o.header
        if h:
            if len(pkt) < h:
                return list(pkt)
            return [*pkt[:h], pkt[h:]]
        return pkt
    return pkt.decode("latin-1")


def next_packet(c: TcpSocket, length: int) -> Any:
    o = c.opts
    if o.code == RAW_CODE:
        return c.decoder.next_raw(length, o.buffer)
    return c.decoder.next()


def dispatch(c: TcpSocket) -> None:
    """Decide where buffered data goes, and report the end of the stream once."""
    if not c.alive:
        return
    while True:
        w = c.waiter
        if w is not None:
            fut, length = w
            if fut.done():
                c.waiter = None
                continue
            try:
                pkt = next_packet(c, length)
            except PacketError as e:
                c.waiter = None
                fut.set_result((ERROR, Atom(e.reason)))
                framing_error_passive(c)
                return
            if pkt is None:
                break
            c.waiter = None
            count(c, pkt)
            fut.set_result((OK, convert(c, pkt)))
            continue
        active = c.active
        if active is False:
            break
        kind = type(active)  # not narrowing `active`: mypyc makes `bool | int` an int
        if kind is bool or kind is int:
            # {active, true} and {active, N}: every whole packet at once (at most N)
            try:
                pkts = c.decoder.take(0 if active is True else active, c.opts.buffer)
            except PacketError as e:
                framing_error_active(c, Atom(e.reason))
                return
            if not pkts:
                break
            deliver_many(c, pkts, active)
            continue
        # {active, once}: one packet, then passive (the echo server's hot path, inline)
        o = c.opts
        try:
            pkt = c.decoder.next_raw(0, o.buffer) if o.code == RAW_CODE else c.decoder.next()
        except PacketError as e:
            framing_error_active(c, Atom(e.reason))
            return
        if pkt is None:
            break
        c.active = False
        st = c.stats
        st.recv_cnt += 1
        if type(pkt) is bytes:
            n = len(pkt) + o.header_size
            if n > st.recv_max:
                st.recv_max = n
            if not o.binary or o.header:
                pkt = convert(c, pkt)
        # the packet as the owner gets it: binary, or an HTTP term
        owner = c.owner_proc  # (`owner_process` inline when its cache holds)
        if owner is None or not owner.alive or owner.handle is not c.owner:
            owner = c.owner_process()
        if owner is not None:
            owner.deliver((c.handle, (DATA, pkt)) if o.deliver_port else (o.tag, c.handle, pkt))
    if c.rstate is ENDED:
        report_end(c)
    if c.alive and c.cstate is not DOWN:  # `flow`, inline
        want = c.waiter is not None or c.active is not False or c.decoder.pending() < c.opts.read_limit
        if want is not c.reading:
            c.reading = want
            c.io.want_read(want)


def message(c: TcpSocket, pkt: Any) -> Any:
    """The owner's message for packet `pkt`: ``{tcp | http, S, Data}`` or, with
    ``{deliver, port}``, ``{S, {data, Data}}``."""
    if c.opts.deliver_port:
        return (c.handle, (DATA, convert(c, pkt)))
    return (c.opts.tag, c.handle, convert(c, pkt))


def deliver_many(c: TcpSocket, pkts: list[Any], active: Any) -> None:
    """Send `pkts` to the owner under ``{active, true}`` or ``{active, N}`` (N at least
    ``len(pkts)``); N reaching 0 turns the socket passive with ``{tcp_passive, S}``."""
    st = c.stats
    st.recv_cnt += len(pkts)
    owner = c.owner_process()
    top = st.recv_max
    hdr = c.opts.header_size
    for pkt in pkts:
        if type(pkt) is bytes and len(pkt) + hdr > top:
            top = len(pkt) + hdr
        if owner is not None:
            owner.deliver(message(c, pkt))
    st.recv_max = top
    if active is not True:
        left = active - len(pkts)
        if left > 0:
            c.active = left
        else:
            c.active = False
            if owner is not None:
                owner.deliver((TCP_PASSIVE, c.handle))


def count(c: TcpSocket, pkt: Any) -> None:
    st = c.stats
    st.recv_cnt += 1
    n = len(pkt) + c.opts.header_size if type(pkt) is bytes else 0
    if n > st.recv_max:
        st.recv_max = n


def closes_at_end(c: TcpSocket) -> bool:
    return c.backend.end_closes and c.opts.exit_on_close


def report_end(c: TcpSocket) -> None:
    """The stream ended and no whole packet is left: tell a waiter or the owner."""
    err = c.error if c.error is not None and c.opts.show_econnreset else None
    w = c.waiter
    if w is not None:
        c.waiter = None
        c.rstate = REPORTED
        w[0].set_result((ERROR, err or CLOSED))
        if closes_at_end(c):
            close_connection(c)
        return
    if c.active is False:
        return  # reported when someone asks (recv) or the socket turns active again
    c.rstate = REPORTED
    owner = c.owner_process()
    if owner is not None:
        if err is not None:
            owner.deliver((TCP_ERROR, c.handle, err))
        owner.deliver((TCP_CLOSED, c.handle))
    if closes_at_end(c):
        c.close()


def framing_error_passive(c: TcpSocket) -> None:
    """A recv found a packet that breaks the framing: inet drops the connection and
    keeps the port; the socket backend keeps both (the next recv fails again)."""
    if c.backend.framing_error_closes:
        c.rstate = REPORTED
        c.sstate = SEND_ANSWERED
        close_connection(c)


def framing_error_active(c: TcpSocket, reason: Atom) -> None:
    """Delivery found a packet that breaks the framing: ``{tcp_error, S, R}``; inet
    then closes (``tcp_closed``), the socket backend turns passive."""
    owner = c.owner_process()
    if not c.backend.framing_error_closes:
        c.active = False
        if owner is not None:
            owner.deliver((TCP_ERROR, c.handle, reason))
        return
    if owner is not None:
        owner.deliver((TCP_ERROR, c.handle, reason))
        owner.deliver((TCP_CLOSED, c.handle))
    c.rstate = REPORTED
    c.close()


def flow(c: TcpSocket) -> None:
    """Read while someone takes the data or the buffer has room."""
    if c.cstate is DOWN:
        return
    want = c.waiter is not None or c.active is not False or c.decoder.pending() < c.opts.read_limit
    if want is not c.reading:  # tell the I/O only what changed
        c.reading = want
        c.io.want_read(want)


def close_connection(c: TcpSocket) -> None:
    """Close the OS socket but keep the port (its calls answer as Erlang's do then)."""
    if c.cstate is not DOWN:
        c.cstate = DOWN
        c.io.close(abort=c.error is not None)
