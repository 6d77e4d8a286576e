"""Conformance: the ``{inet_backend, socket}`` backend where it differs from inet.

Erlang's gen_tcp manual page lists the backend differences ("Here is a list of cases when
the behaviour of inet-backend inet (default) and socket are different"); each test mirrors
one of them as recorded on real Erlang/OTP 25 with ``{inet_backend, socket}`` given first,
and its docstring names the Erlang call and the exact Erlang result (results checked in a
later ``erl`` session are noted "erl").
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from typing import Any

import pytest

import actors
import gen_tcp
import ports
from actors import ANY, Atom
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet

from .helpers import LOOP, close_all, elapsed_ms, pair, raises, wait_blocked

pytestmark = pytest.mark.socket_backend

SOCKET = ("inet_backend", "socket")
PASSIVE = ("active", False)
T = 5000
CHUNK = b"a" * 65536


async def _drain(s: Any, quiet_ms: int = 300) -> int:
    """Receive until `quiet_ms` pass with nothing new; the number of bytes received."""
    n = 0
    while True:
        r = await gen_tcp.recv(s, 0, quiet_ms)
        if r[0] != "ok":
            return n
        n += len(r[1])


async def _fill(c: Any) -> tuple[int, Any]:
    """Send 64 KB chunks to a peer that does not read until a send does not return ok:
    ``(number of ok sends, the first other result)``."""
    oks = 0
    while True:
        r = await gen_tcp.send(c, CHUNK)
        if r != "ok":
            return oks, r
        oks += 1
        assert oks < 2000, "the kernel never filled up"


# -- 1: the handle -----------------------------------------------------------------------


async def test_handle_shape() -> None:
    """Socket backend: ``{'$inet',gen_tcp_socket,{Pid,{'$socket',Ref}}}`` for
    listen, connected and accepted sockets; ``is_port`` false, ``is_tuple`` true."""
    ls, c, a = await pair([SOCKET])
    try:
        shape = re.compile(r"\{'\$inet',gen_tcp_socket,\{<0\.\d+\.0>,\{'\$socket',#Ref<[\d.]+>\}\}\}\Z")
        for s in (ls, c, a):
            assert not isinstance(s, ports.Port)
            assert isinstance(s, tuple) and len(s) == 3
            assert s[0] == "$inet" and s[1] == "gen_tcp_socket"
            pid, (tag, ref) = s[2]
            assert isinstance(pid, actors.Pid) and tag == "$socket" and isinstance(ref, actors.Ref)
            assert shape.match(repr(s)), repr(s)
            assert s == tuple(s) and hash(s) == hash(tuple(s))
        assert len({ls, c, a}) == 3
        await gen_tcp.send(a, "hi")
        # the handle in messages is the same term
        assert await assert_receive(("tcp", c, ANY)) == ("tcp", c, "hi")
    finally:
        await close_all(c, a, ls)


async def test_owner_is_monitored_not_linked() -> None:
    """erl: the owner's ``links`` do not hold the socket (gen_tcp_socket monitors its
    owner); a trapping owner gets no ``'EXIT'`` when another process closes it."""
    actors.process_flag("trap_exit", True)
    ls, c, a = await pair([SOCKET], [SOCKET, PASSIVE])
    try:
        links = actors.process_info(actors.self(), "links")[1]
        assert c not in links and a not in links and ls not in links

        async def closer() -> None:
            assert await gen_tcp.close(c) == "ok"

        pid = actors.spawn_link(closer)
        await assert_receive(("EXIT", pid, "normal"))
        await refute_receive(("EXIT", c, ANY))
    finally:
        actors.process_flag("trap_exit", False)
        await close_all(c, a, ls)


async def test_owner_exit_closes_socket() -> None:
    """Socket backend: the owner's exit closes its socket: the peer gets
    ``tcp_closed``; ``inet:port`` -> ``{error,closed}``, ``close`` -> ``{error,closed}``."""
    ok, ls = await gen_tcp.listen(0, [SOCKET, ("ip", LOOP)])
    _, port = await inet.port(ls)
    me = actors.self()

    async def owner() -> None:
        ok, c = await gen_tcp.connect(LOOP, port, [SOCKET])
        actors.send(me, ("sock", c))

    actors.spawn(owner)
    _, c = await assert_receive(("sock", ANY))
    ok, a = await gen_tcp.accept(ls, T)
    try:
        await assert_receive(("tcp_closed", a))
        assert await inet.port(c) == ("error", "closed")
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await gen_tcp.close(c) == ("error", "closed")
    finally:
        await close_all(a, ls)


# -- 9, 40, 131, 154, 157, 165: options ----------------------------------------------------


async def test_defaults_of_accepted_and_connected() -> None:
    """Socket backend: ``packet raw``, ``packet_size 67108864``,
    ``line_delimiter 10``, ``low_watermark 1``, ``buffer 8192``; high_watermark,
    high_msgq_watermark, low_msgq_watermark, backlog, ip -> left out."""
    ls, c, a = await pair([SOCKET])
    try:
        for s in (c, a):
            names = ["packet", "packet_size", "line_delimiter", "low_watermark", "buffer",
                     "high_watermark", "high_msgq_watermark", "low_msgq_watermark", "backlog", "ip"]
            assert await inet.getopts(s, names) == (
                "ok",
                [("packet", "raw"), ("packet_size", 67108864), ("line_delimiter", 10),
                 ("low_watermark", 1), ("buffer", 8192)],
            )
            assert await inet.getopts(s, ["port"]) == ("error", "einval")
    finally:
        await close_all(c, a, ls)


async def test_setopts() -> None:
    """Socket backend, ``inet:setopts``/``getopts``: ``{packet,raw}`` reads back ``raw``,
    ``{packet,0}`` as ``0``; ``{packet_size,-1}`` -> ok; recbuf leaves ``buffer`` at 8192; a
    high watermark is accepted but not readable; ``[{nodelay,true},{active,maybe}]`` ->
    ``{error,einval}`` with nodelay applied."""
    ls, c, a = await pair([SOCKET])
    try:
        assert await inet.setopts(c, [("packet", 0)]) == "ok"
        assert await inet.getopts(c, ["packet"]) == ("ok", [("packet", 0)])
        assert await inet.setopts(c, [("packet", Atom("raw"))]) == "ok"
        assert await inet.getopts(c, ["packet"]) == ("ok", [("packet", "raw")])
        assert await inet.setopts(c, [("packet_size", -1)]) == "ok"
        assert await inet.setopts(c, [("recbuf", 4096)]) == "ok"
        assert await inet.getopts(c, ["buffer", "recbuf"]) == ("ok", [("buffer", 8192), ("recbuf", 8192)])
        assert await inet.setopts(c, [("high_watermark", 100), ("low_watermark", 100)]) == "ok"
        assert await inet.getopts(c, ["high_watermark", "low_watermark"]) == ("ok", [("low_watermark", 100)])
        assert await inet.setopts(c, [("nodelay", True), ("active", Atom("maybe"))]) == ("error", "einval")
        assert await inet.getopts(c, ["nodelay"]) == ("ok", [("nodelay", True)])
    finally:
        await close_all(c, a, ls)


async def test_bad_socket_option_values() -> None:
    """Socket backend (erl), ``inet:setopts(C,[Opt])`` with bad values: ``{nodelay,maybe}`` ->
    ``{error,{invalid,{socket_option,{tcp,nodelay},maybe}}}``; ``{buffer,-1}`` ->
    ``{error,{invalid,{socket_option,{otp,rcvbuf},-1}}}``; ``{send_timeout,foo}`` -> ok;
    ``{foo,1}`` -> ``{error,einval}``; ``foo`` -> ``{raised,exit,badarg}``."""
    ls, c, a = await pair([SOCKET])
    try:
        assert await inet.setopts(c, [("nodelay", Atom("maybe"))]) == (
            "error", ("invalid", ("socket_option", ("tcp", "nodelay"), "maybe")))
        assert await inet.setopts(c, [("buffer", -1)]) == (
            "error", ("invalid", ("socket_option", ("otp", "rcvbuf"), -1)))
        assert await inet.setopts(c, [("send_timeout", Atom("foo"))]) == "ok"
        assert await inet.setopts(c, [("foo", 1)]) == ("error", "einval")
        with raises("exit", "badarg"):
            await inet.setopts(c, [Atom("foo")])
    finally:
        await close_all(c, a, ls)


# -- the manual: nodelay with local ---------------------------------------------------------


async def test_manual_nodelay_with_local_is_enotsup() -> None:
    """Manual note, socket (erl): listen or connect with a ``local`` address and
    ``{nodelay,true}`` -> ``{error,enotsup}``; without nodelay a local listen works;
    ``setopts(L,[{nodelay,true}])`` -> ``{error,enotsup}``, ``getopts(L,[nodelay])`` ->
    ``{ok,[]}``."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "s.sock")
        local = ("ifaddr", (Atom("local"), path))
        assert await gen_tcp.listen(0, [SOCKET, local, ("nodelay", True)]) == ("error", "enotsup")
        ok, ls = await gen_tcp.listen(0, [SOCKET, local])
        assert ok == "ok", ls
        try:
            assert await inet.setopts(ls, [("nodelay", True)]) == ("error", "enotsup")
            assert await inet.getopts(ls, ["nodelay"]) == ("ok", [])
            target = (Atom("local"), path)
            assert await gen_tcp.connect(target, 0, [SOCKET, ("nodelay", True)]) == ("error", "enotsup")
        finally:
            await gen_tcp.close(ls)


