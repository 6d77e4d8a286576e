"""A slow owner stops the port reading: the peer blocks instead of the node buffering.

Erlang: an {active, once} (or passive) socket whose owner does not ask for more data
leaves it in the kernel; a peer writing flat out blocks once the socket buffers are full.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from typing import Any

import pytest

import actors
import actors.runtime
import gen_tcp
from gen_tcp import inet

LIMIT = 64 << 20  # far more than any kernel socket buffers on loopback


def _flood(port: int, result: list[int]) -> None:
    """Write 64 KiB chunks until a write makes no progress for 0.5 s; the bytes written."""
    c = socket.create_connection(("127.0.0.1", port))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 0, 500_000))
    sent = 0
    chunk = b"x" * 65536
    try:
        while sent < LIMIT:
            try:
                sent += c.send(chunk)
            except (BlockingIOError, TimeoutError, socket.timeout):
                break
    finally:
        result.append(sent)
        c.close()


@pytest.mark.parametrize("active", ["once", False, 1])
async def test_an_owner_that_takes_nothing_stops_the_reading(active: Any) -> None:
    """After the first packet the owner asks for nothing more: the port stops reading,
    the peer's writes block (well under 64 MiB sent) and the port holds at most about
    one read limit of data."""
    ok, ls = await gen_tcp.listen(0, ["binary", ("packet", 0), ("active", active), ("reuseaddr", True)])
    assert ok == "ok"
    _, port = await inet.port(ls)
    result: list[int] = []
    t = threading.Thread(target=_flood, args=(port, result))
    t.start()
    ok, s = await gen_tcp.accept(ls)
    if active is False:
        ok, data = await gen_tcp.recv(s, 0)
    else:
        data = (await actors.receive(("tcp", s, actors.ANY)))[2]
    assert ok == "ok" and data
    await asyncio.get_running_loop().run_in_executor(None, t.join)
    assert result and result[0] < LIMIT, "the peer never blocked: the port kept reading"
    p = actors.runtime.current().node.table[s]
    assert p.decoder.pending() <= 4 * p.opts.read_limit + (1 << 20)
    await gen_tcp.close(s)
    await gen_tcp.close(ls)
