"""Conformance: gen_tcp:recv/2,3 in passive mode.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (default ``inet`` backend
unless marked ``socket_backend``; "Both backends" means inet and ``{inet_backend,socket}``
gave the same term); its docstring names the Erlang call and the exact Erlang result. Some
check the statements of Erlang's gen_tcp manual page about `recv`: Length 0 versus
Length > 0 (data discarded when the peer closes first), the default infinity timeout, any
process may call it, concurrent calls (``{error, ealready}``), and the manual's client and
server examples. Where the Erlang run slept to let data arrive, these tests assert what
every arrival order allows instead.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import actors
import gen_tcp
from actors import ANY, Atom
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet

from .helpers import LOOP, close_all, elapsed_ms, pair, raises, wait_blocked

SOCKET = ("inet_backend", "socket")
PASSIVE = ("active", False)
T = 5000  # a bound for calls Erlang made without timeout: they return data or an error first


async def _recv_reporter(parent: actors.Pid, s: Any, *args: Any) -> None:
    """Run ``gen_tcp:recv(S, *args)`` and send ``{recv, self(), Result}`` to `parent`."""
    actors.send(parent, ("recv", actors.self(), await gen_tcp.recv(s, *args)))


async def test_recv_0_returns_all_available_joined() -> None:
    """Both backends: the peer sends "hello" then "world"; ``recv(C,0)`` ->
    ``{ok,"helloworld"}`` once both are there.

    Manual recv: "If Length is 0, all available bytes are returned". The Erlang run slept
    50 ms between the sends; here whatever the arrival timing, successive ``recv(C,0)``
    return either ``"helloworld"`` at once or ``"hello"`` then ``"world"``, never a
    fragment, and together exactly ``"helloworld"``.
    """
    ls, c, a = await pair([], [PASSIVE])
    try:
        assert await gen_tcp.send(a, "hello") == "ok"
        assert await gen_tcp.send(a, "world") == "ok"
        chunks: list[str] = []
        while sum(map(len, chunks)) < 10:
            ok, data = await gen_tcp.recv(c, 0, 2000)
            assert ok == "ok", data
            chunks.append(data)
        assert chunks in (["helloworld"], ["hello", "world"])
    finally:
        await close_all(c, a, ls)


async def test_recv_n_exact_then_rest() -> None:
    """Both backends: the peer sends "helloworld"; ``recv(C,3)``, ``recv(C,0)`` ->
    ``[{ok,"hel"},{ok,"loworld"}]``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        await gen_tcp.send(a, "helloworld")
        assert [await gen_tcp.recv(c, 3, T), await gen_tcp.recv(c, 0, T)] == [
            ("ok", "hel"),
            ("ok", "loworld"),
        ]
    finally:
        await close_all(c, a, ls)


async def test_recv_n_blocks_until_n_bytes() -> None:
    """Both backends: 5 bytes now, 5 more after 200 ms; ``recv(C,10)`` ->
    ``{{approx_ms,200},{ok,"helloworld"}}``.

    A spawned peer sends "hello", waits 200 ms (the scenario, not a synchronisation) and
    sends "world": recv(C,10) cannot complete before the second send.
    """
    ls, c, a = await pair([], [PASSIVE])
    me = actors.self()

    async def peer() -> None:
        await gen_tcp.send(a, "hello")
        await actors.sleep(200)
        await gen_tcp.send(a, "world")
        actors.send(me, "sent")

    try:
        t0 = time.monotonic()
        actors.spawn(peer)
        result = await gen_tcp.recv(c, 10, 5000)
        ms = elapsed_ms(t0)
        assert result == ("ok", "helloworld")
        assert 150 <= ms < 5000, ms
        await assert_receive("sent")
    finally:
        await close_all(c, a, ls)


