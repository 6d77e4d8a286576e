"""Supervisor child functions, strategies and restarts, as OTP 25 does them (run in erl)."""

from __future__ import annotations

from typing import Any

import structlog

import actors
from actors import ANY, Pid, gen_server, supervisor
from actors.testing import assert_receive, refute_receive

from .sup_helpers import Sup, down, spec, start_sup, started, stop_sup, trapper


def ign() -> str:
    return "ignore"


def err() -> Any:
    return ("error", "nope")


I = (ign, ())


# -- child functions --------------------------------------------------------------------


async def test_which_and_count_children() -> None:
    """which_children lists the last started first, [{i, undefined, worker, [sup]},
    {a, Pid, worker, [sup]}]; a temporary child whose start gives ignore is not kept;
    count_children gives [{specs,2},{active,1},{supervisors,0},{workers,2}]."""
    me = actors.self()
    sup = await start_sup({}, [spec("a", me), {"id": "i", "start": I}, {"id": "t", "start": I, "restart": "temporary"}])
    a = await started("a")
    which = await supervisor.which_children(sup)
    assert [(w[0], w[1], w[2]) for w in which] == [("i", "undefined", "worker"), ("a", a, "worker")]
    assert await supervisor.count_children(sup) == [("specs", 2), ("active", 1), ("supervisors", 0), ("workers", 2)]
    assert await stop_sup(sup) == "shutdown"


async def test_start_child_results() -> None:
    """start_child in erl: {error, {already_started, Pid}}, {error, already_present},
    {ok, undefined} for ignore (kept, unless temporary), {error, {nope, Child}} for a
    start giving {error, nope}, {error, missing_start} for a bad spec."""
    me = actors.self()
    sup = await start_sup({}, [spec("a", me), {"id": "i", "start": I}])
    a = await started("a")
    assert await supervisor.start_child(sup, spec("a", me)) == ("error", ("already_started", a))
    assert await supervisor.start_child(sup, {"id": "i", "start": I}) == ("error", "already_present")
    assert await supervisor.start_child(sup, {"id": "j", "start": I}) == ("ok", "undefined")
    assert await supervisor.start_child(sup, {"id": "k", "start": I, "restart": "temporary"}) == ("ok", "undefined")
    r = await supervisor.start_child(sup, {"id": "e", "start": (err, ())})
    assert r[0] == "error" and r[1][0] == "nope" and r[1][1]["id"] == "e"
    assert await supervisor.start_child(sup, {"id": "e"}) == ("error", "missing_start")
    ok, b = await supervisor.start_child(sup, spec("b", me))
    assert ok == "ok" and await started("b") == b
    assert [w[0] for w in await supervisor.which_children(sup)] == ["b", "j", "i", "a"]
    await stop_sup(sup)


async def test_terminate_restart_delete_child() -> None:
    """terminate_child: ok (again: ok), {error, not_found}; restart_child: {ok, Pid},
    {error, running}; delete_child: {error, running}, {error, not_found}, ok;
    restart_child of a child whose start gives ignore: {ok, undefined}."""
    me = actors.self()
    sup = await start_sup({}, [spec("a", me), {"id": "i", "start": I}])
    a = await started("a")
    assert await supervisor.terminate_child(sup, "zz") == ("error", "not_found")
    assert await supervisor.terminate_child(sup, me) == ("error", "not_found")
    assert await supervisor.terminate_child(sup, "a") == "ok"
    assert not actors.is_process_alive(a)
    assert await supervisor.terminate_child(sup, "a") == "ok"
    ok, a2 = await supervisor.restart_child(sup, "a")
    assert ok == "ok" and await started("a") == a2
    assert await supervisor.restart_child(sup, "a") == ("error", "running")
    assert await supervisor.delete_child(sup, "a") == ("error", "running")
    assert await supervisor.delete_child(sup, "zz") == ("error", "not_found")
    assert await supervisor.restart_child(sup, "zz") == ("error", "not_found")
    assert await supervisor.restart_child(sup, "i") == ("ok", "undefined")
    assert await supervisor.terminate_child(sup, a2) == "ok"
    assert await supervisor.delete_child(sup, "a") == "ok"
    assert [w[0] for w in await supervisor.which_children(sup)] == ["i"]
    assert await supervisor.count_children(sup) == [("specs", 1), ("active", 0), ("supervisors", 0), ("workers", 1)]
    await stop_sup(sup)


