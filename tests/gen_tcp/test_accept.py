"""Conformance: gen_tcp:accept/1,2.

Each test mirrors a behaviour recorded on real Erlang/OTP 25 (default ``inet`` backend
unless marked ``socket_backend``; "Both backends" means inet and ``{inet_backend,socket}``
gave the same term); its docstring names the Erlang call and the exact Erlang result. Some
check the statements of Erlang's gen_tcp manual page about `accept/1,2`: its results, the
default infinity timeout, ``{tcp, Socket, Data}`` delivery to the accepting process unless
the listen socket is ``{active,false}``, and the acceptor pool.
Processes synchronise by messages, monitors and `wait_blocked`, never by sleeping.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import actors
import gen_tcp
from actors import ANY
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet

from .helpers import LOOP, close_all, elapsed_ms, pair, raises, wait_blocked

SOCKET = ("inet_backend", "socket")


async def _listen(*opts: Any) -> tuple[Any, int]:
    """``{ok,L}=gen_tcp:listen(0,[{ip,Loop}|Opts])``: L and its port."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), *opts])
    assert ok == "ok", ls
    ok, port = await inet.port(ls)
    assert ok == "ok", port
    return ls, port


async def _acceptor(parent: actors.Pid, ls: Any, *timeout: Any) -> None:
    """Run ``gen_tcp:accept(L[,T])``; report ``{accepted, self(), Result, Peername}``; close."""
    result = await gen_tcp.accept(ls, *timeout)
    peer = None
    if result[0] == "ok":
        peer = await inet.peername(result[1])
        await gen_tcp.close(result[1])
        result = ("ok", "socket")
    actors.send(parent, ("accepted", actors.self(), result, peer))


def _accepted(pid: actors.Pid) -> tuple[Any, ...]:
    return ("accepted", pid, ANY, ANY)


async def test_accept_timeout() -> None:
    """Both backends: ``accept(L,200)`` -> ``{{approx_ms,200},{error,timeout}}``."""
    ls, _ = await _listen()
    try:
        t0 = time.monotonic()
        result = await gen_tcp.accept(ls, 200)
        ms = elapsed_ms(t0)
        assert result == ("error", "timeout")
        assert 150 <= ms < 5000, ms
    finally:
        await gen_tcp.close(ls)


async def test_accept_0_nothing_pending_polls() -> None:
    """Both backends: ``accept(L,0)`` with nothing pending ->
    ``{{approx_ms,0},{error,timeout}}``."""
    ls, _ = await _listen()
    try:
        t0 = time.monotonic()
        result = await gen_tcp.accept(ls, 0)
        ms = elapsed_ms(t0)
        assert result == ("error", "timeout")
        assert ms < 1000, ms
    finally:
        await gen_tcp.close(ls)


async def test_accept_0_with_pending_connection() -> None:
    """inet: a connection already pending (connect returned ``ok``) ->
    ``accept(L,0)`` -> ``{ok,Sock}``."""
    ls, port = await _listen()
    ok, c = await gen_tcp.connect(LOOP, port, [])
    assert ok == "ok"
    try:
        result = await gen_tcp.accept(ls, 0)
        assert result[0] == "ok", result
        await gen_tcp.close(result[1])
    finally:
        await close_all(c, ls)


@pytest.mark.socket_backend
async def test_socket_backend_accept_0_with_pending_times_out() -> None:
    """Socket backend: ``accept(L,0)`` with a connection pending -> ``{error,timeout}``."""
    ok, ls = await gen_tcp.listen(0, [SOCKET, ("ip", LOOP)])
    _, port = await inet.port(ls)
    ok, c = await gen_tcp.connect(LOOP, port, [SOCKET])
    try:
        result = await gen_tcp.accept(ls, 0)
        if result[0] == "ok":
            await gen_tcp.close(result[1])
        assert result == ("error", "timeout")
    finally:
        await close_all(c, ls)


async def test_accept_on_closed_listen_socket() -> None:
    """Both backends: ``close(L)``, then ``accept(L)`` and ``accept(L,100)`` ->
    ``[{error,closed},{error,closed}]``.

    Manual accept/2: "{error, closed} if ListenSocket is closed".
    """
    ls, _ = await _listen()
    assert await gen_tcp.close(ls) == "ok"
    assert [await gen_tcp.accept(ls), await gen_tcp.accept(ls, 100)] == [
        ("error", "closed"),
        ("error", "closed"),
    ]