async def test_recv_n_still_blocked_with_fewer_bytes() -> None:
    """Both backends: with 5 of 10 bytes there, ``recv(C,10)`` does not return;
    after the other 5 it returns ``{ok,"helloworld"}``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        pid = actors.spawn(_recv_reporter, actors.self(), c, 10, 5000)
        await gen_tcp.send(a, "hello")
        await wait_blocked(pid)
        await refute_receive(("recv", pid, ANY), timeout=200)
        await gen_tcp.send(a, "world")
        assert await assert_receive(("recv", pid, ANY)) == ("recv", pid, ("ok", "helloworld"))
    finally:
        await close_all(c, a, ls)


@pytest.mark.parametrize("active", [True, "once", 3], ids=["true", "once", "3"])
async def test_recv_on_active_socket_einval(active: Any) -> None:
    """Both backends: ``recv(C,0)`` on an ``{active,true|once|3}`` socket ->
    ``{error,einval}``.

    Manual recv: "If the socket is not in passive mode, the return value is {error, einval}".
    """
    ls, c, a = await pair([], [("active", active)])
    try:
        assert await gen_tcp.recv(c, 0, 100) == ("error", "einval")
        assert await gen_tcp.recv(c, 0) == ("error", "einval")
    finally:
        await close_all(c, a, ls)


async def test_recv_timeout() -> None:
    """Both backends: ``recv(C,0,200)`` with no data -> ``{{approx_ms,200},{error,timeout}}``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        t0 = time.monotonic()
        result = await gen_tcp.recv(c, 0, 200)
        ms = elapsed_ms(t0)
        assert result == ("error", "timeout")
        assert 150 <= ms < 5000, ms
    finally:
        await close_all(c, a, ls)


async def test_socket_works_after_recv_timeout() -> None:
    """Both backends: ``recv(C,0,50)`` -> ``{error,timeout}``; the peer sends "later";
    ``recv(C,0,500)`` -> ``{ok,"later"}``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        assert await gen_tcp.recv(c, 0, 50) == ("error", "timeout")
        await gen_tcp.send(a, "later")
        assert await gen_tcp.recv(c, 0, 500) == ("ok", "later")
    finally:
        await close_all(c, a, ls)


async def test_recv_timeout_0_polls_no_data() -> None:
    """Both backends: ``recv(C,0,0)`` with no data -> ``{error,timeout}`` at once."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        t0 = time.monotonic()
        assert await gen_tcp.recv(c, 0, 0) == ("error", "timeout")
        assert elapsed_ms(t0) < 1000
    finally:
        await close_all(c, a, ls)


async def test_recv_timeout_0_polls_with_data() -> None:
    """Both backends: ``recv(C,0,0)`` with data there -> ``{ok,"x"}``.

    Deterministic form (checked in erl): the peer sends "xy" in one send; ``recv(C,1)``
    -> ``{ok,"x"}`` proves the segment arrived; then ``recv(C,0,0)`` -> ``{ok,"y"}``.
    """
    ls, c, a = await pair([], [PASSIVE])
    try:
        await gen_tcp.send(a, "xy")
        assert await gen_tcp.recv(c, 1, T) == ("ok", "x")
        assert await gen_tcp.recv(c, 0, 0) == ("ok", "y")
    finally:
        await close_all(c, a, ls)


async def test_peer_close_data_then_closed_then_enotconn() -> None:
    """inet: the peer sends "bye" and closes; ``recv(C,0)`` ×3 ->
    ``[{ok,"bye"},{error,closed},{error,enotconn}]``.

    Manual recv: "A closed socket is indicated by return value {error, closed}".
    """
    ls, c, a = await pair([], [PASSIVE])
    try:
        await gen_tcp.send(a, "bye")
        await gen_tcp.close(a)
        results = [await gen_tcp.recv(c, 0, T) for _ in range(3)]
        assert results == [("ok", "bye"), ("error", "closed"), ("error", "enotconn")]
    finally:
        await close_all(c, ls)


@pytest.mark.socket_backend
async def test_socket_backend_closed_repeats() -> None:
    """Socket backend: the peer sends "bye" and closes; ``recv(C,0)`` ×3 ->
    ``[{ok,"bye"},{error,closed},{error,closed}]``."""
    ls, c, a = await pair([SOCKET], [SOCKET, PASSIVE])
    try:
        await gen_tcp.send(a, "bye")
        await gen_tcp.close(a)
        results = [await gen_tcp.recv(c, 0, T) for _ in range(3)]
        assert results == [("ok", "bye"), ("error", "closed"), ("error", "closed")]
    finally:
        await close_all(c, ls)


