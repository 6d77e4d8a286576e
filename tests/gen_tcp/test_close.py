"""Owner death, links and close, and peers that close or reset mid-stream.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (default inet backend); its
docstring names the Erlang call and the exact Erlang result. ``C`` connects, ``A`` is
accepted, ``L`` listens, all owned by the test process unless a test says otherwise.

The mid-stream tests: when a peer resets, half-closes or closes mid-packet, the caller
gets the error Erlang gives, the node keeps running, and no byte the peer sent before
closing is lost or reordered.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet
from tests.gen_tcp.helpers import next_msg, opened, random_writes

ANY = actors.ANY


async def node_still_works() -> None:
    """A fresh connection still carries data both ways: the node kept running."""
    async with opened([("active", False)], [("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(c, "ping") == "ok"
        assert await gen_tcp.recv(a, 4, 2000) == ("ok", "ping")
        assert await gen_tcp.send(a, "pong") == "ok"
        assert await gen_tcp.recv(c, 4, 2000) == ("ok", "pong")


# --- 101-106 ------------------------------------------------------------------------------


async def _owner_until_die() -> None:
    await actors.receive("die")


async def _owner_sends(parent: actors.Pid, c: Any) -> None:
    await actors.receive("go")
    actors.send(parent, ("sent", await gen_tcp.send(c, "from owner")))
    await actors.receive("never")


async def test_owner_exit_closes_its_sockets() -> None:
    """The owner exits: the peer gets ``[{tcp_closed,'A'}]``; on the dead owner's socket
    ``inet:port`` -> ``{error,einval}``, ``send`` -> ``{error,closed}``, ``close`` -> ``ok``.
    Owner killed: the peer's passive recv -> ``{ok,"from owner"}``, then ``{error,closed}``."""
    async with opened() as (_l, c, a):
        owner = actors.spawn(_owner_until_die)
        assert await gen_tcp.controlling_process(c, owner) == "ok"
        ref = actors.monitor("process", owner)
        actors.send(owner, "die")
        await assert_receive(("DOWN", ref, "process", owner, "normal"))
        assert await next_msg() == ("tcp_closed", a)
        await refute_receive()
        assert await inet.port(c) == ("error", "einval")
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await gen_tcp.close(c) == "ok"

    async with opened([("active", False)]) as (_l, c, a):
        owner = actors.spawn(_owner_sends, actors.self(), c)
        assert await gen_tcp.controlling_process(c, owner) == "ok"
        actors.send(owner, "go")
        assert await assert_receive(("sent", ANY)) == ("sent", "ok")
        ref = actors.monitor("process", owner)
        actors.exit(owner, "kill")
        await assert_receive(("DOWN", ref, "process", owner, "killed"))
        assert await gen_tcp.recv(a, 0, 2000) == ("ok", "from owner")
        assert await gen_tcp.recv(a, 0, 2000) == ("error", "closed")


def links_of_self() -> list[Any]:
    res = actors.process_info(actors.self(), "links")
    assert isinstance(res, tuple) and res[0] == "links", res
    return list(res[1])


async def test_owner_linked_to_port_and_close_sends_no_exit() -> None:
    """The owner is linked to the port (``process_info(self(),links)`` holds C, as
    ``port_info(C,links)`` holds the owner); after its own ``close`` and after a peer close in
    active mode the trapping owner gets only ``tcp_closed`` messages and no ``{'EXIT',C,_}``."""
    actors.process_flag("trap_exit", True)
    async with opened() as (_l, c, a):
        assert c in links_of_self()
        assert a in links_of_self()
        assert await gen_tcp.close(c) == "ok"
        assert c not in links_of_self()
        assert await next_msg() == ("tcp_closed", a)
        await refute_receive()
    async with opened() as (_l, c, a):
        assert await gen_tcp.close(a) == "ok"
        assert await next_msg() == ("tcp_closed", c)
        await refute_receive()
        assert c not in links_of_self()


async def test_close_ok_twice_and_closer_gets_no_tcp_closed() -> None:
    """``gen_tcp:close(C)`` twice -> ``[ok,ok,[{tcp_closed,'A'}]]``: both closes give ``ok``,
    and the only message is ``tcp_closed`` for the peer socket A (none for C)."""
    async with opened() as (_l, c, a):
        assert await gen_tcp.close(c) == "ok"
        assert await gen_tcp.close(c) == "ok"
        assert await next_msg() == ("tcp_closed", a)
        await refute_receive()