async def test_get_childspec() -> None:
    """get_childspec: {ok, Spec} with every key filled in, {error, not_found}."""
    me = actors.self()
    sup = await start_sup({}, [spec("a", me)])
    await started("a")
    ok, s = await supervisor.get_childspec(sup, "a")
    assert ok == "ok" and s["restart"] == "permanent" and s["shutdown"] == 5000 and s["type"] == "worker"
    assert await supervisor.get_childspec(sup, "b") == ("error", "not_found")
    await stop_sup(sup)


# -- restarts ---------------------------------------------------------------------------


async def test_one_for_one_restarts_only_the_child() -> None:
    """one_for_one: a killed child is started again; the others keep their pids."""
    me = actors.self()
    sup = await start_sup({}, [spec("a", me), spec("b", me)])
    a, b = await started("a"), await started("b")
    actors.exit(a, "kill")
    a2 = await started("a")
    assert a2 != a
    assert [w[1] for w in await supervisor.which_children(sup)] == [b, a2]
    await stop_sup(sup)


async def test_intensity_exceeded_stops_the_supervisor_with_shutdown() -> None:
    """intensity 1: the second crash within the period stops the supervisor with
    shutdown; intensity 0: the first does."""
    me = actors.self()
    actors.process_flag("trap_exit", True)
    for intensity, crashes in ((1, 2), (0, 1)):
        sup = await start_sup({"intensity": intensity, "period": 5}, [spec("a", me)])
        for _ in range(crashes):
            actors.exit(await started("a"), "kill")
        await assert_receive(("EXIT", sup, "shutdown"))
        await refute_receive(("started", ANY, ANY), timeout=0)


async def test_one_for_all_restarts_everything_in_order() -> None:
    """one_for_all: killing b stops a and c; all three start again as a, b, c."""
    me = actors.self()
    sup = await start_sup({"strategy": "one_for_all", "intensity": 5}, [spec("a", me), spec("b", me), spec("c", me)])
    old = [await started(x) for x in "abc"]
    refs = [actors.monitor("process", p) for p in (old[0], old[2])]
    actors.exit(old[1], "kill")
    order = [(await assert_receive(("started", ANY, ANY)))[1] for _ in range(3)]
    assert order == ["a", "b", "c"]
    assert [await down(r) for r in refs] == ["shutdown", "shutdown"]
    await stop_sup(sup)


async def test_rest_for_one_restarts_the_later_children() -> None:
    """rest_for_one: killing b restarts b and c; a keeps running."""
    me = actors.self()
    sup = await start_sup({"strategy": "rest_for_one", "intensity": 5}, [spec("a", me), spec("b", me), spec("c", me)])
    a, b, c = [await started(x) for x in "abc"]
    actors.exit(b, "kill")
    assert [(await assert_receive(("started", ANY, ANY)))[1] for _ in range(2)] == ["b", "c"]
    await refute_receive(("started", ANY, ANY), timeout=20)
    assert (await supervisor.which_children(sup))[2][1] == a
    await stop_sup(sup)


async def test_transient_and_temporary() -> None:
    """A transient child ending {shutdown, x} is not restarted and shows undefined; a
    temporary child that crashes is removed (restart_child: {error, not_found}); a
    transient child that crashes is restarted."""
    me = actors.self()
    sup = await start_sup(
        {"intensity": 5}, [spec("p", me), spec("tr", me, restart="transient"), spec("te", me, restart="temporary")]
    )
    p, tr, te = [await started(x) for x in ("p", "tr", "te")]
    ref = actors.monitor("process", te)
    actors.exit(tr, ("shutdown", "x"))
    actors.exit(te, "boom")
    await down(ref)
    which = await supervisor.which_children(sup)
    assert [(w[0], w[1]) for w in which] == [("tr", "undefined"), ("p", p)]
    assert await supervisor.count_children(sup) == [("specs", 2), ("active", 1), ("supervisors", 0), ("workers", 2)]
    assert (await supervisor.restart_child(sup, "tr"))[0] == "ok"
    tr2 = await started("tr")
    assert await supervisor.restart_child(sup, "te") == ("error", "not_found")
    actors.exit(tr2, "boom")
    await started("tr")
    await stop_sup(sup)