async def test_after_passive_closed_port_stays_until_close() -> None:
    """inet: after the first passive ``{error,closed}``
    (exit_on_close true): ``recv`` -> ``{error,enotconn}``, ``send`` -> ``{error,closed}``,
    ``getopts(C,[active])`` -> ``{ok,[{active,false}]}``, ``peername`` -> ``{error,enotconn}``,
    ``sockname`` -> ``{error,ebadf}``; ``close`` -> ``ok`` (twice: ``ok``, ``ok``, checked
    in erl). No message is sent, not even an ``'EXIT'`` to a trapping owner.
    """
    old = actors.process_flag("trap_exit", True)
    ls, c, a = await pair([], [PASSIVE])
    try:
        await gen_tcp.close(a)
        assert await gen_tcp.recv(c, 0, T) == ("error", "closed")
        assert await gen_tcp.recv(c, 0, T) == ("error", "enotconn")
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await inet.getopts(c, ["active"]) == ("ok", [("active", False)])
        assert await inet.peername(c) == ("error", "enotconn")
        assert await inet.sockname(c) == ("error", "ebadf")
        await refute_receive()
        assert await gen_tcp.close(c) == "ok"
        assert await gen_tcp.close(c) == "ok"
        await refute_receive()
    finally:
        await close_all(c, ls)
        actors.process_flag("trap_exit", old)


async def test_inet_port_after_passive_closed_ebadf() -> None:
    """inet, checked in erl: after the first passive ``{error,closed}``,
    ``inet:port(C)`` -> ``{error,ebadf}`` (like ``sockname``: the fd is gone)."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        await gen_tcp.close(a)
        assert await gen_tcp.recv(c, 0, T) == ("error", "closed")
        assert await inet.port(c) == ("error", "ebadf")
    finally:
        await close_all(c, ls)


async def test_exit_on_close_false_keeps_closed_and_send() -> None:
    """inet: ``{exit_on_close,false}``, the peer closes: ``recv`` ×3 ->
    ``{error,closed}`` each; the first ``send`` -> ``ok``; the next -> ``{error,closed}``
    (the peer has fully closed); ``getopts(C,[active])`` -> ``{ok,[{active,false}]}``.

    The Erlang run sent the second after 50 ms; here sends are retried until one fails,
    and the first failure must be ``{error,closed}``.
    """
    ls, c, a = await pair([], [PASSIVE, ("exit_on_close", False)])
    try:
        await gen_tcp.close(a)
        assert [await gen_tcp.recv(c, 0, T) for _ in range(3)] == [("error", "closed")] * 3
        assert await gen_tcp.send(c, "x") == "ok"
        for _ in range(200):
            result = await gen_tcp.send(c, "y")
            if result != "ok":
                break
            await actors.sleep(10)  # polling for the peer's reset, not synchronisation
        assert result == ("error", "closed")
        assert await inet.getopts(c, ["active"]) == ("ok", [("active", False)])
    finally:
        await close_all(c, ls)


@pytest.mark.parametrize("active", [True, False], ids=["active", "passive"])
async def test_recv_on_listen_socket_enotconn(active: bool) -> None:
    """Both backends: ``recv(L,0)`` and ``recv(L,0,100)`` -> ``{error,enotconn}``
    (on an active and on a passive listen socket, checked in erl)."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("active", active)])
    try:
        assert await gen_tcp.recv(ls, 0) == ("error", "enotconn")
        assert await gen_tcp.recv(ls, 0, 100) == ("error", "enotconn")
    finally:
        await gen_tcp.close(ls)


async def test_recv_on_locally_closed_socket() -> None:
    """Both backends: after ``close``, ``recv(C,0)``, ``recv(C,0,100)`` (and
    ``recv(C,5,100)``, checked in erl) -> ``{error,closed}``; on a closed listen socket too."""
    ls, c, a = await pair([], [PASSIVE])
    await close_all(c, a, ls)
    for s in (c, ls):
        assert await gen_tcp.recv(s, 0) == ("error", "closed")
        assert await gen_tcp.recv(s, 0, 100) == ("error", "closed")
    assert await gen_tcp.recv(c, 5, 100) == ("error", "closed")


async def test_any_process_may_recv() -> None:
    """Both backends: ``recv(C,0)`` from a process that is not the owner -> ``{ok,"hi"}``.

    Manual recv: "Any process can receive data from a passive socket".
    """
    ls, c, a = await pair([], [PASSIVE])
    try:
        pid = actors.spawn(_recv_reporter, actors.self(), c, 0, 2000)
        await gen_tcp.send(a, "hi")
        assert await assert_receive(("recv", pid, ANY)) == ("recv", pid, ("ok", "hi"))
    finally:
        await close_all(c, a, ls)


