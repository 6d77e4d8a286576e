"""Links and exit signals, exactly as Erlang: each test names the Erlang behaviour.

Every behaviour here was run on Erlang/OTP 25 first.
"""

from __future__ import annotations

from typing import Any

import pytest

import actors
from actors import ANY, Atom, ErlangError, Pid
from actors.testing import assert_receive, refute_receive


async def wait_forever() -> None:
    await actors.receive("never")


async def linked_then(to: Pid, action: str) -> None:
    """Tell `to` we are ready, wait for go, then end as told."""
    actors.send(to, ("ready", actors.self()))
    await actors.receive("go")
    if action == "normal":
        return
    if action == "crash":
        raise ValueError("boom")
    actors.exit(action)


async def watch(pid: Pid) -> actors.Ref:
    return actors.monitor("process", pid)


async def down(ref: actors.Ref) -> Any:
    """The reason in the DOWN message of monitor `ref`."""
    return (await assert_receive(("DOWN", ref, "process", ANY, ANY)))[4]


async def test_normal_exit_kills_no_linked_process() -> None:
    """A linked process that ends with ``normal`` does not take its links with it."""

    async def middle(to: Pid) -> None:
        child = actors.spawn_link(linked_then, actors.self(), "normal")
        (_, c) = await actors.receive(("ready", ANY))
        actors.send(to, ("child", c))
        actors.send(c, "go")
        await actors.receive("stop")

    mid = actors.spawn(middle, actors.self())
    _, child = await assert_receive(("child", ANY))
    child_ref = actors.monitor("process", child)
    assert await down(child_ref) == "normal"
    assert actors.is_process_alive(mid)
    ref = actors.monitor("process", mid)
    actors.send(mid, "stop")
    assert await down(ref) == "normal"


async def test_abnormal_exit_kills_a_linked_process_with_the_same_reason() -> None:
    """``exit(boom)`` in a linked process ends a non-trapping link with ``boom``."""

    async def middle(to: Pid) -> None:
        actors.spawn_link(linked_then, to, "boom")
        await actors.receive("never")

    mid = actors.spawn(middle, actors.self())
    ref = actors.monitor("process", mid)
    _, child = await assert_receive(("ready", ANY))
    actors.send(child, "go")
    assert await down(ref) == "boom"


async def test_trap_exit_turns_exit_signals_into_messages() -> None:
    """With ``process_flag(trap_exit, true)`` a link's exit arrives as ``{'EXIT', Pid, R}``."""
    assert actors.process_flag("trap_exit", True) is False
    child = actors.spawn_link(linked_then, actors.self(), "boom")
    await assert_receive(("ready", child))
    actors.send(child, "go")
    assert await assert_receive(("EXIT", child, ANY)) == ("EXIT", child, "boom")
    assert actors.process_flag("trap_exit", False) is True


async def test_trapping_process_gets_normal_exit_of_a_link() -> None:
    """A trapping process also gets ``{'EXIT', Pid, normal}`` from a link ending normally."""
    actors.process_flag("trap_exit", True)
    child = actors.spawn_link(linked_then, actors.self(), "normal")
    await assert_receive(("ready", child))
    actors.send(child, "go")
    assert await assert_receive(("EXIT", child, ANY)) == ("EXIT", child, "normal")


async def test_crash_reason_is_the_exception_for_links() -> None:
    """A process that raises ends with the exception as reason (Erlang: ``{badarith, ...}``)."""
    actors.process_flag("trap_exit", True)
    child = actors.spawn_link(linked_then, actors.self(), "crash")
    await assert_receive(("ready", child))
    actors.send(child, "go")
    _, _, reason = await assert_receive(("EXIT", child, ANY))
    assert isinstance(reason, ValueError) and str(reason) == "boom"


async def test_exit_kill_is_untrappable_and_links_see_killed() -> None:
    """``exit(Pid, kill)`` ends even a trapping process; its links get ``killed``."""

    async def trapper(to: Pid) -> None:
        actors.process_flag("trap_exit", True)
        actors.send(to, "trapping")
        await actors.receive("never")

    actors.process_flag("trap_exit", True)
    pid = actors.spawn_link(trapper, actors.self())
    ref = actors.monitor("process", pid)
    await assert_receive("trapping")
    assert actors.exit(pid, "kill") is True
    assert await assert_receive(("EXIT", pid, ANY)) == ("EXIT", pid, "killed")
    assert await down(ref) == "killed"


async def test_exit_kill_by_the_process_itself_propagates_kill() -> None:
    """A process doing ``exit(kill)``: trapping links get ``{'EXIT', P, kill}`` (not
    ``killed``), monitors get ``kill``."""
    actors.process_flag("trap_exit", True)
    child = actors.spawn_link(linked_then, actors.self(), "kill")
    ref = actors.monitor("process", child)
    await assert_receive(("ready", child))
    actors.send(child, "go")
    assert await assert_receive(("EXIT", child, ANY)) == ("EXIT", child, "kill")
    assert await down(ref) == "kill"


async def test_kill_from_a_link_ends_a_non_trapping_process_with_kill() -> None:
    """A ``kill`` exit signal that comes over a link is an ordinary signal: a
    non-trapping linked process dies with reason ``kill``."""

    async def middle(to: Pid) -> None:
        actors.spawn_link(linked_then, to, "kill")
        await actors.receive("never")

    mid = actors.spawn(middle, actors.self())
    ref = actors.monitor("process", mid)
    _, child = await assert_receive(("ready", ANY))
    actors.send(child, "go")
    assert await down(ref) == "kill"


