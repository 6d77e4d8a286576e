"""Active modes on a live socket: ``{active,true|false|once|N}``.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (default inet backend); its
docstring names the Erlang call and the exact Erlang result. ``C`` connects, ``A`` is
accepted, ``L`` listens, all owned by the test process unless a test says otherwise, as
``pair(LOpts, COpts)`` in ``helpers.py`` opens them. ``flush()`` in the Erlang runs (every
message in the mailbox after 100 ms) becomes: wait for each expected message in order, then
``refute_receive`` for 100 ms.
"""

from __future__ import annotations

import random
from typing import Any

import actors
import gen_tcp
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet
from tests.gen_tcp.helpers import LOOP, next_msg, opened

ANY = actors.ANY


async def assert_active(s: Any, expected: Any) -> None:
    """``inet:getopts(S,[active])`` is ``{ok,[{active,Expected}]}``, with the exact type.

    ``True == 1`` and ``False == 0`` in Python, so the type is checked too: ``{active,1}``
    must not read back as ``true``, nor ``false`` as ``{active,0}``.
    """
    res = await inet.getopts(s, ["active"])
    assert res == ("ok", [("active", expected)]), res
    got = res[1][0][1]
    assert type(got) is type(expected) or (isinstance(expected, str) and isinstance(got, str)), (
        f"active read back as {got!r} ({type(got).__name__}), Erlang gives {expected!r}"
    )


async def ok(coro: Any) -> None:
    """Await a call whose Erlang result is the atom ``ok``."""
    res = await coro
    assert res == "ok", res


# --- 66-68: true, once, N ----------------------------------------------------------


async def test_default_active_true_delivers_tcp_message_with_list_data() -> None:
    """Default ``{active,true}``: ``flush()`` -> ``[{tcp,'C',"hello"}]`` (list data)."""
    async with opened() as (_l, c, a):
        await ok(gen_tcp.send(a, "hello"))
        msg = await next_msg()
        assert msg == ("tcp", c, "hello")
        assert type(msg[2]) is str
        await refute_receive()


async def test_active_once_delivers_one_message_then_passive() -> None:
    """``{active,once}`` delivers one message, then the socket is passive:
    ``[{tcp,'C',"one"}]``; getopts ``{ok,[{active,false}]}``; "two" stays queued until
    ``setopts {active,once}`` -> ``[{tcp,'C',"two"}]``."""
    async with opened([], [("active", "once")]) as (_l, c, a):
        await ok(gen_tcp.send(a, "one"))
        assert await next_msg() == ("tcp", c, "one")
        await assert_active(c, False)
        await ok(gen_tcp.send(a, "two"))
        await refute_receive()
        await ok(inet.setopts(c, [("active", "once")]))
        assert await next_msg() == ("tcp", c, "two")
        await refute_receive()


async def test_setopts_applies_when_called_and_its_answer_is_awaited() -> None:
    """As Erlang's ``inet:setopts/2``, the call applies the options: the buffered "two"
    is delivered before the answer is awaited; awaiting it gives ``ok``; an option it
    refuses answers ``{error, einval}`` the same way."""
    async with opened([], [("active", "once")]) as (_l, c, a):
        await ok(gen_tcp.send(a, "one"))
        assert await next_msg() == ("tcp", c, "one")
        await ok(gen_tcp.send(a, "two"))
        await refute_receive()
        answer = inet.setopts(c, [("active", "once")])
        assert await next_msg() == ("tcp", c, "two")
        assert await answer == "ok"
        refused = inet.setopts(c, [("packet", "nonsense")])
        assert await refused == ("error", "einval")
        await assert_active(c, False)


async def test_active_n_gives_n_messages_then_tcp_passive_rest_for_recv() -> None:
    """``{active,N}``: ``{packet,2},{active,3}``, 4 packets: ``[{tcp,'C',"m1"},{tcp,'C',"m2"},
    {tcp,'C',"m3"},{tcp_passive,'C'}]``; getopts ``{active,false}``; ``recv(C,0)`` -> ``{ok,"m4"}``."""
    async with opened([("packet", 2)], [("packet", 2), ("active", 3)]) as (_l, c, a):
        for m in ("m1", "m2", "m3", "m4"):
            await ok(gen_tcp.send(a, m))
        got = [await next_msg() for _ in range(4)]
        assert got == [("tcp", c, "m1"), ("tcp", c, "m2"), ("tcp", c, "m3"), ("tcp_passive", c)]
        await refute_receive()
        await assert_active(c, False)
        assert await gen_tcp.recv(c, 0, 1000) == ("ok", "m4")


