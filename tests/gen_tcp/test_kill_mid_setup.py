"""A process killed while its accept or connect is setting up the socket.

Erlang kills acceptors mid-accept all day (a pool whose supervisor restarts): the node
lives on, the killed acceptor's socket is closed, and nothing leaks. Here the loop's
socket setup (``connect_accepted_socket``) must never be cancelled half way - uvloop
crashes the whole OS process when it is - so a kill waits for the setup to end, then the
new socket is closed with its dead owner.
"""

from __future__ import annotations

import socket

import actors
import gen_tcp
from actors.testing import assert_receive
from gen_tcp import inet

from .helpers import LOOP

ROUNDS = 30
POOL = 20


async def _acceptor(ls: object) -> None:
    while True:
        ok, s = await gen_tcp.accept(ls)
        if ok != "ok":
            return


async def _pool(ls: object) -> None:
    for _ in range(POOL):
        actors.spawn_link(_acceptor, ls)
    await actors.receive()  # until killed


async def test_killing_a_pool_of_acceptors_while_clients_connect_leaves_the_node_alive() -> None:
    """A pool of acceptors linked to a pool process that is killed while clients
    connect, round after round: every acceptor dies with the pool, the node survives,
    and no socket is left behind."""
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("backlog", 128), ("active", True)])
    ok, port = await inet.port(ls)
    clients: list[socket.socket] = []
    try:
        for r in range(ROUNDS):
            pool, ref = actors.spawn_monitor(_pool, ls)
            for _ in range(POOL):
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex(("127.0.0.1", port))
                clients.append(c)
            # let the loop run 0-3 ms, so that the kill lands at every stage of the
            # accepts: waiting, taking the connection, setting the socket up
            await actors.sleep(r % 4)
            actors.exit(pool, "kill")
            await assert_receive(("DOWN", ref, "process", pool, "killed"))
            for c in clients:
                c.close()
            clients.clear()
        # the listen socket still accepts: the node and its loop are fine
        c = socket.create_connection(("127.0.0.1", port))
        try:
            ok, a = await gen_tcp.accept(ls, 1000)
            assert ok == "ok"
            await gen_tcp.close(a)
        finally:
            c.close()
    finally:
        for c in clients:
            c.close()
        await gen_tcp.close(ls)
