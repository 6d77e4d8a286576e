"""Exit signals reaching a port (checked in erl, OTP 25, inet): a linked process that
exits normally leaves the port open; any other exit signal closes it, and the port then
exits with that reason (``kill`` as ``killed``), so its linked processes - the owner
among them - get the signal in turn."""

from __future__ import annotations

from typing import Any

import pytest

import actors
import gen_tcp
from actors.testing import assert_receive, refute_receive
from gen_tcp import inet

LOOP = (127, 0, 0, 1)


async def _listen() -> Any:
    ok, ls = await gen_tcp.listen(0, [("ip", LOOP), ("active", False)])
    assert ok == "ok"
    return ls


async def _linked_exit(port: Any, how: str) -> None:
    """A process links to `port`, then ends normally or with reason boom."""
    me = actors.self()

    async def linker() -> None:
        actors.link(port)
        actors.send(me, "linked")
        await actors.receive("go")
        if how == "boom":
            actors.exit("boom")

    pid, ref = actors.spawn_monitor(linker)
    await actors.receive("linked")
    actors.send(pid, "go")
    await actors.receive(("DOWN", ref, "process", pid, actors.ANY))


async def test_linked_process_exiting_normally_leaves_the_port_open() -> None:
    """erl: ``link(L)`` in B, B exits normally: ``inet:port(L)`` -> ``{ok,P}``."""
    ls = await _listen()
    await _linked_exit(ls, "normal")
    assert (await inet.port(ls))[0] == "ok"
    assert await gen_tcp.close(ls) == "ok"


async def test_linked_process_exiting_abnormally_closes_the_port() -> None:
    """erl: B exits with ``boom``: the port closes (``inet:port(L)`` ->
    ``{error,einval}``) and exits with ``boom``: the trapping owner gets
    ``{'EXIT', L, boom}``."""
    actors.process_flag("trap_exit", True)
    ls = await _listen()
    await _linked_exit(ls, "boom")
    assert await inet.port(ls) == ("error", "einval")
    await assert_receive(("EXIT", ls, "boom"))


async def test_exit_signal_from_the_owner_closes_the_port_even_normal() -> None:
    """erl: ``exit(L, foo)`` and ``exit(L, normal)`` by the owner both close the port,
    which exits with that reason: a trapping owner gets ``{'EXIT', L, foo}`` /
    ``{'EXIT', L, normal}``."""
    actors.process_flag("trap_exit", True)
    for reason in ("foo", "normal"):
        ls = await _listen()
        assert actors.exit(ls, reason) is True
        assert await inet.port(ls) == ("error", "einval")
        await assert_receive(("EXIT", ls, reason))


async def _owned_port(trap: bool) -> tuple[actors.Pid, Any, actors.Ref]:
    """An owner process (trapping exits or not) holding a listen socket, monitored; it
    forwards what it receives to the caller."""
    me = actors.self()

    async def owner() -> None:
        actors.process_flag("trap_exit", trap)
        actors.send(me, ("port", await _listen()))
        while True:
            actors.send(me, ("owner_got", await actors.receive()))

    pid, ref = actors.spawn_monitor(owner)
    _, ls = await assert_receive(("port", actors.ANY))
    return pid, ls, ref


@pytest.mark.parametrize("reason", ["normal", "kill", "boom"])
async def test_exit_to_a_port_from_a_third_process(reason: str) -> None:
    """erl, ``exit(L, R)`` from a process that is not the owner: the port closes and
    exits with R (``kill`` -> ``killed``). A trapping owner gets ``{'EXIT', L, R}``; a
    non-trapping owner dies with R, except that ``normal`` leaves it alive."""
    exited = "killed" if reason == "kill" else reason
    for trap in (False, True):
        owner, ls, ref = await _owned_port(trap)

        async def third() -> None:
            actors.exit(ls, reason)

        actors.spawn(third)
        if trap or reason == "normal":
            if trap:
                await assert_receive(("owner_got", ("EXIT", ls, exited)))
            else:
                await refute_receive(("DOWN", ref, actors.ANY, actors.ANY, actors.ANY), timeout=50)
            assert await inet.port(ls) == ("error", "einval")
            actors.exit(owner, "kill")
            await assert_receive(("DOWN", ref, actors.ANY, actors.ANY, actors.ANY))
        else:
            await assert_receive(("DOWN", ref, "process", owner, exited))
            assert await inet.port(ls) == ("error", "einval")


async def test_a_linked_process_dying_takes_the_port_and_the_owner() -> None:
    """erl: a process linked to the port dies with ``boom``: the port closes and the
    non-trapping owner dies with ``boom`` (a trapping one gets ``{'EXIT', L, boom}``)."""
    for trap in (False, True):
        owner, ls, ref = await _owned_port(trap)
        await _linked_exit(ls, "boom")
        if trap:
            await assert_receive(("owner_got", ("EXIT", ls, "boom")))
            actors.exit(owner, "kill")
            await assert_receive(("DOWN", ref, actors.ANY, actors.ANY, actors.ANY))
        else:
            await assert_receive(("DOWN", ref, "process", owner, "boom"))


async def test_the_owner_exiting_takes_the_ports_other_links() -> None:
    """erl: a third process linked to the port; the owner exits with R: the port exits
    with R too (``kill`` -> ``killed``): the third, trapping, gets ``{'EXIT', L, R}``."""
    actors.process_flag("trap_exit", True)
    for reason, exited in (("normal", "normal"), ("boom", "boom"), ("kill", "killed")):
        me = actors.self()

        async def owner() -> None:
            actors.send(me, ("port", await _listen()))
            await actors.receive("go")
            actors.exit(reason)

        pid, ref = actors.spawn_monitor(owner)
        _, ls = await assert_receive(("port", actors.ANY))
        actors.link(ls)
        actors.send(pid, "go")
        await assert_receive(("DOWN", ref, actors.ANY, actors.ANY, actors.ANY))
        await assert_receive(("EXIT", ls, exited))
