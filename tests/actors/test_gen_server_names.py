"""{global, Name} and {via, Module, Name} names for gen_server, as OTP 25 uses them
(run in erl with a via module that logs and delegates to global)."""

from __future__ import annotations

from typing import Any

import pytest

import actors
from actors import ANY, ErlangError, Pid, gen_server, global_registry, sys
from actors.testing import assert_receive, refute_receive

from .test_gen_server import Srv, exit_reason


class Via:
    """A via module that tells `log` what it is asked and keeps names in a dict."""

    def __init__(self, log: Pid) -> None:
        self.log = log
        self.names: dict[Any, Pid] = {}

    def register_name(self, name: Any, pid: Pid) -> str:
        actors.send(self.log, ("reg", name))
        if name in self.names:
            return "no"
        self.names[name] = pid
        return "yes"

    def unregister_name(self, name: Any) -> str:
        actors.send(self.log, ("unreg", name))
        self.names.pop(name, None)
        return "ok"

    def whereis_name(self, name: Any) -> Any:
        return self.names.get(name, "undefined")

    def send(self, name: Any, msg: Any) -> Pid:
        actors.send(self.log, ("send", name))
        pid = self.names.get(name)
        if pid is None:
            raise ErlangError(("badarg", (name, msg)), "exit")
        actors.send(pid, msg)
        return pid


async def test_via_names() -> None:
    """start({via, vi, foo}): register_name called, {ok, P}; again: {error,
    {already_started, P}} without a register_name; call and cast reach it (cast
    through the module's send); cast to nobody: ok; call to nobody: exit {noproc,
    {gen_server, call, [{via, vi, nobody}, get]}}; sys and stop take the name."""
    me = actors.self()
    via = Via(me)
    ok, pid = await gen_server.start(Srv(), "ok", ("via", via, "foo"))
    assert ok == "ok"
    await assert_receive(("reg", "foo"))
    assert await gen_server.start(Srv(), "ok", ("via", via, "foo")) == ("error", ("already_started", pid))
    assert await gen_server.call(("via", via, "foo"), "get") == 0
    assert gen_server.cast(("via", via, "foo"), ("add", 5)) == "ok"
    await assert_receive(("send", "foo"))
    assert await gen_server.call(("via", via, "foo"), "get") == 5
    assert gen_server.cast(("via", via, "nobody"), ("add", 5)) == "ok"
    await assert_receive(("send", "nobody"))
    r = await exit_reason(gen_server.call(("via", via, "nobody"), "get"))
    assert r == ("noproc", ("gen_server", "call", [("via", via, "nobody"), "get"]))
    assert await sys.get_state(("via", via, "foo")) == 5
    assert await gen_server.stop(("via", via, "foo")) == "ok"
    await refute_receive(timeout=0)


async def test_via_name_released_when_init_fails() -> None:
    """start({via, vi, bar}) whose init gives ignore: register then unregister_name,
    ignore; one whose init gives {stop, boom}: the same, {error, boom}."""
    me = actors.self()
    via = Via(me)
    assert await gen_server.start(Srv(), "ignore", ("via", via, "bar")) == "ignore"
    await assert_receive(("reg", "bar"))
    await assert_receive(("unreg", "bar"))
    assert await gen_server.start(Srv(), "stop", ("via", via, "bar")) == ("error", "boom")
    await assert_receive(("reg", "bar"))
    await assert_receive(("unreg", "bar"))
    assert via.names == {}


async def test_global_names() -> None:
    """start({global, gfoo}): {ok, G}; again: {error, {already_started, G}}; call
    reaches it; call {global, nobody}: exit {noproc, {gen_server, call, [{global,
    nobody}, get]}}; cast to nobody: ok; after G is killed whereis_name(gfoo) is
    undefined."""
    ok, g = await gen_server.start(Srv(), "ok", ("global", "gfoo"))
    assert ok == "ok"
    assert await gen_server.start(Srv(), "ok", ("global", "gfoo")) == ("error", ("already_started", g))
    assert await gen_server.call(("global", "gfoo"), "get") == 0
    r = await exit_reason(gen_server.call(("global", "nobody"), "get"))
    assert r == ("noproc", ("gen_server", "call", [("global", "nobody"), "get"]))
    assert gen_server.cast(("global", "nobody"), "x") == "ok"
    ref = actors.monitor("process", g)
    actors.exit(g, "kill")
    await assert_receive(("DOWN", ref, "process", g, "killed"))
    assert global_registry.whereis_name("gfoo") == "undefined"


async def test_global_registry_functions() -> None:
    """global:register_name(x, self()): yes, again: no; send(x, hi) gives the pid and
    delivers; send(nobody, hi): exit {badarg, {nobody, hi}}; unregister_name: ok, also
    for a name nobody has; any term is a name (a string too)."""
    me = actors.self()
    assert global_registry.register_name("x", me) == "yes"
    assert global_registry.register_name("x", me) == "no"
    assert global_registry.send("x", "hi") == me
    await assert_receive("hi")
    with pytest.raises(ErlangError) as e:
        global_registry.send("nobody", "hi")
    assert (e.value.kind, e.value.reason) == ("exit", ("badarg", ("nobody", "hi")))
    assert global_registry.registered_names() == ["x"]
    assert global_registry.unregister_name("x") == "ok"
    assert global_registry.unregister_name("nobody") == "ok"
    assert global_registry.whereis_name("x") == "undefined"
    ok, pid = await gen_server.start(Srv(), "ok", ("global", ("a", "tuple", 1)))
    assert ok == "ok" and global_registry.whereis_name(("a", "tuple", 1)) == pid
    await gen_server.stop(("global", ("a", "tuple", 1)))
    assert global_registry.registered_names() == []
    await refute_receive(ANY, timeout=0)
