"""gen_tcp.ranch under load: many clients against a listener with max_connections, as
Ranch's back-pressure promises: never more connections served at once than the limit
(one acceptor, one conns sup: Ranch's soft limit is then exact), the others wait in the
kernel backlog and are served as others leave, none is lost."""

from __future__ import annotations

from typing import Any

import actors
import gen_tcp
from actors import ANY, Pid
from actors.testing import assert_receive
from gen_tcp import ranch

from .ranch_helpers import LOOP, running


class Held:
    """A protocol that tells the tracker it is in, waits for 'go', echoes, ends when the
    client closes."""

    def __init__(self, tracker: Pid) -> None:
        self.tracker = tracker

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        return ("ok", actors.spawn_link(self.loop, ref, transport))

    async def loop(self, ref: Any, transport: Any) -> None:
        ok, sock = await ranch.handshake(ref)
        actors.send(self.tracker, ("in", actors.self()))
        await actors.receive("go")
        r = await transport.recv(sock, 0, 30000)
        if r[0] == "ok":
            await transport.send(sock, r[1])
            await transport.recv(sock, 0, 30000)  # until the client closes
        await transport.close(sock)


async def one_client(port: int, i: int, report: Pid) -> None:
    ok, s = await gen_tcp.connect(LOOP, port, ["binary", ("active", False)], 30000)
    assert ok == "ok", s
    data = b"c%d" % i
    await gen_tcp.send(s, data)
    assert await gen_tcp.recv(s, len(data), 30000) == ("ok", data)
    await gen_tcp.close(s)
    actors.send(report, ("served", i))


async def run_load(clients: int, limit: int) -> None:
    me = actors.self()
    async with running("load", Held(me), num_acceptors=1, max_connections=limit, socket_opts=[
        ("ip", LOOP), ("port", 0), ("backlog", clients)
    ]):
        port = ranch.get_port("load")
        for i in range(clients):
            actors.spawn(one_client, port, i, me)
        waiting: list[Pid] = []
        active, peak, arrived, served = 0, 0, 0, set()
        while len(served) < clients:
            msg = await assert_receive(("in", ANY), ("DOWN", ANY, "process", ANY, ANY), ("served", ANY), timeout=30000)
            if msg[0] == "in":
                actors.monitor("process", msg[1])
                waiting.append(msg[1])
                active += 1
                arrived += 1
                peak = max(peak, active)
                assert await ranch.get_connections("load", "active") <= limit
            elif msg[0] == "DOWN":
                active -= 1
            else:
                served.add(msg[1])
            while waiting and (active >= limit or arrived == clients):
                actors.send(waiting.pop(0), "go")
        assert peak == limit
        assert served == set(range(clients))
        m = (await ranch.info("load"))["metrics"]
        assert m[("conns_sup", 1, "accept")] == clients
        await ranch.wait_for_connections("load", "==", 0, 5)


async def test_200_clients_against_max_connections_20() -> None:
    """200 clients, max_connections 20: at most 20 served at once, all 200 served."""
    await run_load(200, 20)


async def test_1000_clients_against_max_connections_100() -> None:
    """1,000 clients, max_connections 100: at most 100 served at once, all served."""
    await run_load(1000, 100)
