"""The pytest plugin: async fixtures in the test's process, assert_receive's failure
texts, leak reports that name addresses and targets, the pytest-asyncio conflict."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import actors
import gen_tcp
from actors import ANY
from actors.testing import assert_receive, first_difference, format_pattern, open_fds, refute_receive
from actors._test_report import describe_port, fd_leaks
from gen_tcp import inet

ROOT = Path(__file__).resolve().parents[2]
TORN_DOWN: list[Any] = []


@pytest.fixture
async def listener() -> AsyncIterator[Any]:
    """A listen socket opened by the fixture, closed by its teardown."""
    ok, ls = await gen_tcp.listen(0, [("ip", (127, 0, 0, 1)), ("active", False)])
    assert ok == "ok"
    yield ls, actors.self()
    assert await gen_tcp.close(ls) == "ok"
    TORN_DOWN.append(actors.self())


@pytest.fixture
async def port_of(listener: Any) -> int:
    """An async fixture using another one."""
    ok, port = await inet.port(listener[0])
    return int(port)


async def test_async_fixtures_run_as_the_test_process(listener: Any, port_of: int) -> None:
    """The fixture ran as this test's process: the socket it opened is ours, and a
    client connects through it; its teardown closes it here too (checked next)."""
    ls, fixture_pid = listener
    assert fixture_pid == actors.self()
    ok, c = await gen_tcp.connect((127, 0, 0, 1), port_of, [])
    ok2, a = await gen_tcp.accept(ls, 5000)
    assert (ok, ok2) == ("ok", "ok")
    assert await gen_tcp.close(c) == "ok" and await gen_tcp.close(a) == "ok"
    TORN_DOWN.clear()


def test_the_teardown_ran_in_the_test_process() -> None:
    """(After the test above.) The fixture's teardown ran, in the test's process."""
    assert len(TORN_DOWN) == 1


async def test_assert_receive_failure_points_at_the_first_difference() -> None:
    """Patterns and mailbox in Erlang's notation; each message with the element where
    it first differs."""
    me = actors.self()
    actors.send(me, ("tcp", "sock", b"hi"))
    actors.send(me, "ok")
    with pytest.raises(AssertionError) as e:
        await assert_receive(("tcp", ANY, b"ho"), timeout=0)
    assert str(e.value).splitlines() == [
        'no message matching {"tcp",_,<<"ho">>} within 0 ms',
        "mailbox (2 messages):",
        '  1. {"tcp","sock",<<"hi">>}',
        '     differs at element 3: expected <<"ho">>, got <<"hi">>',
        '  2. "ok"',
        '     differs at the message: expected {"tcp",_,<<"ho">>}, got "ok"',
    ]
    assert await assert_receive(("tcp", ANY, ANY)) == ("tcp", "sock", b"hi")
    assert await assert_receive("ok") == "ok"
    with pytest.raises(AssertionError, match="mailbox: empty"):
        await assert_receive("x", timeout=0)
    actors.send(me, 1)
    with pytest.raises(AssertionError, match="unexpected message 1 matching <int>"):
        await refute_receive(int, timeout=0)


def test_first_difference_nested_and_sizes() -> None:
    """A nested tuple names the path, inner element first, as element/2 counts."""
    assert first_difference(("a", ("b", 1)), ("a", ("b", 2))) == ((2, 2), "expected 1, got 2")
    assert first_difference(("a", ANY), ("a", 1, 2)) == ((), "a tuple of 2 expected, got 3 elements")
    assert first_difference(("a", ANY), ("a", 1)) is None
    assert format_pattern((actors.Atom("EXIT"), ANY, str)) == "{'EXIT',_,<str>}"


async def test_a_leaked_port_is_named_with_its_addresses() -> None:
    """The leak text of a port: handle, owner, fd and local address."""
    ok, ls = await gen_tcp.listen(0, [("ip", (127, 0, 0, 1))])
    _, port = await inet.port(ls)
    text = describe_port(ls.actor)
    assert text.startswith(f"port {ls!r} owned by {actors.self()!r} fd ")
    assert f"(127.0.0.1:{port}, listening)" in text
    await gen_tcp.close(ls)


def test_a_leaked_fd_is_named_with_its_target() -> None:
    """The leak text of a socket descriptor names its addresses."""
    before = open_fds()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        leaks = fd_leaks(before, open_fds())
        assert leaks == [f"fd {s.fileno()} -> {os.readlink(f'/proc/self/fd/{s.fileno()}')} (127.0.0.1:{s.getsockname()[1]}, listening)"] or \
            leaks == [f"fd {s.fileno()} -> {os.readlink(f'/proc/self/fd/{s.fileno()}')} (127.0.0.1:{s.getsockname()[1]})"]


def test_pytest_asyncio_in_auto_mode_stops_the_run_naming_the_conflict(tmp_path: Path) -> None:
    """With a plugin registered as pytest-asyncio in auto mode, the run fails at once
    with a message naming the conflict and the fix."""
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""
        class FakeAsyncio:
            pass

        def pytest_addoption(parser, pluginmanager):
            pluginmanager.register(FakeAsyncio(), "asyncio")
            parser.addini("asyncio_mode", "", default="auto")
    """))
    (tmp_path / "test_x.py").write_text("async def test_x():\n    pass\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert r.returncode == 4, r.stdout + r.stderr
    assert "pytest-asyncio runs in auto mode" in r.stderr and "asyncio_mode = strict" in r.stderr


def test_a_round_trip_from_sync_code(node: actors.Node) -> None:
    """The README's example of the node fixture, as written there."""

    async def ping() -> Any:
        actors.send(actors.self(), "pong")
        return await actors.receive("pong", timeout=1000)

    assert node.call(ping, timeout=5) == "pong"
