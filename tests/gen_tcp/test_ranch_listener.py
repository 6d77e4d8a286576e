"""gen_tcp.ranch: starting, stopping, suspending a listener and reading its state, as
Ranch 2 does them (ranch.erl, ranch_listener_sup, ranch_acceptors_sup)."""

from __future__ import annotations

import actors
import gen_tcp
from actors import ANY, Atom, Pid, supervisor
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet, ranch

from .helpers import raises
from .ranch_helpers import LOOP, Echo, Notify, client, echo_once, listener, next_conn, running, stopped, wait_down


async def test_start_echo_and_stop() -> None:
    """start_listener gives {ok, ListenerSupPid}; a client is served; stop_listener gives
    ok and closes the connections; a second stop gives {error, not_found}."""
    async with running("e", Echo()) as sup:
        assert sup.__class__ is Pid and actors.is_process_alive(sup)
        assert await echo_once(ranch.get_port("e"), b"hello") == b"hello"
    assert not actors.is_process_alive(sup)
    assert await ranch.stop_listener("e") == ("error", "not_found")


async def test_stop_closes_connections_with_shutdown() -> None:
    """stop_listener ends each connection process with shutdown and the client sees
    the socket closed."""
    me = actors.self()
    await listener("s", Notify(me))
    c = await client(ranch.get_port("s"))
    pid, _ = await next_conn()
    ref = actors.monitor("process", pid)
    await stopped("s")
    await assert_receive(("DOWN", ref, "process", pid, "shutdown"))
    assert await gen_tcp.recv(c, 0, 5000) == ("error", "closed")
    await gen_tcp.close(c)


async def test_start_errors() -> None:
    """Ranch's start errors: {error, {already_started, Pid}} for a running ref,
    {error, {bad_option, K}} for an unknown or bad option, {error, {bad_transport, T}}
    for a transport with no name/0, {error, eaddrinuse} for a taken port."""
    async with running("a", Echo()) as sup:
        r = await ranch.start_listener("a", ranch.tcp, {}, Echo(), [])
        assert r == ("error", ("already_started", sup))
        port = ranch.get_port("a")
        assert await ranch.start_listener("b", ranch.tcp, {"nope": 1}, Echo(), []) == ("error", ("bad_option", "nope"))
        assert await ranch.start_listener("b", ranch.tcp, {"num_acceptors": 0}, Echo(), []) == (
            "error", ("bad_option", "num_acceptors"))
        assert await ranch.start_listener("b", ranch.tcp, {"max_connections": -1}, Echo(), []) == (
            "error", ("bad_option", "max_connections"))
        assert await ranch.start_listener("b", object, {}, Echo(), []) == ("error", ("bad_transport", object))
        # the first listener binds 127.0.0.1 without reuseport: the port is taken
        r = await ranch.start_listener("b", ranch.tcp, {"socket_opts": [("ip", LOOP), ("port", port)]}, Echo(), [])
        assert r == ("error", "eaddrinuse")
        assert list((await ranch.info()).keys()) == ["a"]
        assert await echo_once(port) == b"ping"


async def test_list_options_are_socket_opts() -> None:
    """A list as transport options is taken as socket_opts (Ranch's normalize_opts)."""
    r = await ranch.start_listener("l", ranch.tcp, [("ip", LOOP), ("port", 0)], Echo(), [])
    assert r[0] == "ok"
    assert ranch.get_transport_options("l") == {"socket_opts": [("ip", LOOP), ("port", 0)]}
    assert ranch.get_addr("l")[0] == LOOP
    await stopped("l")


async def test_unknown_ref_is_badarg() -> None:
    """Functions on a ref that does not exist raise badarg, as Ranch's ETS lookup."""
    with raises("error", "badarg"):
        ranch.get_port("missing")
    with raises("error", "badarg"):
        await ranch.info("missing")