async def test_close_while_other_process_accepts() -> None:
    """Both backends: a process blocked in ``accept(L)``; the owner closes L ->
    the acceptor returns ``{error,closed}``."""
    ls, _ = await _listen()
    pid = actors.spawn(_acceptor, actors.self(), ls)
    await wait_blocked(pid)
    assert await gen_tcp.close(ls) == "ok"
    msg = await assert_receive(_accepted(pid))
    assert msg[2] == ("error", "closed")


async def test_all_acceptors_get_closed() -> None:
    """Both backends: 4 processes in ``accept(L)``, then ``close(L)`` ->
    ``[{error,closed},{error,closed},{error,closed},{error,closed}]``."""
    ls, _ = await _listen()
    me = actors.self()
    pids = [actors.spawn(_acceptor, me, ls) for _ in range(4)]
    for pid in pids:
        await wait_blocked(pid)
    await gen_tcp.close(ls)
    results = [(await assert_receive(_accepted(pid)))[2] for pid in pids]
    assert results == [("error", "closed")] * 4


async def test_acceptors_first_come_first_served() -> None:
    """Both backends: acceptor a, then acceptor b (both infinity); connect, connect
    again -> ``[{a,ok},{b,ok}]``: the first connection goes to the longest waiter."""
    ls, port = await _listen()
    me = actors.self()
    a = actors.spawn(_acceptor, me, ls)
    await wait_blocked(a)
    b = actors.spawn(_acceptor, me, ls)
    await wait_blocked(b)
    order = []
    conns = []
    try:
        for _ in range(2):
            ok, c = await gen_tcp.connect(LOOP, port, [("active", False)])
            assert ok == "ok"
            conns.append(c)
            mine = await inet.sockname(c)
            _, who, result, peer = await assert_receive(("accepted", ANY, ANY, ANY))
            assert peer == mine
            order.append(({a: "a", b: "b"}[who], result[0]))
        assert order == [("a", "ok"), ("b", "ok")]
    finally:
        await close_all(*conns, ls)


async def _owning_acceptor(parent: actors.Pid, ls: Any) -> None:
    """Accept, report the socket, forward the first socket message, close."""
    ok, s = await gen_tcp.accept(ls)
    actors.send(parent, ("accepted", s))
    msg = await actors.receive(("tcp", s, ANY), ("tcp_closed", s), timeout=2000)
    actors.send(parent, ("got", msg))
    await gen_tcp.close(s)


async def test_accepting_process_owns_socket() -> None:
    """Both backends: a spawned process runs ``accept(L)``; the peer sends "hi" ->
    the acceptor receives ``{tcp,'A',"hi"}``; the listen owner's mailbox is ``[]``.

    Manual accept note: "The accept call does not have to be issued from the socket owner".
    """
    ls, port = await _listen()
    pid = actors.spawn(_owning_acceptor, actors.self(), ls)
    # C passive: the peer side sends no messages of its own to this (listen owner) process
    ok, c = await gen_tcp.connect(LOOP, port, [("active", False)])
    try:
        _, a = await assert_receive(("accepted", ANY))
        assert await gen_tcp.send(c, "hi") == "ok"
        _, msg = await assert_receive(("got", ANY))
        assert msg == ("tcp", a, "hi")
        await refute_receive(("tcp", ANY, ANY))
        ref = actors.monitor("process", pid)
        await assert_receive(("DOWN", ref, "process", pid, ANY))
        await refute_receive(timeout=50)  # the listen owner's mailbox: []
    finally:
        await close_all(c, ls)


async def test_manual_accepted_socket_delivers_tcp_messages() -> None:
    """Manual accept/2 (checked in erl): packets from the peer arrive as ``{tcp, Socket, Data}``.

    Default listen options: the peer sends "hi" -> the accepting process gets
    ``{tcp,A,"hi"}``.
    """
    ls, c, a = await pair()
    try:
        await gen_tcp.send(c, "hi")
        assert await assert_receive(("tcp", a, ANY)) == ("tcp", a, "hi")
    finally:
        await close_all(c, a, ls)


