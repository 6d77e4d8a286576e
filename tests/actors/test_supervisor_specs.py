"""Supervisor flags, child specs and start errors, as OTP 25 gives them (run in erl)."""

from __future__ import annotations

from typing import Any

import pytest

import actors
from actors import ANY, supervisor
from actors.testing import assert_receive, refute_receive

from .sup_helpers import Sup, spec, started, stop_sup


def ign() -> str:
    return "ignore"


def err() -> Any:
    return ("error", "nope")


def bad() -> str:
    return "foo"


def crash() -> None:
    raise ValueError("xx")


I = (ign, ())


@pytest.mark.parametrize(
    "s, expected",
    [
        ({"id": "a"}, ("error", "missing_start")),
        ({"start": I}, ("error", "missing_id")),
        ({"id": "a", "start": "x"}, ("error", ("invalid_mfa", "x"))),
        ({"id": "a", "start": I, "restart": "foo"}, ("error", ("invalid_restart_type", "foo"))),
        ({"id": "a", "start": I, "shutdown": -1}, ("error", ("invalid_shutdown", -1))),
        ({"id": "a", "start": I, "shutdown": "foo"}, ("error", ("invalid_shutdown", "foo"))),
        ({"id": "a", "start": I, "type": "foo"}, ("error", ("invalid_child_type", "foo"))),
        ({"id": "a", "start": I, "modules": "foo"}, ("error", ("invalid_modules", "foo"))),
        ({"id": "a", "start": I, "significant": "foo"}, ("error", ("invalid_significant", "foo"))),
        (
            {"id": "a", "start": I, "significant": True},
            ("error", ("bad_combination", [("restart", "permanent"), ("significant", True)])),
        ),
        ({"id": "a", "start": I, "significant": True, "restart": "transient"}, "ok"),
        ({"id": "a", "start": I, "foo": 1}, "ok"),
        (("a", I, "permanent", 5000, "worker", []), "ok"),
        ("foo", ("error", ("invalid_child_spec", "foo"))),
    ],
)
def test_check_childspecs(s: Any, expected: Any) -> None:
    """supervisor:check_childspecs([S]) in erl: missing_start, missing_id,
    {invalid_mfa, x}, {invalid_restart_type, foo}, {invalid_shutdown, -1},
    {invalid_shutdown, foo}, {invalid_child_type, foo}, {invalid_modules, foo},
    {invalid_significant, foo}, {bad_combination, [{restart, permanent}, {significant,
    true}]}, ok for a significant transient child, ok for an unknown key, ok for the old
    tuple form, {invalid_child_spec, foo}."""
    assert supervisor.check_childspecs([s]) == expected


def test_check_childspecs_duplicate_and_auto_shutdown() -> None:
    """{error, {duplicate_child_name, a}}; check_childspecs/2 with any_significant
    still refuses a permanent significant child and accepts a temporary one."""
    a = {"id": "a", "start": I}
    assert supervisor.check_childspecs([a, a]) == ("error", ("duplicate_child_name", "a"))
    assert supervisor.check_childspecs([a, {"id": "b", "start": I}]) == "ok"
    sig = {"id": "a", "start": I, "significant": True}
    assert supervisor.check_childspecs([sig], "any_significant") == (
        "error",
        ("bad_combination", [("restart", "permanent"), ("significant", True)]),
    )
    assert supervisor.check_childspecs([{**sig, "restart": "temporary"}], "any_significant") == "ok"


@pytest.mark.parametrize(
    "flags, reason",
    [
        ({"strategy": "foo"}, ("supervisor_data", ("invalid_strategy", "foo"))),
        ({"intensity": -1}, ("supervisor_data", ("invalid_intensity", -1))),
        ({"period": 0}, ("supervisor_data", ("invalid_period", 0))),
        ({"auto_shutdown": "foo"}, ("supervisor_data", ("invalid_auto_shutdown", "foo"))),
    ],
)
async def test_bad_flags(flags: dict[str, Any], reason: Any) -> None:
    """start_link with bad flags: {error, {supervisor_data, {invalid_strategy, foo}}} (and
    invalid_intensity, invalid_period, invalid_auto_shutdown); the caller (trapping) then
    gets {'EXIT', Sup, Reason}."""
    actors.process_flag("trap_exit", True)
    assert await supervisor.start_link(Sup(), ("ok", (flags, []))) == ("error", reason)
    await assert_receive(("EXIT", ANY, reason))