# -- 147-151: send blocks ---------------------------------------------------------------------


async def test_send_timeout_returns_rest_data() -> None:
    """Socket backend: with ``{send_timeout,200}`` and a peer that
    does not read, the send that cannot complete returns ``{error,{timeout,RestData}}``
    after about 200 ms; the socket stays usable (peername ok); the peer receives exactly
    the bytes not returned as RestData."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE, ("send_timeout", 200)])
    try:
        t0 = time.monotonic()
        oks, r = await _fill(c)
        assert r[0] == "error" and r[1][0] == "timeout", r
        rest = r[1][1]
        assert isinstance(rest, bytes) and 0 < len(rest) <= len(CHUNK)
        assert elapsed_ms(t0) >= 150
        assert (await inet.peername(c))[0] == "ok"
        got = await _drain(a)
        assert got == oks * len(CHUNK) + len(CHUNK) - len(rest)
    finally:
        await close_all(c, a, ls)


async def test_large_send_blocks_until_send_timeout() -> None:
    """Socket backend: a large send to a peer that does not read blocks until
    ``send_timeout`` (1000) and returns ``{error,{timeout,RestData}}`` (inet returns ok at
    once)."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE, ("send_timeout", 1000)])
    try:
        big = b"b" * (32 * 1024 * 1024)
        t0 = time.monotonic()
        r = await gen_tcp.send(c, big)
        assert elapsed_ms(t0) >= 900
        assert r[0] == "error" and r[1][0] == "timeout" and 0 < len(r[1][1]) < len(big)
    finally:
        await close_all(c, a, ls)


