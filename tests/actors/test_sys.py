"""sys messages to gen_servers and supervisors, as OTP 25 answers them (run in erl)."""

from __future__ import annotations

from typing import Any

import pytest

import actors
from actors import ErlangError, gen_server, supervisor, sys
from actors.testing import assert_receive, refute_receive

from .sup_helpers import Sup, stop_sup
from .test_gen_server import Srv, exit_reason, started, stop


async def test_get_state_and_replace_state() -> None:
    """get_state(srv): 0; replace_state(srv, fun(S) -> S + 1 end): 1, and get_state
    then gives 1; a fun that raises: error {callback_failed, {gen_server,
    system_replace_state}, {error, oops}} and the state stays 1."""
    pid = await started(name="srv")
    assert await sys.get_state("srv") == 0
    assert await sys.replace_state("srv", lambda s: s + 1) == 1
    assert await sys.get_state(pid) == 1

    def oops(_: Any) -> Any:
        raise ErlangError("oops")

    with pytest.raises(ErlangError) as e:
        await sys.replace_state("srv", oops)
    assert e.value.kind == "error"
    assert e.value.reason == ("callback_failed", ("gen_server", "system_replace_state"), ("error", "oops"))
    assert await sys.get_state("srv") == 1
    assert await gen_server.call("srv", "get") == 1
    await stop(pid)


async def test_get_status_of_a_named_and_an_anonymous_server() -> None:
    """get_status(srv) of a server started with gen_server:start: {status, Pid,
    {module, gen_server}, [PDict, running, Pid (its own parent), [], [{header, "Status
    for generic server srv"}, {data, [{"Status", running}, {"Parent", Pid}, {"Logged
    events", []}]}, {data, [{"State", 1}]}]]}; an anonymous one names its pid."""
    pid = await started(name="srv")
    status, p, module, (pdict, sys_state, parent, debug, misc) = await sys.get_status("srv")
    assert (status, p, module, sys_state, parent, debug) == ("status", pid, ("module", "gen_server"), "running", pid, [])
    assert isinstance(pdict, list)
    assert misc == [
        ("header", "Status for generic server srv"),
        ("data", [("Status", "running"), ("Parent", pid), ("Logged events", [])]),
        ("data", [("State", 0)]),
    ]
    anon = await started()
    misc = (await sys.get_status(anon))[3][4]
    assert misc[0] == ("header", f"Status for generic server {anon!r}")
    await stop(pid)
    await stop(anon)


async def test_suspend_and_resume() -> None:
    """suspend(srv): ok; get_status says suspended; a call times out (exit {timeout,
    {gen_server, call, [srv, get, 100]}}); get_state still answers; a cast waits;
    suspend again: ok; resume: ok and the cast is handled; resume of a running
    server: ok."""
    pid = await started(name="srv")
    assert await sys.suspend("srv") == "ok"
    assert (await sys.get_status("srv"))[3][1] == "suspended"
    r = await exit_reason(gen_server.call("srv", "get", 100))
    assert r == ("timeout", ("gen_server", "call", ["srv", "get", 100]))
    assert await sys.get_state("srv") == 0
    gen_server.cast("srv", ("add", 42))
    assert await sys.suspend("srv") == "ok"
    assert await sys.resume("srv") == "ok"
    assert await gen_server.call("srv", "get", 100) == 42
    assert await sys.resume("srv", 100) == "ok"
    await stop(pid)


async def test_a_suspended_server_still_stops_for_its_parent() -> None:
    """A suspended server that traps exits, linked to its parent: the parent's EXIT
    runs terminate and the server exits with the reason."""
    me = actors.self()
    actors.process_flag("trap_exit", True)
    ok, pid = await gen_server.start_link(Srv(me), "trap")
    assert ok == "ok"
    assert await sys.suspend(pid) == "ok"
    ref = actors.monitor("process", pid)
    actors.exit(pid, "shutdown")  # from the parent: the link's sender
    await assert_receive(("DOWN", ref, "process", pid, "shutdown"))
    await assert_receive(("terminate", "shutdown", 0))
    await assert_receive(("EXIT", pid, "shutdown"))


async def test_noproc_and_timeouts() -> None:
    """get_state(nonexist): exit {noproc, {sys, get_state, [nonexist]}}; a dead pid
    likewise; a process that ends on the message: exit {normal, {sys, get_state,
    [Pid, 100]}}; one that ignores it: {timeout, ...}."""
    assert await exit_reason(sys.get_state("nonexist")) == ("noproc", ("sys", "get_state", ["nonexist"]))

    async def quits() -> None:
        await actors.receive()

    async def deaf() -> None:
        await actors.receive("never")

    q = actors.spawn(quits)
    assert await exit_reason(sys.get_state(q, 100)) == ("normal", ("sys", "get_state", [q, 100]))
    assert await exit_reason(sys.get_state(q)) == ("noproc", ("sys", "get_state", [q]))
    d = actors.spawn(deaf)
    assert await exit_reason(sys.get_state(d, 10)) == ("timeout", ("sys", "get_state", [d, 10]))
    actors.exit(d, "kill")
    await refute_receive(timeout=0)


async def test_unknown_system_message() -> None:
    """gen:call(srv, system, weird): {ok, {error, {unknown_system_msg, weird}}}."""
    pid = await started()
    assert await sys._system_call(pid, "weird", 1000, "weird", [pid]) == ("error", ("unknown_system_msg", "weird"))
    await stop(pid)


async def test_supervisor_status_names_its_callback() -> None:
    """get_status of a supervisor: Parent is its parent, the header names the pid, the
    state data, then {supervisor, [{"Callback", Module}]}; terminate stops it."""
    module = Sup()
    ok, sup = await supervisor.start_link(module, ("ok", ({}, [])))
    assert ok == "ok"
    _, _, _, (_, sys_state, parent, _, misc) = await sys.get_status(sup)
    assert (sys_state, parent) == ("running", actors.self())
    assert misc[0] == ("header", f"Status for generic server {sup!r}")
    assert misc[2][0] == "data" and misc[2][1][0][0] == "State"
    assert misc[3] == ("supervisor", [("Callback", module)])
    assert await sys.get_state(sup) is not None
    assert await stop_sup(sup) == "shutdown"