async def test_unknown_flag_is_ignored() -> None:
    """start_link with #{foo => 1}: {ok, Pid}."""
    sup = await _start(({"foo": 1}, []))
    assert await stop_sup(sup) == "shutdown"


async def _start(arg: Any) -> Any:
    ok, pid = await supervisor.start_link(Sup(), ("ok", arg))
    assert ok == "ok"
    return pid


async def test_start_errors() -> None:
    """start_link in erl: {error, {start_spec, missing_start}},
    {error, {start_spec, {duplicate_child_name, a}}}, ignore,
    {error, {bad_return, {sup, init, what}}}, {error, {bad_start_spec, Specs}} for a
    simple_one_for_one with 0 or 2 specs."""
    actors.process_flag("trap_exit", True)
    me = actors.self()
    mod = Sup()
    assert await supervisor.start_link(mod, ("ok", ({}, [{"id": "a"}]))) == ("error", ("start_spec", "missing_start"))
    two = [spec("a", me), spec("a", me)]
    assert await supervisor.start_link(mod, ("ok", ({}, two))) == ("error", ("start_spec", ("duplicate_child_name", "a")))
    assert await supervisor.start_link(mod, "ignore") == "ignore"
    assert await supervisor.start_link(mod, "what") == ("error", ("bad_return", (mod, "init", "what")))
    sofo = {"strategy": "simple_one_for_one"}
    specs = [spec("a", me), spec("b", me)]
    assert await supervisor.start_link(mod, ("ok", (sofo, specs))) == ("error", ("bad_start_spec", specs))
    assert await supervisor.start_link(mod, ("ok", (sofo, []))) == ("error", ("bad_start_spec", []))
    for _ in range(6):
        await assert_receive(("EXIT", ANY, ANY))


async def test_significant_child_under_auto_shutdown_never() -> None:
    """A significant child when auto_shutdown is never: {error, {start_spec,
    {bad_combination, [{auto_shutdown, never}, {significant, true}]}}}."""
    actors.process_flag("trap_exit", True)
    s = spec("a", actors.self(), restart="temporary", significant=True)
    r = await supervisor.start_link(Sup(), ("ok", ({}, [s])))
    assert r == ("error", ("start_spec", ("bad_combination", [("auto_shutdown", "never"), ("significant", True)])))
    await assert_receive(("EXIT", ANY, ANY))


@pytest.mark.parametrize(
    "start, reason",
    [((err, ()), "nope"), ((bad, ()), "foo")],
)
async def test_failed_to_start_child(start: Any, reason: Any) -> None:
    """A child whose start returns {error, nope} (or foo): start_link gives
    {error, {shutdown, {failed_to_start_child, e, nope}}} (foo likewise) and the
    children started before it are stopped."""
    actors.process_flag("trap_exit", True)
    me = actors.self()
    specs = [spec("a", me), {"id": "e", "start": start}]
    r = await supervisor.start_link(Sup(), ("ok", ({}, specs)))
    assert r == ("error", ("shutdown", ("failed_to_start_child", "e", reason)))
    a = await started("a")
    assert not actors.is_process_alive(a)
    await assert_receive(("EXIT", ANY, ("shutdown", ANY)))


async def test_start_function_raising() -> None:
    """A start function that raises error:xx: {failed_to_start_child, e, {'EXIT', {xx,
    Stack}}} (here the exception)."""
    actors.process_flag("trap_exit", True)
    r = await supervisor.start_link(Sup(), ("ok", ({}, [{"id": "e", "start": (crash, ())}])))
    assert r[1][1][:2] == ("failed_to_start_child", "e")
    tag, exc = r[1][1][2]
    assert tag == "EXIT" and isinstance(exc, ValueError)
    await assert_receive(("EXIT", ANY, ANY))
    await refute_receive(timeout=0)