async def test_send_timeout_close_closes_socket() -> None:
    """Socket backend: with ``send_timeout_close`` the timed-out send ->
    ``{error,timeout}``; then send, getopts, inet:port and close -> ``{error,closed}``;
    no ``tcp_closed`` message."""
    ls, c, a = await pair([SOCKET, PASSIVE],
                          [SOCKET, ("send_timeout", 200), ("send_timeout_close", True)])
    try:
        _, r = await _fill(c)
        assert r == ("error", "timeout")
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await inet.getopts(c, ["active"]) == ("error", "closed")
        assert await inet.port(c) == ("error", "closed")
        assert await gen_tcp.close(c) == ("error", "closed")
        await refute_receive(("tcp_closed", c))
    finally:
        await close_all(a, ls)


async def test_blocked_sender_waits_and_gets_closed() -> None:
    """Both backends: a sender to a peer that does not read blocks (status
    ``waiting``) and gets ``{error,closed}`` when the peer closes."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE])
    me = actors.self()

    async def sender() -> None:
        while (r := await gen_tcp.send(c, CHUNK)) == "ok":
            pass
        actors.send(me, ("sent", r))

    try:
        pid = actors.spawn(sender)
        await wait_blocked(pid, 10000)
        await gen_tcp.close(a)
        await assert_receive(("sent", ("error", "closed")), timeout=T)
    finally:
        await close_all(c, ls)


# -- shutdown -------------------------------------------------------------------------------------


async def test_manual_shutdown_write_at_once_and_half_close_works() -> None:
    """Socket backend, as the gen_tcp manual notes: ``shutdown(C,write)`` returns ``ok`` at
    once even while another process is blocked sending (no queue to wait for); the peer
    gets its data then ``{error,closed}`` but, not closing its socket on EOF, can still
    send, and the shut-down side receives ``{ok,"reply"}``."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE])
    me = actors.self()

    async def sender() -> None:
        while (r := await gen_tcp.send(c, CHUNK)) == "ok":
            pass
        actors.send(me, ("sent", r))

    try:
        pid = actors.spawn(sender)
        await wait_blocked(pid, 10000)
        t0 = time.monotonic()
        assert await gen_tcp.shutdown(c, "write") == "ok"
        assert elapsed_ms(t0) < 500
        _, r = await assert_receive(("sent", ANY), timeout=T)
        assert r == ("error", "closed")
        await _drain(a, 100)
        assert await gen_tcp.recv(a, 0, T) == ("error", "closed")
        assert await gen_tcp.send(a, "reply") == "ok"
        assert await gen_tcp.recv(c, 0, T) == ("ok", "reply")
        assert await gen_tcp.send(c, "x") == ("error", "closed")
    finally:
        await close_all(c, a, ls)


