"""Resources: running out of file descriptors, and connect/close cycles that leak none.

At the fd limit Erlang/OTP 25 (inet backend, run with ``ulimit -n 64``) gives
``{error,emfile}`` from ``listen``, ``connect`` and ``accept`` (``accept`` at once, even
with nothing pending: Linux reserves the descriptor before it looks at the queue); a
connection pending while ``accept`` fails stays queued and is accepted once a descriptor
is free; after the sockets are closed everything works again.
"""

from __future__ import annotations

import contextlib
import resource
from collections.abc import Iterator
from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive, open_fds
from gen_tcp import inet

LOOP = (127, 0, 0, 1)
HEADROOM = 24  # descriptors left free under the lowered limit, before filling them


@contextlib.contextmanager
def fd_limit(headroom: int = HEADROOM) -> Iterator[None]:
    """Lower RLIMIT_NOFILE (soft) so that `headroom` more descriptors can be opened.

    The limit bounds descriptor *numbers*: new ones take the lowest free numbers below it,
    while those already open above it stay usable. So the limit is the number below which
    exactly `headroom` numbers are free.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    taken = set(open_fds())
    limit, free = 0, 0
    while free < headroom:
        if limit not in taken:
            free += 1
        limit += 1
    if soft != resource.RLIM_INFINITY and limit >= soft:
        pytest.skip(f"the soft fd limit {soft} is already below {limit}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def fill_with_listeners(limit: int = 500) -> tuple[list[Any], Any]:
    """Open listen sockets until listen fails; return them and the failing result."""
    held: list[Any] = []
    for _ in range(limit):
        result = await gen_tcp.listen(0, [("ip", LOOP)])
        if result[0] != "ok":
            return held, result
        held.append(result[1])
    await close_all(held)
    raise AssertionError(f"{limit} listen sockets opened under a lowered fd limit")


async def close_all(sockets: list[Any]) -> None:
    for s in sockets:
        assert await gen_tcp.close(s) == "ok"
    sockets.clear()


async def round_trip_works() -> None:
    """The node works: listen, connect, accept, a message each way, close; processes too."""
    ok, l = await gen_tcp.listen(0, [("ip", LOOP), ("active", False)])
    assert ok == "ok", l
    try:
        ok, port = await inet.port(l)
        ok, c = await gen_tcp.connect(LOOP, port, [("active", False)], 5000)
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(l, 5000)
        assert ok == "ok", a
        assert await gen_tcp.send(c, "ping") == "ok"
        assert await gen_tcp.recv(a, 4, 2000) == ("ok", "ping")
        assert await gen_tcp.send(a, "pong") == "ok"
        assert await gen_tcp.recv(c, 4, 2000) == ("ok", "pong")
        assert await gen_tcp.close(c) == "ok"
        assert await gen_tcp.close(a) == "ok"
    finally:
        await gen_tcp.close(l)
    me = actors.self()

    async def child() -> None:
        actors.send(me, ("alive", actors.self()))

    pid = actors.spawn(child)
    await assert_receive(("alive", pid))


async def test_listen_at_fd_limit_is_emfile_and_node_recovers() -> None:
    """Running out of file descriptors gives Erlang's error and the node recovers:
    ``gen_tcp:listen`` at the limit → ``{error,emfile}`` (OTP 25, ``ulimit -n 64``); so does
    ``connect`` (``{error,emfile}``); after the sockets are closed, listen/connect/accept
    and a round trip work again."""
    held: list[Any] = []
    ok, l = await gen_tcp.listen(0, [("ip", LOOP), ("active", False)])
    assert ok == "ok"
    try:
        ok, port = await inet.port(l)
        with fd_limit():
            held, failed = await fill_with_listeners()
            assert failed == ("error", "emfile")
            assert len(held) > 0
            assert await gen_tcp.listen(0, [("ip", LOOP)]) == ("error", "emfile")
            assert await gen_tcp.connect(LOOP, port, [], 1000) == ("error", "emfile")
            await close_all(held)
            await round_trip_works()
    finally:
        await close_all(held)
        await gen_tcp.close(l)
    await round_trip_works()


async def test_connect_until_emfile() -> None:
    """Connecting until the limit: ``gen_tcp:connect`` → ``{error,emfile}`` (OTP 25); then
    ``listen`` → ``{error,emfile}`` and ``accept`` → ``{error,emfile}``; after closing,
    the node works."""
    clients: list[Any] = []
    ok, l = await gen_tcp.listen(0, [("ip", LOOP), ("active", False), ("backlog", 128)])
    assert ok == "ok"
    try:
        ok, port = await inet.port(l)
        with fd_limit():
            failed: Any = None
            for _ in range(500):
                result = await gen_tcp.connect(LOOP, port, [("active", False)], 2000)
                if result[0] != "ok":
                    failed = result
                    break
                clients.append(result[1])
            assert failed == ("error", "emfile")
            assert clients
            assert await gen_tcp.listen(0, [("ip", LOOP)]) == ("error", "emfile")
            assert await gen_tcp.accept(l, 500) == ("error", "emfile")
            await close_all(clients)
            # the connections were pending in L's queue: accept and close each
            # (the peers are gone, so each may already be at EOF)
            while (r := await gen_tcp.accept(l, 100))[0] == "ok":
                assert await gen_tcp.close(r[1]) == "ok"
            assert r == ("error", "timeout")
            await round_trip_works()
    finally:
        await close_all(clients)
        await gen_tcp.close(l)


async def test_accept_at_fd_limit_is_emfile_and_pending_connection_survives() -> None:
    """``gen_tcp:accept`` at the limit → ``{error,emfile}``, with nothing pending (at once,
    for ``accept(L,500)`` and ``accept(L)``) and with a connection pending; after one
    descriptor is freed, ``accept`` → ``{ok,S}`` with that same connection (OTP 25)."""
    held: list[Any] = []
    ok, l = await gen_tcp.listen(0, [("ip", LOOP), ("active", False)])
    assert ok == "ok"
    c: Any = None
    try:
        ok, port = await inet.port(l)
        with fd_limit():
            held, failed = await fill_with_listeners()
            assert failed == ("error", "emfile")
            assert await gen_tcp.accept(l, 500) == ("error", "emfile")
            assert await gen_tcp.accept(l) == ("error", "emfile")
            # free one descriptor: the client takes it, and accept is at the limit again
            await gen_tcp.close(held.pop())
            ok, c = await gen_tcp.connect(LOOP, port, [("active", False)], 2000)
            assert ok == "ok", c
            assert await gen_tcp.accept(l, 500) == ("error", "emfile")
            await gen_tcp.close(held.pop())
            ok, a = await gen_tcp.accept(l, 2000)
            assert ok == "ok", a
            assert await gen_tcp.send(c, "still here") == "ok"
            assert await gen_tcp.recv(a, 10, 2000) == ("ok", "still here")
            assert await gen_tcp.close(a) == "ok"
            await close_all(held)
            await round_trip_works()
    finally:
        await close_all(held)
        if c is not None:
            await gen_tcp.close(c)
        await gen_tcp.close(l)


async def connect_close_cycles(n: int) -> None:
    """`n` times: connect and close, while an acceptor process accepts and closes.

    The descriptors are compared after one warm-up cycle, so that what the event loop
    opens once on first use (and keeps until the node stops) is not counted; the test
    plugin checks those at the end of the test.
    """
    ok, l = await gen_tcp.listen(0, [("ip", LOOP), ("active", False), ("backlog", 128)])
    assert ok == "ok"
    try:
        ok, port = await inet.port(l)
        ok, c = await gen_tcp.connect(LOOP, port, [("active", False)], 5000)
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(l, 5000)
        assert ok == "ok", a
        assert await gen_tcp.close(c) == "ok"
        assert await gen_tcp.close(a) == "ok"
        before = open_fds()
        me = actors.self()

        async def acceptor() -> None:
            for i in range(n):
                ok, a = await gen_tcp.accept(l, 5000)
                if ok != "ok":
                    actors.send(me, ("acceptor_failed", i, a))
                    return
                await gen_tcp.close(a)
            actors.send(me, ("accepted", n))

        pid, ref = actors.spawn_monitor(acceptor)
        for i in range(n):
            result = await gen_tcp.connect(LOOP, port, [("active", False)], 5000)
            assert result[0] == "ok", (i, result)
            assert await gen_tcp.close(result[1]) == "ok"
        assert await assert_receive(("accepted", actors.ANY), ("acceptor_failed", actors.ANY, actors.ANY), timeout=10000) == ("accepted", n)
        await assert_receive(("DOWN", ref, "process", pid, "normal"))
        after = open_fds()
        # Both snapshots are taken right after a connected pair was closed, so they may
        # show the same number of sockets whose close is still under way (a deferred
        # close is test_connect_until_emfile's business); the count must not grow.
        assert len(after) == len(before), (
            f"{len(after) - len(before)} more descriptors after {n} cycles: "
            f"{sorted(set(after.items()) - set(before.items()))}"
        )
    finally:
        await gen_tcp.close(l)


async def test_500_connect_close_cycles_leave_no_fd_behind() -> None:
    """500 connect/close cycles (and as many accept/close) leave no descriptor behind."""
    await connect_close_cycles(500)


@pytest.mark.stress
async def test_10000_connect_close_cycles_leave_no_fd_behind() -> None:
    """10,000 connect/close cycles (and as many accept/close) leave no descriptor behind."""
    await connect_close_cycles(10_000)



def socket_fd_target(local_port: int, remote_port: int) -> str:
    """The ``/proc/self/fd`` target (``socket:[inode]``) of the loopback TCP connection
    from `local_port` to `remote_port`, found in ``/proc/net/tcp``."""
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.split(":")[1], 16) == local_port and int(remote.split(":")[1], 16) == remote_port:
                return f"socket:[{inode}]"
    raise AssertionError(f"no TCP connection {local_port} -> {remote_port} in /proc/net/tcp")


async def test_close_releases_the_descriptor_at_once() -> None:
    """``gen_tcp:close/1`` closes the port, and with it the descriptor, before it returns
    (inet: the driver's stop closes the socket), so a descriptor freed by ``close`` can be
    used by the very next ``listen``/``connect``/``accept``, even at the fd limit."""
    ok, l = await gen_tcp.listen(0, [("ip", LOOP), ("active", False)])
    assert ok == "ok"
    try:
        ok, port = await inet.port(l)
        ok, c = await gen_tcp.connect(LOOP, port, [("active", False)], 5000)
        assert ok == "ok", c
        ok, a = await gen_tcp.accept(l, 5000)
        assert ok == "ok", a
        ok, (_, cport) = await inet.sockname(c)
        assert ok == "ok"
        c_fd = socket_fd_target(cport, port)
        a_fd = socket_fd_target(port, cport)
        assert c_fd in open_fds().values() and a_fd in open_fds().values()
        assert await gen_tcp.close(c) == "ok"
        assert c_fd not in open_fds().values()
        assert await gen_tcp.close(a) == "ok"
        assert a_fd not in open_fds().values()
    finally:
        await gen_tcp.close(l)