async def test_exit_normal_to_another_process_is_ignored() -> None:
    """``exit(Pid, normal)`` does nothing to a non-trapping process."""
    pid = actors.spawn(wait_forever)
    actors.exit(pid, "normal")
    assert actors.is_process_alive(pid)
    actors.exit(pid, "kill")


async def test_exit_normal_to_a_trapping_process_is_a_message() -> None:
    """``exit(Pid, normal)`` reaches a trapping process as ``{'EXIT', From, normal}``."""

    async def trapper(to: Pid) -> None:
        actors.process_flag("trap_exit", True)
        actors.send(to, "trapping")
        actors.send(to, ("got", await actors.receive(("EXIT", ANY, ANY))))

    pid = actors.spawn(trapper, actors.self())
    await assert_receive("trapping")
    actors.exit(pid, "normal")
    assert await assert_receive(("got", ANY)) == ("got", ("EXIT", actors.self(), "normal"))


async def test_exit_signal_with_a_reason_ends_a_non_trapping_process() -> None:
    """``exit(Pid, shutdown)`` ends a non-trapping process with ``shutdown``."""
    pid, ref = actors.spawn_monitor(wait_forever)
    actors.exit(pid, "shutdown")
    assert await down(ref) == "shutdown"


async def test_exit_self_normal_ends_the_caller_with_normal() -> None:
    """``exit(self(), normal)`` ends the (non-trapping) caller with ``normal``."""

    async def quitter(to: Pid) -> None:
        actors.exit(actors.self(), "normal")
        actors.send(to, "survived")  # never reached

    pid, ref = actors.spawn_monitor(quitter, actors.self())
    assert await down(ref) == "normal"
    await refute_receive("survived", timeout=0)


async def test_exit_self_normal_when_trapping_is_a_message() -> None:
    """A trapping caller of ``exit(self(), normal)`` gets ``{'EXIT', Self, normal}``."""
    actors.process_flag("trap_exit", True)
    actors.exit(actors.self(), "normal")
    assert await assert_receive(("EXIT", ANY, ANY)) == ("EXIT", actors.self(), "normal")


async def test_exit_one_argument_ends_the_caller() -> None:
    """``exit(Reason)`` ends the caller; ``except Exception`` does not catch it."""

    async def quitter() -> None:
        try:
            actors.exit("bye")
        except Exception:  # pragma: no cover - must not catch
            pass
        await actors.receive("never")

    pid, ref = actors.spawn_monitor(quitter)
    assert await down(ref) == "bye"


async def test_exit_to_a_non_pid_is_badarg() -> None:
    """``exit(foo, bar)`` raises badarg."""
    with pytest.raises(ErlangError) as e:
        actors.exit("foo", "bar")
    assert e.value.reason == "badarg"


async def test_link_to_a_dead_pid_raises_noproc() -> None:
    """``link(Dead)`` raises ``noproc`` when the caller does not trap exits."""
    pid, ref = actors.spawn_monitor(actors.sleep, 0)
    await down(ref)
    with pytest.raises(ErlangError) as e:
        actors.link(pid)
    assert e.value.reason == Atom("noproc")


async def test_link_to_a_dead_pid_when_trapping_gives_an_exit_message() -> None:
    """``link(Dead)`` when trapping returns true and sends ``{'EXIT', Dead, noproc}``."""
    actors.process_flag("trap_exit", True)
    pid, ref = actors.spawn_monitor(actors.sleep, 0)
    await down(ref)
    assert actors.link(pid) is True
    assert await assert_receive(("EXIT", pid, ANY)) == ("EXIT", pid, "noproc")


async def test_link_is_bidirectional_and_idempotent() -> None:
    """``link/1`` twice is one link; both sides list it; ``link(self())`` is true."""
    pid = actors.spawn(wait_forever)
    assert actors.link(pid) is True
    assert actors.link(pid) is True
    assert actors.link(actors.self()) is True
    assert actors.process_info(pid, "links") == ("links", [actors.self()])
    assert actors.process_info(actors.self(), "links") == ("links", [pid])
    actors.unlink(pid)
    actors.exit(pid, "kill")


async def test_unlink_removes_the_link_both_ways() -> None:
    """After ``unlink/1`` the other's death does not reach the caller."""
    actors.process_flag("trap_exit", True)
    pid = actors.spawn_link(wait_forever)
    assert actors.unlink(pid) is True
    assert actors.process_info(pid, "links") == ("links", [])
    ref = actors.monitor("process", pid)
    actors.exit(pid, "kill")
    await down(ref)
    await refute_receive(("EXIT", ANY, ANY), timeout=0)


async def test_link_to_a_non_pid_is_badarg() -> None:
    """``link(foo)`` raises badarg."""
    with pytest.raises(ErlangError):
        actors.link("foo")


async def test_exit_propagates_along_a_chain_of_links() -> None:
    """a - b - c linked: c crashing takes b and then a (all non-trapping)."""

    async def chain(depth: int, to: Pid) -> None:
        if depth == 0:
            actors.send(to, ("leaf", actors.self()))
        else:
            actors.spawn_link(chain, depth - 1, to)
        await actors.receive("never")

    top, ref = actors.spawn_monitor(chain, 3, actors.self())
    _, leaf = await assert_receive(("leaf", ANY))
    actors.exit(leaf, "boom")
    assert await down(ref) == "boom"