async def test_shutdown_read_and_errors() -> None:
    """Socket backend: after ``shutdown(C,read)`` recv ->
    ``{error,closed}`` and send still works; a bad How -> ``{error,enotconn}`` (inet
    raises); a listen socket -> ``{error,enotconn}``; a closed one -> ``{error,closed}``."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE])
    try:
        assert await gen_tcp.shutdown(c, Atom("foo")) == ("error", "enotconn")
        assert await gen_tcp.shutdown(ls, "write") == ("error", "enotconn")
        assert await gen_tcp.shutdown(c, "read") == "ok"
        assert await gen_tcp.recv(c, 0, T) == ("error", "closed")
        assert await gen_tcp.send(c, "y") == "ok"
        assert await gen_tcp.recv(a, 0, T) == ("ok", "y")
        await gen_tcp.close(c)
        assert await gen_tcp.shutdown(c, "write") == ("error", "closed")
    finally:
        await close_all(a, ls)


# -- end of stream, close ----------------------------------------------------------------------------


async def test_eof_keeps_socket_with_exit_on_close() -> None:
    """Socket backend: an active socket whose peer shut down gets
    ``tcp_closed`` but is not closed (exit_on_close true): send -> ok and delivered;
    recv -> ``{error,closed}``; setopts/getopts -> ``{error,einval}``; peername ->
    ``{error,enotconn}``; inet:port -> ``{ok,P}``; close -> ok; second close ->
    ``{error,closed}``."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET])
    try:
        assert await gen_tcp.send(a, "last") == "ok"
        assert await gen_tcp.shutdown(a, "write") == "ok"
        await assert_receive(("tcp", c, "last"))
        await assert_receive(("tcp_closed", c))
        assert await gen_tcp.send(c, "more") == "ok"
        assert await gen_tcp.recv(a, 0, T) == ("ok", "more")
        assert await inet.setopts(c, [PASSIVE]) == ("error", "einval")
        assert await gen_tcp.recv(c, 0, T) == ("error", "closed")
        assert await inet.getopts(c, ["active"]) == ("error", "einval")
        assert await inet.peername(c) == ("error", "enotconn")
        assert (await inet.port(c))[0] == "ok"
        assert (await inet.sockname(c))[0] == "ok"
        assert await gen_tcp.close(c) == "ok"
        assert await gen_tcp.close(c) == ("error", "closed")
    finally:
        await close_all(a, ls)


