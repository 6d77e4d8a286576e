"""The name registry and process_info, with Erlang's badarg cases (checked on OTP 25)."""

from __future__ import annotations

from typing import Any

import pytest

import actors
from actors import ANY, Atom, ErlangError
from actors.testing import assert_receive


async def wait_forever() -> None:
    await actors.receive("never")


def badarg(fn: Any, *args: Any) -> None:
    with pytest.raises(ErlangError) as e:
        fn(*args)
    assert e.value.reason == Atom("badarg")


async def test_register_whereis_unregister() -> None:
    """``register/2`` true, ``whereis/1`` the pid, ``unregister/1`` true, then undefined."""
    pid = actors.spawn(wait_forever)
    assert actors.register("srv", pid) is True
    assert actors.whereis("srv") == pid
    assert Atom("srv") in actors.registered()
    assert actors.process_info(pid, "registered_name") == ("registered_name", "srv")
    assert actors.unregister("srv") is True
    assert actors.whereis("srv") == "undefined"
    assert repr(actors.whereis("srv")) == "undefined"
    assert actors.process_info(pid, "registered_name") == []
    actors.exit(pid, "kill")


async def test_a_name_goes_when_its_process_dies() -> None:
    """A registered process that exits is unregistered."""
    pid, ref = actors.spawn_monitor(wait_forever)
    actors.register("short_lived", pid)
    actors.exit(pid, "kill")
    await assert_receive(("DOWN", ref, ANY, ANY, ANY))
    assert actors.whereis("short_lived") == "undefined"
    assert "short_lived" not in actors.registered()


async def test_register_badarg_cases() -> None:
    """``register`` raises badarg for: a taken name, ``undefined``, a process that
    already has a name, a dead pid, a non-atom name, a non-pid."""
    pid = actors.spawn(wait_forever)
    actors.register("taken", pid)
    other = actors.spawn(wait_forever)
    badarg(actors.register, "taken", other)
    badarg(actors.register, "undefined", other)
    badarg(actors.register, "second_name", pid)
    badarg(actors.register, 42, other)
    badarg(actors.register, "x", "notapid")
    dead, ref = actors.spawn_monitor(actors.sleep, 0)
    await assert_receive(("DOWN", ref, ANY, ANY, ANY))
    badarg(actors.register, "dead", dead)
    actors.exit(pid, "kill")
    actors.exit(other, "kill")


async def test_unregister_and_whereis_badarg_cases() -> None:
    """``unregister(nosuch)`` raises badarg; ``whereis(nosuch)`` is ``undefined``."""
    badarg(actors.unregister, "nosuch")
    assert actors.whereis("nosuch") == "undefined"
    badarg(actors.whereis, 42)


async def test_register_self() -> None:
    """``register(Name, self())``: a process can name itself; sends by name reach it."""
    actors.register("me", actors.self())
    actors.send("me", "hello")
    assert await actors.receive() == "hello"
    actors.unregister("me")


async def test_is_process_alive() -> None:
    """``is_process_alive/1``: true while running, false after; badarg for a non-pid."""
    pid, ref = actors.spawn_monitor(wait_forever)
    assert actors.is_process_alive(pid) is True
    assert actors.is_process_alive(actors.self()) is True
    actors.exit(pid, "kill")
    await assert_receive(("DOWN", ref, ANY, ANY, ANY))
    assert actors.is_process_alive(pid) is False
    badarg(actors.is_process_alive, "foo")


async def test_processes_lists_live_processes() -> None:
    """``processes/0`` lists every live process, the caller included."""
    pid, ref = actors.spawn_monitor(wait_forever)
    assert set(actors.processes()) >= {pid, actors.self()}
    actors.exit(pid, "kill")
    await assert_receive(("DOWN", ref, ANY, ANY, ANY))
    assert pid not in actors.processes()


async def test_process_info_status() -> None:
    """``status``: ``running`` for the caller, ``waiting`` for a process in receive."""

    async def ready_then_wait(to: actors.Pid) -> None:
        actors.send(to, "ready")  # runs on until it blocks in receive, before we run
        await actors.receive("never")

    pid = actors.spawn(ready_then_wait, actors.self())
    assert actors.process_info(pid, "status") == ("status", "runnable")
    assert actors.process_info(actors.self(), "status") == ("status", "running")
    ref = actors.monitor("process", pid)
    await assert_receive("ready")
    assert actors.process_info(pid, "status") == ("status", "waiting")
    actors.exit(pid, "kill")
    await assert_receive(("DOWN", ref, ANY, ANY, ANY))


async def test_process_info_message_queue_len_and_messages() -> None:
    """``message_queue_len`` and ``messages`` show what is queued, in order."""
    for m in ["a", "b", "c"]:
        actors.send(actors.self(), m)
    await actors.receive("b")
    me = actors.self()
    assert actors.process_info(me, "message_queue_len") == ("message_queue_len", 2)
    assert actors.process_info(me, "messages") == ("messages", ["a", "c"])
    await actors.receive()
    await actors.receive()


async def test_process_info_links_and_monitors() -> None:
    """``links`` and ``monitors`` (``{process, Pid}``) list what the process holds."""
    a = actors.spawn(wait_forever)
    b = actors.spawn(wait_forever)
    actors.link(a)
    ref = actors.monitor("process", b)
    me = actors.self()
    assert actors.process_info(me, "links") == ("links", [a])
    assert actors.process_info(me, "monitors") == ("monitors", [("process", b)])
    assert actors.process_info(b, "monitored_by") == ("monitored_by", [me])
    actors.unlink(a)
    actors.demonitor(ref)
    assert actors.process_info(me, "monitors") == ("monitors", [])
    actors.exit(a, "kill")
    actors.exit(b, "kill")


async def test_process_info_registered_name_when_none_is_empty_list() -> None:
    """``process_info(P, registered_name)`` is ``[]`` for an unnamed process."""
    assert actors.process_info(actors.self(), "registered_name") == []


async def test_process_info_initial_call() -> None:
    """``initial_call``: ``{Module, Function, Arity}`` of the spawned function."""
    pid = actors.spawn(wait_forever)
    assert actors.process_info(pid, "initial_call") == (
        "initial_call",
        (__name__, "wait_forever", 0),
    )
    actors.exit(pid, "kill")


async def test_process_info_all_items_and_list_of_items() -> None:
    """``process_info/1`` gives a list of ``{Item, Value}``; a list of items works too."""
    info = dict(actors.process_info(actors.self()))
    assert {"initial_call", "status", "message_queue_len", "links", "trap_exit"} <= set(info)
    assert info["status"] == "running"
    assert actors.process_info(actors.self(), ["status", "trap_exit"]) == [
        ("status", "running"),
        ("trap_exit", False),
    ]


async def test_process_info_of_a_dead_process_is_undefined() -> None:
    """``process_info(Dead)`` and ``process_info(Dead, status)`` are ``undefined``."""
    pid, ref = actors.spawn_monitor(actors.sleep, 0)
    await assert_receive(("DOWN", ref, ANY, ANY, ANY))
    assert actors.process_info(pid) == "undefined"
    assert actors.process_info(pid, "status") == "undefined"


async def test_process_info_badarg_cases() -> None:
    """``process_info(self(), bogus)`` and ``process_info(notapid)`` raise badarg."""
    badarg(actors.process_info, actors.self(), "bogus")
    badarg(actors.process_info, "notapid")