async def test_manual_concurrent_recv_ealready() -> None:
    """Manual recv ("only one process can call this function ... could return errors such as
    {error, ealready}"), checked in erl, inet: while one process blocks in ``recv(C,0)`` a
    second ``recv(C,0,2000)`` -> ``{error,ealready}`` at once; the first then gets
    ``{ok,"one"}``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        me = actors.self()
        first = actors.spawn(_recv_reporter, me, c, 0, 2000)
        await wait_blocked(first)
        second = actors.spawn(_recv_reporter, me, c, 0, 2000)
        msg = await assert_receive(("recv", second, ANY), timeout=1000)
        assert msg[2] == ("error", "ealready")
        await gen_tcp.send(a, "one")
        assert await assert_receive(("recv", first, ANY)) == ("recv", first, ("ok", "one"))
    finally:
        await close_all(c, a, ls)


async def test_manual_recv_default_timeout_is_infinity() -> None:
    """Manual recv/2 ("Timeout ... Defaults to infinity"): ``recv(C,0)`` with no data stays
    blocked; data then gives ``{ok,"late"}``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        pid = actors.spawn(_recv_reporter, actors.self(), c, 0)
        await wait_blocked(pid)
        await refute_receive(("recv", pid, ANY), timeout=300)
        await gen_tcp.send(a, "late")
        assert await assert_receive(("recv", pid, ANY)) == ("recv", pid, ("ok", "late"))
    finally:
        await close_all(c, a, ls)


@pytest.mark.parametrize("exit_on_close", [True, False], ids=["exit_on_close", "no_exit_on_close"])
async def test_manual_recv_n_discards_partial_data_on_peer_close(exit_on_close: bool) -> None:
    """Manual recv ("If Length > 0, exactly Length bytes are returned, or an error; possibly
    discarding less than Length bytes of data when the socket is closed from the other
    side"), checked in erl: the peer sends "abc" and closes; ``recv(C,10)`` ->
    ``{error,closed}``; then ``recv(C,0)`` -> ``{error,enotconn}`` (``{error,closed}`` with
    ``{exit_on_close,false}``)."""
    ls, c, a = await pair([], [PASSIVE, ("exit_on_close", exit_on_close)])
    try:
        await gen_tcp.send(a, "abc")
        await gen_tcp.close(a)
        assert await gen_tcp.recv(c, 10, T) == ("error", "closed")
        after = ("error", "enotconn") if exit_on_close else ("error", "closed")
        assert await gen_tcp.recv(c, 0, T) == after
    finally:
        await close_all(c, ls)


async def test_recv_length_in_packet_mode_einval() -> None:
    """inet: ``{packet,2}``; ``recv(C,3,500)`` -> ``{error,einval}``; then
    ``recv(C,0)`` -> ``{ok,"hello"}``, ``{ok,"world"}``.

    Manual recv: "Argument Length is only meaningful when the socket is in raw mode".
    """
    ls, c, a = await pair([("packet", 2)], [("packet", 2), PASSIVE])
    try:
        await gen_tcp.send(a, "hello")
        await gen_tcp.send(a, "world")
        assert await gen_tcp.recv(c, 3, 500) == ("error", "einval")
        assert await gen_tcp.recv(c, 0, T) == ("ok", "hello")
        assert await gen_tcp.recv(c, 0, T) == ("ok", "world")
    finally:
        await close_all(c, a, ls)


@pytest.mark.socket_backend
async def test_socket_backend_length_ignored_in_packet_mode() -> None:
    """Socket backend: ``{packet,2}``; ``recv(C,3,500)`` -> ``{ok,"hello"}``."""
    ls, c, a = await pair([SOCKET, ("packet", 2)], [SOCKET, ("packet", 2), PASSIVE])
    try:
        await gen_tcp.send(a, "hello")
        assert await gen_tcp.recv(c, 3, 500) == ("ok", "hello")
    finally:
        await close_all(c, a, ls)


async def test_recv_length_limit_enomem() -> None:
    """inet: ``recv(C,64*1024*1024+1,100)`` -> ``{error,enomem}``;
    ``recv(C,64*1024*1024,100)`` -> ``{error,timeout}``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        assert await gen_tcp.recv(c, 64 * 1024 * 1024 + 1, 100) == ("error", "enomem")
        assert await gen_tcp.recv(c, 64 * 1024 * 1024, 100) == ("error", "timeout")
    finally:
        await close_all(c, a, ls)


@pytest.mark.parametrize(
    "length,timeout",
    [(-1, 100), (Atom("foo"), 100), (1.5, 100), (0, Atom("foo")), (0, 1.5)],
    ids=["len=-1", "len=foo", "len=1.5", "timeout=foo", "timeout=1.5"],
)
async def test_bad_recv_arguments_function_clause(length: Any, timeout: Any) -> None:
    """inet: ``recv(C,-1,_)``, ``recv(C,foo,_)``, ``recv(C,0,foo)`` (and 1.5
    for either, checked in erl) -> ``{raised,error,function_clause}``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        with raises("error", "function_clause"):
            await gen_tcp.recv(c, length, timeout)
    finally:
        await close_all(c, a, ls)