async def test_getopts_shows_remaining_active_count() -> None:
    """``inet:getopts`` shows the remaining count: ``{active,5}``, 2 packets received ->
    ``{ok,[{active,3}]}``."""
    async with opened([("packet", 2)], [("packet", 2), ("active", 5)]) as (_l, c, a):
        await ok(gen_tcp.send(a, "p1"))
        await ok(gen_tcp.send(a, "p2"))
        assert await next_msg() == ("tcp", c, "p1")
        assert await next_msg() == ("tcp", c, "p2")
        await assert_active(c, 3)


async def test_setopts_active_n_adds_to_counter() -> None:
    """``setopts {active,N}`` adds to the count: passive; ``{active,3}`` then ``{active,2}`` ->
    ``{active,5}``; then ``{active,-1}`` -> ``{active,4}``. No message is sent."""
    async with opened([], [("active", False)]) as (_l, c, _a):
        await ok(inet.setopts(c, [("active", 3)]))
        await ok(inet.setopts(c, [("active", 2)]))
        await assert_active(c, 5)
        await ok(inet.setopts(c, [("active", -1)]))
        await assert_active(c, 4)
        await refute_receive()


async def test_active_zero_on_passive_socket_sends_tcp_passive_at_once() -> None:
    """``setopts {active,0}`` on a passive socket -> ``ok``, ``[{tcp_passive,'C'}]``,
    then getopts ``{active,false}``."""
    async with opened([], [("active", False)]) as (_l, c, _a):
        await ok(inet.setopts(c, [("active", 0)]))
        assert await next_msg() == ("tcp_passive", c)
        await refute_receive()
        await assert_active(c, False)


async def test_subtracting_to_zero_or_below_turns_passive_with_tcp_passive() -> None:
    """Subtracting to zero or below: count 3, ``setopts {active,-5}`` -> ``ok``,
    ``[{tcp_passive,'C'}]``, ``{active,false}``."""
    async with opened([], [("active", False)]) as (_l, c, _a):
        await ok(inet.setopts(c, [("active", 3)]))
        await ok(inet.setopts(c, [("active", -5)]))
        assert await next_msg() == ("tcp_passive", c)
        await refute_receive()
        await assert_active(c, False)


async def test_active_n_limits() -> None:
    """``{active,N}`` limits: ``{active,32767}`` -> ok (count 32767); then ``{active,1}`` ->
    ``{error,einval}`` (count stays 32767); ``{active,32768}`` -> ``{error,einval}``;
    ``{active,-32769}`` -> ``{error,einval}``; ``{active,-32768}`` -> ok,
    ``[{tcp_passive,'C'}]``, ``{active,false}``. (Sequence re-run on OTP 25: each einval leaves
    the count at 32767, with no message.)"""
    async with opened([], [("active", False)]) as (_l, c, _a):
        await ok(inet.setopts(c, [("active", 32767)]))
        await assert_active(c, 32767)
        assert await inet.setopts(c, [("active", 1)]) == ("error", "einval")
        await assert_active(c, 32767)
        assert await inet.setopts(c, [("active", 32768)]) == ("error", "einval")
        await assert_active(c, 32767)
        assert await inet.setopts(c, [("active", -32769)]) == ("error", "einval")
        await assert_active(c, 32767)
        await refute_receive(timeout=50)
        await ok(inet.setopts(c, [("active", -32768)]))
        assert await next_msg() == ("tcp_passive", c)
        await refute_receive()
        await assert_active(c, False)


