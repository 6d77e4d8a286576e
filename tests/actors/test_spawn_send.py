"""spawn, spawn_link, spawn_monitor, self and send, as erlang:spawn/1, self/0, '!'."""

from __future__ import annotations

import pytest

import actors
from actors import ANY, Atom, ErlangError, Pid
from actors.testing import assert_receive


async def echo_once() -> None:
    sender, msg = await actors.receive()
    actors.send(sender, ("echo", msg))


async def test_spawn_returns_a_pid_at_once_and_runs_the_function() -> None:
    """``spawn(fun)`` returns a pid before the new process has run."""
    pid = actors.spawn(echo_once)
    assert isinstance(pid, Pid)
    assert actors.is_process_alive(pid)
    actors.send(pid, (actors.self(), "hi"))
    assert await assert_receive(("echo", ANY)) == ("echo", "hi")


async def test_spawn_passes_arguments() -> None:
    """``spawn(M, F, Args)``: the function gets the arguments."""

    async def add(to: Pid, a: int, b: int) -> None:
        actors.send(to, a + b)

    actors.spawn(add, actors.self(), 2, 3)
    assert await assert_receive(5) == 5


async def test_self_is_the_callers_pid_and_differs_per_process() -> None:
    """``self()`` names the calling process; each process has its own pid."""

    async def report(to: Pid) -> None:
        actors.send(to, ("me", actors.self()))

    pid = actors.spawn(report, actors.self())
    msg = await assert_receive(("me", ANY))
    assert msg[1] == pid != actors.self()
    assert repr(actors.self()).startswith("<0.")


async def test_a_plain_function_spawned_runs_as_the_new_process() -> None:
    """A spawned plain function is called as the new process: ``self()`` inside it is
    the new pid, not the spawning one (the compiled build's C step remembers the process
    it runs, and must not answer for code run in another process's context)."""
    me = actors.self()

    def report(to: Pid) -> None:
        actors.send(to, ("me", actors.self()))

    pid = actors.spawn(report, me)
    assert await assert_receive(("me", ANY)) == ("me", pid)
    assert pid != me


async def test_spawn_of_a_non_function_is_badarg() -> None:
    """``spawn(notafun)`` raises badarg."""
    with pytest.raises(ErlangError) as e:
        actors.spawn(42)  # type: ignore[arg-type]
    assert e.value.reason == "badarg"


async def test_send_returns_the_message() -> None:
    """``Pid ! Msg`` evaluates to Msg."""
    assert actors.send(actors.self(), ("x", 1)) == ("x", 1)
    await assert_receive(("x", 1))


async def test_send_to_a_registered_name() -> None:
    """``Name ! Msg`` delivers to the process registered as Name."""
    pid = actors.spawn(echo_once)
    actors.register("echoer", pid)
    actors.send("echoer", (actors.self(), "by name"))
    assert await assert_receive(("echo", ANY)) == ("echo", "by name")


async def test_send_to_an_unregistered_name_is_badarg() -> None:
    """``nosuch ! x`` raises badarg."""
    with pytest.raises(ErlangError) as e:
        actors.send("nosuch", "x")
    assert e.value.reason == Atom("badarg")


async def test_send_to_a_dead_pid_is_silently_dropped() -> None:
    """Sending to a dead pid returns the message and raises nothing."""
    pid, ref = actors.spawn_monitor(echo_once)
    actors.exit(pid, "kill")
    await assert_receive(("DOWN", ref, "process", pid, "killed"))
    assert actors.send(pid, "lost") == "lost"


async def test_send_to_a_non_pid_is_badarg() -> None:
    """``42 ! x`` raises badarg."""
    with pytest.raises(ErlangError):
        actors.send(42, "x")


async def test_spawn_link_links_both_ways() -> None:
    """``spawn_link``: the new process and the caller are linked."""
    pid = actors.spawn_link(echo_once)
    assert actors.process_info(pid, "links") == (Atom("links"), [actors.self()])
    assert actors.process_info(actors.self(), "links") == (Atom("links"), [pid])
    actors.send(pid, (actors.self(), 1))
    await assert_receive(("echo", 1))


async def test_spawn_monitor_returns_pid_and_ref_and_reports_down() -> None:
    """``spawn_monitor`` gives ``{Pid, Ref}`` and a DOWN message when the process ends."""
    pid, ref = actors.spawn_monitor(echo_once)
    assert isinstance(ref, actors.Ref)
    actors.send(pid, (actors.self(), 1))
    await assert_receive(("echo", 1))
    assert await assert_receive(("DOWN", ref, ANY, ANY, ANY)) == ("DOWN", ref, "process", pid, "normal")


