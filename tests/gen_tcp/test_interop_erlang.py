"""Interop with real Erlang/OTP peers over loopback.

An escript runs as an OS subprocess of the test process (``asyncio.create_subprocess_exec``
on the node's loop): Erlang clients against our acceptor-pool server, and our clients
against an Erlang echo server that prints its port on stdout. Framing must agree on the
wire both ways: ``{packet,2}`` (sizes 0 to 65535), ``{packet,line}`` and raw.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive
from gen_tcp import inet

pytestmark = pytest.mark.erlang

LOOP = (127, 0, 0, 1)
SIZES = [0, 1, 2, 255, 256, 1000, 4096, 65535]
ESCRIPT_TIMEOUT = 30.0  # seconds; the scripts' own recv/accept timeouts are shorter


def payload(n: int) -> bytes:
    """The bytes the Erlang scripts build with ``payload(N)``: ``I rem 251`` for I in 1..N."""
    return bytes(i % 251 for i in range(1, n + 1))


ERL_PAYLOAD = "payload(N) -> << <<(I rem 251)>> || I <- lists:seq(1, N) >>.\n"


@contextlib.asynccontextmanager
async def escript(tmp_path: Path, source: str, *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run `source` as an escript subprocess; on the way out make sure it ended and was reaped."""
    script = tmp_path / "peer.escript"
    script.write_text("#!/usr/bin/env escript\n" + source)
    proc = await asyncio.create_subprocess_exec(
        "escript",
        str(script),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.communicate()  # reads both pipes to EOF and waits for the exit


async def finish(proc: asyncio.subprocess.Process) -> str:
    """Wait for the escript to exit; return its stdout; fail with its output if it failed."""
    out, err = await asyncio.wait_for(proc.communicate(), ESCRIPT_TIMEOUT)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, f"escript exited {proc.returncode}:\n{text}\n{err.decode(errors='replace')}"
    return text


async def read_port(proc: asyncio.subprocess.Process) -> int:
    """The first stdout line of an Erlang server script: its listening port."""
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), ESCRIPT_TIMEOUT)
    assert line.strip().isdigit(), f"expected a port number, got {line!r}"
    return int(line)


# -- Erlang clients against our acceptor-pool server -----------------------------------------

ERL_PACKET2_CLIENTS = (
    """
main([PortStr, KStr]) ->
    Port = list_to_integer(PortStr),
    Parent = self(),
    Pids = [spawn_link(fun() -> Parent ! {self(), client(Port)} end)
            || _ <- lists:seq(1, list_to_integer(KStr))],
    Results = [receive {P, R} -> R end || P <- Pids],
    io:format("~w~n", [Results]),
    case lists:all(fun(R) -> R =:= ok end, Results) of
        true -> halt(0);
        false -> halt(1)
    end.

client(Port) ->
    {ok, S} = gen_tcp:connect({127,0,0,1}, Port, [binary, {packet, 2}, {active, false}], 5000),
    Sizes = %SIZES%,
    Bad = [{N, shape(Other)}
           || N <- Sizes,
              Other <- [begin
                            ok = gen_tcp:send(S, payload(N)),
                            Expected = payload(N),
                            case gen_tcp:recv(S, 0, 5000) of
                                {ok, Expected} -> ok;
                                R -> R
                            end
                        end],
              Other =/= ok],
    ok = gen_tcp:close(S),
    case Bad of [] -> ok; _ -> Bad end.

shape({ok, B}) when is_binary(B) -> {ok, byte_size(B)};
shape(Other) -> Other.
"""
    + ERL_PAYLOAD
).replace("%SIZES%", "[" + ",".join(map(str, SIZES)) + "]")


async def echo_handler(s: Any, parent: actors.Pid) -> None:
    """Passive echo until the peer closes; report the sizes seen to `parent`."""
    sizes = []
    while True:
        result = await gen_tcp.recv(s, 0, 10000)
        if result[0] != "ok":
            break
        sizes.append(len(result[1]))
        assert await gen_tcp.send(s, result[1]) == "ok"
    await gen_tcp.close(s)
    actors.send(parent, ("served", actors.self(), result, sizes))


async def acceptor(ls: Any, parent: actors.Pid, handler: Any) -> None:
    """One acceptor of the pool: accept a connection, then serve it in this process."""
    ok, s = await gen_tcp.accept(ls, 10000)
    assert ok == "ok", s
    await handler(s, parent)


