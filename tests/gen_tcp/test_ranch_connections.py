"""gen_tcp.ranch: the connections: max_connections back-pressure, remove_connection,
handshake and its timeout, PROXY headers, connection_type and shutdown, as Ranch's
ranch_conns_sup and ranch.erl have them."""

from __future__ import annotations

from typing import Any

import actors
import gen_tcp
from actors import ANY, Pid, supervisor
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet, ranch

from .ranch_helpers import LOOP, Notify, client, conns, listener, next_conn, running, stopped, wait_down


async def test_max_connections_stops_accepting() -> None:
    """With max_connections 2 and one acceptor, the third client connects (the kernel
    backlog holds it) but gets no protocol process until one of the two ends; then it
    is served at once."""
    me = actors.self()
    async with running("mc", Notify(me), num_acceptors=1, max_connections=2):
        port = ranch.get_port("mc")
        cs = [await client(port) for _ in range(3)]
        p1, _ = await next_conn()
        await next_conn()
        await refute_receive(("conn", ANY, ANY), timeout=100)
        assert await ranch.get_connections("mc", "active") == 2
        actors.send(p1, ("close",))
        await next_conn()
        assert await ranch.get_connections("mc", "active") == 2
        for c in cs:
            await gen_tcp.close(c)


async def test_set_max_connections_applies_at_once() -> None:
    """Raising the limit wakes the waiting acceptor at once; lowering it does not end
    connections, it only stops new ones; infinity lifts it."""
    me = actors.self()
    async with running("sm", Notify(me), num_acceptors=1, max_connections=1):
        port = ranch.get_port("sm")
        cs = [await client(port) for _ in range(3)]
        await next_conn()
        await refute_receive(("conn", ANY, ANY), timeout=100)
        assert ranch.set_max_connections("sm", 2) == "ok"
        assert ranch.get_max_connections("sm") == 2
        await next_conn()
        await refute_receive(("conn", ANY, ANY), timeout=100)
        assert ranch.set_max_connections("sm", "infinity") == "ok"
        await next_conn()
        assert ranch.set_max_connections("sm", 1) == "ok"
        assert len(await conns("sm")) == 3
        for c in cs:
            await gen_tcp.close(c)


async def test_remove_connection_frees_a_place() -> None:
    """remove_connection takes the caller out of the count (active 0, all 1) and a
    waiting client is served; the removed one stays supervised and listed."""
    me = actors.self()
    async with running("rc", Notify(me), num_acceptors=1, max_connections=1):
        port = ranch.get_port("rc")
        c1, c2 = await client(port), await client(port)
        p1, _ = await next_conn()
        await refute_receive(("conn", ANY, ANY), timeout=100)
        actors.send(p1, ("remove",))
        await assert_receive(("removed", p1))
        p2, _ = await next_conn()
        assert await ranch.get_connections("rc", "active") == 1
        assert await ranch.get_connections("rc", "all") == 2
        assert sorted(await conns("rc")) == sorted([p1, p2])
        await gen_tcp.close(c1)
        await gen_tcp.close(c2)


async def test_crashing_connection_leaves_the_listener() -> None:
    """A protocol process that crashes is counted as terminated, never restarted, and
    the listener goes on serving."""
    me = actors.self()
    async with running("cr", Notify(me), num_acceptors=1, max_connections=1) as sup:
        port = ranch.get_port("cr")
        c1 = await client(port)
        p1, _ = await next_conn()
        actors.send(p1, ("crash",))
        assert isinstance(await wait_down(p1), RuntimeError)
        assert await gen_tcp.recv(c1, 0, 5000) == ("error", "closed")
        c2 = await client(port)
        await next_conn()
        assert actors.is_process_alive(sup)
        m = (await ranch.info("cr"))["metrics"]
        assert (m[("conns_sup", 1, "accept")], m[("conns_sup", 1, "terminate")]) == (2, 1)
        await gen_tcp.close(c1)
        await gen_tcp.close(c2)


class BadStart:
    """A protocol whose start_link fails: {error, nope}, or raises."""

    def __init__(self, raises: bool) -> None:
        self.raises = raises

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        if self.raises:
            raise RuntimeError("start_link raised")
        return ("error", "nope")


async def test_protocol_start_failure_closes_the_socket() -> None:
    """A start_link that returns an error or raises: the socket is closed, the
    acceptor goes on (Ranch logs the failure)."""
    for raises in (False, True):
        async with running("bs", BadStart(raises), num_acceptors=1):
            for _ in range(2):
                c = await client(ranch.get_port("bs"))
                assert await gen_tcp.recv(c, 0, 5000) == ("error", "closed")
                await gen_tcp.close(c)
            assert await ranch.get_connections("bs", "all") == 0


