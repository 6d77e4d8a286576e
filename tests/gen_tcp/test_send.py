"""gen_tcp:send/2: iodata, errors after close and reset, send timeouts, the busy port.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (inet backend); its docstring
names the Erlang call and the exact Erlang result. ``C`` connects, ``A`` is accepted, ``L``
listens, as ``pair(LOpts, COpts)`` in ``helpers.py`` opens them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet

from .helpers import LOOP, about, next_about, scoped_pair

CHUNK = b"z" * 65536
MB = 1024 * 1024


async def send_until_error(s: Any, data: Any = "x", tries: int = 50) -> Any:
    """Send until a send fails (Erlang's sends that only reached the kernel return ``ok``).

    Between sends, wait a little for the peer's RST to come back (a short "nothing
    arrives" check, not a synchronisation). Returns the first non-``ok`` result.
    """
    for _ in range(tries):
        result = await gen_tcp.send(s, data)
        if result != "ok":
            return result
        await refute_receive(about(s), timeout=20)
    raise AssertionError(f"{tries} sends to a closed peer all returned ok")


async def fill_until_not_ok(s: Any, limit: int = 1000) -> tuple[int, Any, float]:
    """Send 64 KB chunks until one does not return ``ok``.

    Returns (number of ``ok`` sends, the first other result, seconds that send took).
    """
    for n in range(limit):
        t0 = time.monotonic()
        result = await gen_tcp.send(s, CHUNK)
        if result != "ok":
            return n, result, time.monotonic() - t0
    raise AssertionError(f"{limit} chunks of 64 KB to a peer that never reads all returned ok")


async def reset_by_peer(peer: Any) -> None:
    """Close `peer` with ``{linger,{true,0}}``: the other side gets an RST."""
    assert await inet.setopts(peer, [("linger", (True, 0))]) == "ok"
    assert await gen_tcp.close(peer) == "ok"


# -- 136, 137: what send accepts -------------------------------------------------------------


async def test_send_accepts_nested_iodata() -> None:
    """The nested list from OTP's gen_tcp_api_SUITE ``[<<"Aaaa">>,"... ",$L,<<>>,$o,"ng time ago ",
    ["in ",[],<<"a small town">>,[" in Germany,",<<>>]]]`` arrives byte for byte (``ok``)."""
    iodata = [
        b"Aaaa",
        "... ",
        ord("L"),
        b"",
        ord("o"),
        "ng time ago ",
        ["in ", [], b"a small town", [" in Germany,", b""]],
    ]
    expected = b"Aaaa... Long time ago in a small town in Germany,"
    async with scoped_pair([("active", False), "binary"], [("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(c, iodata) == "ok"
        assert await gen_tcp.recv(a, len(expected), 2000) == ("ok", expected)


async def test_send_accepts_python_byte_types() -> None:
    """``send`` accepts any iodata; here its Python forms: ``bytes``, ``bytearray``,
    ``memoryview``, ``str`` of code points 0..255 and ints 0..255, nested in lists → ``ok``."""
    iodata = [bytearray(b"ab"), memoryview(b"cd"), ["\xe9", [255, 0]], b"!"]
    expected = b"abcd\xe9\xff\x00!"
    async with scoped_pair([("active", False), "binary"], [("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(c, iodata) == "ok"
        assert await gen_tcp.send(c, bytearray(b"+")) == "ok"
        assert await gen_tcp.recv(a, len(expected) + 1, 2000) == ("ok", expected + b"+")


@pytest.mark.parametrize(
    "bad",
    [
        actors.Atom("foo"),
        [256],
        [-1],
        (actors.Atom("a"),),
        1.5,
        ["ab", actors.Atom("foo")],
        "\u0100",
    ],
    ids=["atom", "256", "minus1", "tuple", "float", "list_with_atom", "str_over_255"],
)
async def test_send_non_iodata_is_einval_and_socket_stays_usable(bad: Any) -> None:
    """inet: ``send(C,foo)``, ``[256]``, ``[-1]``, ``{a}``, ``1.5``,
    ``["ab",foo]`` → ``{error,einval}`` (not an exception); the socket still works after
    (``ok``, peer gets the data)."""
    async with scoped_pair([("active", False), "binary"], [("active", False)]) as (_l, c, a):
        assert await gen_tcp.send(c, bad) == ("error", "einval")
        assert await gen_tcp.send(c, "ok") == "ok"
        assert await gen_tcp.recv(a, 2, 2000) == ("ok", b"ok")


@pytest.mark.parametrize("not_a_socket", [actors.Atom("foo"), 42, "x"])
async def test_send_to_non_socket_raises_function_clause(not_a_socket: Any) -> None:
    """A non-socket first argument → ``{raised,error,function_clause}``."""
    with pytest.raises(actors.ErlangError) as info:
        await gen_tcp.send(not_a_socket, "x")
    assert info.value.reason == "function_clause"


# -- 138, 139: where send may be called ------------------------------------------------------


async def test_send_on_listen_socket_is_enotconn() -> None:
    """``send`` on a listen socket: inet ``{error,enotconn}``."""
    ok, l = await gen_tcp.listen(0, [("ip", LOOP)])
    assert ok == "ok"
    try:
        assert await gen_tcp.send(l, "x") == ("error", "enotconn")
    finally:
        assert await gen_tcp.close(l) == "ok"


async def test_any_process_may_send() -> None:
    """A process that does not own the socket sends: ``ok``, and the peer
    receives the data."""
    async with scoped_pair([("active", False)], [("active", False)]) as (_l, c, a):
        me = actors.self()

        async def sender() -> None:
            actors.send(me, ("sent", await gen_tcp.send(c, "from another")))

        actors.spawn(sender)
        assert await assert_receive(("sent", actors.ANY)) == ("sent", "ok")
        assert await gen_tcp.recv(a, 12, 2000) == ("ok", "from another")


async def test_send_sends_when_called_and_its_answer_is_awaited() -> None:
    """As Erlang's ``gen_tcp:send/2``, the call does the send: the peer has the data
    before the answer is awaited, and awaiting it (any number of times) gives ``ok``."""
    async with scoped_pair([("active", False)], [("active", False)]) as (_l, c, a):
        answer = gen_tcp.send(c, b"eager")
        assert await gen_tcp.recv(a, 5, 2000) == ("ok", "eager")
        assert await answer == "ok"
        assert await answer == "ok"


async def test_a_send_that_fails_answers_its_error_when_awaited() -> None:
    """A send on a closed socket: ``{error, closed}``, from an awaitable made at the
    call."""
    async with scoped_pair([("active", False)], [("active", False)]) as (_l, c, _a):
        assert await gen_tcp.close(c) == "ok"
        answer = gen_tcp.send(c, b"late")
        assert await answer == ("error", "closed")


# -- 141-145: closed and reset peers ---------------------------------------------------------


async def test_send_after_peer_closed() -> None:
    """After the peer closed normally, the first send → ``ok`` (it only
    reached the kernel), the next failing one → ``{error,closed}``, then inet
    ``{error,enotconn}``."""
    async with scoped_pair([("active", False)], [("active", False)]) as (_l, c, a):
        assert await gen_tcp.close(a) == "ok"
        assert await gen_tcp.send(c, "x") == "ok"
        assert await send_until_error(c) == ("error", "closed")
        assert await gen_tcp.send(c, "x") == ("error", "enotconn")


async def test_send_after_peer_reset() -> None:
    """After a peer reset, send → ``{error,closed}`` by default; a second
    send, inet: ``{error,enotconn}``."""
    async with scoped_pair([("active", False)], [("active", False)]) as (_l, c, a):
        await reset_by_peer(a)
        assert await send_until_error(c) == ("error", "closed")
        assert await gen_tcp.send(c, "x") == ("error", "enotconn")


async def test_send_after_peer_reset_show_econnreset() -> None:
    """After a peer reset, with ``{show_econnreset,true}``, send → ``{error,econnreset}``; a
    second send, inet: ``{error,enotconn}``."""
    copts = [("active", False), ("show_econnreset", True)]
    async with scoped_pair([("active", False)], copts) as (_l, c, a):
        await reset_by_peer(a)
        assert await send_until_error(c) == ("error", "econnreset")
        assert await gen_tcp.send(c, "x") == ("error", "enotconn")


async def test_peer_reset_active_default() -> None:
    """A peer reset in active mode, default: ``[{tcp_closed,'C'}]``."""
    async with scoped_pair([("active", False)], [("active", True)]) as (_l, c, a):
        await reset_by_peer(a)
        assert await next_about(c) == ("tcp_closed", c)
        await refute_receive(about(c), timeout=50)


async def test_peer_reset_active_show_econnreset() -> None:
    """A peer reset in active mode with ``{show_econnreset,true}``:
    ``[{tcp_error,'C',econnreset},{tcp_closed,'C'}]``."""
    copts = [("active", True), ("show_econnreset", True)]
    async with scoped_pair([("active", False)], copts) as (_l, c, a):
        await reset_by_peer(a)
        assert await next_about(c) == ("tcp_error", c, "econnreset")
        assert await next_about(c) == ("tcp_closed", c)
        await refute_receive(about(c), timeout=50)


async def test_peer_reset_passive_recv_default() -> None:
    """Passive recv after a peer reset: ``{error,closed}``; the next recv,
    inet: ``{error,enotconn}``."""
    async with scoped_pair([("active", False)], [("active", False)]) as (_l, c, a):
        await reset_by_peer(a)
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "closed")
        assert await gen_tcp.recv(c, 0, 200) == ("error", "enotconn")


async def test_peer_reset_passive_recv_show_econnreset() -> None:
    """Passive recv after a peer reset, with ``{show_econnreset,true}``: ``{error,econnreset}``;
    the next recv, inet: ``{error,enotconn}``."""
    copts = [("active", False), ("show_econnreset", True)]
    async with scoped_pair([("active", False)], copts) as (_l, c, a):
        await reset_by_peer(a)
        assert await gen_tcp.recv(c, 0, 2000) == ("error", "econnreset")
        assert await gen_tcp.recv(c, 0, 200) == ("error", "enotconn")


async def test_show_econnreset_inherited_and_reported_on_reactivation() -> None:
    """``show_econnreset`` set on the listen socket is inherited
    (``{show_econnreset,true}``); nothing arrives while passive; after ``{active,once}``:
    ``[{tcp_error,'A',econnreset},{tcp_closed,'A'}]``."""
    lopts = [("active", False), ("show_econnreset", True)]
    async with scoped_pair(lopts, [("active", False)]) as (_l, c, a):
        assert await inet.getopts(a, ["show_econnreset"]) == ("ok", [("show_econnreset", True)])
        await reset_by_peer(c)
        await refute_receive(about(a), timeout=100)
        assert await inet.setopts(a, [("active", "once")]) == "ok"
        assert await next_about(a) == ("tcp_error", a, "econnreset")
        assert await next_about(a) == ("tcp_closed", a)
        await refute_receive(about(a), timeout=50)


# -- 147-151: send_timeout, busy port, queued sends ------------------------------------------


async def test_send_timeout_returns_timeout_and_socket_stays_usable() -> None:
    """``{send_timeout,200}``, peer never reads, 64 KB chunks: the
    send that blocks returns ``{error,timeout}`` (inet shape) after about 200 ms; the next
    send times out again; ``peername`` → ``ok``; two parallel senders both return
    ``{error,timeout}``."""
    copts = [("active", False), "binary", ("send_timeout", 200)]
    async with scoped_pair([("active", False), "binary"], copts) as (_l, c, _a):
        _n, result, took = await fill_until_not_ok(c)
        assert result == ("error", "timeout")
        assert took >= 0.1
        assert await gen_tcp.send(c, CHUNK) == ("error", "timeout")
        ok, _ = await inet.peername(c)
        assert ok == "ok"
        me = actors.self()

        async def sender(tag: str) -> None:
            actors.send(me, (tag, await gen_tcp.send(c, CHUNK)))

        actors.spawn(sender, "s1")
        actors.spawn(sender, "s2")
        assert await assert_receive(("s1", actors.ANY), timeout=5000) == ("s1", ("error", "timeout"))
        assert await assert_receive(("s2", actors.ANY), timeout=5000) == ("s2", ("error", "timeout"))


async def test_timed_out_send_data_stays_queued_and_is_delivered() -> None:
    """On inet the timed-out chunk stays queued: after the peer drains it
    has received exactly one chunk more than the sends that returned ``ok``
    (``65536`` extra bytes)."""
    copts = [("active", False), "binary", ("send_timeout", 200)]
    async with scoped_pair([("active", False), "binary"], copts) as (_l, c, a):
        n_ok, result, _took = await fill_until_not_ok(c)
        assert result == ("error", "timeout")
        expected = (n_ok + 1) * len(CHUNK)
        ok, data = await gen_tcp.recv(a, expected, 10000)
        assert ok == "ok" and len(data) == expected
        assert await gen_tcp.recv(a, 0, 200) == ("error", "timeout")


async def test_send_timeout_close_true() -> None:
    """``{send_timeout_close,true}``: the timed-out send →
    ``{error,timeout}``; next send, inet: ``{error,enotconn}``; no ``tcp_closed`` message;
    ``getopts`` still ``{ok,[{active,true}]}``."""
    copts = ["binary", ("active", True), ("send_timeout", 200), ("send_timeout_close", True)]
    async with scoped_pair([("active", False), "binary"], copts) as (_l, c, _a):
        _n, result, _took = await fill_until_not_ok(c)
        assert result == ("error", "timeout")
        assert await gen_tcp.send(c, "x") == ("error", "enotconn")
        await refute_receive(("tcp_closed", c), timeout=100)
        assert await inet.getopts(c, ["active"]) == ("ok", [("active", True)])


async def test_send_blocks_while_busy_and_returns_closed_when_peer_closes() -> None:
    """With no ``send_timeout``, a send to a peer that does not read
    blocks the caller in status ``waiting``; it returns ``{error,closed}`` when the peer
    closes."""
    async with scoped_pair([("active", False), "binary"], [("active", False), "binary"]) as (_l, c, a):
        me = actors.self()

        async def sender() -> None:
            for _ in range(500):
                result = await gen_tcp.send(c, CHUNK)
                if result != "ok":
                    actors.send(me, ("result", result))
                    return
                actors.send(me, ("sent",))
            actors.send(me, ("result", "never_blocked"))

        pid = actors.spawn(sender)
        while await actors.receive(("sent",), timeout=300) is not actors.TIMEOUT:
            pass
        await refute_receive(("result", actors.ANY), timeout=0)
        assert actors.process_info(pid, "status") == ("status", "waiting")
        assert await gen_tcp.close(a) == "ok"
        assert await assert_receive(("result", actors.ANY), timeout=5000) == ("result", ("error", "closed"))


async def test_large_send_returns_before_data_is_on_the_wire() -> None:
    """inet: 4 MB to a peer that does not read → ``ok`` at once (queued in
    the port: ``getstat`` ``send_pend`` shows it, Erlang 4188160 with these buffers)."""
    lopts = [("active", False), "binary", ("recbuf", 4096)]
    copts = [("active", False), "binary", ("sndbuf", 4096)]
    async with scoped_pair(lopts, copts) as (_l, c, _a):
        assert await gen_tcp.send(c, b"x" * (4 * MB)) == "ok"
        ok, [(key, pend)] = await inet.getstat(c, ["send_pend"])
        assert (ok, key) == ("ok", "send_pend")
        assert 3 * MB < pend <= 4 * MB


async def test_busy_port_waits_between_watermarks() -> None:
    """Busy port, as Erlang's inet manual describes ``high_watermark``/``low_watermark``: with
    ``{high_watermark,2 MB},{low_watermark,1 MB}``, a 4 MB send returns ``ok``; the next
    sender waits (status ``waiting``), still waits once the queue is below high but above
    low (peer read 2.5 MB), returns ``ok`` once it is below low (peer read 3.5 MB), and
    its data arrives last. Checked on Erlang/OTP 25 (inet)."""
    lopts = [("active", False), "binary", ("recbuf", 4096)]
    copts = [
        ("active", False),
        "binary",
        ("sndbuf", 4096),
        ("high_watermark", 2 * MB),
        ("low_watermark", MB),
    ]
    async with scoped_pair(lopts, copts) as (_l, c, a):
        assert await gen_tcp.send(c, b"x" * (4 * MB)) == "ok"
        me = actors.self()

        async def sender() -> None:
            actors.send(me, ("second", await gen_tcp.send(c, b"y")))

        pid = actors.spawn(sender)
        await refute_receive(("second", actors.ANY), timeout=200)
        assert actors.process_info(pid, "status") == ("status", "waiting")
        ok, data = await gen_tcp.recv(a, 5 * MB // 2, 5000)
        assert ok == "ok"
        await refute_receive(("second", actors.ANY), timeout=200)
        assert actors.process_info(pid, "status") == ("status", "waiting")
        ok, data = await gen_tcp.recv(a, MB, 5000)
        assert ok == "ok"
        assert await assert_receive(("second", actors.ANY), timeout=2000) == ("second", "ok")
        ok, rest = await gen_tcp.recv(a, MB // 2 + 1, 5000)
        assert ok == "ok" and rest == b"x" * (MB // 2) + b"y"
        assert await gen_tcp.recv(a, 0, 100) == ("error", "timeout")


# -- 152: delay_send -------------------------------------------------------------------------


async def test_delay_send_default_inherited_and_transparent() -> None:
    """``delay_send`` defaults to ``false``, is inherited by accept, and
    does not change what is delivered: sends ``[ok,ok,ok]``, peer ``{ok,"abc"}``."""
    ok, l0 = await gen_tcp.listen(0, [("ip", LOOP)])
    assert ok == "ok"
    try:
        assert await inet.getopts(l0, ["delay_send"]) == ("ok", [("delay_send", False)])
    finally:
        await gen_tcp.close(l0)
    async with scoped_pair([("active", False), ("delay_send", True)], [("active", False)]) as (_l, c, a):
        assert await inet.getopts(a, ["delay_send"]) == ("ok", [("delay_send", True)])
        assert [await gen_tcp.send(a, x) for x in ("a", "b", "c")] == ["ok", "ok", "ok"]
        assert await gen_tcp.recv(c, 3, 2000) == ("ok", "abc")


async def test_delay_send_after_peer_closed() -> None:
    """``{packet,1}`` with ``delay_send``, after the peer closes: inet
    ``ok``, ``{error,closed}``, ``{error,enotconn}``."""
    copts = [("active", False), ("packet", 1), ("delay_send", True)]
    async with scoped_pair([("active", False)], copts) as (_l, c, a):
        assert await gen_tcp.close(a) == "ok"
        assert await gen_tcp.send(c, "x") == "ok"
        assert await send_until_error(c) == ("error", "closed")
        assert await gen_tcp.send(c, "x") == ("error", "enotconn")