async def test_failing_restarts_count_against_intensity() -> None:
    """A child whose start fails after its first run: the supervisor keeps trying (each
    try counts) and with intensity 3 stops with shutdown after 3 failed starts."""
    me = actors.self()
    runs = []

    def flaky() -> Any:
        runs.append(1)
        if len(runs) == 1:
            return ("ok", actors.spawn_link(_report_and_wait, me))
        actors.send(me, "failed")
        return ("error", "nope")

    actors.process_flag("trap_exit", True)
    ok, sup = await supervisor.start_link(Sup(), ("ok", ({"intensity": 3, "period": 5}, [{"id": "f", "start": (flaky, ())}])))
    _, pid = await assert_receive(("up", ANY))
    actors.exit(pid, "kill")
    await assert_receive(("EXIT", sup, "shutdown"))
    for _ in range(3):
        await assert_receive("failed", timeout=0)
    await refute_receive("failed", timeout=0)


async def _report_and_wait(to: Pid) -> None:
    actors.send(to, ("up", actors.self()))
    await actors.receive("never")


# -- shutdown -----------------------------------------------------------------------


async def test_children_stop_in_reverse_start_order_with_shutdown() -> None:
    """A supervisor stopped with shutdown stops c, b, a in that order, each with
    shutdown."""
    me = actors.self()
    sup = await start_sup({}, [spec("a", me), spec("b", me), spec("c", me)])
    pids = [await started(x) for x in "abc"]
    for p in pids:
        actors.monitor("process", p)
    await stop_sup(sup)
    downs = [await assert_receive(("DOWN", ANY, "process", ANY, ANY)) for _ in pids]
    assert [(pids.index(d[3]), d[4]) for d in downs] == [(2, "shutdown"), (1, "shutdown"), (0, "shutdown")]


async def test_shutdown_timeout_then_kill_and_brutal_kill() -> None:
    """terminate_child of a trapping child with shutdown 100: it gets {'EXIT', Sup,
    shutdown}, is killed after 100 ms and terminate_child returns ok; with brutal_kill it
    is killed at once (gets no EXIT)."""
    me = actors.self()
    t = {"id": "t", "start": supervisor.worker(trapper, "t", me), "shutdown": 100}
    k = {"id": "k", "start": supervisor.worker(trapper, "k", me), "shutdown": "brutal_kill"}
    sup = await start_sup({}, [t, k])
    tp, kp = await started("t"), await started("k")
    tref, kref = actors.monitor("process", tp), actors.monitor("process", kp)
    assert await supervisor.terminate_child(sup, "t") == "ok"
    await assert_receive(("got", "t", "shutdown"))
    assert await down(tref) == "killed"
    assert await supervisor.terminate_child(sup, "k") == "ok"
    assert await down(kref) == "killed"
    await refute_receive(("got", "k", ANY), timeout=0)
    await stop_sup(sup)


# -- simple_one_for_one ---------------------------------------------------------------


async def test_simple_one_for_one() -> None:
    """simple_one_for_one: start_child(S, Args) appends Args; which_children gives
    undefined ids; count_children {specs,1},{active,2}; terminate_child by id:
    {error, simple_one_for_one}, by pid: ok (again: ok, as the pid is gone), of a live
    process that is no child: {error, not_found}; delete_child and restart_child:
    {error, simple_one_for_one}; a temporary child that crashes is gone."""
    me = actors.self()
    tmpl = {"id": "x", "start": supervisor.worker(_dyn), "restart": "temporary"}
    sup = await start_sup({"strategy": "simple_one_for_one"}, [tmpl])
    ok, k1 = await supervisor.start_child(sup, ["k1", me])
    ok, k2 = await supervisor.start_child(sup, ["k2", me])
    assert await started("k1") == k1 and await started("k2") == k2
    assert [(w[0], w[1]) for w in await supervisor.which_children(sup)] == [("undefined", k1), ("undefined", k2)]
    assert await supervisor.count_children(sup) == [("specs", 1), ("active", 2), ("supervisors", 0), ("workers", 2)]
    assert await supervisor.terminate_child(sup, "x") == ("error", "simple_one_for_one")
    assert await supervisor.terminate_child(sup, k1) == "ok"
    assert await supervisor.terminate_child(sup, k1) == "ok"
    assert await supervisor.terminate_child(sup, me) == ("error", "not_found")
    assert await supervisor.delete_child(sup, "x") == ("error", "simple_one_for_one")
    assert await supervisor.restart_child(sup, "x") == ("error", "simple_one_for_one")
    ref = actors.monitor("process", k2)
    actors.exit(k2, "boom")
    await down(ref)
    assert await supervisor.which_children(sup) == []
    await stop_sup(sup)