async def test_calls_on_locally_closed_connected_socket() -> None:
    """Calls on a connected socket after ``gen_tcp:close(C)``, inet: ``send``/``recv`` ->
    ``{error,closed}``; ``setopts``, ``getopts``, ``peername``, ``sockname``, ``inet:port`` and
    ``getstat`` -> ``{error,einval}``; ``shutdown`` and ``controlling_process`` ->
    ``{error,closed}``."""
    async with opened() as (_l, c, _a):
        assert await gen_tcp.close(c) == "ok"
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await gen_tcp.recv(c, 0) == ("error", "closed")
        assert await gen_tcp.recv(c, 0, 100) == ("error", "closed")
        assert await inet.setopts(c, [("active", True)]) == ("error", "einval")
        assert await inet.getopts(c, ["active"]) == ("error", "einval")
        assert await inet.peername(c) == ("error", "einval")
        assert await inet.sockname(c) == ("error", "einval")
        assert await inet.port(c) == ("error", "einval")
        assert await inet.getstat(c) == ("error", "einval")
        assert await inet.getstat(c, ["recv_oct"]) == ("error", "einval")
        assert await gen_tcp.shutdown(c, "write") == ("error", "closed")
        assert await gen_tcp.controlling_process(c, actors.self()) == ("error", "closed")


async def test_calls_on_just_closed_listen_socket() -> None:
    """Calls on a listen socket just after ``gen_tcp:close(L)``, inet: ``send``, ``recv``,
    ``accept`` and ``controlling_process`` -> ``{error,closed}``; ``inet:port`` and ``sockname``
    -> ``{error,einval}``."""
    res, l = await gen_tcp.listen(0, [("ip", (127, 0, 0, 1))])
    assert res == "ok", l
    assert await gen_tcp.close(l) == "ok"
    assert await gen_tcp.send(l, "x") == ("error", "closed")
    assert await gen_tcp.recv(l, 0) == ("error", "closed")
    assert await gen_tcp.accept(l) == ("error", "closed")
    assert await gen_tcp.controlling_process(l, actors.self()) == ("error", "closed")
    assert await inet.port(l) == ("error", "einval")
    assert await inet.sockname(l) == ("error", "einval")


async def _close_and_report(parent: actors.Pid, s: Any) -> None:
    actors.send(parent, ("closed_by_other", await gen_tcp.close(s)))


async def test_any_process_may_close() -> None:
    """Another process's ``gen_tcp:close(C)`` -> ``ok``; the (non-trapping) owner gets nothing
    for its own socket; later sends -> ``{error,closed}``; the peer sees ``{error,closed}``."""
    async with opened([("active", False)]) as (_l, c, a):
        actors.spawn(_close_and_report, actors.self(), c)
        assert await next_msg() == ("closed_by_other", "ok")
        await refute_receive()
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await gen_tcp.recv(a, 0, 2000) == ("error", "closed")


async def test_close_by_other_process_gives_trapping_owner_exit_normal() -> None:
    """Re-run on OTP 25 (inet): when another process closes the socket, a *trapping* owner gets
    ``{'EXIT',C,normal}`` (the port's link to it ends with reason normal); the socket is closed
    for everyone: ``send`` -> ``{error,closed}``, the peer's recv -> ``{error,closed}``. (Its
    own close sends no ``'EXIT'``: see `test_owner_linked_to_port_and_close_sends_no_exit`.)"""
    actors.process_flag("trap_exit", True)
    async with opened([("active", False)]) as (_l, c, a):
        actors.spawn(_close_and_report, actors.self(), c)
        await assert_receive(("closed_by_other", "ok"))
        assert await assert_receive(("EXIT", c, ANY)) == ("EXIT", c, "normal")
        await refute_receive()
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await gen_tcp.recv(a, 0, 2000) == ("error", "closed")


# --- a peer that closes mid-stream loses no byte --------------------------------------------


async def _writer(parent: actors.Pid, chunks: list[Any], tail: Any = None) -> None:
    """Own the socket given by ``controlling_process``, send every chunk, then close it.

    The writer is a process of its own: a sender to a busy port waits until the port
    drains, so the reader must be another process.
    """
    msg = await actors.receive(("write_to", ANY))
    s = msg[1]
    results = set()
    for chunk in chunks:
        results.add(await gen_tcp.send(s, chunk))
    if tail is not None:
        tail_opts, tail_data = tail
        results.add(await inet.setopts(s, tail_opts))
        results.add(await gen_tcp.send(s, tail_data))
    results.add(await gen_tcp.close(s))
    actors.send(parent, ("writer_done", sorted(map(str, results))))