async def test_erlang_packet2_clients_against_our_acceptor_pool(tmp_path: Path) -> None:
    """Four concurrent Erlang ``{packet,2}`` clients send packets of 0..65535 bytes to our
    pool of four acceptors; every echo matches, and each connection ends with the
    client's close seen as ``{error,closed}``."""
    k = 4
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), "binary", ("packet", 2), ("active", False)])
    assert ok == "ok", ls
    try:
        ok, port = await inet.port(ls)
        assert ok == "ok"
        me = actors.self()
        pool = [actors.spawn_monitor(acceptor, ls, me, echo_handler) for _ in range(k)]
        async with escript(tmp_path, ERL_PACKET2_CLIENTS, str(port), str(k)) as proc:
            out = await finish(proc)
        assert out.strip() == "[" + ",".join(["ok"] * k) + "]"
        for pid, ref in pool:
            _, _, result, sizes = await assert_receive(("served", pid, actors.ANY, actors.ANY), timeout=5000)
            assert result == ("error", "closed")
            assert sizes == SIZES
            await assert_receive(("DOWN", ref, "process", pid, "normal"), timeout=5000)
    finally:
        await gen_tcp.close(ls)


ERL_LINE_CLIENT = """
main([PortStr]) ->
    Port = list_to_integer(PortStr),
    {ok, S} = gen_tcp:connect({127,0,0,1}, Port, [{packet, line}, {active, false}], 5000),
    Lines = ["\\n", "hello\\n", "two words\\n", lists:duplicate(1000, $x) ++ "\\n", "last\\n"],
    %% all lines in one write: the server must split them
    ok = gen_tcp:send(S, Lines),
    Got = [gen_tcp:recv(S, 0, 5000) || _ <- Lines],
    Expected = [{ok, string:uppercase(L)} || L <- Lines],
    ok = gen_tcp:close(S),
    case Got of
        Expected -> io:format("ok~n"), halt(0);
        _ -> io:format("~p~n", [Got]), halt(1)
    end.
"""


async def upper_line_handler(s: Any, parent: actors.Pid) -> None:
    """``{active,once}`` line server: answer each line upper-cased until ``tcp_closed``."""
    lines = []
    while True:
        assert await inet.setopts(s, [("active", "once")]) == "ok"
        msg = await actors.receive(("tcp", s, actors.ANY), ("tcp_closed", s), ("tcp_error", s, actors.ANY), timeout=10000)
        if msg is actors.TIMEOUT or msg[0] != "tcp":
            break
        lines.append(msg[2])
        assert await gen_tcp.send(s, msg[2].upper()) == "ok"
    await gen_tcp.close(s)
    actors.send(parent, ("served", actors.self(), msg, lines))


async def test_erlang_line_client_against_our_line_server(tmp_path: Path) -> None:
    """An Erlang ``{packet,line}`` client writes five lines (an empty one, a 1000-byte one)
    in one send; our ``{active,once}`` line server gets one ``{tcp,S,Line}`` per line, each
    with its ``\\n``, answers it upper-cased, and sees ``{tcp_closed,S}`` at the end."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("packet", "line"), ("active", False)])
    assert ok == "ok", ls
    try:
        ok, port = await inet.port(ls)
        assert ok == "ok"
        me = actors.self()
        pid, ref = actors.spawn_monitor(acceptor, ls, me, upper_line_handler)
        async with escript(tmp_path, ERL_LINE_CLIENT, str(port)) as proc:
            out = await finish(proc)
        assert out.strip() == "ok"
        _, _, last, lines = await assert_receive(("served", pid, actors.ANY, actors.ANY), timeout=5000)
        assert last[0] == "tcp_closed"
        assert lines == ["\n", "hello\n", "two words\n", "x" * 1000 + "\n", "last\n"]
        await assert_receive(("DOWN", ref, "process", pid, "normal"), timeout=5000)
    finally:
        await gen_tcp.close(ls)


# -- our clients against an Erlang echo server -----------------------------------------------

ERL_ECHO_SERVER = """
main([Mode]) ->
    Packet = case Mode of
                 "2" -> [{packet, 2}];
                 "line" -> [{packet, line}, {buffer, 65536}];
                 "raw" -> [{packet, raw}]
             end,
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, {127,0,0,1}} | Packet]),
    {ok, P} = inet:port(L),
    io:format("~w~n", [P]),
    {ok, S} = gen_tcp:accept(L, 10000),
    {N, Bytes, End} = loop(S, 0, 0),
    gen_tcp:close(S),
    gen_tcp:close(L),
    io:format("~w~n", [{N, Bytes, End}]).