async def test_recv_non_socket_function_clause() -> None:
    """``recv(foo,0)`` -> ``{raised,error,function_clause}``."""
    with raises("error", "function_clause"):
        await gen_tcp.recv(Atom("foo"), 0)


async def test_recv_negative_timeout_blocks_like_infinity() -> None:
    """inet: ``recv(C,0,-1)`` blocks like infinity (still blocked; data then
    gives ``{ok,"x"}``)."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        pid = actors.spawn(_recv_reporter, actors.self(), c, 0, -1)
        await wait_blocked(pid)
        await refute_receive(("recv", pid, ANY), timeout=300)
        await gen_tcp.send(a, "x")
        assert await assert_receive(("recv", pid, ANY)) == ("recv", pid, ("ok", "x"))
    finally:
        await close_all(c, a, ls)


BIG = b"x" * 200000


async def test_passive_recv_chunk_limited_by_default_buffer() -> None:
    """inet: the peer sends 200000 bytes; ``recv(C,0)`` returns 1460
    bytes (the default ``{buffer,1460}``); a second ``recv(C,0)`` 1460 again (checked in erl)."""
    ls, c, a = await pair([], [PASSIVE, "binary"])
    try:
        assert await gen_tcp.send(a, BIG) == "ok"
        ok, data = await gen_tcp.recv(c, 0, 2000)
        assert (ok, len(data)) == ("ok", 1460)
        ok, data = await gen_tcp.recv(c, 0, 2000)
        assert (ok, len(data)) == ("ok", 1460)
    finally:
        await close_all(c, a, ls)


@pytest.mark.socket_backend
async def test_socket_backend_chunk_is_8192() -> None:
    """Socket backend: ``recv(C,0)`` after a 200000-byte send returns 8192 bytes."""
    ls, c, a = await pair([SOCKET], [SOCKET, PASSIVE, "binary"])
    try:
        assert await gen_tcp.send(a, BIG) == "ok"
        ok, data = await gen_tcp.recv(c, 0, 2000)
        assert (ok, len(data)) == ("ok", 8192)
    finally:
        await close_all(c, a, ls)


@pytest.mark.parametrize("how", ["connect", "setopts"])
async def test_buffer_100(how: str) -> None:
    """inet: with ``{buffer,100}`` (at connect or by setopts, checked in
    erl), ``recv(C,0)`` returns 100 bytes while ``recv(C,500)`` still returns exactly 500."""
    copts: list[Any] = [PASSIVE, "binary"]
    if how == "connect":
        copts.append(("buffer", 100))
    ls, c, a = await pair([], copts)
    try:
        if how == "setopts":
            assert await inet.setopts(c, [("buffer", 100)]) == "ok"
        assert await gen_tcp.send(a, BIG) == "ok"
        ok, data = await gen_tcp.recv(c, 0, 2000)
        assert (ok, len(data)) == ("ok", 100)
        ok, data = await gen_tcp.recv(c, 500, 2000)
        assert (ok, len(data)) == ("ok", 500)
        ok, data = await gen_tcp.recv(c, 0, 2000)
        assert (ok, len(data)) == ("ok", 100)
    finally:
        await close_all(c, a, ls)


async def test_recv_large_exact_length() -> None:
    """Both backends: ``recv(C,100000)`` -> exactly 100000 bytes, more than ``buffer``."""
    ls, c, a = await pair([], [PASSIVE, "binary"])
    try:
        assert await gen_tcp.send(a, BIG) == "ok"
        ok, data = await gen_tcp.recv(c, 100000, 5000)
        assert ok == "ok"
        assert data == b"x" * 100000
    finally:
        await close_all(c, a, ls)


async def test_peer_reset_looks_like_close() -> None:
    """inet: the peer sets ``{linger,{true,0}}`` and closes; ``recv(C,0)``
    -> ``{error,closed}``, then ``{error,enotconn}``."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        assert await inet.setopts(a, [("linger", (True, 0))]) == "ok"
        await gen_tcp.close(a)
        assert await gen_tcp.recv(c, 0, T) == ("error", "closed")
        assert await gen_tcp.recv(c, 0, T) == ("error", "enotconn")
    finally:
        await close_all(c, ls)


