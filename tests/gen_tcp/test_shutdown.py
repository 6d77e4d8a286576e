"""gen_tcp:shutdown/2, exit_on_close and half-close, and a peer that half-closes mid-stream.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (default inet backend); its
docstring names the Erlang call and the exact Erlang result. ``C`` connects, ``A``
is accepted, ``L`` listens, all owned by the test process unless a test says otherwise.
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


PASSIVE = [("active", False)]


async def test_shutdown_write_peer_gets_data_then_closed() -> None:
    """``gen_tcp:shutdown(C,write)`` -> ``ok``; ``send`` after it -> ``{error,closed}``; the
    passive peer (default ``exit_on_close`` true) gets ``{ok,"data"}`` then
    ``{error,closed}`` and has closed its whole socket: its ``send`` -> ``{error,closed}``,
    and the shut-down side's ``recv`` -> ``{error,closed}`` (then ``{error,enotconn}``)."""
    async with opened(PASSIVE, PASSIVE) as (_l, c, a):
        assert await gen_tcp.send(c, "data") == "ok"
        assert await gen_tcp.shutdown(c, "write") == "ok"
        assert await gen_tcp.send(c, "more") == ("error", "closed")
        assert await gen_tcp.recv(a, 0, 2000) == ("ok", "data")
        assert await gen_tcp.recv(a, 0, 2000) == ("error", "closed")
        assert await gen_tcp.send(a, "reply") == ("error", "closed")
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "closed")
        assert await gen_tcp.recv(c, 0, 100) == ("error", "enotconn")
        await refute_receive()


async def test_half_close_works_when_peer_has_exit_on_close_false() -> None:
    """Half-close on inet needs the peer to keep its socket: the passive peer has
    ``{exit_on_close,false}``; this side calls ``shutdown(A,write)``: peer recv ``{ok,"data"}``,
    then ``{error,closed}``; the peer's ``send`` -> ``ok`` and this side receives
    ``{ok,"answer"}``."""
    async with opened(PASSIVE, [*PASSIVE, ("exit_on_close", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, "data") == "ok"
        assert await gen_tcp.shutdown(a, "write") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "data")
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "closed")
        assert await gen_tcp.send(c, "answer") == "ok"
        assert await gen_tcp.recv(a, 0, 2000) == ("ok", "answer")
        await refute_receive()


async def test_active_peer_exit_on_close_false_gets_tcp_closed_socket_usable() -> None:
    """After ``shutdown(A,write)``, an active peer C with ``{exit_on_close,false}`` gets
    ``[{tcp,'C',"data"},{tcp_closed,'C'}]``; its ``send`` -> ``ok`` and the
    other side receives it (``{ok,"reply"}``); getopts -> ``{ok,[{active,true}]}``; after
    ``close(C)`` the other side sees ``{error,closed}``."""
    async with opened(PASSIVE, [("exit_on_close", False)]) as (_l, c, a):
        assert await gen_tcp.send(a, "data") == "ok"
        assert await gen_tcp.shutdown(a, "write") == "ok"
        assert await next_msg() == ("tcp", c, "data")
        assert await next_msg() == ("tcp_closed", c)
        assert await gen_tcp.send(c, "reply") == "ok"
        assert await gen_tcp.recv(a, 0, 2000) == ("ok", "reply")
        res = await inet.getopts(c, ["active"])
        assert res == ("ok", [("active", True)]) and res[1][0][1] is True, res
        assert await gen_tcp.close(c) == "ok"
        assert await gen_tcp.recv(a, 0, 2000) == ("error", "closed")
        await refute_receive()