loop(S, N, Bytes) ->
    case gen_tcp:recv(S, 0, 10000) of
        {ok, D} ->
            ok = gen_tcp:send(S, D),
            loop(S, N + 1, Bytes + byte_size(D));
        {error, Reason} ->
            {N, Bytes, Reason}
    end.
"""


async def test_our_packet2_client_against_erlang_echo_server(tmp_path: Path) -> None:
    """Our ``{packet,2}`` client sends packets of 0, 1, 2, 255, 256, 1000, 4096 and 65535
    bytes to an Erlang ``{packet,2}`` echo server: each echo is the packet sent, and the
    server counts the packets and ends with ``{error,closed}`` when we close."""
    async with escript(tmp_path, ERL_ECHO_SERVER, "2") as proc:
        port = await read_port(proc)
        ok, s = await gen_tcp.connect(LOOP, port, ["binary", ("packet", 2), ("active", False)], 5000)
        assert ok == "ok", s
        try:
            for n in SIZES:
                assert await gen_tcp.send(s, payload(n)) == "ok"
                assert await gen_tcp.recv(s, 0, 5000) == ("ok", payload(n)), n
        finally:
            assert await gen_tcp.close(s) == "ok"
        out = await finish(proc)
    assert out.splitlines()[-1] == "{%d,%d,closed}" % (len(SIZES), sum(SIZES))


async def test_our_packet2_client_active_against_erlang_echo_server(tmp_path: Path) -> None:
    """The same exchange with our client in ``{active,true}``: every echo arrives as one
    ``{tcp,S,Packet}`` message, the empty packet as ``<<>>``, in order."""
    async with escript(tmp_path, ERL_ECHO_SERVER, "2") as proc:
        port = await read_port(proc)
        ok, s = await gen_tcp.connect(LOOP, port, ["binary", ("packet", 2), ("active", True)], 5000)
        assert ok == "ok", s
        try:
            for n in SIZES:
                assert await gen_tcp.send(s, payload(n)) == "ok"
            for n in SIZES:
                assert await assert_receive(("tcp", s, actors.ANY), timeout=5000) == ("tcp", s, payload(n))
        finally:
            assert await gen_tcp.close(s) == "ok"
        out = await finish(proc)
    assert out.splitlines()[-1] == "{%d,%d,closed}" % (len(SIZES), sum(SIZES))


async def test_our_line_client_against_erlang_echo_server(tmp_path: Path) -> None:
    """Our ``{packet,line}`` client (list mode) sends five lines in one write to an Erlang
    ``{packet,line}`` echo server and gets each line back, with its ``\\n``."""
    lines = ["\n", "hello\n", "two words\n", "y" * 1000 + "\n", "last\n"]
    async with escript(tmp_path, ERL_ECHO_SERVER, "line") as proc:
        port = await read_port(proc)
        ok, s = await gen_tcp.connect(LOOP, port, [("packet", "line"), ("active", False)], 5000)
        assert ok == "ok", s
        try:
            assert await gen_tcp.send(s, lines) == "ok"
            for line in lines:
                assert await gen_tcp.recv(s, 0, 5000) == ("ok", line)
        finally:
            assert await gen_tcp.close(s) == "ok"
        out = await finish(proc)
    assert out.splitlines()[-1] == "{%d,%d,closed}" % (len(lines), sum(map(len, lines)))


async def test_our_raw_client_against_erlang_echo_server(tmp_path: Path) -> None:
    """Raw mode: our client sends 1 MB in one send and reads exactly 1 MB back with
    ``recv(S,1048576)``; the Erlang server echoed every byte and sees ``{error,closed}``."""
    data = bytes(range(256)) * 4096
    async with escript(tmp_path, ERL_ECHO_SERVER, "raw") as proc:
        port = await read_port(proc)
        ok, s = await gen_tcp.connect(LOOP, port, ["binary", ("active", False)], 5000)
        assert ok == "ok", s
        try:
            assert await gen_tcp.send(s, data) == "ok"
            assert await gen_tcp.recv(s, len(data), 10000) == ("ok", data)
            assert await gen_tcp.recv(s, 0, 50) == ("error", "timeout")
        finally:
            assert await gen_tcp.close(s) == "ok"
        out = await finish(proc)
    assert out.splitlines()[-1].endswith(",%d,closed}" % len(data))