async def test_passive_eof_recv_closed_repeats_send_works() -> None:
    """Socket backend: after the peer's data and shutdown: ``{ok,"bye"}``,
    ``{error,closed}``, ``{error,closed}``; send -> ok; getopts -> ``{error,einval}``;
    peername -> ``{error,enotconn}``; sockname -> ok (the fd stays open)."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE])
    try:
        await gen_tcp.send(a, "bye")
        await gen_tcp.shutdown(a, "write")
        results = [await gen_tcp.recv(c, 0, T) for _ in range(3)]
        assert results == [("ok", "bye"), ("error", "closed"), ("error", "closed")]
        assert await gen_tcp.send(c, "ok?") == "ok"
        assert await gen_tcp.recv(a, 0, T) == ("ok", "ok?")
        assert await inet.getopts(c, ["active"]) == ("error", "einval")
        assert await inet.peername(c) == ("error", "enotconn")
        assert (await inet.sockname(c))[0] == "ok"
    finally:
        await close_all(c, a, ls)


async def test_everything_closed_after_close() -> None:
    """Socket backend: on a closed connected or listen socket every
    call -> ``{error,closed}`` (inet: einval for the inet functions), a second close too."""
    ls, c, a = await pair([SOCKET])
    await gen_tcp.close(c)
    await gen_tcp.close(ls)
    try:
        me = actors.self()
        for s in (c, ls):
            results = [
                await gen_tcp.send(s, "x"),
                await gen_tcp.recv(s, 0),
                await inet.setopts(s, [PASSIVE]),
                await inet.getopts(s, ["active"]),
                await inet.peername(s),
                await inet.sockname(s),
                await inet.port(s),
                await inet.getstat(s),
                await gen_tcp.shutdown(s, "write"),
                await gen_tcp.controlling_process(s, me),
                await gen_tcp.close(s),
            ]
            assert results == [("error", "closed")] * len(results)
        assert await gen_tcp.accept(ls, 100) == ("error", "closed")
    finally:
        await close_all(a)
        await refute_receive(("tcp_closed", c))
        await actors.receive(("tcp_closed", a), timeout=100)


async def test_send_errors_repeat() -> None:
    """Socket backend: after the peer closes, send -> ok (the kernel
    took it), then ``{error,closed}`` and ``{error,closed}`` again (inet: enotconn); after a
    reset with ``show_econnreset``: ``{error,econnreset}`` twice."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE])
    try:
        await gen_tcp.close(a)
        assert await gen_tcp.send(c, "1") == "ok"
        assert await gen_tcp.recv(c, 0, T) in (("error", "closed"),)
        assert await gen_tcp.send(c, "2") == ("error", "closed")
        assert await gen_tcp.send(c, "3") == ("error", "closed")
    finally:
        await close_all(c, ls)
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE, ("show_econnreset", True)])
    try:
        assert await inet.setopts(a, [("linger", (True, 0))]) == "ok"
        await gen_tcp.close(a)
        assert await gen_tcp.recv(c, 0, T) == ("error", "econnreset")
        assert await gen_tcp.send(c, "x") == ("error", "econnreset")
        assert await gen_tcp.send(c, "x") == ("error", "econnreset")
    finally:
        await close_all(c, ls)


