"""Finding nodes on other hosts through the port mapper (``actors._dist._mapper``), as
Erlang nodes find each other through epmd.

Loopback has all of 127.0.0.0/8: a node ``b@127.0.0.2`` listening on 127.0.0.2, with the
port mapper of 127.0.0.2, is on another host for this test's node ``a@127.0.0.1``. Every
node here has a node directory of its own (``ACTORS_DIST_DIR``), so that only the port
mappers can bring them together. The nodes are OS processes; the mappers listen on the
test run's own port (see tests/conftest.py) and every one a test starts is ended by it.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

import actors
from actors import ANY, Atom, peer, rpc
from actors._dist import _portmap, _registry
from actors.testing import assert_receive

from . import dist_funcs as f
from .dist_helpers import (
    COOKIE,
    ROOT,
    NodeProcess,
    end_mapper,
    mapper_pids,
    start_mapper,
    stop_mappers,
)
from .dist_helpers import mapper_names as names
from .dist_helpers import mapper_port as port
from .discovery_funcs import relay

ANOTHER, THIRD, FOURTH = "127.0.0.2", "127.0.0.3", "127.0.0.4"


def at_loopback() -> Any:
    """This test's node: ``a_...@127.0.0.1``, listening on 127.0.0.1."""
    return pytest.mark.actors(name=peer.random_name("a") + "@127.0.0.1", cookie=COOKIE)


def erl_names(env: dict[str, str]) -> list[tuple[str, int]]:
    """``net_adm:names()`` in an erl that asks the mapper (ERL_EPMD_PORT in `env`)."""
    out = subprocess.run(
        ["erl", "-noshell", "-eval", 'io:format("~p~n", [net_adm:names()]), halt().'],
        env=env, capture_output=True, timeout=60,
    ).stdout.decode()
    assert out.startswith("{ok,"), out
    return [(m[1], int(m[2])) for m in re.finditer(r'\{"([^"]+)",(\d+)\}', out)]