async def test_manual_listen_active_false_accepted_socket_is_passive() -> None:
    """Manual accept/2 (checked in erl): "unless {active, false} is specified in the option
    list for the listening socket, in which case packets are retrieved by calling recv/2".

    ``listen(0,[{ip,Loop},{active,false}])``, accept; peer sends "x" ->
    ``getopts(A,[active])`` -> ``{ok,[{active,false}]}``, ``recv(A,0,1000)`` -> ``{ok,"x"}``,
    mailbox ``[]``.
    """
    ls, c, a = await pair([("active", False)])
    try:
        await gen_tcp.send(c, "x")
        assert await inet.getopts(a, ["active"]) == ("ok", [("active", False)])
        assert await gen_tcp.recv(a, 0, 1000) == ("ok", "x")
        await refute_receive(("tcp", ANY, ANY))
    finally:
        await close_all(c, a, ls)


async def test_manual_accept_default_timeout_is_infinity() -> None:
    """Manual accept/1 ("Timeout ... Defaults to infinity"): ``accept(L)`` stays blocked with
    nothing pending, then returns ``{ok,Socket}`` when a connection comes."""
    ls, port = await _listen()
    pid = actors.spawn(_acceptor, actors.self(), ls)
    await wait_blocked(pid)
    await refute_receive(_accepted(pid), timeout=300)
    ok, c = await gen_tcp.connect(LOOP, port, [])
    try:
        msg = await assert_receive(_accepted(pid))
        assert msg[2] == ("ok", "socket")
    finally:
        await close_all(c, ls)


async def test_manual_acceptor_pool() -> None:
    """Manual accept note: "multiple simultaneous accept calls can be issued from different
    processes, which allows for a pool of acceptor processes".

    3 acceptors, 3 connects: each acceptor returns ``{ok,Socket}`` for exactly one of them.
    """
    ls, port = await _listen()
    me = actors.self()
    pids = [actors.spawn(_acceptor, me, ls) for _ in range(3)]
    for pid in pids:
        await wait_blocked(pid)
    conns = []
    mine = []
    try:
        for _ in range(3):
            ok, c = await gen_tcp.connect(LOOP, port, [("active", False)])
            assert ok == "ok"
            conns.append(c)
            mine.append(await inet.sockname(c))
        msgs = [await assert_receive(_accepted(pid)) for pid in pids]
        assert [m[2] for m in msgs] == [("ok", "socket")] * 3
        assert sorted(m[3] for m in msgs) == sorted(mine)
    finally:
        await close_all(*conns, ls)


async def test_listen_setopts_affects_later_accepts_only() -> None:
    """Both backends: ``pair([{packet,2}],[])``, ``setopts(L,[{packet,4}])``, a second
    accept -> first accepted socket ``{packet,2}``, second ``{packet,4}``."""
    ls, c1, a1 = await pair([("packet", 2)])
    _, port = await inet.port(ls)
    try:
        assert await inet.setopts(ls, [("packet", 4)]) == "ok"
        ok, c2 = await gen_tcp.connect(LOOP, port, [])
        ok, a2 = await gen_tcp.accept(ls)
        try:
            assert await inet.getopts(a1, ["packet"]) == ("ok", [("packet", 2)])
            assert await inet.getopts(a2, ["packet"]) == ("ok", [("packet", 4)])
        finally:
            await close_all(c2, a2)
    finally:
        await close_all(c1, a1, ls)


async def test_accept_on_connected_socket_einval() -> None:
    """inet: ``accept(C)`` -> ``{error,einval}`` (also on A and with
    timeout 0, checked in erl)."""
    ls, c, a = await pair()
    try:
        assert await gen_tcp.accept(c) == ("error", "einval")
        assert await gen_tcp.accept(a) == ("error", "einval")
        assert await gen_tcp.accept(c, 0) == ("error", "einval")
    finally:
        await close_all(c, a, ls)


@pytest.mark.socket_backend
async def test_socket_backend_accept_on_connected_socket() -> None:
    """Socket backend: ``accept(C)`` -> ``{error,{invalid,state}}``."""
    ls, c, a = await pair([SOCKET])
    try:
        assert await gen_tcp.accept(c) == ("error", ("invalid", "state"))
    finally:
        await close_all(c, a, ls)


