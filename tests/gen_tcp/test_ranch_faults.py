"""gen_tcp.ranch under failure: killing acceptors, connections and the supervisors of
the tree shows the restart behaviour through supervisor.which_children, and the
listener serves again within its restart budget (Ranch's tree: acceptors permanent
under ranch_acceptors_sup, connections temporary under ranch_conns_sup, listener sup
rest_for_one). emfile makes an acceptor rest and warn, never crash."""

from __future__ import annotations

import random
import time
from typing import Any

import structlog

import actors
import gen_tcp
from actors import ANY, Pid, supervisor
from actors.testing import assert_receive
from gen_tcp import ranch

from .ranch_helpers import LOOP, Echo, Notify, client, echo_once, kill, next_conn, running, wait_down


async def child(sup: Pid, id: Any) -> Any:
    for w in await supervisor.which_children(sup):
        if w[0] == id:
            return w[1]
    raise AssertionError(id)


async def tree(ref: Any) -> dict[str, Any]:
    lsup = (await ranch.info(ref))["pid"]
    acc_sup = await child(lsup, "ranch_acceptors_sup")
    css = await child(lsup, "ranch_conns_sup_sup")
    return {"lsup": lsup, "acc_sup": acc_sup, "css": css}


async def test_killed_acceptor_is_restarted() -> None:
    """An acceptor killed: ranch_acceptors_sup starts a new one under the same id
    (which_children shows the new pid) and the listener serves."""
    async with running("ka", Echo(), num_acceptors=2):
        t = await tree("ka")
        before = dict((w[0], w[1]) for w in await supervisor.which_children(t["acc_sup"]))
        victim_id, victim = sorted(before.items(), key=lambda kv: kv[0][2])[0]
        await kill(victim)
        after = dict((w[0], w[1]) for w in await supervisor.which_children(t["acc_sup"]))
        assert set(after) == set(before)
        assert after[victim_id] != victim and actors.is_process_alive(after[victim_id])
        assert await echo_once(ranch.get_port("ka")) == b"ping"


async def test_killed_connection_is_not_restarted() -> None:
    """A connection killed is gone from which_children of its conns sup (temporary),
    counted as terminated; the others and the listener are untouched."""
    me = actors.self()
    async with running("kc", Notify(me), num_acceptors=1):
        port = ranch.get_port("kc")
        c1, c2 = await client(port), await client(port)
        p1, _ = await next_conn()
        p2, _ = await next_conn()
        assert await kill(p1) == "killed"
        assert await ranch.procs("kc", "connections") == [p2]
        assert await gen_tcp.recv(c1, 0, 5000) == ("error", "closed")
        actors.send(p2, ("send", b"alive"))
        assert await gen_tcp.recv(c2, 0, 5000) == ("ok", b"alive")
        await gen_tcp.close(c1)
        await gen_tcp.close(c2)


async def test_killed_conns_sup_is_restarted() -> None:
    """A conns sup killed takes its connections with it; ranch_conns_sup_sup restarts
    it and the acceptors hand new connections to the new one."""
    me = actors.self()
    async with running("ks", Notify(me), num_acceptors=2, num_conns_sups=1):
        t = await tree("ks")
        [(cid, cs, _, _)] = await supervisor.which_children(t["css"])
        c = await client(ranch.get_port("ks"))
        p, _ = await next_conn()
        ref = actors.monitor("process", p)
        await kill(cs)
        await assert_receive(("DOWN", ref, "process", p, "killed"))
        [(cid2, cs2, _, _)] = await supervisor.which_children(t["css"])
        assert cid2 == cid and cs2 != cs
        for _ in range(3):
            c2 = await client(ranch.get_port("ks"))
            await next_conn()
            await gen_tcp.close(c2)
        await gen_tcp.close(c)


async def test_killed_acceptors_sup_reopens_the_port() -> None:
    """ranch_acceptors_sup killed (it owns the listen socket): the listener sup restarts
    it, it listens again on the same port, connections stay."""
    me = actors.self()
    async with running("kas", Notify(me)):
        port = ranch.get_port("kas")
        c = await client(port)
        p, _ = await next_conn()
        t = await tree("kas")
        await kill(t["acc_sup"])
        t2 = await tree("kas")
        assert t2["acc_sup"] != t["acc_sup"] and t2["css"] == t["css"]
        assert ranch.get_port("kas") == port
        assert actors.is_process_alive(p)
        c2 = await client(port)
        await next_conn()
        await gen_tcp.close(c)
        await gen_tcp.close(c2)