async def until(cond: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Wait until `cond()` holds: what another OS process does is only seen by asking."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"still not {what}"
        await asyncio.sleep(0.05)


def listeners(tcp_port: int) -> set[str]:
    """The IPv4 addresses with a socket listening on `tcp_port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        ip_hex, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == tcp_port:
            found.add(socket.inet_ntoa(bytes.fromhex(ip_hex)[::-1]))
    return found


def own_dir(base: Path) -> dict[str, str]:
    base.mkdir(mode=0o700)
    return {"ACTORS_DIST_DIR": str(base)}


@pytest.fixture(scope="module")
def b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """``b_...@127.0.0.2`` listening on 127.0.0.2 (its launcher starts that host's mapper)."""
    env = own_dir(tmp_path_factory.mktemp("b") / "dir")
    n = NodeProcess("b", host=ANOTHER, address=ANOTHER, env=env)
    try:
        yield n
    finally:
        n.stop()
        stop_mappers(port(), ANOTHER)


@pytest.fixture
def own_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's node gets a node directory of its own."""
    monkeypatch.setenv("ACTORS_DIST_DIR", own_dir(tmp_path / "dir")["ACTORS_DIST_DIR"])
    return tmp_path / "dir"


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The nodes this OS process asked a port mapper for."""
    asked: list[str] = []
    locate = _portmap.locate

    async def spy(node: str, timeout: float = _portmap.LOOKUP_TIMEOUT) -> Any:
        asked.append(node)
        return await locate(node, timeout)

    monkeypatch.setattr(_portmap, "locate", spy)
    return asked


@at_loopback()
async def test_ping_send_spawn_and_rpc_reach_a_node_of_another_host(
    b: NodeProcess, own_directory: Path, lookups: list[str]
) -> None:
    """net_adm:ping of b@127.0.0.2 from a@127.0.0.1 is pong (asking the port mapper of
    127.0.0.2, as erl asks the epmd of the other host); then messages, spawn and rpc work
    across, as between any two nodes."""
    assert _registry.lookup(b.name, str(own_directory)) is None  # the directory cannot help
    assert await actors.ping(b.name) == "pong"
    assert lookups == [b.name]
    assert b.name in actors.nodes()
    assert await rpc.call(b.name, f.os_pid, []) == b.proc.pid
    pid = await actors.spawn(b.name, f.echo)
    me = actors.self()
    for i in range(100):
        actors.send(pid, (me, i))
    assert [(await actors.receive(("echo", ANY), timeout=10000))[1] for _ in range(100)] == list(range(100))
    ref = actors.monitor("process", pid)
    actors.send(pid, "stop")
    await assert_receive(("DOWN", ref, "process", pid, "normal"), timeout=10000)
    assert actors.disconnect_node(b.name) is True


@at_loopback()
async def test_unknown_nodes_of_other_hosts_are_pang(b: NodeProcess, own_directory: Path) -> None:
    """ping is pang for a name the other host's mapper does not know, for a host where
    no mapper runs, and for a host name that does not resolve (erl: pang, pang, pang);
    monitor_node of such a node gives {nodedown, Node}; a send to {Name, Node} there
    returns the message, as Erlang's does."""
    assert await actors.ping("nobody@" + ANOTHER) == "pang"
    assert await actors.ping("nobody@127.0.0.9") == "pang"
    assert await actors.ping("nobody@nohost.invalid") == "pang"
    actors.monitor_node("nobody@" + ANOTHER, True)
    await assert_receive(("nodedown", Atom("nobody@" + ANOTHER)), timeout=10000)
    assert actors.send(("someone", "nobody@" + ANOTHER), "lost") == "lost"
    assert actors.nodes() == []


@at_loopback()
async def test_nodes_of_three_hosts_find_each_other(
    b: NodeProcess, own_directory: Path, tmp_path: Path
) -> None:
    """b (127.0.0.2) reaches c (127.0.0.3), and c reaches this node (127.0.0.1), each
    through the mapper of the other's host: each mapper lists its own node."""
    c = NodeProcess("c", host=THIRD, address=THIRD, env=own_dir(tmp_path / "c"))
    try:
        me = actors.node()
        assert me.split("@")[0] in names("127.0.0.1")
        assert c.short in names(THIRD) and c.short not in names(ANOTHER)
        assert await rpc.call(b.name, relay, [c.name, "os_pid", []]) == c.proc.pid
        assert await rpc.call(b.name, relay, [c.name, "ping", [me]]) == "pong"
        assert me in await rpc.call(b.name, relay, [c.name, "nodes", []])
    finally:
        c.stop()
        stop_mappers(port(), THIRD)


@at_loopback()
async def test_names_and_kill_as_epmd_prints_them(b: NodeProcess) -> None:
    """``python -m actors.epmd -names`` prints what ``epmd -names`` prints (``epmd: up and
    running on port P with data:`` and ``name N at port P`` lines); ``-kill`` is refused
    while nodes are registered (``Killing not allowed - living nodes in database.``,
    status 1), and with no mapper there both say ``epmd: Cannot connect to local epmd``."""
    run = [sys.executable, "-m", "actors.epmd", "-port", str(port())]
    out = subprocess.run([*run, "-names", "-address", ANOTHER], capture_output=True, cwd=ROOT)
    gw = names(ANOTHER)[b.short]
    assert out.returncode == 0
    assert out.stdout.decode() == f"epmd: up and running on port {port()} with data:\nname {b.short} at port {gw}\n"
    out = subprocess.run([*run, "-kill", "-address", ANOTHER], capture_output=True, cwd=ROOT)
    assert (out.returncode, out.stdout) == (1, b"Killing not allowed - living nodes in database.\n")
    out = subprocess.run([*run, "-names", "-address", "127.0.0.9"], capture_output=True, cwd=ROOT)
    assert (out.returncode, out.stderr) == (1, b"epmd: Cannot connect to local epmd\n")


@at_loopback()
async def test_mappers_listen_on_their_nodes_addresses_only(b: NodeProcess) -> None:
    """A mapper binds the address its node was given, loopback by default, never every
    interface (epmd binds them all: ours is safe by default, as the gateways are)."""
    got = listeners(port())
    assert {"127.0.0.1", ANOTHER} <= got and "0.0.0.0" not in got


@pytest.mark.erlang
@at_loopback()
async def test_erlangs_tools_read_the_mapper() -> None:
    """The mapper speaks epmd's protocol: Erlang's own ``epmd -names`` client prints the
    same as ``python -m actors.epmd -names``, and ``net_adm:names()`` gives
    ``{ok, [{Name, Port}]}`` with this node's name and gateway port."""
    env = {**os.environ, "ERL_EPMD_PORT": str(port())}
    ours = subprocess.run([sys.executable, "-m", "actors.epmd", "-names"], capture_output=True, cwd=ROOT)
    theirs = subprocess.run(["epmd", "-names"], capture_output=True, env=env)
    assert theirs.stdout == ours.stdout and ours.returncode == theirs.returncode == 0
    alive = actors.node().split("@")[0]
    assert erl_names(env) == [(alive, names("127.0.0.1")[alive])]


async def test_a_killed_node_leaves_the_mapper(tmp_path: Path) -> None:
    """A node killed with SIGKILL vanishes from its host's mapper (as from epmd: its
    entry lives as long as its connection); the mapper its launcher started lives on,
    detached, as ``epmd -daemon`` does."""
    d = NodeProcess("d", host=FOURTH, address=FOURTH, env=own_dir(tmp_path / "d"))
    try:
        assert d.short in names(FOURTH)
        [pid] = mapper_pids(port(), FOURTH)
        assert os.getsid(pid) == pid  # detached: a session of its own
        d.kill()
        await until(lambda: d.short not in names(FOURTH), "gone from the mapper")
        assert mapper_pids(port(), FOURTH) == [pid]
    finally:
        d.stop()
        stop_mappers(port(), FOURTH)
    assert mapper_pids(port(), FOURTH) == []


@at_loopback()
async def test_the_mapper_lost_and_back(own_directory: Path, tmp_path: Path) -> None:
    """When the mapper of a host dies, connections made stay up, but its nodes cannot be
    found (ping: pang, as erl without epmd); a node does not start a mapper then, and
    registers again with the next one that runs there (as an Erlang node does with a
    new epmd), so it can be found again."""
    mapper = start_mapper(THIRD)
    c: NodeProcess | None = None
    try:
        c = NodeProcess("c", host=THIRD, address=THIRD, env=own_dir(tmp_path / "c"))
        assert await actors.ping(c.name) == "pong"
        end_mapper(mapper)
        assert await rpc.call(c.name, f.os_pid, []) == c.proc.pid  # the connection stays
        assert actors.disconnect_node(c.name) is True
        assert await actors.ping(c.name) == "pang"
        assert mapper_pids(port(), THIRD) == []
        mapper = start_mapper(THIRD)
        await until(lambda: c is not None and c.short in names(THIRD), "registered again")
        assert await actors.ping(c.name) == "pong"
    finally:
        if c is not None:
            c.stop()
        end_mapper(mapper)


@at_loopback()
async def test_a_name_is_one_nodes_on_a_mapper(b: NodeProcess, tmp_path: Path) -> None:
    """A second node with b's name on b's host does not start (erl: "the name b seems to
    be in use by another Erlang node"), even with a directory of its own."""
    out = subprocess.run(
        [sys.executable, "-m", "actors", "-name", b.name, "-address", ANOTHER,
         "-setcookie", COOKIE, "-noshell", "--halt-on-eof"],
        stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT, timeout=60, env={**os.environ, **own_dir(tmp_path / "x")},
    )
    assert out.returncode == 1
    assert b"seems to be in use" in out.stderr
    assert await actors.ping(b.name) == "pong"