class SlowTransport(ranch.RanchTcp):
    """A transport whose handshake waits for one byte (as TLS waits for a hello) within
    the handshake timeout, and tells the test what timeout it got."""

    def __init__(self, report: Pid) -> None:
        self.report = report

    async def handshake(self, socket: Any, *args: Any) -> Any:
        timeout = args[-1]
        actors.send(self.report, ("handshake_timeout", timeout))
        r = await self.recv(socket, 1, timeout)
        return ("ok", socket) if r[0] == "ok" else r


async def test_handshake_timeout() -> None:
    """The protocol's handshake gets handshake_timeout from the transport options; a
    handshake that fails closes the socket and exits {shutdown, {Reason, Peer}}."""
    me = actors.self()
    r = await ranch.start_listener(
        "hs", SlowTransport(me), {"socket_opts": [("ip", LOOP), ("port", 0)], "handshake_timeout": 50}, Notify(me), []
    )
    assert r[0] == "ok"
    c = await client(ranch.get_port("hs"))
    await assert_receive(("handshake_timeout", 50))
    [pid] = await conns("hs")
    ok, (addr, port) = await gen_tcp_sockname(c)
    assert await wait_down(pid) == ("shutdown", ("timeout", (addr, port)))
    assert await gen_tcp.recv(c, 0, 5000) == ("error", "closed")
    c2 = await client(ranch.get_port("hs"))
    await gen_tcp.send(c2, b"!")
    await next_conn()
    await gen_tcp.close(c)
    await gen_tcp.close(c2)
    await stopped("hs")


async def gen_tcp_sockname(s: Any) -> Any:
    return await inet.sockname(s)


class SupProto:
    """connection_type supervisor: start_link gives {ok, SupPid, ProtocolPid}."""

    def __init__(self, report: Pid) -> None:
        self.inner = Notify(report)

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        ok, proto = self.inner.start_link(ref, transport, opts)
        return ("ok", proto, proto)


async def test_connection_type_supervisor() -> None:
    """With connection_type supervisor, {ok, SupPid, ConnPid} is accepted and the conns
    sup lists the connection as a supervisor and counts it among supervisors."""
    me = actors.self()
    proto = SupProto(me)
    async with running("ct", proto, connection_type="supervisor", num_acceptors=1):
        c = await client(ranch.get_port("ct"))
        pid, _ = await next_conn()
        [csup] = [w[1] for w in await supervisor.which_children(await child_of("ct", "ranch_conns_sup_sup"))]
        assert await supervisor.which_children(csup) == [(proto, pid, "supervisor", [proto])]
        assert await supervisor.count_children(csup) == [("specs", 1), ("active", 1), ("supervisors", 1), ("workers", 0)]
        await gen_tcp.close(c)


async def child_of(ref: Any, id: str) -> Pid:
    for w in await supervisor.which_children((await ranch.info(ref))["pid"]):
        if w[0] == id:
            return w[1]  # type: ignore[no-any-return]
    raise AssertionError(id)


async def stubborn(ref: Any, transport: Any, report: Pid) -> None:
    ok, sock = await ranch.handshake(ref)
    actors.process_flag("trap_exit", True)
    actors.send(report, ("conn", actors.self(), sock))
    while True:
        msg = await actors.receive()
        actors.send(report, ("got", msg))


class Stubborn:
    def __init__(self, report: Pid) -> None:
        self.report = report

    def start_link(self, ref: Any, transport: Any, opts: Any) -> Any:
        return ("ok", actors.spawn_link(stubborn, ref, transport, self.report))


async def test_shutdown_timeout_then_kill() -> None:
    """On stop, a connection that traps exits gets {'EXIT', _, shutdown} and is killed
    after the shutdown time; with brutal_kill it is killed at once."""
    me = actors.self()
    for shutdown, first in ((100, "shutdown"), ("brutal_kill", None)):
        await listener("sd", Stubborn(me), shutdown=shutdown, num_acceptors=1)
        c = await client(ranch.get_port("sd"))
        pid, _ = await next_conn()
        ref = actors.monitor("process", pid)
        await stopped("sd")
        if first:
            await assert_receive(("got", ("EXIT", ANY, first)))
        await assert_receive(("DOWN", ref, "process", pid, "killed"))
        await gen_tcp.close(c)


async def test_num_conns_sups_share_the_acceptors() -> None:
    """num_conns_sups 2 with 4 acceptors: two conns sups, each with its own counters
    (acceptor N uses conns sup ((N-1) rem 2)+1); every connection is counted once."""
    me = actors.self()
    async with running("nc", Notify(me), num_acceptors=4, num_conns_sups=2, max_connections=100):
        cs = [await client(ranch.get_port("nc")) for _ in range(16)]
        for _ in cs:
            await next_conn()
        m = (await ranch.info("nc"))["metrics"]
        assert m[("conns_sup", 1, "accept")] + m[("conns_sup", 2, "accept")] == 16
        assert len(m) == 4
        for c in cs:
            await gen_tcp.close(c)