async def test_killed_conns_sup_sup_restarts_the_rest() -> None:
    """ranch_conns_sup_sup killed: rest_for_one restarts it and then the acceptors sup
    after it; the listener serves on the same port."""
    async with running("kcs", Echo()):
        port = ranch.get_port("kcs")
        t = await tree("kcs")
        ref = actors.monitor("process", t["acc_sup"])
        await kill(t["css"])
        await assert_receive(("DOWN", ref, "process", t["acc_sup"], ANY))
        t2 = await tree("kcs")
        assert t2["css"] != t["css"] and t2["acc_sup"] != t["acc_sup"] and t2["lsup"] == t["lsup"]
        assert await echo_once(port) == b"ping"


async def test_killed_listener_sup_is_restarted_by_ranch_sup() -> None:
    """The listener sup killed: ranch_sup starts it again with the same options, on the
    same port; info shows the new pid."""
    async with running("kl", Echo()) as lsup:
        port = ranch.get_port("kl")
        await kill(lsup)
        [(id, new, kind, _)] = await supervisor.which_children("ranch_sup")  # after its restart
        assert (id, kind) == (("ranch_listener_sup", "kl"), "supervisor") and (await ranch.info("kl"))["pid"] == new
        assert new != lsup and actors.is_process_alive(new)
        assert ranch.get_port("kl") == port
        assert await echo_once(port) == b"ping"


async def churn(port: int, report: Pid, rounds: int) -> None:
    """A client that connects, echoes and disconnects `rounds` times, tolerating the
    failures that kills cause; reports how many rounds succeeded."""
    ok_rounds = 0
    for i in range(rounds):
        r = await gen_tcp.connect(LOOP, port, ["binary", ("active", False)], 2000)
        if r[0] != "ok":
            continue
        s = r[1]
        data = b"x%d" % i
        if await gen_tcp.send(s, data) == "ok" and await gen_tcp.recv(s, len(data), 2000) == ("ok", data):
            ok_rounds += 1
        await gen_tcp.close(s)
    actors.send(report, ("churned", actors.self(), ok_rounds))


async def test_random_kills_under_load() -> None:
    """Clients churn while acceptors, connections and conns sups are killed at random
    (a few times, inside the restart budgets); afterwards the listener serves every
    client again and, once stopped, leaves no process, port or fd (the plugin checks)."""
    rng = random.Random(8)
    me = actors.self()
    async with running("rk", Echo(), num_acceptors=4, num_conns_sups=2):
        port = ranch.get_port("rk")
        clients = [actors.spawn(churn, port, me, 40) for _ in range(20)]
        for _ in range(6):
            t = await tree("rk")
            victims = await ranch.procs("rk", "connections")
            victims += rng.sample(await ranch.procs("rk", "acceptors"), 1)
            victims += [w[1] for w in await supervisor.which_children(t["css"])][:1] if rng.random() < 0.3 else []
            for v in rng.sample(victims, min(3, len(victims))):
                actors.exit(v, "kill")
            await actors.sleep(20)  # let the clients run between kills (load, not sync)
        done = 0
        for _ in clients:
            _, _, n = await assert_receive(("churned", ANY, ANY), timeout=30000)
            done += n
        assert done > 0
        for _ in range(20):
            assert await echo_once(port) == b"ping"


class EmfileTransport(ranch.RanchTcp):
    """accept fails with emfile the first `n` times, as when file descriptors run out."""

    def __init__(self, n: int) -> None:
        self.left = n
        self.calls: list[float] = []

    async def accept(self, lsocket: Any, timeout: Any) -> Any:
        if self.left > 0:
            self.left -= 1
            self.calls.append(time.monotonic())
            return ("error", "emfile")
        return await super().accept(lsocket, timeout)


async def test_emfile_backs_off_and_reports() -> None:
    """accept giving {error, emfile}: the acceptor logs a warning and rests 100 ms before
    trying again; it is never restarted and serves once descriptors are back."""
    t = EmfileTransport(3)
    with structlog.testing.capture_logs() as logs:
        r = await ranch.start_listener("em", t, {"socket_opts": [("ip", LOOP), ("port", 0)], "num_acceptors": 1}, Echo(), [])
        assert r[0] == "ok"
        [acc] = await ranch.procs("em", "acceptors")
        assert await echo_once(ranch.get_port("em")) == b"ping"
        assert await ranch.procs("em", "acceptors") == [acc]
        assert await ranch.stop_listener("em") == "ok"
    warned = [e for e in logs if e["event"] == "ranch_acceptor_reducing_accept_rate"]
    assert len(warned) == 3 and all(e["log_level"] == "warning" and e["reason"] == "emfile" for e in warned)
    gaps = [b - a for a, b in zip(t.calls, t.calls[1:])]
    assert all(g >= 0.099 for g in gaps)
