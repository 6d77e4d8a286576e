"""Memory comes back after a flood (stress: ``make stress``).

erl: an ``{active, true}`` socket flooded with 300 MB while its owner reads nothing,
then the owner killed: the node's memory drops back (to about 114 MB in the run this
mirrors). Here the mailbox and the data go with the process, and the node returns the
freed memory to the operating system (``malloc_trim``) instead of keeping its peak.
"""

from __future__ import annotations

import socket
import threading

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive
from gen_tcp import inet

from .helpers import LOOP, rss_mb, wait_for

FLOOD_MB = 300


async def _owner(ls: object, parent: actors.Pid) -> None:
    ok, s = await gen_tcp.accept(ls)
    actors.send(parent, ("accepted", s))
    await actors.receive("never")


@pytest.mark.stress
async def test_rss_returns_after_an_active_flood_and_the_owner_is_gone() -> None:
    """300 MB into an ``{active, true}`` socket whose owner never reads: RSS grows by
    about the flood; once the owner is killed it falls back to within 60 MB of where
    it started."""
    start = rss_mb()
    ok, ls = await gen_tcp.listen(0, ["binary", ("active", True), ("ip", LOOP)])
    ok, port = await inet.port(ls)
    owner, ref = actors.spawn_monitor(_owner, ls, actors.self())

    def flood() -> None:
        with socket.create_connection(("127.0.0.1", port)) as c:
            chunk = b"x" * 65536
            for _ in range(FLOOD_MB * 16):
                c.sendall(chunk)

    t = threading.Thread(target=flood)
    t.start()
    _, s = await assert_receive(("accepted", actors.ANY))

    async def flooded() -> bool:
        r = await inet.getstat(s, ["recv_oct"])
        return r[0] != "ok" or r[1][0][1] >= FLOOD_MB * 1024 * 1024

    await wait_for(flooded, "the flood arrived", limit_ms=60_000)
    t.join()
    peak = rss_mb()
    assert peak - start > FLOOD_MB // 2, (start, peak)
    actors.exit(owner, "kill")
    await assert_receive(("DOWN", ref, "process", owner, "killed"))

    async def returned() -> bool:
        return rss_mb() - start < 60

    await wait_for(returned, f"RSS back near {start} MB (peak {peak} MB)", limit_ms=5000)
    await gen_tcp.close(ls)