async def _dyn(id: Any, report: Pid) -> None:
    actors.send(report, ("started", id, actors.self()))
    await actors.receive("never")


async def test_simple_one_for_one_restarts_with_the_same_args_and_stops_all() -> None:
    """A permanent dynamic child is restarted with its arguments; stopping the
    supervisor stops every dynamic child with shutdown."""
    me = actors.self()
    sup = await start_sup({"strategy": "simple_one_for_one", "intensity": 5}, [{"id": "x", "start": supervisor.worker(_dyn)}])
    await supervisor.start_child(sup, ["d", me])
    d = await started("d")
    actors.exit(d, "kill")
    d2 = await started("d")
    await supervisor.start_child(sup, ["e", me])
    e = await started("e")
    refs = [actors.monitor("process", p) for p in (d2, e)]
    await stop_sup(sup)
    assert [await down(r) for r in refs] == ["shutdown", "shutdown"]


# -- auto_shutdown -------------------------------------------------------------------


async def test_any_significant() -> None:
    """auto_shutdown any_significant: a significant transient child that crashes is
    restarted; terminate_child of one does not stop the supervisor; one that ends
    normally does: the supervisor exits with shutdown."""
    me = actors.self()
    actors.process_flag("trap_exit", True)
    sig = {"restart": "transient", "significant": True}
    sup = await start_sup({"auto_shutdown": "any_significant", "intensity": 5}, [spec("p", me), spec("s1", me, **sig), spec("s2", me, **sig)])
    p, s1, s2 = [await started(x) for x in ("p", "s1", "s2")]
    actors.exit(s1, "boom")
    await started("s1")
    assert await supervisor.terminate_child(sup, "s1") == "ok"
    assert actors.is_process_alive(sup)
    pref = actors.monitor("process", p)
    actors.exit(s2, "shutdown")
    await assert_receive(("EXIT", sup, "shutdown"))
    assert await down(pref) == "shutdown"


async def test_all_significant() -> None:
    """auto_shutdown all_significant: the supervisor lives while one significant child
    runs and exits with shutdown when the last one ends."""
    me = actors.self()
    actors.process_flag("trap_exit", True)
    sig = {"restart": "temporary", "significant": True}
    sup = await start_sup({"auto_shutdown": "all_significant"}, [spec("s1", me, **sig), spec("s2", me, **sig)])
    s1, s2 = await started("s1"), await started("s2")
    ref = actors.monitor("process", s1)
    actors.exit(s1, "boom")
    await down(ref)
    assert len(await supervisor.which_children(sup)) == 1
    actors.exit(s2, "boom")
    await assert_receive(("EXIT", sup, "shutdown"))


# -- trees, gen_server children, one-line workers, reports -----------------------------


class Counter:
    async def init(self, start: int) -> Any:
        return ("ok", start)

    async def handle_call(self, req: Any, from_: Any, n: int) -> Any:
        match req:
            case "get":
                return ("reply", n, n)
            case ("add", k):
                return ("reply", "ok", n + k)
        return None


async def test_contract_example_and_nested_supervisors() -> None:
    """The contract's example: a registered gen_server under a supervisor, itself under
    a supervisor; killing the inner supervisor restarts it and its counter (fresh
    state), the name answers again."""
    inner = {"strategy": "one_for_one", "intensity": 3, "period": 5}
    counter = {"id": "counter", "start": (gen_server.start_link, (Counter(), 0, "counter"))}
    child_sup = {"id": "inner", "start": (supervisor.start_link, (Sup(), ("ok", (inner, [counter])))), "type": "supervisor"}
    top = await start_sup({}, [child_sup])
    assert await gen_server.call("counter", ("add", 2)) == "ok"
    [(iid, ipid, itype, _)] = await supervisor.which_children(top)
    assert (iid, itype) == ("inner", "supervisor")
    assert await supervisor.count_children(top) == [("specs", 1), ("active", 1), ("supervisors", 1), ("workers", 0)]
    old_counter = actors.whereis("counter")
    cref = actors.monitor("process", old_counter)
    actors.exit(ipid, "kill")
    assert await down(cref) == "killed"
    # the restarted tree registers the name again: wait through the top supervisor
    [(_, ipid2, _, _)] = await supervisor.which_children(top)
    assert ipid2 != ipid
    assert await gen_server.call("counter", "get") == 0
    assert await stop_sup(top) == "shutdown"