async def start_writer(a: Any, chunks: list[Any], tail: Any = None) -> actors.Pid:
    w = actors.spawn(_writer, actors.self(), chunks, tail)
    assert await gen_tcp.controlling_process(a, w) == "ok"
    actors.send(w, ("write_to", a))
    return w


async def read_active_until_closed(c: Any, mode: Any) -> tuple[list[Any], Any]:
    """Take ``{tcp,C,_}`` messages in `mode` (re-arming once / N) until ``{tcp_closed,C}``.

    Returns the data messages and the closing message.
    """
    parts: list[Any] = []
    while True:
        msg = await assert_receive(("tcp", c, ANY), ("tcp_closed", c), ("tcp_passive", c), ("tcp_error", c, ANY), timeout=5000)
        if msg[0] == "tcp":
            parts.append(msg[2])
            if mode == "once":
                assert await inet.setopts(c, [("active", "once")]) == "ok"
        elif msg[0] == "tcp_passive":
            assert isinstance(mode, int) and not isinstance(mode, bool), msg
            assert await inet.setopts(c, [("active", mode)]) == "ok"
        else:
            return parts, msg


async def read_passive_until_closed(c: Any, length: int) -> tuple[list[Any], Any]:
    """``recv(C,Length)`` until it returns an error; the data and that error."""
    parts: list[Any] = []
    while True:
        res = await gen_tcp.recv(c, length, 5000)
        if res[0] != "ok":
            return parts, res
        parts.append(res[1])


@pytest.mark.parametrize("mode", [True, "once", 3, "passive"], ids=repr)
async def test_peer_closes_after_1mb_in_random_writes_every_byte_in_order(mode: Any) -> None:
    """Erlang/OTP 25 (inet), peer close after data: a peer sends 1 MB in random-sized writes
    then closes. Active (``true``, ``once`` re-armed, ``{active,3}`` re-armed on
    ``tcp_passive``): every byte in order, then ``{tcp_closed,'C'}`` once. Passive
    ``recv(C,0)``: every byte in order, then ``{error,closed}``, then (inet)
    ``{error,enotconn}``. The node keeps running."""
    chunks = random_writes(seed=3)
    data = b"".join(chunks)
    passive = mode == "passive"
    copts = ["binary", ("active", False if passive else mode)]
    async with opened([("active", False), "binary"], copts) as (_l, c, a):
        await start_writer(a, chunks)
        if passive:
            parts, end = await read_passive_until_closed(c, 0)
            assert end == ("error", "closed")
            assert await gen_tcp.recv(c, 0, 100) == ("error", "enotconn")
        else:
            parts, end = await read_active_until_closed(c, mode)
            assert end == ("tcp_closed", c)
        got = b"".join(parts)
        assert len(got) == len(data)
        assert got == data
        assert await assert_receive(("writer_done", ANY)) == ("writer_done", ["ok"])
        await refute_receive()
    await node_still_works()


async def test_passive_recv_n_at_peer_close_returns_whole_chunks_then_closed() -> None:
    """A peer closing mid-stream, read with ``recv(C,1000)`` (re-run on OTP 25, as misc
    ``partial_recv_and_close``): the peer sends 1 MB in random-sized writes then closes. Every
    recv returns exactly 1000 bytes, in order, for the first 1048000 bytes; the next recv, with
    only 576 bytes left before EOF, gives ``{error,closed}`` (inet drops that partial tail),
    then ``{error,enotconn}``. Likewise "abc" then close: ``recv(C,10)`` ->
    ``{error,closed}``."""
    chunks = random_writes(seed=4)
    data = b"".join(chunks)
    async with opened([("active", False), "binary"], ["binary", ("active", False)]) as (_l, c, a):
        await start_writer(a, chunks)
        parts, end = await read_passive_until_closed(c, 1000)
        assert end == ("error", "closed")
        assert await gen_tcp.recv(c, 0, 100) == ("error", "enotconn")
        assert all(len(p) == 1000 for p in parts)
        got = b"".join(parts)
        assert len(got) == len(data) // 1000 * 1000
        assert got == data[: len(got)]
        assert await assert_receive(("writer_done", ANY)) == ("writer_done", ["ok"])
    async with opened([("active", False)], [("active", False)]) as (_l, c, a):
        await start_writer(a, ["abc"])
        assert await assert_receive(("writer_done", ANY)) == ("writer_done", ["ok"])
        assert await gen_tcp.recv(c, 10, 2000) == ("error", "closed")
        assert await gen_tcp.recv(c, 0, 100) == ("error", "enotconn")
        await refute_receive()
    await node_still_works()


