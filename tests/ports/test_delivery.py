"""The port's delivery and state machine driven without a socket: a fake I/O strategy.

`TcpSocket` takes its I/O as a strategy object; here that is `FakeIO`, which records
what the port asks of it (read or not, close) and lets the test play the peer by calling
the port's event entry points (`on_data`, `on_eof`) directly. Each test states the
Erlang behaviour it mirrors (OTP 25, as the live-socket tests check it on real sockets).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actors
import actors.runtime
from actors import Atom
from actors.testing import assert_receive, refute_receive
from ports import INET, SOCKET, Backend, TcpSocket
from ports._options import default_port_opts
from ports._state import DOWN, ENDED, OPEN, REPORTED

ECONNRESET = Atom("econnreset")


class FakeIO:
    """An I/O strategy with no socket: it records the port's requests."""

    def __init__(self) -> None:
        self.reading: bool | None = None
        self.closed_connection = False
        self.closed_port = False
        self.sock = None

    def bind(self, port: TcpSocket) -> None:
        self.port = port

    def want_read(self, want: bool) -> None:
        self.reading = want

    def close(self, abort: bool) -> None:
        self.closed_connection = True

    def close_port(self, abort: bool) -> None:
        self.closed_port = True

    async def released(self) -> None:
        return None

    def options_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        pass

    def send_now(self, data: Any) -> Any:
        return "ok"

    async def send(self, data: Any) -> Any:
        return "ok"

    def getstat(self, stats: Any) -> dict[str, int]:
        view: dict[str, int] = stats.view(0)
        return view


def make(backend: Backend = INET, **opts: Any) -> tuple[TcpSocket, FakeIO]:
    """A port owned by the calling process over a `FakeIO`, with inet's defaults plus
    `opts` (``active`` given as in Erlang)."""
    io = FakeIO()
    o = default_port_opts()
    o.update(opts)
    port = TcpSocket(actors.runtime.current().node, actors.self(), io, o, "inet", backend)
    return port, io


async def test_active_once_delivers_one_packet_then_buffers() -> None:
    """``{active, once}``: the first data is delivered as ``{tcp, S, Data}`` and the
    socket turns passive; later data waits in the buffer (erl: one message, then
    ``inet:getopts(S, [active])`` -> ``{ok, [{active, false}]}``)."""
    port, io = make(active=Atom("once"), mode=Atom("binary"))
    port.on_data(b"one")
    await assert_receive(("tcp", port.handle, b"one"))
    assert port.active is False
    port.on_data(b"two")
    await refute_receive(("tcp", port.handle, actors.ANY), timeout=20)
    port.activate(Atom("once"))
    await assert_receive(("tcp", port.handle, b"two"))
    port.close()


async def test_active_n_counts_down_to_tcp_passive() -> None:
    """``{active, 2}``: two packets, then ``{tcp_passive, S}`` right after the second."""
    port, io = make(active=2, mode=Atom("binary"), packet=1)
    port.on_data(b"\x01a\x01b\x01c")
    assert await actors.receive(timeout=100) == ("tcp", port.handle, b"a")
    assert await actors.receive(timeout=100) == ("tcp", port.handle, b"b")
    assert await actors.receive(timeout=100) == ("tcp_passive", port.handle)
    await refute_receive(timeout=20)
    assert port.decoder.pending() == 2  # "c" and its header stay buffered
    port.close()


async def test_a_passive_port_stops_reading_once_its_buffer_is_full() -> None:
    """Flow control: nobody takes the data, so once ``read_limit`` bytes are buffered
    the port asks its I/O to stop reading; a recv makes it read again."""
    port, io = make(active=False, mode=Atom("binary"))
    port.on_data(b"x" * 100)
    assert io.reading is True
    port.on_data(b"x" * port.opts.read_limit)
    assert io.reading is False
    ok, data = await port.recv(0, 100)
    assert ok == "ok" and io.reading is True
    port.close()