async def test_accept_negative_timeout_blocks_like_infinity() -> None:
    """inet: ``accept(L,-1)`` -> ``still_blocked`` (after 1 s in the
    Erlang run); a connection then gives ``{ok,Sock}`` (checked in erl)."""
    ls, port = await _listen()
    pid = actors.spawn(_acceptor, actors.self(), ls, -1)
    await wait_blocked(pid)
    await refute_receive(_accepted(pid), timeout=300)
    ok, c = await gen_tcp.connect(LOOP, port, [])
    try:
        msg = await assert_receive(_accepted(pid))
        assert msg[2] == ("ok", "socket")
    finally:
        await close_all(c, ls)


@pytest.mark.parametrize("timeout", [actors.Atom("foo"), 1.5, "x"], ids=["foo", "1.5", "string"])
async def test_accept_bad_timeout_function_clause(timeout: Any) -> None:
    """inet: ``accept(L,foo)`` -> ``{raised,error,function_clause}``
    (1.5 and "x" too, checked in erl)."""
    ls, _ = await _listen()
    try:
        with raises("error", "function_clause"):
            await gen_tcp.accept(ls, timeout)
    finally:
        await gen_tcp.close(ls)


async def test_accept_non_socket_function_clause() -> None:
    """Both backends: ``accept(foo)`` -> ``{raised,error,function_clause}``."""
    with raises("error", "function_clause"):
        await gen_tcp.accept(actors.Atom("foo"))


@pytest.mark.socket_backend
async def test_socket_backend_bad_timeouts_badarg() -> None:
    """Socket backend: ``accept(L,-1)`` and ``accept(L,foo)`` -> ``{raised,error,badarg}``."""
    ok, ls = await gen_tcp.listen(0, [SOCKET, ("ip", LOOP)])
    me = actors.self()

    async def try_accept(timeout: Any) -> None:
        try:
            result: Any = await gen_tcp.accept(ls, timeout)
        except actors.ErlangError as e:
            result = ("raised", e.kind, e.reason)
        actors.send(me, ("tried", timeout, result))

    try:
        for timeout in (-1, actors.Atom("foo")):
            actors.spawn(try_accept, timeout)
            # the raise is immediate; a wrong backend would block here, so fail, not hang
            msg = await assert_receive(("tried", timeout, ANY), timeout=1000)
            assert msg[2] == ("raised", "error", "badarg")
    finally:
        await gen_tcp.close(ls)


async def _listen_owner(parent: actors.Pid, opts: list[Any]) -> None:
    """Own a listen socket until told to ``die`` (then return: exit reason ``normal``)."""
    ok, ls = await gen_tcp.listen(0, [*opts, ("ip", LOOP)])
    actors.send(parent, ("listening", ls))
    await actors.receive("die")


async def _owner_dies(opts: list[Any], how: str) -> tuple[Any, Any]:
    """A listen owner dies (``how``) while another process accepts: (accept result, L)."""
    me = actors.self()
    owner = actors.spawn(_listen_owner, me, opts)
    _, ls = await assert_receive(("listening", ANY))
    acc = actors.spawn(_acceptor, me, ls)
    await wait_blocked(acc)
    ref = actors.monitor("process", owner)
    if how == "kill":
        actors.exit(owner, "kill")
    else:
        actors.send(owner, "die")
    await assert_receive(("DOWN", ref, "process", owner, ANY))
    msg = await assert_receive(_accepted(acc), timeout=2000)
    return msg[2], ls


@pytest.mark.parametrize("how", ["normal", "kill"])
async def test_listen_owner_dies_acceptor_gets_closed(how: str) -> None:
    """inet: the listen socket's owner dies (returns normally or is killed,
    checked in erl) -> the blocked acceptor gets ``{error,closed}``; then ``inet:port(L)``
    -> ``{error,einval}``."""
    result, ls = await _owner_dies([], how)
    assert result == ("error", "closed")
    assert await inet.port(ls) == ("error", "einval")


@pytest.mark.socket_backend
async def test_socket_backend_listen_owner_dies() -> None:
    """Socket backend: acceptor ``{error,closed}``; ``inet:port(L)`` -> ``{error,closed}``."""
    result, ls = await _owner_dies([SOCKET], "kill")
    assert result == ("error", "closed")
    assert await inet.port(ls) == ("error", "closed")