async def test_suspend_and_resume() -> None:
    """suspend_listener closes the listen socket (a new connect is refused) and keeps the
    connections, which still work; status suspended and address {undefined, undefined};
    resume_listener listens again on the same port; both are ok when repeated."""
    me = actors.self()
    async with running("r", Notify(me)):
        port = ranch.get_port("r")
        c = await client(port)
        pid, _ = await next_conn()
        assert await ranch.get_status("r") == "running"
        assert await ranch.suspend_listener("r") == "ok"
        assert await ranch.suspend_listener("r") == "ok"
        assert await ranch.get_status("r") == "suspended"
        assert ranch.get_addr("r") == ("undefined", "undefined")
        assert ranch.get_port("r") == "undefined"
        assert await ranch.procs("r", "acceptors") == []
        assert await gen_tcp.connect(LOOP, port, [], 2000) == ("error", "econnrefused")
        assert await gen_tcp.send(c, b"still there") == "ok"
        await assert_receive(("data", pid, b"still there"))
        assert await ranch.resume_listener("r") == "ok"
        assert await ranch.resume_listener("r") == "ok"
        assert await ranch.get_status("r") == "running"
        assert ranch.get_port("r") == port
        assert await echo_once_notify(port) == b"x"
        await gen_tcp.close(c)


async def echo_once_notify(port: int) -> bytes:
    """Connect to a Notify listener, send one byte, get it through the protocol."""
    c = await client(port)
    pid, _ = await next_conn()
    await gen_tcp.send(c, b"x")
    _, _, data = await assert_receive(("data", pid, ANY))
    await gen_tcp.close(c)
    return data  # type: ignore[no-any-return]


async def test_resume_on_new_port_after_set_transport_options() -> None:
    """Changing socket_opts while suspended (Ranch's way to move a listener) makes
    resume listen with the new options."""
    async with running("m", Echo()):
        old = ranch.get_port("m")
        assert await ranch.suspend_listener("m") == "ok"
        ok, probe = await gen_tcp.listen(0, [("ip", LOOP)])
        ok, new = await inet.port(probe)
        await gen_tcp.close(probe)
        opts = {**ranch.get_transport_options("m"), "socket_opts": [("ip", LOOP), ("port", new)]}
        assert ranch.set_transport_options("m", opts) == "ok"
        assert await ranch.resume_listener("m") == "ok"
        assert ranch.get_port("m") == new != old
        assert await echo_once(new) == b"ping"


async def test_info_keys_and_counters() -> None:
    """info(Ref) has Ranch's keys; active/all connections and the accept/terminate
    counters of each conns sup follow the connections; info() maps refs to infos."""
    me = actors.self()
    async with running("i", Notify(me), num_acceptors=2, max_connections=7) as sup:
        c = await client(ranch.get_port("i"))
        pid, _ = await next_conn()
        i = await ranch.info("i")
        assert set(i) == {
            "pid", "status", "ip", "port", "max_connections", "active_connections", "all_connections",
            "transport", "transport_options", "protocol", "protocol_options", "metrics",
        }
        assert (i["pid"], i["status"], i["ip"], i["max_connections"]) == (sup, "running", LOOP, 7)
        assert i["port"] == ranch.get_port("i") and i["transport"] is ranch.tcp
        assert (i["active_connections"], i["all_connections"]) == (1, 1)
        m = i["metrics"]
        assert sorted(m) == sorted((Atom("conns_sup"), n, Atom(k)) for n in (1, 2) for k in ("accept", "terminate"))
        assert sum(v for k, v in m.items() if k[2] == "accept") == 1
        assert sum(v for k, v in m.items() if k[2] == "terminate") == 0
        actors.send(pid, ("close",))
        await wait_down(pid)
        assert await ranch.wait_for_connections("i", "==", 0, 10) == "ok"
        m = (await ranch.info("i"))["metrics"]
        assert sum(v for k, v in m.items() if k[2] == "terminate") == 1
        assert list(await ranch.info()) == ["i"]
        await gen_tcp.close(c)