async def test_exit_on_close_false() -> None:
    """Socket backend: with ``{exit_on_close,false}`` recv repeats
    ``{error,closed}``, getopts -> ``{error,einval}``."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE, ("exit_on_close", False)])
    try:
        await gen_tcp.shutdown(a, "write")
        assert [await gen_tcp.recv(c, 0, T) for _ in range(3)] == [("error", "closed")] * 3
        assert await inet.getopts(c, ["active"]) == ("error", "einval")
    finally:
        await close_all(c, a, ls)


# -- active modes ----------------------------------------------------------------------------------


async def test_active_n_to_false_sends_tcp_passive() -> None:
    """Socket backend: ``{active,5}`` -> ``false`` sends ``{tcp_passive,C}``;
    ``once`` -> ``false`` sends nothing."""
    ls, c, a = await pair([SOCKET], [SOCKET, PASSIVE])
    try:
        assert await inet.setopts(c, [("active", 5)]) == "ok"
        assert await inet.setopts(c, [PASSIVE]) == "ok"
        await assert_receive(("tcp_passive", c))
        assert await inet.getopts(c, ["active"]) == ("ok", [("active", False)])
        assert await inet.setopts(c, [("active", Atom("once"))]) == "ok"
        assert await inet.setopts(c, [PASSIVE]) == "ok"
        await refute_receive(("tcp_passive", c))
    finally:
        await close_all(c, a, ls)


async def test_active_messages_at_most_8192() -> None:
    """Socket backend: a 200000-byte burst arrives in messages of at most 8192
    bytes (the default buffer; inet 1460)."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE, "binary"])
    try:
        assert await gen_tcp.send(a, b"z" * 200000) == "ok"
        assert await inet.setopts(c, [("active", True)]) == "ok"
        sizes = []
        while sum(sizes) < 200000:
            _, _, data = await assert_receive(("tcp", c, ANY), timeout=T)
            sizes.append(len(data))
        assert sum(sizes) == 200000 and max(sizes) == 8192
    finally:
        await close_all(c, a, ls)


# -- framing ---------------------------------------------------------------------------------------


async def test_emsgsize_passive_keeps_connection() -> None:
    """Socket backend: ``{packet,2},{packet_size,10}``: an 11-byte packet ->
    ``{error,emsgsize}``, and again on the next recv; send -> ok and the peer gets it."""
    ls, c, a = await pair([SOCKET, PASSIVE, ("packet", 2)],
                          [SOCKET, PASSIVE, ("packet", 2), ("packet_size", 10)])
    try:
        assert await gen_tcp.send(a, "0123456789") == "ok"
        assert await gen_tcp.recv(c, 0, T) == ("ok", "0123456789")
        assert await gen_tcp.send(a, "0123456789x") == "ok"
        assert await gen_tcp.recv(c, 0, T) == ("error", "emsgsize")
        assert await gen_tcp.recv(c, 0, T) == ("error", "emsgsize")
        assert await gen_tcp.send(c, "up") == "ok"
        assert await gen_tcp.recv(a, 0, T) == ("ok", "up")
    finally:
        await close_all(c, a, ls)


async def test_emsgsize_active_turns_passive() -> None:
    """Socket backend: active, an oversized packet -> only
    ``{tcp_error,C,emsgsize}`` (no tcp_closed), and the socket is ``{active,false}``."""
    ls, c, a = await pair([SOCKET, PASSIVE, ("packet", 2)],
                          [SOCKET, ("packet", 2), ("packet_size", 10)])
    try:
        assert await gen_tcp.send(a, "0123456789x") == "ok"
        await assert_receive(("tcp_error", c, "emsgsize"))
        await refute_receive(("tcp_closed", c))
        assert await inet.getopts(c, ["active"]) == ("ok", [("active", False)])
    finally:
        await close_all(c, a, ls)


async def test_long_line_not_split_at_buffer() -> None:
    """Socket backend: ``{packet,line},{buffer,10}`` and a 20-character line ->
    the whole line (inet splits it into buffer-sized pieces)."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE, ("packet", Atom("line")), ("buffer", 10)])
    try:
        assert await gen_tcp.send(a, "abcdefghijklmnopqrst\n") == "ok"
        assert await gen_tcp.recv(c, 0, T) == ("ok", "abcdefghijklmnopqrst\n")
    finally:
        await close_all(c, a, ls)


# -- controlling_process ------------------------------------------------------------------------------


async def test_controlling_process_to_dead_pid() -> None:
    """Socket backend: ``controlling_process(C,DeadPid)`` -> ``ok`` (inet
    ``{error,badarg}``); erl: the socket then closes (its monitor fires): send ->
    ``{error,closed}``, the peer sees the close."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE])
    try:
        pid, ref = actors.spawn_monitor(_nothing)
        await assert_receive(("DOWN", ref, "process", pid, ANY))
        assert await gen_tcp.controlling_process(c, pid) == "ok"
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert await gen_tcp.recv(a, 0, T) == ("error", "closed")
    finally:
        await close_all(a, ls)