async def test_switching_modes_replaces_old_mode() -> None:
    """Switching active modes replaces the old one: ``true``->``{active,3}`` gives 3;
    ``{active,3}``->``true`` gives true; ``{active,3}``->``once`` gives once;
    ``once``->``{active,3}`` gives 3; ``{active,5}``->``false``->``{active,2}`` gives 2; inet
    sends no message on these switches. ``{active,true}`` then ``{active,2}``: exactly 2
    messages, then ``tcp_passive``; ``{active,3}`` then ``once``: exactly 1 message."""
    async with opened([("packet", 2)], [("packet", 2), ("active", False)]) as (_l, c, a):
        switches: list[tuple[list[Any], Any]] = [
            ([True, 3], 3),
            ([3, True], True),
            ([3, "once"], "once"),
            (["once", 3], 3),
            ([5, False, 2], 2),
        ]
        for steps, expected in switches:
            for v in steps:
                await ok(inet.setopts(c, [("active", v)]))
            await assert_active(c, expected)
            await ok(inet.setopts(c, [("active", False)]))
            await assert_active(c, False)
        await refute_receive()

        await ok(inet.setopts(c, [("active", True)]))
        await ok(inet.setopts(c, [("active", 2)]))
        for m in ("q1", "q2", "q3"):
            await ok(gen_tcp.send(a, m))
        got = [await next_msg() for _ in range(3)]
        assert got == [("tcp", c, "q1"), ("tcp", c, "q2"), ("tcp_passive", c)]
        await refute_receive()
        assert await gen_tcp.recv(c, 0, 1000) == ("ok", "q3")

        await ok(inet.setopts(c, [("active", 3)]))
        await ok(inet.setopts(c, [("active", "once")]))
        await ok(gen_tcp.send(a, "r1"))
        await ok(gen_tcp.send(a, "r2"))
        assert await next_msg() == ("tcp", c, "r1")
        await refute_receive()
        await assert_active(c, False)
        assert await gen_tcp.recv(c, 0, 1000) == ("ok", "r2")


# --- 76-78: buffering, counting messages, message sizes ------------------------------


async def collect_data(s: Any, total: int, timeout: int = 2000) -> list[Any]:
    """The data of ``{tcp,S,Data}`` messages, in order, until `total` bytes/chars came."""
    parts: list[Any] = []
    n = 0
    while n < total:
        msg = await assert_receive(("tcp", s, ANY), timeout=timeout)
        parts.append(msg[2])
        n += len(msg[2])
    return parts


async def test_data_arriving_while_passive_is_delivered_on_activation() -> None:
    """Data that arrives while passive is delivered on ``setopts {active,true}``: nothing
    while passive, then ``[{tcp,'C',"aabb"}]`` (raw mode may join the
    two sends; asserted order-independently: the data messages concatenate to "aabb")."""
    async with opened([], [("active", False)]) as (_l, c, a):
        await ok(gen_tcp.send(a, "aa"))
        await ok(gen_tcp.send(a, "bb"))
        await refute_receive()
        await ok(inet.setopts(c, [("active", True)]))
        parts = await collect_data(c, 4)
        assert "".join(parts) == "aabb"
        await refute_receive()


async def test_active_n_counts_messages_not_bytes_or_sends() -> None:
    """N counts messages, not bytes or sends: 3 quick raw sends, then ``{active,2}``:
    ``[{tcp,'C',"abc"}]`` and the remaining count is ``{active,1}``. Coalescing is
    timing-dependent, so: the messages concatenate to "abc", there are at most 2, and the count
    left is 2 minus their number (``tcp_passive`` and ``{active,false}`` when it reaches 0)."""
    async with opened([], [("active", False)]) as (_l, c, a):
        for m in ("a", "b", "c"):
            await ok(gen_tcp.send(a, m))
        await ok(inet.setopts(c, [("active", 2)]))
        parts = await collect_data(c, 3)
        assert "".join(parts) == "abc"
        assert len(parts) <= 2, parts
        if len(parts) == 1:
            await refute_receive()
            await assert_active(c, 1)
        else:
            assert await next_msg() == ("tcp_passive", c)
            await refute_receive()
            await assert_active(c, False)