async def test_plain_async_function_as_a_child() -> None:
    """supervisor.worker(fn, *args): any async def supervised in one line, restarted."""
    me = actors.self()
    sup = await start_sup({}, [{"id": "w", "start": supervisor.worker(_dyn, "w", me)}])
    w = await started("w")
    actors.exit(w, "kill")
    assert await started("w") != w
    assert (await supervisor.which_children(sup))[0][3] == [_dyn]
    await stop_sup(sup)


async def test_reports_through_structlog() -> None:
    """A child start gives a progress report; a crash a supervisor_report with
    error_context child_terminated; exceeding intensity one with shutdown (erl's
    reports: child_terminated then shutdown reached_max_restart_intensity, both naming
    the pid of the child that ended)."""
    me = actors.self()
    actors.process_flag("trap_exit", True)
    with structlog.testing.capture_logs() as logs:
        sup = await start_sup({"intensity": 0}, [spec("a", me)])
        a = await started("a")
        actors.exit(a, "kill")
        await assert_receive(("EXIT", sup, "shutdown"))
    events = [(e["event"], e.get("error_context")) for e in logs if e["event"] in ("progress", "supervisor_report")]
    assert events == [("progress", None), ("supervisor_report", "child_terminated"), ("supervisor_report", "shutdown")]
    reports = [e for e in logs if e["event"] == "supervisor_report"]
    assert [e["reason"] for e in reports] == ["killed", "reached_max_restart_intensity"]
    assert [e["offender"]["pid"] for e in reports] == [a, a]  # the child that ended


async def test_one_for_all_drops_a_temporary_sibling() -> None:
    """one_for_all with a permanent a, a transient t and a temporary tmp: killing a
    restarts a and t; tmp is stopped and gone ([{t, ...}, {a, ...}])."""
    me = actors.self()
    specs = [spec("a", me), spec("t", me, restart="transient"), spec("tmp", me, restart="temporary")]
    sup = await start_sup({"strategy": "one_for_all", "intensity": 5}, specs)
    a, t, tmp = [await started(x) for x in ("a", "t", "tmp")]
    ref = actors.monitor("process", tmp)
    actors.exit(a, "kill")
    assert [(await assert_receive(("started", ANY, ANY)))[1] for _ in range(2)] == ["a", "t"]
    assert await down(ref) == "shutdown"
    assert [w[0] for w in await supervisor.which_children(sup)] == ["t", "a"]
    await stop_sup(sup)


class Trapping:
    """A gen_server that traps exits and reports its terminate."""

    def init(self, report: Pid) -> Any:
        actors.process_flag("trap_exit", True)
        return ("ok", report)

    def handle_call(self, req: Any, from_: Any, report: Pid) -> Any:
        return ("reply", req, report)

    def terminate(self, reason: Any, report: Pid) -> None:
        actors.send(report, ("terminate", reason))


async def test_gen_server_child_runs_terminate_on_supervisor_shutdown() -> None:
    """A trapping gen_server child of a stopped supervisor gets {'EXIT', Sup, shutdown}
    from its parent: terminate(shutdown, S) runs, it exits with shutdown."""
    me = actors.self()
    sup = await start_sup({}, [{"id": "g", "start": (gen_server.start_link, (Trapping(), me))}])
    [(_, g, _, modules)] = await supervisor.which_children(sup)
    assert await gen_server.call(g, "ping") == "ping"
    assert len(modules) == 1 and isinstance(modules[0], Trapping)
    ref = actors.monitor("process", g)
    await stop_sup(sup)
    await assert_receive(("terminate", "shutdown"))
    assert await down(ref) == "shutdown"


async def test_registered_supervisor_and_already_started() -> None:
    """supervisor:start_link({local, s}, ...) twice: the second gives
    {error, {already_started, Pid}}; the name reaches the supervisor."""
    sup = await start_sup({}, [], name="s")
    assert await supervisor.start_link(Sup(), ("ok", ({}, [])), "s") == ("error", ("already_started", sup))
    assert await supervisor.which_children("s") == []
    await stop_sup(sup)
