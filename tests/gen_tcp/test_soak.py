"""The soak run (``make stress``): connections churning in every active mode while
acceptors, connection owners and their linked helpers are killed at random.

What Erlang promises and this checks: a kill takes down exactly what is linked to the
victim (an owner's socket closes with it; a helper takes its owner and the socket), the
acceptor pool recovers, no byte is lost or reordered on a connection that lives, and when
everything stops, descriptors, processes, ports and memory are back where they started.

``SOAK_SECONDS`` (default 600) and ``SOAK_CONNS`` (default 1000) set the size.
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest

import actors
import gen_tcp
from actors import ANY, Pid
from actors.testing import assert_receive, open_fds
from gen_tcp import inet

from .helpers import LOOP, rss_mb

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
CONNS = int(os.environ.get("SOAK_CONNS", "1000"))
ACCEPTORS = 16
MODES: list[Any] = [True, "once", 5, False]
MAX_RSS_GROWTH_MB = 150


# -- the server ------------------------------------------------------------------------


async def helper() -> None:
    """A process linked to a connection's owner, doing nothing until killed."""
    await actors.receive("never")


async def owner(killer: Pid) -> None:
    """Echo one connection in the mode its client asks for (first byte), with a linked
    helper; both are offered to the killer. It ends with reason ``shutdown``, so that
    its helper ends with it."""
    try:
        await echo(killer)
    finally:
        actors.exit("shutdown")


async def echo(killer: Pid) -> None:
    _, s = await actors.receive(("go", ANY))
    actors.spawn_link(helper)
    actors.send(killer, ("victim", actors.self()))
    for p in actors.process_info(actors.self(), "links")[1]:
        if isinstance(p, Pid):
            actors.send(killer, ("victim", p))
    ok, first = await gen_tcp.recv(s, 1, 5000)
    if ok != "ok":
        return
    mode = MODES[first[0] % len(MODES)]
    if mode is False:
        while True:
            ok, data = await gen_tcp.recv(s, 0)
            if ok != "ok" or await gen_tcp.send(s, data) != "ok":
                return
    assert await inet.setopts(s, [("active", mode)]) == "ok"
    while True:
        msg = await actors.receive(("tcp", s, ANY), ("tcp_closed", s), ("tcp_passive", s), ("tcp_error", s, ANY))
        if msg[0] == "tcp":
            if await gen_tcp.send(s, msg[2]) != "ok":
                return
            if mode == "once":
                await inet.setopts(s, [("active", "once")])
        elif msg[0] == "tcp_passive":
            await inet.setopts(s, [("active", 5)])
        else:
            return


async def acceptor(ls: Any, killer: Pid) -> None:
    actors.send(killer, ("victim", actors.self()))
    while True:
        ok, s = await gen_tcp.accept(ls)
        if ok != "ok":
            return
        pid = actors.spawn(owner, killer)
        if await gen_tcp.controlling_process(s, pid) == "ok":
            actors.send(pid, ("go", s))
        else:
            await gen_tcp.close(s)


async def pool(ls: Any, killer: Pid) -> None:
    """Keeps ACCEPTORS acceptors alive (a one_for_one of acceptors, by hand)."""
    actors.process_flag("trap_exit", True)
    for _ in range(ACCEPTORS):
        actors.spawn_link(acceptor, ls, killer)
    while True:
        msg = await actors.receive(("EXIT", ANY, ANY), "stop")
        if msg == "stop":
            return
        actors.spawn_link(acceptor, ls, killer)


async def killer() -> None:
    """Kills a random known victim every few milliseconds until told to stop."""
    rng = random.Random(1)
    victims: list[Pid] = []
    while True:
        msg = await actors.receive(timeout=rng.randint(1, 8))
        if msg == "stop":
            return
        if msg is not actors.TIMEOUT:
            victims.append(msg[1])
            continue
        while victims:
            v = victims.pop(rng.randrange(len(victims)))
            if actors.is_process_alive(v):
                actors.exit(v, "kill")
                break
        if len(victims) > 10_000:
            victims = [v for v in victims if actors.is_process_alive(v)]


# -- the clients -------------------------------------------------------------------------


async def client(port: int, seed: int, parent: Pid) -> None:
    """Connections one after another: each asks for a mode, echoes 1-30 random
    messages and checks every byte; a connection that the server side loses (a kill)
    just ends. Reports (echoed bytes, bad echoes, connections) when told to stop."""
    rng = random.Random(seed)
    good = bad = conns = 0
    while True:
        if await actors.receive("stop", timeout=0) == "stop":
            actors.send(parent, ("client", actors.self(), good, bad, conns))
            return
        ok, c = await gen_tcp.connect(LOOP, port, ["binary", ("active", False)], 5000)
        if ok != "ok":
            continue
        conns += 1
        try:
            if await gen_tcp.send(c, bytes([rng.randrange(256)])) != "ok":
                continue
            for _ in range(rng.randint(1, 30)):
                data = rng.randbytes(rng.randint(1, 3000))
                if await gen_tcp.send(c, data) != "ok":
                    break
                ok, got = await gen_tcp.recv(c, len(data), 5000)
                if ok != "ok":
                    break  # the server side was killed: the connection is gone
                if got == data:
                    good += len(data)
                else:
                    bad += 1
        finally:
            await gen_tcp.close(c)


@pytest.mark.stress
async def test_soak_churn_with_random_kills() -> None:
    """CONNS clients churn connections for SECONDS in every active mode while
    acceptors, owners and helpers are killed at random: no echo is ever wrong, many
    bytes are echoed, and descriptors, processes and memory return to their level."""
    fds_before = len(open_fds())
    procs_before = len(actors.processes())
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), "binary", ("active", False), ("backlog", 1024)])
    ok, port = await inet.port(ls)
    kill_pid, kill_ref = actors.spawn_monitor(killer)
    pool_pid, pool_ref = actors.spawn_monitor(pool, ls, kill_pid)
    me = actors.self()
    clients = {actors.spawn(client, port, i, me) for i in range(CONNS)}
    rss_start = rss_mb()
    await actors.receive("never", timeout=int(SECONDS * 1000))
    for c in clients:
        actors.send(c, "stop")
    good = bad = conns = 0
    for _ in clients:
        _, _, g, b, n = await assert_receive(("client", ANY, ANY, ANY, ANY), timeout=60_000)
        good, bad, conns = good + g, bad + b, conns + n
    actors.send(pool_pid, "stop")
    await assert_receive(("DOWN", pool_ref, ANY, ANY, ANY), timeout=10_000)
    actors.send(kill_pid, "stop")
    await assert_receive(("DOWN", kill_ref, ANY, ANY, ANY), timeout=10_000)
    await gen_tcp.close(ls)
    # the owners of connections still open end as their clients closed them
    for _ in range(200):
        if len(actors.processes()) <= procs_before:
            break
        await actors.receive("never", timeout=50)
    print(f"soak: {conns} connections, {good} bytes echoed, {bad} bad echoes, rss {rss_start} -> {rss_mb()} MB")
    assert bad == 0
    assert conns > CONNS and good > 0
    assert len(actors.processes()) <= procs_before, actors.processes()
    assert len(open_fds()) <= fds_before + 2
    assert rss_mb() - rss_start < MAX_RSS_GROWTH_MB