async def test_procs_and_which_children() -> None:
    """procs gives the acceptors and the connections; the tree is visible with
    supervisor.which_children: the listener sup has ranch_acceptors_sup and
    ranch_conns_sup_sup, the conns sups list {Protocol, Pid, worker, [Protocol]}."""
    me = actors.self()
    proto = Notify(me)
    async with running("p", proto, num_acceptors=3, num_conns_sups=2) as sup:
        c = await client(ranch.get_port("p"))
        pid, _ = await next_conn()
        kids = {w[0]: w for w in await supervisor.which_children(sup)}
        assert set(kids) == {"ranch_acceptors_sup", "ranch_conns_sup_sup"}
        assert kids["ranch_acceptors_sup"][2] == "supervisor"
        accs = await supervisor.which_children(kids["ranch_acceptors_sup"][1])
        assert sorted(a[0][2] for a in accs) == [1, 2, 3]
        assert sorted(await ranch.procs("p", "acceptors")) == sorted(a[1] for a in accs)
        csups = await supervisor.which_children(kids["ranch_conns_sup_sup"][1])
        assert sorted(w[0] for w in csups) == [("ranch_conns_sup", 1), ("ranch_conns_sup", 2)]
        entries = [e for w in csups for e in await supervisor.which_children(w[1])]
        assert entries == [(proto, pid, "worker", [proto])]
        counts = [await supervisor.count_children(w[1]) for w in csups]
        assert sorted(counts) == [
            [("specs", 1), ("active", 0), ("supervisors", 0), ("workers", 0)],
            [("specs", 1), ("active", 1), ("supervisors", 0), ("workers", 1)],
        ]
        assert await ranch.procs("p", "connections") == [pid]
        with raises("error", "badarg"):
            await ranch.procs("p", "other")
        await gen_tcp.close(c)


async def test_protocol_options() -> None:
    """get/set_protocol_options: a new connection gets the new options."""
    me = actors.self()
    async with running("o", Notify(me)):
        assert ranch.get_protocol_options("o") == []
        assert ranch.set_protocol_options("o", {"k": 1}) == "ok"
        assert ranch.get_protocol_options("o") == {"k": 1}
        c = await client(ranch.get_port("o"))
        pid, _ = await next_conn()
        actors.send(pid, ("opts", me))
        await assert_receive(("opts", {"k": 1}))
        await gen_tcp.close(c)


async def test_transport_options() -> None:
    """get/set_transport_options: validated as at start; max_connections follows."""
    async with running("t", Echo(), max_connections=5):
        assert ranch.get_transport_options("t")["max_connections"] == 5
        assert ranch.set_transport_options("t", {"bad": 1}) == ("error", ("bad_option", "bad"))
        opts = {**ranch.get_transport_options("t"), "max_connections": 9}
        assert ranch.set_transport_options("t", opts) == "ok"
        assert ranch.get_transport_options("t") == opts
        assert ranch.get_max_connections("t") == 9


async def test_wait_for_connections() -> None:
    """wait_for_connections returns once the count compares as asked; bad arguments
    raise badarg (an unknown op, a negative count or interval, '<' with 0)."""
    me = actors.self()
    for bad in (("foo", 0), ("==", -1), ("<", 0)):
        with raises("error", "badarg"):
            await ranch.wait_for_connections("w", *bad)
    with raises("error", "badarg"):
        await ranch.wait_for_connections("w", "==", 0, -1)
    async with running("w", Notify(me)):
        waiter = actors.self()

        async def wait(op: str, n: int) -> None:
            await ranch.wait_for_connections("w", op, n, 5)
            actors.send(waiter, ("waited", op, n))

        actors.spawn(wait, ">=", 2)
        c1 = await client(ranch.get_port("w"))
        await next_conn()
        await refute_receive(("waited", ANY, ANY), timeout=50)
        c2 = await client(ranch.get_port("w"))
        await next_conn()
        await assert_receive(("waited", ">=", 2))
        actors.spawn(wait, "<", 1)
        await gen_tcp.close(c1)
        await refute_receive(("waited", ANY, ANY), timeout=50)
        await gen_tcp.close(c2)
        await assert_receive(("waited", "<", 1))
