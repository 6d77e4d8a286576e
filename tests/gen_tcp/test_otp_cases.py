"""Cases from Erlang/OTP's own gen_tcp test suites (kernel's ``gen_tcp_misc_SUITE`` and
``gen_tcp_api_SUITE``), each run on Erlang/OTP 25 (inet backend) with a minimal program
whose result the docstring gives."""

from __future__ import annotations

import time
from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet

from .helpers import LOOP, close_all, elapsed_ms, wait_blocked, wait_for

MB = 1024 * 1024


async def _stat(s: Any, name: str) -> int:
    ok, [(_, value)] = await inet.getstat(s, [name])
    return value  # type: ignore[no-any-return]


async def _reset_after(queued: bool, show: bool, mode: str) -> tuple[Any, Any]:
    """The client C (passive, small buffers) has 1 MiB of its own data queued (when
    `queued`); the peer sends "Whatever", then resets the connection (linger 0 and
    close). Returns C, and the listen socket, once C saw the reset."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), "binary", ("active", False)])
    ok, port = await inet.port(ls)
    copts = ["binary", ("active", False), ("show_econnreset", show), ("sndbuf", 4096), ("recbuf", 4096)]
    ok, c = await gen_tcp.connect(LOOP, port, copts)
    ok, a = await gen_tcp.accept(ls, 2000)
    assert await inet.setopts(a, [("recbuf", 4096)]) == "ok"
    if queued:
        assert await gen_tcp.send(c, b"x" * MB) == "ok"
        assert await _stat(c, "send_pend") > 0
    assert await gen_tcp.send(a, b"Whatever") == "ok"

    async def arrived() -> bool:
        return await _stat(c, "recv_oct") >= 8

    await wait_for(arrived, "C received Whatever")
    assert await inet.setopts(a, [("linger", (True, 0))]) == "ok"
    assert await gen_tcp.close(a) == "ok"
    if queued:

        async def failed() -> bool:
            r = await inet.getstat(c, ["send_pend"])
            return r[0] != "ok" or r[1][0][1] == 0

        await wait_for(failed, "C's queued send failed")
    return c, ls


@pytest.mark.parametrize("show", [False, True], ids=["plain", "show_econnreset"])
@pytest.mark.parametrize("queued", [True, False], ids=["queued", "nothing_queued"])
async def test_econnreset_after_async_send_passive(queued: bool, show: bool) -> None:
    """OTP ``econnreset_after_async_send_passive``. erl: with 1 MiB queued, the failed
    background write closes the socket and drops the unread "Whatever": ``recv`` ->
    ``{error, closed}`` (``{error, econnreset}`` with show_econnreset), then ``recv`` and
    ``send`` -> ``{error, enotconn}``. With nothing queued: ``{ok, <<"Whatever">>}``,
    then ``{error, closed}`` / ``{error, econnreset}``, then ``send`` -> ``{error,
    closed}`` / ``{error, enotconn}``."""
    c, ls = await _reset_after(queued, show, "passive")
    try:
        first, second, third = await gen_tcp.recv(c, 0, 500), await gen_tcp.recv(c, 0, 500), None
        third = await gen_tcp.send(c, b"a")
        end = ("error", "econnreset" if show else "closed")
        if queued:
            assert (first, second, third) == (end, ("error", "enotconn"), ("error", "enotconn"))
        else:
            after = ("error", "enotconn") if show else ("error", "closed")
            assert (first, second, third) == (("ok", b"Whatever"), end, after)
    finally:
        await close_all(c, ls)


@pytest.mark.parametrize("show", [False, True], ids=["plain", "show_econnreset"])
@pytest.mark.parametrize("queued", [True, False], ids=["queued", "nothing_queued"])
async def test_econnreset_after_async_send_active_once(queued: bool, show: bool) -> None:
    """OTP ``econnreset_after_async_send_active_once``. erl, ``setopts(C, [{active,
    once}])`` after the reset: with 1 MiB queued, no data, only ``{tcp_closed, C}``
    (``{tcp_error, C, econnreset}`` first with show_econnreset) and the socket is gone
    (``getstat`` -> ``{error, einval}``); with nothing queued, ``{tcp, C, <<"Whatever">>}``
    and nothing more yet."""
    c, ls = await _reset_after(queued, show, "once")
    try:
        assert await inet.setopts(c, [("active", "once")]) == "ok"
        if queued:
            if show:
                await assert_receive(("tcp_error", c, "econnreset"))
            await assert_receive(("tcp_closed", c))
            await refute_receive(("tcp", c, actors.ANY), timeout=50)
            assert await inet.getstat(c, ["send_pend"]) == ("error", "einval")
        else:
            await assert_receive(("tcp", c, b"Whatever"))
            await refute_receive(timeout=50)
    finally:
        await close_all(c, ls)


async def test_otp_8102_close_flushes_tcp_closed() -> None:
    """OTP ``otp_8102`` (``inet:tcp_close/1``): an active socket whose peer closed sends
    ``{tcp_closed, S}``; ``gen_tcp:close(S)`` then removes it from the caller's mailbox
    (erl: ``receive {tcp_closed, S} -> yes after 0 -> no end`` -> ``no``)."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("active", True), ("exit_on_close", False)])
    ok, port = await inet.port(ls)
    ok, c = await gen_tcp.connect(LOOP, port, [("active", False)])
    ok, a = await gen_tcp.accept(ls, 2000)
    assert await gen_tcp.close(c) == "ok"
    me = actors.self()

    async def queued() -> bool:
        return ("tcp_closed", a) in actors.process_info(me, "messages")[1]

    await wait_for(queued, "tcp_closed queued")
    assert await gen_tcp.close(a) == "ok"
    await refute_receive(("tcp_closed", a), timeout=20)
    await gen_tcp.close(ls)