async def test_recv_waits_for_the_packet_it_asked_for() -> None:
    """``recv(S, 5)`` in raw mode waits until 5 bytes are there: ``{ok, <<"hello">>}``."""
    port, io = make(active=False, mode=Atom("binary"))
    loop = asyncio.get_running_loop()
    loop.call_soon(port.on_data, b"hel")
    loop.call_soon(port.on_data, b"lo!")
    assert await port.recv(5, 1000) == ("ok", b"hello")
    assert await port.recv(0, 1000) == ("ok", b"!")
    port.close()


async def test_end_of_stream_comes_after_the_buffered_data_inet() -> None:
    """inet, active: the data buffered before the peer closed is delivered first, then
    ``{tcp_closed, S}``, and the port closes (``exit_on_close`` true)."""
    port, io = make(active=True, mode=Atom("binary"))
    port.on_data(b"last")
    port.on_eof()
    assert await actors.receive(timeout=100) == ("tcp", port.handle, b"last")
    assert await actors.receive(timeout=100) == ("tcp_closed", port.handle)
    assert not port.alive and io.closed_port


async def test_end_of_stream_while_passive_waits_for_a_recv() -> None:
    """Passive: the end is reported to the next recv (``{error, closed}``), then the
    connection goes (inet) and recv answers ``{error, enotconn}``; nothing is sent to the
    owner."""
    port, io = make(active=False)
    port.on_eof()
    assert port.rstate is ENDED
    await refute_receive(timeout=20)
    assert await port.recv(0, 100) == ("error", "closed")
    assert port.rstate is REPORTED and port.cstate is DOWN and io.closed_connection
    assert await port.recv(0, 100) == ("error", "enotconn")
    port.close()


async def test_socket_backend_keeps_the_socket_after_the_end() -> None:
    """Socket backend: the end is reported (``{tcp_closed, S}``) but the socket stays
    open, and recv repeats ``{error, closed}``."""
    port, io = make(SOCKET, active=True)
    port.on_eof()
    await assert_receive(("tcp_closed", port.handle))
    assert port.alive and not io.closed_connection
    port.activate(False)
    assert await port.recv(0, 100) == ("error", "closed")
    assert await port.recv(0, 100) == ("error", "closed")
    assert port.rstate is REPORTED and port.cstate is not DOWN
    port.close()


@pytest.mark.parametrize("backend", [INET, SOCKET], ids=["inet", "socket"])
async def test_a_packet_over_packet_size_while_active(backend: Backend) -> None:
    """``{packet, 1}, {packet_size, 2}`` and a 3-byte packet arrives, active:
    ``{tcp_error, S, emsgsize}``; inet then sends ``{tcp_closed, S}`` and closes, the
    socket backend turns passive and keeps the connection."""
    port, io = make(backend, active=True, packet=1, packet_size=2)
    port.on_data(b"\x03abc")
    await assert_receive(("tcp_error", port.handle, "emsgsize"))
    if backend is INET:
        await assert_receive(("tcp_closed", port.handle))
        assert not port.alive
    else:
        await refute_receive(timeout=20)
        assert port.alive and port.active is False and port.cstate is not DOWN
        port.close()


async def test_a_reset_is_shown_with_show_econnreset() -> None:
    """``{show_econnreset, true}``: a reset peer gives ``{tcp_error, S, econnreset}`` and
    then ``{tcp_closed, S}``; without it only ``{tcp_closed, S}``."""
    for show in (True, False):
        port, io = make(active=True, show_econnreset=show)
        port.on_eof(ECONNRESET)
        if show:
            await assert_receive(("tcp_error", port.handle, "econnreset"))
        await assert_receive(("tcp_closed", port.handle))
        await refute_receive(timeout=20)


async def test_deliver_port_shape_and_list_mode() -> None:
    """``{deliver, port}`` sends ``{S, {data, Data}}``; list mode gives a string."""
    port, io = make(active=True, deliver=Atom("port"))
    port.on_data(b"hi")
    await assert_receive((port.handle, ("data", "hi")))
    assert port.rstate is OPEN
    port.close()