@pytest.mark.parametrize("active", [True, "once", False], ids=repr)
async def test_peer_closes_mid_packet_complete_packets_then_closed(active: Any) -> None:
    """A truncated packet at close is dropped (re-run on OTP 25 with ``{packet,4}``): a peer
    sends 300 packets, written as random-sized raw pieces that cut across packet boundaries,
    then half a packet, then closes. The receiver gets exactly the 300 packets in order, then
    ``{tcp_closed,'C'}`` (active) or ``{error,closed}`` then ``{error,enotconn}`` (passive); the
    truncated packet is dropped."""
    rng = random.Random(129)
    packets = [rng.randbytes(rng.randint(0, 5000)) for _ in range(300)]
    wire = b"".join(len(p).to_bytes(4, "big") + p for p in packets)
    pieces = []
    i = 0
    while i < len(wire):
        n = rng.randint(1, 3000)
        pieces.append(wire[i : i + n])
        i += n
    truncated = (100).to_bytes(4, "big") + b"only forty bytes of a 100 byte packet...."
    async with opened(["binary"], ["binary", ("packet", 4), ("active", active)]) as (_l, c, a):
        await start_writer(a, pieces, tail=([("packet", 0)], truncated))
        if active is False:
            got, end = await read_passive_until_closed(c, 0)
            assert end == ("error", "closed")
            assert await gen_tcp.recv(c, 0, 100) == ("error", "enotconn")
        else:
            got, end = await read_active_until_closed(c, active)
            assert end == ("tcp_closed", c)
        assert len(got) == len(packets)
        assert got == packets
        assert await assert_receive(("writer_done", ANY)) == ("writer_done", ["ok"])
        await refute_receive()
    await node_still_works()


async def _reset_after(parent: actors.Pid, data: Any) -> None:
    msg = await actors.receive(("write_to", ANY))
    s = msg[1]
    r1 = await gen_tcp.send(s, data)
    r2 = await inet.setopts(s, [("linger", (True, 0))])
    r3 = await gen_tcp.close(s)
    actors.send(parent, ("reset_done", [r1, r2, r3]))


async def start_resetter(a: Any, data: Any) -> None:
    w = actors.spawn(_reset_after, actors.self(), data)
    assert await gen_tcp.controlling_process(a, w) == "ok"
    actors.send(w, ("write_to", a))
    assert await assert_receive(("reset_done", ANY)) == ("reset_done", ["ok", "ok", "ok"])


@pytest.mark.parametrize("show", [False, True], ids=["default", "show_econnreset"])
async def test_peer_resets_after_data_passive(show: bool) -> None:
    """A peer reset seen by a passive recv (re-run on OTP 25 with data sent before the
    reset): the peer sends "data", sets ``{linger,{true,0}}`` and closes (RST). Passive
    recv: ``{ok,"data"}``, then ``{error,closed}`` (default) or ``{error,econnreset}``
    (``show_econnreset``); by default a third recv -> ``{error,enotconn}``."""
    async with opened([("active", False)], [("active", False), ("show_econnreset", show)]) as (_l, c, a):
        await start_resetter(a, "data")
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "data")
        if show:
            assert await gen_tcp.recv(c, 0, 2000) == ("error", "econnreset")
        else:
            assert await gen_tcp.recv(c, 0, 2000) == ("error", "closed")
            assert await gen_tcp.recv(c, 0, 100) == ("error", "enotconn")
        await refute_receive()
    await node_still_works()


@pytest.mark.parametrize("show", [False, True], ids=["default", "show_econnreset"])
async def test_peer_resets_after_data_active(show: bool) -> None:
    """A peer reset in active mode (re-run on OTP 25 with data sent before the reset):
    ``[{tcp,'C',"data"},{tcp_closed,'C'}]`` by default; with ``show_econnreset``
    ``[{tcp,'C',"data"},{tcp_error,'C',econnreset},{tcp_closed,'C'}]``."""
    async with opened([("active", False)], [("show_econnreset", show)]) as (_l, c, a):
        await start_resetter(a, "data")
        assert await next_msg() == ("tcp", c, "data")
        if show:
            assert await next_msg() == ("tcp_error", c, "econnreset")
        assert await next_msg() == ("tcp_closed", c)
        await refute_receive()
    await node_still_works()