async def test_close_after_emsgsize_flushes_its_tcp_closed() -> None:
    """erl: ``{packet, 1}, {packet_size, 2}`` and a 3-byte packet, active: ``{tcp_error,
    S, emsgsize}`` then ``{tcp_closed, S}``; after ``gen_tcp:close(S)`` only the
    ``tcp_error`` is left in the mailbox."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("active", True), ("packet", 1), ("packet_size", 2)])
    ok, port = await inet.port(ls)
    ok, c = await gen_tcp.connect(LOOP, port, [("active", False)])
    ok, a = await gen_tcp.accept(ls, 2000)
    assert await gen_tcp.send(c, b"\x03abc") == "ok"
    await assert_receive(("tcp_error", a, "emsgsize"))
    me = actors.self()

    async def queued() -> bool:
        return ("tcp_closed", a) in actors.process_info(me, "messages")[1]

    await wait_for(queued, "tcp_closed queued")
    assert await gen_tcp.close(a) == "ok"
    await refute_receive(("tcp_closed", a), timeout=20)
    await close_all(c, ls)


async def _blocked_senders(close: bool) -> list[tuple[int, Any, float]]:
    """Three processes send 4 MiB each, one after the other, to a socket whose peer
    reads nothing (``send_timeout`` 300 ms): the first is queued; the second is started
    once the first returned and the third once the second is blocked. What each got,
    and when (ms from the second's start)."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), "binary", ("active", False), ("recbuf", 4096)])
    ok, port = await inet.port(ls)
    copts = ["binary", ("active", False), ("send_timeout", 300), ("send_timeout_close", close), ("sndbuf", 4096)]
    ok, c = await gen_tcp.connect(LOOP, port, copts)
    ok, a = await gen_tcp.accept(ls, 2000)
    me = actors.self()
    big = b"x" * (4 * MB)
    t0 = time.monotonic()

    async def sender(n: int) -> None:
        r = await gen_tcp.send(c, big)
        actors.send(me, ("sent", n, r, elapsed_ms(t0)))

    try:
        actors.spawn(sender, 1)
        first = await assert_receive(("sent", 1, actors.ANY, actors.ANY))
        t0 = time.monotonic()
        second = actors.spawn(sender, 2)
        await wait_blocked(second)
        third = actors.spawn(sender, 3)
        await wait_blocked(third)
        got = [first] + [await assert_receive(("sent", n, actors.ANY, actors.ANY), timeout=3000) for n in (2, 3)]
        return [(n, r, t) for _, n, r, t in got]
    finally:
        await close_all(c, a, ls)


async def test_send_timeout_para_with_send_timeout_close() -> None:
    """OTP ``send_timeout_para``: senders blocked on one busy socket with
    ``{send_timeout, T}, {send_timeout_close, true}``. erl: the first send is queued
    (``ok``); the next one gets ``{error, timeout}`` T after it blocked, and the one
    queued behind it ``{error, enotconn}`` at the same moment, as the socket closes."""
    (_, r1, _), (_, r2, t2), (_, r3, t3) = await _blocked_senders(close=True)
    assert (r1, r2, r3) == ("ok", ("error", "timeout"), ("error", "enotconn"))
    assert t2 >= 300 and abs(t3 - t2) < 100


async def test_send_timeout_para_without_close_serves_senders_in_turn() -> None:
    """The same without ``send_timeout_close``. erl: ``ok``, then ``{error, timeout}``
    T after the second blocked, then ``{error, timeout}`` T after that (the third's
    timeout starts when its turn comes)."""
    (_, r1, _), (_, r2, t2), (_, r3, t3) = await _blocked_senders(close=False)
    assert (r1, r2, r3) == ("ok", ("error", "timeout"), ("error", "timeout"))
    assert t2 >= 300 and t3 - t2 >= 290