async def test_messages_from_one_sender_arrive_in_order() -> None:
    """Messages from one process to another are received in the order sent."""

    async def burst(to: Pid) -> None:
        for i in range(500):
            actors.send(to, ("n", i))

    actors.spawn(burst, actors.self())
    got = [(await assert_receive(("n", ANY)))[1] for _ in range(500)]
    assert got == list(range(500))


async def test_functions_outside_a_process_raise() -> None:
    """Calling the process API from plain code (no process) is an error, not a crash."""
    import contextvars

    def outside() -> None:
        actors.self()

    with pytest.raises(ErlangError) as e:
        contextvars.Context().run(outside)
    assert e.value.reason == "not_a_process"


async def test_first_messages_go_to_each_process_alone() -> None:
    """A new process shares one empty queue with every process that has had no message
    yet (`actors._mailbox.NO_MESSAGES`); the first message by any path (send, a
    gen_server call and its reply, a port's delivery through ``deliver``) gives it its
    own, so no message ever shows in another process's mailbox."""
    from actors import gen_server
    from actors._mailbox import NO_MESSAGES
    from actors.runtime import current

    async def hold(to: Pid) -> None:
        actors.send(to, ("got", actors.self(), await actors.receive()))

    class Echo:
        def init(self, arg: object) -> tuple[str, None]:
            return ("ok", None)

        def handle_call(self, req: object, frm: object, state: None) -> tuple[str, object, None]:
            return ("reply", req, state)

    me = actors.self()
    a, b, c = (actors.spawn(hold, me) for _ in range(3))
    assert [actors.process_info(p, "message_queue_len") for p in (a, b, c)] == [("message_queue_len", 0)] * 3
    actors.send(a, "for a")
    assert actors.process_info(b, "message_queue_len") == ("message_queue_len", 0)
    current().node.table[c].deliver("for c")  # the ports' path
    assert actors.process_info(b, "message_queue_len") == ("message_queue_len", 0)
    assert {await assert_receive(("got", a, ANY)), await assert_receive(("got", c, ANY))} == {
        ("got", a, "for a"), ("got", c, "for c")}
    ok, server = await gen_server.start(Echo(), None)
    assert ok == "ok"

    async def caller(to: Pid) -> None:  # a process whose first message is a call's reply
        actors.send(to, ("called", await gen_server.call(server, "ping")))

    actors.spawn(caller, me)
    assert await assert_receive(("called", ANY)) == ("called", "ping")
    actors.send(b, "for b")
    assert await assert_receive(("got", b, ANY)) == ("got", b, "for b")
    assert NO_MESSAGES == []
    await gen_server.stop(server)


async def test_a_burst_longer_than_the_budget_runs_in_spawn_order() -> None:
    """More processes queued than one scheduler turn runs (`BUDGET`): every one runs,
    in the order they were spawned, across turns."""
    from actors._sched import BUDGET

    n = 2 * BUDGET + 123
    order: list[int] = []

    async def note(i: int, to: Pid) -> None:
        order.append(i)
        if i == n - 1:
            actors.send(to, "last")

    me = actors.self()
    for i in range(n):
        actors.spawn(note, i, me)
    await assert_receive("last")
    assert order == list(range(n))


async def test_an_ended_process_is_freed_without_the_cycle_collector() -> None:
    """A process that ended, by returning, crashing or being killed, leaves no reference
    cycle: reference counting frees it, and everything it held, at once. (The pid and
    its context name the process; its end lets go of both. The compiled build does not
    track pids in the cycle collector at all, so a cycle left through one would leak.)"""
    import gc

    from actors._process import Process

    async def body(how: str) -> None:
        if how == "crash":
            raise ValueError("boom")
        if how == "killed":
            await actors.receive("never")

    def live(pids: list[Pid]) -> list[Process]:
        return [o for o in gc.get_objects() if type(o) is Process and o.handle in pids]

    gc.collect()
    gc.disable()
    try:
        refs = {}
        pids = []
        for how in ("normal", "crash", "killed"):
            pid, ref = actors.spawn_monitor(body, how)
            pids.append(pid)
            refs[ref] = how
        assert len(live(pids)) == 3
        actors.exit(pids[2], "kill")
        reasons = {}
        for _ in range(3):
            _, ref, _, _, reason = await assert_receive(("DOWN", ANY, "process", ANY, ANY))
            reasons[refs[ref]] = reason
        assert reasons["normal"] == "normal" and reasons["killed"] == "killed"
        assert live(pids) == []
    finally:
        gc.enable()
