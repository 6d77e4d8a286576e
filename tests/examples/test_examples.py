"""The examples run as documented: the manual page's programs and the echo server."""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

import pytest

import actors
import actors.runtime
import gen_tcp
from actors.testing import assert_receive
from gen_tcp import inet
from ports import ports_of

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def load(name: str) -> ModuleType:
    if EXAMPLES not in sys.path:
        sys.path.insert(0, EXAMPLES)
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def stop_pool(ls: Any) -> None:
    """Close the listen socket and wait until every acceptor of the pool has ended."""
    refs = [actors.monitor("process", p) for p in actors.processes() if p != actors.self()]
    assert await gen_tcp.close(ls) == "ok"
    for ref in refs:
        await assert_receive(("DOWN", ref, "process", actors.ANY, actors.ANY), timeout=5000)


async def test_client_server_transfers_the_binary() -> None:
    """The manual's first example: the server's do_recv collects exactly "Some Data"."""
    assert await load("client_server").server() == b"Some Data"


async def test_acceptor_pool_serves_clients_with_active_once_and_packet_2() -> None:
    """The manual's start(Num, LPort) returns the port; each client gets its answer."""
    pool = load("acceptor_pool")
    client = load("simple_client").client
    port = await pool.start(3, 0)
    assert isinstance(port, int) and port > 0
    assert await client(port, "hello") == ("ok", "olleh")
    assert await client(port, b"\x00\x01") == ("ok", "\x01\x00")
    (listen_port,) = ports_of(actors.runtime.current().node)  # start/2 returns only the port number
    await stop_pool(listen_port.handle)


async def test_send_timeout_forwarder_reports_and_closes() -> None:
    """The manual's send_timeout loop answers error_sending/timeout to a peer that
    never reads, then closes its socket."""
    sent, answer = await load("send_timeout").demo()
    assert sent > 0
    assert answer == ("error_sending", "timeout")


@pytest.mark.parametrize(
    ("packet", "active", "payload"),
    [
        (0, "once", b"hello"),
        (2, "once", b"\x00" * 1000),
        (4, True, b"four"),
        (1, 3, b"one"),
        ("line", "once", b"a line\n"),
    ],
)
async def test_echo_server_echoes_in_every_mode(packet: Any, active: Any, payload: bytes) -> None:
    """echo_server.py with --packet/--active/--buffer echoes each packet back."""
    server = load("echo_server")
    ls = await server.start(0, 2, packet, active, 4096)
    _, port = await inet.port(ls)
    ok, c = await gen_tcp.connect((127, 0, 0, 1), port, ["binary", ("packet", packet), ("active", False)])
    assert ok == "ok"
    for _ in range(3):
        assert await gen_tcp.send(c, payload) == "ok"
        got = b""
        while len(got) < len(payload):
            ok, data = await gen_tcp.recv(c, 0, 5000)
            assert ok == "ok"
            got += data
        assert got == payload
    assert await gen_tcp.close(c) == "ok"
    await stop_pool(ls)