@pytest.mark.socket_backend
async def test_socket_backend_reset_closed_twice() -> None:
    """Socket backend: the peer resets (``{linger,{true,0}}`` and close); ``recv(C,0)`` ->
    ``{error,closed}``, then ``{error,closed}``."""
    ls, c, a = await pair([SOCKET], [SOCKET, PASSIVE])
    try:
        assert await inet.setopts(a, [("linger", (True, 0))]) == "ok"
        await gen_tcp.close(a)
        assert await gen_tcp.recv(c, 0, T) == ("error", "closed")
        assert await gen_tcp.recv(c, 0, T) == ("error", "closed")
    finally:
        await close_all(c, ls)


@pytest.mark.parametrize(
    "mode,expected", [("binary", b"abc"), ("list", "abc")], ids=["binary", "list"]
)
async def test_list_versus_binary(mode: str, expected: Any) -> None:
    """Both backends: binary ``{ok,<<"abc">>}``, list ``{ok,"abc"}``."""
    ls, c, a = await pair([], [PASSIVE, mode])
    try:
        await gen_tcp.send(a, "abc")
        result = await gen_tcp.recv(c, 0, 1000)
        assert result == ("ok", expected)
        assert type(result[1]) is type(expected)
    finally:
        await close_all(c, a, ls)


async def test_default_mode_is_list() -> None:
    """Both backends: with no mode option, ``recv`` -> ``{ok,"abc"}`` (a list)."""
    ls, c, a = await pair([], [PASSIVE])
    try:
        await gen_tcp.send(a, b"abc")
        result = await gen_tcp.recv(c, 0, 1000)
        assert result == ("ok", "abc")
        assert isinstance(result[1], str)
    finally:
        await close_all(c, a, ls)


# -- the manual's examples ---------------------------------------------------------------


async def test_manual_example_server_do_recv_until_closed() -> None:
    """Manual, first example: a client connects to "localhost" with ``[binary,{packet,0}]``,
    sends "Some Data" and closes; the server (``[binary,{packet,0},{active,false}]``) loops
    ``recv(Sock,0)`` until ``{error,closed}`` -> ``{ok,<<"Some Data">>}``."""
    ok, lsock = await gen_tcp.listen(0, ["binary", ("packet", 0), ("active", False)])
    assert ok == "ok"
    _, port = await inet.port(lsock)

    async def client() -> None:
        ok, sock = await gen_tcp.connect("localhost", port, ["binary", ("packet", 0)])
        assert await gen_tcp.send(sock, "Some Data") == "ok"
        assert await gen_tcp.close(sock) == "ok"

    pid = actors.spawn_monitor(client)
    try:
        ok, sock = await gen_tcp.accept(lsock, T)
        assert ok == "ok"
        parts: list[bytes] = []
        while True:
            match await gen_tcp.recv(sock, 0, T):
                case ("ok", b):
                    parts.append(b)
                case ("error", "closed"):
                    break
                case other:
                    raise AssertionError(other)
        assert await gen_tcp.close(sock) == "ok"
        assert b"".join(parts) == b"Some Data"
        await assert_receive(("DOWN", pid[1], "process", pid[0], "normal"))
    finally:
        await gen_tcp.close(lsock)


async def test_manual_example_client_packet_2_request_reply() -> None:
    """Manual, client example: ``connect("localhost",PortNo,[{active,false},{packet,2}])``,
    ``send(Sock,Message)``, ``recv(Sock,0)`` -> ``{ok,Reply}``: one whole packet."""
    ok, ls = await gen_tcp.listen(0, [("active", False), ("packet", 2)])
    _, port = await inet.port(ls)
    ok, sock = await gen_tcp.connect("localhost", port, [("active", False), ("packet", 2)])
    ok, srv = await gen_tcp.accept(ls, T)
    try:
        await gen_tcp.send(sock, "ping")
        assert await gen_tcp.recv(srv, 0, T) == ("ok", "ping")
        await gen_tcp.send(srv, "pong" * 1000)
        assert await gen_tcp.recv(sock, 0, T) == ("ok", "pong" * 1000)
    finally:
        await close_all(sock, srv, ls)
