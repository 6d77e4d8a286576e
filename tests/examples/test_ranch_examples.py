"""The supervised examples run as documented: the ranch echo server, the chat server
and the shell's counter."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import Any

import pytest

import actors
import gen_tcp
from actors import gen_server, supervisor
from actors.testing import assert_receive
from gen_tcp import inet, ranch

from .test_examples import EXAMPLES, load

LOOP = (127, 0, 0, 1)


async def connect(port: int, opts: list[Any] | None = None) -> Any:
    ok, c = await gen_tcp.connect(LOOP, port, ["binary", ("active", False), *(opts or [])], 5000)
    assert ok == "ok", c
    return c


@pytest.mark.parametrize(("packet", "active", "payload"), [(0, "once", b"hello"), (2, "once", b"\x00" * 1000),
                                                          (4, True, b"four"), (1, 3, b"one")])
async def test_ranch_echo_echoes(packet: Any, active: Any, payload: bytes) -> None:
    """ranch_echo.py's listener echoes each packet back in every framing and mode, and
    its tree is visible through ranch.info and supervisor.which_children."""
    ex = load("ranch_echo")
    ok, sup = await ex.start(0, 2, packet, active)
    assert ok == "ok"
    c = await connect(ranch.get_port("echo"), [("packet", packet)])
    for _ in range(3):
        assert await gen_tcp.send(c, payload) == "ok"
        assert await gen_tcp.recv(c, 0, 5000) == ("ok", payload)
    info = await ranch.info("echo")
    assert info["active_connections"] == 1 and info["pid"] == sup
    assert {w[0] for w in await supervisor.which_children(sup)} == {"ranch_acceptors_sup", "ranch_conns_sup_sup"}
    await gen_tcp.close(c)
    assert await ranch.stop_listener("echo") == "ok"


def test_ranch_echo_cli_prints_a_line_when_listening() -> None:
    """python examples/ranch_echo.py --port 0 --acceptors 2 prints its port and serves."""
    env = {**os.environ, "PYTHONPATH": os.path.join(EXAMPLES, "..")}
    p = subprocess.Popen([sys.executable, os.path.join(EXAMPLES, "ranch_echo.py"), "--port", "0", "--acceptors", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    try:
        assert p.stdout is not None
        line = p.stdout.readline()
        assert line.startswith("ranch echo on port ") and "2 acceptors" in line, line
        port = int(line.split()[4].rstrip(":"))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"cli")
            assert s.recv(16) == b"cli"
    finally:
        p.terminate()
        p.wait(10)
        assert p.stdout is not None
        p.stdout.close()


def test_ranch_echo_cli_on_a_taken_port_says_so_and_exits_1() -> None:
    """The port is taken: the last line says why (``eaddrinuse``), the exit status is 1,
    and no Python traceback is printed."""
    taken = socket.socket()
    taken.bind(("0.0.0.0", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": os.path.join(EXAMPLES, "..")}
        r = subprocess.run([sys.executable, os.path.join(EXAMPLES, "ranch_echo.py"), "--port", str(port)],
                           capture_output=True, text=True, env=env, timeout=30)
    finally:
        taken.close()
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last == f"ranch_echo: cannot listen on port {port}: address already in use (eaddrinuse)", r.stderr
    assert "Traceback" not in r.stderr


async def lines(c: Any, n: int) -> list[bytes]:
    out: list[bytes] = []
    buf = b""
    while len(out) < n:
        while b"\n" not in buf:
            ok, data = await gen_tcp.recv(c, 0, 5000)
            assert ok == "ok", data
            buf += data
        line, buf = buf.split(b"\n", 1)
        out.append(line)
    return out


async def test_chat_room_broadcasts_and_survives_a_crashed_connection() -> None:
    """Two clients join, one's lines reach the other; /who lists both; killing a
    connection process tells the room (it leaves) and the chat goes on; the tree is
    chat_sup -> [chat_room, ("ranch_embedded_sup", "chat")]."""
    chat = load("chat_server")
    ok, sup = await chat.start(0)
    assert ok == "ok"
    ids = [w[0] for w in await supervisor.which_children("chat_sup")]
    assert ids == [("ranch_embedded_sup", "chat"), "chat_room"]
    port = ranch.get_port("chat")
    a, b = await connect(port), await connect(port)
    assert await lines(a, 1) == [b"nick?"]
    await gen_tcp.send(a, b"ann\n")
    assert await lines(a, 1) == [b"welcome, ann"]
    assert await lines(b, 1) == [b"nick?"]
    await gen_tcp.send(b, b"ann\n")
    assert await lines(b, 1) == [b"nick taken, another?"]
    await gen_tcp.send(b, b"bob\n")
    assert await lines(b, 1) == [b"welcome, bob"]
    assert await lines(a, 1) == [b"* bob joined"]
    await gen_tcp.send(a, b"hi bob\n")
    assert await lines(b, 1) == [b"<ann> hi bob"]
    await gen_tcp.send(b, b"/who\n")
    assert await lines(b, 1) == [b"ann bob"]
    assert len(await ranch.procs("chat", "connections")) == 2
    assert await gen_server.call("chat_room", "who") == ["ann", "bob"]
    # kill bob's connection: the room sees it leave, ann is told, ann goes on
    ok, (_, bport) = await inet.sockname(b)
    victim = await conn_of(bport)
    ref = actors.monitor("process", victim)
    actors.exit(victim, "kill")
    await assert_receive(("DOWN", ref, "process", victim, "killed"))
    assert await lines(a, 1) == [b"* bob left"]
    assert await gen_server.call("chat_room", "who") == ["ann"]
    await gen_tcp.send(a, b"/quit\n")
    assert await gen_tcp.recv(a, 0, 5000) == ("error", "closed")
    for c in (a, b):
        await gen_tcp.close(c)
    actors.unlink(sup)
    assert await gen_server.stop(sup, "shutdown") == "ok"


async def conn_of(client_port: int) -> Any:
    """The connection process serving the client whose local port is `client_port`."""
    for p in await ranch.procs("chat", "connections"):
        for port in actors.process_info(p, "links")[1]:
            if hasattr(port, "port_id"):
                ok, peer = await inet.peername(port)
                if ok == "ok" and peer[1] == client_port:
                    return p
    raise AssertionError("no connection for that client")


async def test_counter_restarts_from_its_start_value() -> None:
    """counter.py's story: add 5 gives 5; the killed counter is restarted by its
    supervisor (a new pid under the same id) and answers 0."""
    assert await load("counter").demo() == [5, [("counter", True)], 0]