async def test_active_peer_default_exit_on_close_socket_gone_after_tcp_closed() -> None:
    """Default ``exit_on_close`` true: the shut-down side ``A`` sends "data" and
    ``shutdown(A,write)``; the active peer gets ``[{tcp,'C',"data"},{tcp_closed,'C'}]``; then
    (inet) ``send`` -> ``{error,closed}``, and the shutting-down side's recv ->
    ``{error,closed}``."""
    async with opened(PASSIVE) as (_l, c, a):
        assert await gen_tcp.send(a, "data") == "ok"
        assert await gen_tcp.shutdown(a, "write") == "ok"
        assert await next_msg() == ("tcp", c, "data")
        assert await next_msg() == ("tcp_closed", c)
        assert await gen_tcp.send(c, "reply") == ("error", "closed")
        assert await gen_tcp.recv(a, 0, 2000) == ("error", "closed")
        await refute_receive()


async def test_shutdown_read_write() -> None:
    """After ``send(C,"Hej Client")`` and ``shutdown(C,read_write)`` -> ``ok``: the
    peer gets ``{ok,"Hej Client"}`` then ``{error,closed}``; local ``send`` and ``recv`` ->
    ``{error,closed}``."""
    async with opened(PASSIVE, PASSIVE) as (_l, c, a):
        assert await gen_tcp.send(c, "Hej Client") == "ok"
        assert await gen_tcp.shutdown(c, "read_write") == "ok"
        assert await gen_tcp.recv(a, 0, 2000) == ("ok", "Hej Client")
        assert await gen_tcp.recv(a, 0, 2000) == ("error", "closed")
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "closed")
        await refute_receive()


async def test_shutdown_read_linux_still_receives_and_sends() -> None:
    """``gen_tcp:shutdown(C,read)`` -> ``ok``; local recv afterwards still receives new data
    (inet on Linux: ``{ok,"x"}``); local send still works (``ok``, the peer gets ``"y"``)."""
    async with opened(PASSIVE, PASSIVE) as (_l, c, a):
        assert await gen_tcp.shutdown(c, "read") == "ok"
        assert await gen_tcp.send(a, "x") == "ok"
        assert await gen_tcp.recv(c, 0, 2000) == ("ok", "x")
        assert await gen_tcp.send(c, "y") == "ok"
        assert await gen_tcp.recv(a, 0, 2000) == ("ok", "y")
        await refute_receive()


async def test_shutdown_errors() -> None:
    """``gen_tcp:shutdown(S,How)`` errors: on a listen socket ``{error,enotconn}`` (re-run on
    OTP 25: for ``read``, ``write`` and ``read_write``); on a closed socket ``{error,closed}``;
    bad How (inet) ``{raised,error,function_clause}``; ``shutdown(write)`` twice: ``ok``,
    ``ok``."""
    async with opened(PASSIVE, PASSIVE) as (l, c, a):
        for how in ("read", "write", "read_write"):
            assert await gen_tcp.shutdown(l, how) == ("error", "enotconn"), how
        with pytest.raises(actors.ErlangError) as info:
            await gen_tcp.shutdown(c, "foo")
        assert info.value.reason == "function_clause"
        assert await gen_tcp.shutdown(c, "write") == "ok"
        assert await gen_tcp.shutdown(c, "write") == "ok"
        assert await gen_tcp.close(a) == "ok"
        assert await gen_tcp.shutdown(a, "write") == ("error", "closed")
        assert await gen_tcp.close(l) == "ok"
        assert await gen_tcp.shutdown(l, "read_write") == ("error", "closed")
        await refute_receive()


async def test_shutdown_write_waits_for_queued_data() -> None:
    """``gen_tcp:shutdown(C,write)`` waits for queued data (inet): 1 MB sent to a peer that is
    not reading (the inet send returns at once); ``shutdown(C,write)`` -> ``ok``; the peer
    receives all 1048576 bytes, then ``{error,closed}``."""
    data = random.Random(117).randbytes(1 << 20)
    async with opened([*PASSIVE, "binary"], [*PASSIVE, "binary"]) as (_l, c, a):
        assert await gen_tcp.send(c, data) == "ok"
        assert await gen_tcp.shutdown(c, "write") == "ok"
        parts = []
        while True:
            res = await gen_tcp.recv(a, 0, 5000)
            if res[0] != "ok":
                break
            parts.append(res[1])
        assert res == ("error", "closed")
        got = b"".join(parts)
        assert len(got) == 1048576
        assert got == data
        await refute_receive()


