"""Monitors, as ``erlang:monitor/2`` and ``erlang:demonitor/1,2`` (checked on OTP 25)."""

from __future__ import annotations

import pytest

import actors
from actors import ANY, Atom, ErlangError, Ref
from actors.testing import assert_receive, refute_receive


async def wait_forever() -> None:
    await actors.receive("never")


async def test_monitor_gets_down_with_the_exit_reason() -> None:
    """``monitor(process, Pid)`` then ``{'DOWN', Ref, process, Pid, Reason}``."""
    pid = actors.spawn(wait_forever)
    ref = actors.monitor("process", pid)
    assert isinstance(ref, Ref)
    actors.exit(pid, "bye")
    assert await assert_receive(("DOWN", ref, ANY, ANY, ANY)) == ("DOWN", ref, "process", pid, "bye")


async def test_monitor_of_a_dead_pid_gives_noproc() -> None:
    """Monitoring a pid that is gone gives an immediate DOWN with ``noproc``."""
    pid, ref0 = actors.spawn_monitor(actors.sleep, 0)
    await assert_receive(("DOWN", ref0, ANY, ANY, ANY))
    ref = actors.monitor("process", pid)
    assert await assert_receive(("DOWN", ref, ANY, ANY, ANY)) == ("DOWN", ref, "process", pid, "noproc")


async def test_monitor_by_name_reports_name_and_node() -> None:
    """``monitor(process, foo)``: the DOWN names ``{foo, nonode@nohost}``, as does
    ``process_info(self(), monitors)``."""
    pid = actors.spawn(wait_forever)
    actors.register("foo", pid)
    ref = actors.monitor("process", "foo")
    assert actors.process_info(actors.self(), "monitors") == (
        "monitors",
        [("process", ("foo", "nonode@nohost"))],
    )
    assert actors.process_info(pid, "monitored_by") == ("monitored_by", [actors.self()])
    actors.exit(pid, "kill")
    msg = await assert_receive(("DOWN", ref, ANY, ANY, ANY))
    assert msg == ("DOWN", ref, "process", ("foo", "nonode@nohost"), "killed")
    assert repr(msg[3]) == "(foo, nonode@nohost)"


async def test_monitor_of_an_unregistered_name_gives_noproc_with_name_and_node() -> None:
    """``monitor(process, nosuch)``: DOWN ``{nosuch, nonode@nohost}`` with ``noproc``."""
    ref = actors.monitor("process", "nosuch")
    assert await assert_receive(("DOWN", ref, ANY, ANY, ANY)) == (
        "DOWN", ref, "process", ("nosuch", "nonode@nohost"), "noproc",
    )


async def test_two_monitors_give_two_downs() -> None:
    """Each ``monitor/2`` call is a separate monitor with its own DOWN."""
    pid = actors.spawn(wait_forever)
    r1 = actors.monitor("process", pid)
    r2 = actors.monitor("process", pid)
    assert r1 != r2
    actors.exit(pid, "kill")
    await assert_receive(("DOWN", r1, ANY, ANY, ANY))
    await assert_receive(("DOWN", r2, ANY, ANY, ANY))


async def test_demonitor_stops_the_down() -> None:
    """After ``demonitor(Ref)`` no DOWN comes; it returns true."""
    pid = actors.spawn(wait_forever)
    ref = actors.monitor("process", pid)
    assert actors.demonitor(ref) is True
    assert actors.process_info(pid, "monitored_by") == ("monitored_by", [])
    r2 = actors.monitor("process", pid)
    actors.exit(pid, "kill")
    await assert_receive(("DOWN", r2, ANY, ANY, ANY))
    await refute_receive(("DOWN", ref, ANY, ANY, ANY), timeout=0)


async def test_demonitor_flush_removes_a_queued_down() -> None:
    """``demonitor(Ref, [flush])`` drops the DOWN already queued, keeps other messages."""
    pid, ref = actors.spawn_monitor(actors.sleep, 0)
    r2 = actors.monitor("process", pid)  # DOWN for r2 is noproc... or normal, after ref's
    await assert_receive(("DOWN", r2, ANY, ANY, ANY))
    actors.send(actors.self(), "keep")
    assert actors.demonitor(ref, ["flush"]) is True
    assert actors.process_info(actors.self(), "message_queue_len") == ("message_queue_len", 1)
    assert await actors.receive() == "keep"