async def test_active_message_size_limited_by_buffer_in_raw_mode() -> None:
    """Active message size is limited by ``buffer`` in raw mode: a 200000-byte burst: inet sends
    138 messages of at most 1460 bytes (the default ``buffer``); with ``{buffer,65536}``, 4
    messages of at most 65536. Asserted: every message <= buffer, and the messages concatenate
    to the burst, in order."""
    data = random.Random(78).randbytes(200_000)
    for copts, limit in ([], 1460), ([("buffer", 65536)], 65536):
        async with opened([], ["binary", *copts]) as (_l, c, a):
            await ok(gen_tcp.send(a, data))
            parts = await collect_data(c, len(data))
            assert b"".join(parts) == data
            assert max(len(p) for p in parts) <= limit, (limit, sorted({len(p) for p in parts})[-5:])
            assert len(parts) >= -(-len(data) // limit)
            await refute_receive(("tcp", c, ANY))


# --- 79-82: peer close in active modes -----------------------------------------------


async def test_peer_close_active_true_data_then_tcp_closed_then_port_gone() -> None:
    """The peer sends "last" and closes an ``{active,true}`` socket:
    ``[{tcp,'C',"last"},{tcp_closed,'C'}]``; then (inet, port gone):
    send ``{error,closed}``, recv ``{error,closed}``, setopts/getopts ``{error,einval}``,
    peername ``{error,einval}``, inet:port ``{error,einval}``, close ``ok``, second close
    ``ok``; a trapping owner gets no ``{'EXIT',Port,_}``."""
    actors.process_flag("trap_exit", True)
    async with opened() as (_l, c, a):
        await ok(gen_tcp.send(a, "last"))
        await ok(gen_tcp.close(a))
        assert await next_msg() == ("tcp", c, "last")
        assert await next_msg() == ("tcp_closed", c)
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await gen_tcp.recv(c, 0, 100) == ("error", "closed")
        assert await inet.setopts(c, [("active", True)]) == ("error", "einval")
        assert await inet.getopts(c, ["active"]) == ("error", "einval")
        assert await inet.peername(c) == ("error", "einval")
        assert await inet.port(c) == ("error", "einval")
        assert await gen_tcp.close(c) == "ok"
        assert await gen_tcp.close(c) == "ok"
        await refute_receive()


async def test_peer_close_active_n_gives_data_then_tcp_closed_no_tcp_passive() -> None:
    """``{active,5}``, the peer sends "x" and closes:
    ``[{tcp,'C',"x"},{tcp_closed,'C'}]`` and no ``tcp_passive``."""
    async with opened([], [("active", 5)]) as (_l, c, a):
        await ok(gen_tcp.send(a, "x"))
        await ok(gen_tcp.close(a))
        assert await next_msg() == ("tcp", c, "x")
        assert await next_msg() == ("tcp_closed", c)
        await refute_receive()


async def test_tcp_closed_sent_once_then_reactivation_gives_einval() -> None:
    """The peer closes: ``[{tcp_closed,'C'}]``, then ``{active,once}`` -> ``{error,einval}`` and
    ``{active,true}`` -> ``{error,einval}``; no second message. (Re-run on OTP 25 with C in
    ``true``, ``once`` and ``{active,3}``: the same, and ``{active,3}`` -> ``{error,einval}``.)"""
    for mode in (True, "once", 3):
        async with opened([], [("active", mode)]) as (_l, c, a):
            await ok(gen_tcp.close(a))
            assert await next_msg() == ("tcp_closed", c), mode
            assert await inet.setopts(c, [("active", "once")]) == ("error", "einval")
            assert await inet.setopts(c, [("active", True)]) == ("error", "einval")
            assert await inet.setopts(c, [("active", 3)]) == ("error", "einval")
            await refute_receive()


# --- 84-90 -----------------------------------------------------------------------------


async def test_listen_socket_takes_active_n_and_sends_tcp_passive() -> None:
    """Listen sockets take ``{active,N}`` too: ``listen(0,[{active,3}])``: getopts
    ``{active,3}``; ``setopts {active,-3}`` -> ``[{tcp_passive,'LS'}]`` and ``{active,false}``;
    ``listen(0,[{active,0}])`` -> an immediate ``{tcp_passive,'LS2'}``."""
    res, ls = await gen_tcp.listen(0, [("ip", LOOP), ("active", 3)])
    assert res == "ok", ls
    try:
        await assert_active(ls, 3)
        await ok(inet.setopts(ls, [("active", -3)]))
        assert await next_msg() == ("tcp_passive", ls)
        await assert_active(ls, False)
        res, ls2 = await gen_tcp.listen(0, [("ip", LOOP), ("active", 0)])
        assert res == "ok", ls2
        try:
            assert await next_msg() == ("tcp_passive", ls2)
            await refute_receive()
        finally:
            await gen_tcp.close(ls2)
    finally:
        await gen_tcp.close(ls)


async def test_invalid_active_values_give_einval() -> None:
    """``inet:setopts(C,[{active,V}])`` with ``{active,1.5}``, ``{active,foo}`` and
    ``{active,"x"}`` -> ``{error,einval}``. Erlang's string ``"x"`` is the list ``[120]`` here
    (a Python ``str`` would be an atom)."""
    async with opened([], [("active", False)]) as (_l, c, _a):
        for bad in (1.5, "foo", [120]):
            assert await inet.setopts(c, [("active", bad)]) == ("error", "einval"), bad
        await assert_active(c, False)
        await refute_receive()


async def test_packet_mode_each_active_message_is_one_whole_packet() -> None:
    """In packet modes each active message is one whole packet: ``{packet,2}`` with once ->
    ``[{tcp,'C',"p1"}]``, then (after re-arming) ``[{tcp,'C',"p2"}]``."""
    async with opened([("packet", 2)], [("packet", 2), ("active", "once")]) as (_l, c, a):
        await ok(gen_tcp.send(a, "p1"))
        await ok(gen_tcp.send(a, "p2"))
        assert await next_msg() == ("tcp", c, "p1")
        await refute_receive()
        await ok(inet.setopts(c, [("active", "once")]))
        assert await next_msg() == ("tcp", c, "p2")
        await refute_receive()


async def test_spent_once_or_n_leaves_socket_passive_and_recv_works() -> None:
    """Once a ``once`` or N count is spent the socket is passive and recv works:
    ``[{tcp,'C',"first"}]``, ``{ok,"second"}``,
    ``[{tcp,'C',"third"},{tcp_passive,'C'}]``, ``{ok,"fourth"}``."""
    async with opened([], [("active", "once")]) as (_l, c, a):
        await ok(gen_tcp.send(a, "first"))
        assert await next_msg() == ("tcp", c, "first")
        await ok(gen_tcp.send(a, "second"))
        assert await gen_tcp.recv(c, 0, 1000) == ("ok", "second")
        await ok(inet.setopts(c, [("active", 1)]))
        await ok(gen_tcp.send(a, "third"))
        assert await next_msg() == ("tcp", c, "third")
        assert await next_msg() == ("tcp_passive", c)
        await ok(gen_tcp.send(a, "fourth"))
        assert await gen_tcp.recv(c, 0, 1000) == ("ok", "fourth")
        await refute_receive()


async def _setopts_getopts_and_report(parent: actors.Pid, c: Any) -> None:
    set_res = await inet.setopts(c, [("active", "once")])
    get_res = await inet.getopts(c, ["active"])
    actors.send(parent, ("non_owner", (set_res, get_res)))
    await refute_receive(("tcp", c, ANY), timeout=200)
    actors.send(parent, ("non_owner_done", c))


async def test_non_owner_may_setopts_and_getopts_messages_go_to_owner() -> None:
    """A non-owner may call ``setopts``/``getopts``; messages still go to the owner. From
    another process: ``{ok,{ok,[{active,once}]}}``; the owner gets
    ``[{tcp,'C',"to owner"}]`` (and the other process gets nothing)."""
    async with opened([], [("active", False)]) as (_l, c, a):
        actors.spawn(_setopts_getopts_and_report, actors.self(), c)
        msg = await assert_receive(("non_owner", ANY))
        assert msg[1] == ("ok", ("ok", [("active", "once")]))
        await ok(gen_tcp.send(a, "to owner"))
        assert await assert_receive(("tcp", c, ANY)) == ("tcp", c, "to owner")
        await assert_receive(("non_owner_done", c))
        await refute_receive()