async def test_exit_on_close_false_peer_fully_closed_send_fails() -> None:
    """``{exit_on_close,false}`` and the peer fully closed: the first 1 MB send -> ``ok``
    (queued), the second -> ``{error,closed}`` (re-run on OTP 25: a third ->
    ``{error,enotconn}``). Sends never hang."""
    big = b"x" * (1 << 20)
    async with opened(PASSIVE, [*PASSIVE, ("exit_on_close", False), "binary"]) as (_l, c, a):
        assert await gen_tcp.close(a) == "ok"
        assert await gen_tcp.send(c, big) == "ok"
        assert await gen_tcp.send(c, big) == ("error", "closed")
        assert await gen_tcp.send(c, big) == ("error", "enotconn")
        await refute_receive()


# --- a peer that half-closes mid-stream ------------------------------------------------


async def _half_closer(parent: actors.Pid, chunks: list[bytes]) -> None:
    """Own the socket given, send every chunk, ``shutdown(write)``, then read the answer."""
    msg = await actors.receive(("write_to", ANY))
    s = msg[1]
    results = set()
    for chunk in chunks:
        results.add(await gen_tcp.send(s, chunk))
    results.add(await gen_tcp.shutdown(s, "write"))
    answer = await gen_tcp.recv(s, 0, 5000)
    after = await gen_tcp.recv(s, 0, 5000)
    actors.send(parent, ("half_closer_done", sorted(map(str, results)), answer, after))


@pytest.mark.parametrize("mode", [True, "once", 3, "passive"], ids=repr)
async def test_peer_half_closes_after_1mb_every_byte_then_reply(mode: Any) -> None:
    """A peer half-closes mid-stream (Erlang: the half-close and ``exit_on_close`` false
    behaviours above): a peer sends 1 MB in random-sized
    writes, then ``shutdown(write)``. The receiver (``{exit_on_close,false}``), in each
    active mode or passive, gets every byte in order, then ``{tcp_closed,'C'}`` (active) or
    ``{error,closed}`` (passive); its socket stays usable: its ``send`` -> ``ok`` and the
    peer receives ``{ok,<<"done">>}``, then ``{error,closed}`` once C is closed."""
    chunks = random_writes(seed=111)
    data = b"".join(chunks)
    passive = mode == "passive"
    copts = ["binary", ("exit_on_close", False), ("active", False if passive else mode)]
    async with opened([*PASSIVE, "binary"], copts) as (_l, c, a):
        w = actors.spawn(_half_closer, actors.self(), chunks)
        assert await gen_tcp.controlling_process(a, w) == "ok"
        actors.send(w, ("write_to", a))
        parts: list[bytes] = []
        if passive:
            while (res := await gen_tcp.recv(c, 0, 5000))[0] == "ok":
                parts.append(res[1])
            assert res == ("error", "closed")
        else:
            while True:
                msg = await assert_receive(("tcp", c, ANY), ("tcp_closed", c), ("tcp_passive", c), timeout=5000)
                if msg[0] == "tcp":
                    parts.append(msg[2])
                    if mode == "once":
                        assert await inet.setopts(c, [("active", "once")]) == "ok"
                elif msg[0] == "tcp_passive":
                    assert await inet.setopts(c, [("active", mode)]) == "ok"
                else:
                    assert msg == ("tcp_closed", c)
                    break
        got = b"".join(parts)
        assert len(got) == len(data)
        assert got == data
        assert await gen_tcp.send(c, "done") == "ok"
        assert await gen_tcp.close(c) == "ok"
        msg = await assert_receive(("half_closer_done", ANY, ANY, ANY), timeout=5000)
        assert msg == ("half_closer_done", ["ok"], ("ok", b"done"), ("error", "closed"))
        await refute_receive()