class CountsComparisons:
    """A message element that counts how often it is compared."""

    count = 0

    def __eq__(self, other: object) -> bool:
        CountsComparisons.count += 1
        return False

    __hash__ = object.__hash__


async def test_demonitor_flush_of_an_active_monitor_does_not_scan_the_mailbox() -> None:
    """An active monitor has not fired, so no DOWN for it can be queued: Erlang's
    ``demonitor(Ref, [flush])`` costs nothing however long the mailbox. Here, with
    200,000 DOWN-shaped messages queued, not one of them is looked at."""
    pid = actors.spawn(wait_forever)
    ref = actors.monitor("process", pid)
    me = actors.self()
    bait = CountsComparisons()
    for _ in range(200_000):
        actors.send(me, (bait, ref, "process", pid, "normal"))
    CountsComparisons.count = 0
    assert actors.demonitor(ref, ["flush"]) is True
    assert CountsComparisons.count == 0
    assert actors.process_info(me, "message_queue_len") == ("message_queue_len", 200_000)
    actors.exit(pid, "kill")


async def test_demonitor_flush_of_a_fired_monitor_still_removes_its_down() -> None:
    """When the monitor already fired, ``flush`` finds and drops its DOWN among other
    messages, leaving those in order."""
    pid, ref = actors.spawn_monitor(actors.receive, "go")
    me = actors.self()
    actors.send(me, "first")
    r2 = actors.monitor("process", pid)  # its DOWN comes right after ref's
    actors.send(pid, "go")
    await assert_receive(("DOWN", r2, ANY, ANY, "normal"))
    actors.send(me, "last")
    assert actors.demonitor(ref, ["flush"]) is True
    assert actors.process_info(me, "messages") == ("messages", ["first", "last"])
    assert await actors.receive() == "first"
    assert await actors.receive() == "last"


async def test_demonitor_of_an_unknown_ref_is_true_and_info_false() -> None:
    """``demonitor(make_ref())`` is true; with ``[info]`` it is false."""
    assert actors.demonitor(actors.make_ref()) is True
    assert actors.demonitor(actors.make_ref(), ["info"]) is False


async def test_demonitor_info_is_true_for_an_active_monitor() -> None:
    """``demonitor(Ref, [info])`` is true when the monitor was active."""
    pid = actors.spawn(wait_forever)
    ref = actors.monitor("process", pid)
    assert actors.demonitor(ref, ["info"]) is True
    actors.exit(pid, "kill")


@pytest.mark.parametrize("args", [("port", "x"), ("process", 42)])
async def test_monitor_bad_arguments_are_badarg(args: tuple[str, object]) -> None:
    """``monitor(bogus, X)`` and ``monitor(process, 42)`` raise badarg."""
    with pytest.raises(ErlangError) as e:
        actors.monitor(*args)
    assert e.value.reason == Atom("badarg")


async def test_demonitor_bad_arguments_are_badarg() -> None:
    """``demonitor(notaref)`` and an unknown option raise badarg."""
    with pytest.raises(ErlangError):
        actors.demonitor("x")
    with pytest.raises(ErlangError):
        actors.demonitor(actors.make_ref(), ["bogus"])


async def test_a_dying_watcher_drops_its_monitors() -> None:
    """When the watcher dies its monitors go: the target's monitored_by empties."""
    target = actors.spawn(wait_forever)

    async def watcher(to: actors.Pid) -> None:
        actors.monitor("process", target)
        actors.send(to, "monitoring")
        await actors.receive("never")

    w, wref = actors.spawn_monitor(watcher, actors.self())
    await assert_receive("monitoring")
    assert actors.process_info(target, "monitored_by") == ("monitored_by", [w])
    actors.exit(w, "kill")
    await assert_receive(("DOWN", wref, ANY, ANY, ANY))
    assert actors.process_info(target, "monitored_by") == ("monitored_by", [])
    actors.exit(target, "kill")