async def _nothing() -> None:
    return None


async def test_controlling_process_moves_tcp_closed() -> None:
    """Socket backend: with ``{tcp,C,_}`` and ``{tcp_closed,C}`` queued,
    ``controlling_process`` -> ``ok`` and both messages move (inet: ``{error,closed}``)."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET])
    me = actors.self()

    async def new_owner() -> None:
        msgs = [await actors.receive(timeout=T) for _ in range(2)]
        actors.send(me, ("got", msgs))

    try:
        await gen_tcp.send(a, "m")
        await gen_tcp.close(a)
        deadline = time.monotonic() + 5
        while actors.process_info(me, "message_queue_len") != ("message_queue_len", 2):
            assert time.monotonic() < deadline, "tcp and tcp_closed never arrived"
            await actors.sleep(1)
        pid = actors.spawn(new_owner)
        assert await gen_tcp.controlling_process(c, pid) == "ok"
        await assert_receive(("got", [("tcp", c, "m"), ("tcp_closed", c)]), timeout=T)
    finally:
        await close_all(c, ls)


# -- argument handling ------------------------------------------------------------------------------


async def test_send_bad_data_and_listen() -> None:
    """Socket backend: ``send(C,foo)`` -> ``{raised,error,badarg}``;
    ``send(C,[256])`` -> ``{raised,error,{invalid,{data,[256]}}}``; ``send(L,_)`` ->
    ``{error,closed}``."""
    ls, c, a = await pair([SOCKET])
    try:
        with raises("error", "badarg"):
            await gen_tcp.send(c, Atom("foo"))
        with raises("error", ("invalid", ("data", [256]))):
            await gen_tcp.send(c, [256])
        assert await gen_tcp.send(ls, "x") == ("error", "closed")
    finally:
        await close_all(c, a, ls)


async def test_getstat_unknown_name_closes() -> None:
    """Socket backend (erl): ``inet:getstat(C,[foo])`` crashes the socket's server:
    the caller gets ``exit:{error,closed}`` and the socket is closed."""
    ls, c, a = await pair([SOCKET], [SOCKET, PASSIVE])
    try:
        with raises("exit", ("error", "closed")):
            await inet.getstat(c, [Atom("foo")])
        assert await gen_tcp.send(c, "x") == ("error", "closed")
        assert (await inet.getstat(a, ["recv_oct", "send_oct"]))[0] == "ok"
    finally:
        await close_all(a, ls)


async def test_recv_edge_cases() -> None:
    """erl, socket: ``recv(C,10)`` after the peer sent "abc" and closed ->
    ``{error,closed}`` twice (the partial data is dropped); ``recv(C,-1,100)`` ->
    ``{error,timeout}``; ``getstat`` after sends of 8 and 2 bytes reads ``send_max 5``."""
    ls, c, a = await pair([SOCKET, PASSIVE], [SOCKET, PASSIVE])
    try:
        assert await gen_tcp.recv(c, -1, 100) == ("error", "timeout")
        assert await gen_tcp.send(c, "abcdefgh") == "ok"
        assert await gen_tcp.send(c, "ab") == "ok"
        ok, stats = await inet.getstat(c, ["send_oct", "send_cnt", "send_max"])
        assert stats == [("send_oct", 10), ("send_cnt", 2), ("send_max", 5)]
        assert await gen_tcp.send(a, "abc") == "ok"
        await gen_tcp.close(a)
        assert await gen_tcp.recv(c, 10, T) == ("error", "closed")
        assert await gen_tcp.recv(c, 0, T) == ("error", "closed")
    finally:
        await close_all(c, ls)
